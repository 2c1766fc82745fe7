"""``jcstar catalog``: list, show and lint the requirement catalog."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from jcstar.catalog.crosswalk import CrosswalkGraph
from jcstar.catalog.lint import lint_catalog_dir
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.catalog.models import Requirement, Scheme
from jcstar.cli.common import (
    OperatorRequirementsOption,
    TextFormat,
    console,
    fail,
    input_errors,
    print_json,
    print_table,
)

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
            **_profile_fields(s),
        }
        for s in index.catalog.schemes
    ]
    if fmt is TextFormat.json:
        print_json(rows)
        return
    print_table(
        f"Schemes in catalog {index.catalog.version}",
        ("id", "name", "requirements", "selects from / profile"),
        ((r["id"], r["name_en"], _count(r), r["selects_from"] or _profile_text(r)) for r in rows),
    )


def _profile_fields(scheme: Scheme) -> dict[str, Any]:
    """What a category profile (★2 and above) adds to its row: level, category, base,
    authorship, draft, and the operator's file it still lacks."""
    if not scheme.is_profile:
        return {}
    missing = scheme.operator_requirements if not scheme.requirements else None
    return {
        "level": scheme.level,
        "category": scheme.category,
        "base": scheme.base,
        "authored_by": scheme.authored_by,
        "draft": scheme.draft,
        "operator_requirements_missing": missing,
    }


def _count(row: dict[str, Any]) -> str:
    count, missing = row["requirements"], row.get("operator_requirements_missing")
    return f"{count} + {missing} (operator's)" if missing else str(count)


def _profile_text(row: dict[str, Any]) -> str:
    if "category" not in row:
        return ""
    draft = ", draft" if row["draft"] else ""
    return f"★{row['level']} {row['category']} on {row['base']} ({row['authored_by']}{draft})"


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
    operator_requirements: OperatorRequirementsOption = None,
) -> None:
    """Check every catalog file: unique ids, no dangling references, every requirement mapped.

    With the shipped catalog, the shipped procurement policies are linted too."""
    if operator_requirements is not None:
        from jcstar.catalog.operator_requirements import use_directory

        use_directory(operator_requirements)
    catalog, problems = lint_catalog_dir(path)
    if catalog is not None:
        # the check registry imports every check (~0.4 s): only lint needs it
        from jcstar.assessment.bindings import lint_bindings

        problems += lint_bindings(catalog)
        CrosswalkGraph(catalog)  # the graph must build from the data
    if path is None and catalog is not None:  # a catalog that does not load is named above
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


# -- the master list, the programme table and the OSCAL exports (issue 15) ------------------


class ExportFormat(StrEnum):
    oscal_catalog = "oscal-catalog"
    oscal_profile = "oscal-profile"


@app.command()
def master(
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """The master requirement list: top-level requirements, items and what each scheme
    places under them (only the seed's items are METI's; the rest is our structure)."""
    from jcstar.cli.master_view import master_tree, print_master_tree

    tree = master_tree(load_catalog())
    if fmt is TextFormat.json:
        print_json(tree)
        return
    print_master_tree(tree)


@app.command()
def programmes(
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """The foreign IoT security programmes METI's overview compares, with their status now."""
    from jcstar.cli.master_view import print_programmes, programme_rows

    rows = programme_rows()
    if fmt is TextFormat.json:
        print_json(rows)
        return
    print_programmes(rows)


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="oscal-catalog or oscal-profile")],
    scheme: Annotated[
        str | None, typer.Option(help="Scheme of the profile, e.g. jcstar-1, cls-1, psti")
    ] = None,
    catalog_href: Annotated[
        str, typer.Option(help="Where the profile says the OSCAL catalog is")
    ] = "jcstar-master-catalog.json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write")] = None,
) -> None:
    """Export the catalog as OSCAL: the master list as a catalog, or one scheme as a profile."""
    # trestle takes a while to import: only this command needs it
    from jcstar.catalog.master import load_master
    from jcstar.catalog.oscal import ExportError, render_catalog, render_profile
    from jcstar.cli.common import write_output

    catalog = load_catalog()
    if fmt is ExportFormat.oscal_catalog:
        if scheme is not None:
            fail("--scheme applies to --format oscal-profile only")
        text = render_catalog(catalog, load_master())
    else:
        if scheme is None:
            fail("--format oscal-profile needs --scheme ID (see: jcstar catalog list)")
        with input_errors(ExportError):
            text = render_profile(catalog, scheme, catalog_href)
    write_output(text.encode("utf-8"), output)
