"""``jcstar catalog``: list, show and lint the requirement catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from jcstar.catalog.crosswalk import CrosswalkGraph
from jcstar.catalog.lint import lint_catalog_dir
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.catalog.models import Requirement, Scheme
from jcstar.cli.common import TextFormat, console, fail, input_errors, print_json, print_table

app = typer.Typer(help="Browse and check the requirement catalog.", no_args_is_help=True)


def _scheme_for(index: CatalogIndex, scheme: str | None, level: int | None) -> str | None:
    if level is None:
        return scheme
    found = next((lv for lv in index.catalog.levels if lv.level == level), None)
    if found is None:
        fail(f"--level {level}: no such level (1-4)")
    if found.scheme is None:
        fail(f"--level {level}: {found.name_ja} criteria are not in the catalog yet ({found.note})")
    if scheme and scheme != found.scheme:
        fail(f"--scheme {scheme} and --level {level} disagree (level {level} is {found.scheme})")
    return found.scheme


def _added_in(scheme: Scheme, requirement_id: str) -> str | None:
    """For a scheme that extends another (CLS level 2), which level added the item."""
    if not scheme.extends:
        return None
    return scheme.id if requirement_id in scheme.selection else scheme.extends


def requirement_row(req: Requirement, scheme: str, added_in: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"id": req.id, "scheme": scheme}
    if added_in:
        row["added_in"] = added_in
    row.update(req.model_dump(mode="json", exclude={"id"}, exclude_defaults=True))
    return row


@app.command("list")
def list_(
    scheme: Annotated[
        str | None, typer.Option(help="Scheme id, e.g. jcstar-1, cls-1, psti")
    ] = None,
    level: Annotated[int | None, typer.Option(help="JC-STAR level (1-4)")] = None,
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """List the schemes, or the requirements of one scheme or level."""
    index = CatalogIndex(load_catalog())
    scheme_id = _scheme_for(index, scheme, level)
    if scheme_id is None:
        _list_schemes(index, fmt)
        return
    with input_errors(KeyError):
        chosen = index.scheme(scheme_id)
    rows = [
        requirement_row(req, scheme_id, _added_in(chosen, req.id))
        for req in index.requirements(scheme_id)
    ]
    if fmt is TextFormat.json:
        print_json(rows)
        return
    print_table(
        f"{chosen.name_en} ({len(rows)})",
        ("id", "title_ja", "title_en", "basis"),
        (
            (r["id"], r.get("title_ja", ""), r.get("title_en", ""), r.get("basis", "official"))
            for r in rows
        ),
    )


def _list_schemes(index: CatalogIndex, fmt: TextFormat) -> None:
    rows: list[dict[str, Any]] = [
        {
            "id": s.id,
            "name_en": s.name_en,
            "name_ja": s.name_ja,
            "requirements": len(index.requirement_ids(s.id)),
            "selects_from": s.selects_from,
            "basis": s.basis,
        }
        for s in index.catalog.schemes
    ]
    if fmt is TextFormat.json:
        print_json(rows)
        return
    print_table(
        f"Schemes in catalog {index.catalog.version}",
        ("id", "name", "requirements", "selects from"),
        ((r["id"], r["name_en"], str(r["requirements"]), r["selects_from"] or "") for r in rows),
    )


@app.command()
def show(
    requirement_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. S1.1-02 or 5.1-1")],
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """Show one requirement, the schemes that include it and its crosswalk links."""
    catalog = load_catalog()
    index = CatalogIndex(catalog)
    hits = index.find(requirement_id)
    if not hits:
        fail(f"unknown requirement id {requirement_id!r} (see: jcstar catalog list --scheme NAME)")
    scheme, req = hits[0]
    links = [
        {"crosswalk": walk.id, **link.model_dump(mode="json")}
        for walk in catalog.crosswalks
        for link in walk.links
        if req.id in (link.source, link.target)
    ]
    data = {
        **requirement_row(req, scheme.id),
        "included_in": index.selections_containing(req.id),
        "links": links,
    }
    if fmt is TextFormat.json:
        print_json(data)
        return
    console.print(f"[bold]{req.id}[/]  {req.title_ja or ''}  {req.title_en or ''}", highlight=False)
    for key in (
        "statement_ja",
        "statement_en",
        "kind",
        "eval_mode",
        "evidence_guidance_en",
        "confidence_note",
        "basis",
    ):
        if data.get(key):
            console.print(f"  {key}: {data[key]}", highlight=False)
    if data["included_in"]:
        console.print(f"  included in: {', '.join(data['included_in'])}", highlight=False)
    for link in links:
        console.print(
            f"  {link['source']} {link['relationship']} {link['target']} [{link['basis']}]:"
            f" {link['rationale']}",
            highlight=False,
        )


@app.command()
def lint(
    path: Annotated[
        Path | None, typer.Option(help="Catalog data folder (default: the shipped catalog)")
    ] = None,
) -> None:
    """Check every catalog file: unique ids, no dangling references, every requirement mapped.

    With the shipped catalog, the shipped procurement policies are linted too."""
    catalog, problems = lint_catalog_dir(path)
    if catalog is not None:
        # the check registry imports every check (~0.4 s): only lint needs it
        from jcstar.assessment.bindings import lint_bindings

        problems += lint_bindings(catalog)
        CrosswalkGraph(catalog)  # the graph must build from the data
    if path is None:
        # the shipped procurement policies cite the shipped catalog (catalog must not import
        # procurement: this command runs both lints)
        from jcstar.procurement.lint import lint_policy_files

        problems += lint_policy_files()
    for problem in problems:
        console.print(f"[red]✗[/] {problem}", highlight=False)
    if problems:
        raise typer.Exit(1)
    assert catalog is not None
    console.print(
        f"[green]✓[/] catalog {catalog.version}: {len(catalog.files)} files, "
        f"{sum(len(s.requirements) for s in catalog.schemes)} requirements, "
        f"{sum(len(w.links) for w in catalog.crosswalks)} crosswalk links, no problems",
        highlight=False,
    )
