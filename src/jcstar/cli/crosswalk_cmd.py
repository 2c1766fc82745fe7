"""``jcstar crosswalk FROM TO``: what in FROM covers each requirement of TO."""

from __future__ import annotations

from typing import Annotated

import typer

from jcstar.catalog.crosswalk import CrosswalkGraph
from jcstar.catalog.loader import load_catalog
from jcstar.cli.common import TextFormat, input_errors, print_json, print_table

_COVERAGE_STYLE = {"covered": "green", "partial": "yellow", "not_covered": "red"}


def crosswalk(
    source: Annotated[str, typer.Argument(metavar="FROM", help="Scheme already met, e.g. psti")],
    target: Annotated[str, typer.Argument(metavar="TO", help="Scheme to answer, e.g. jcstar-1")],
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """For each requirement of TO, show what in FROM covers it, how, and why."""
    with input_errors(KeyError):
        projection = CrosswalkGraph(load_catalog()).project(source, target)
    if fmt is TextFormat.json:
        print_json(projection.model_dump(mode="json"))
        return
    covered = sum(row.coverage == "covered" for row in projection.rows)
    print_table(
        f"{source} → {target} (via {' → '.join(projection.path)}): "
        f"{covered}/{len(projection.rows)} covered",
        ("requirement", "coverage", f"covered by ({source})", "rationale"),
        (
            (
                f"{row.id}\n{row.title_ja or row.title_en or ''}",
                f"[{_COVERAGE_STYLE[row.coverage]}]{row.coverage}[/]",
                "\n".join(f"{c.source} ({c.relationship}, {c.basis})" for c in row.covered_by),
                "\n".join(c.rationale for c in row.covered_by),
            )
            for row in projection.rows
        ),
        show_lines=True,
    )
