"""``jcstar report render``: the canonical JSON report into another format."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from jcstar.cli.common import (
    EXIT_INCOMPLETE,
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    TextFormat,
    fail,
    input_errors,
    print_json,
    print_table,
    write_output,
)
from jcstar.reports.formats import FORMATS, format_name, report_format

if TYPE_CHECKING:
    from jcstar.assessment.models import AssessmentReport
    from jcstar.assessment.projection import ProjectedVerdict

# the assessment models, projections and renderers are imported when a command runs, so that
# `jcstar report --help` stays light (the list of formats imports none of them)

app = typer.Typer(help="Work with assessment reports.", no_args_is_help=True)


def load_report(path: Path) -> AssessmentReport:
    from pydantic import ValidationError

    from jcstar.assessment.inputs import InputError, read_bytes, validation_message
    from jcstar.assessment.models import REPORT_SCHEMA_VERSION, AssessmentReport

    raw = read_bytes(path)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON report: {exc}") from None
    if isinstance(data, dict) and data.get("schema_version") not in (None, REPORT_SCHEMA_VERSION):
        raise InputError(
            f"{path}: field 'schema_version': {data.get('schema_version')!r} is not supported"
            f" (this jcstar reads {REPORT_SCHEMA_VERSION})"
        )
    try:
        return AssessmentReport.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_message(path, exc)) from None


@app.command()
def render(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", parser=format_name, metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}"
        ),
    ],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
) -> None:
    """Render a canonical JSON report (from ``jcstar assess``) in another format."""
    from jcstar.assessment.inputs import InputError
    from jcstar.reports import render as render_report

    with input_errors(InputError):
        loaded = load_report(report)
    binary = report_format(fmt).binary
    if binary and output is None:
        fail(f"--format {fmt} writes a binary file: give -o FILE")
    write_output(render_report(loaded, fmt), output, binary=binary)


@app.command()
def project(
    report: Annotated[Path, typer.Argument(metavar="REPORT.json")],
    scheme: Annotated[str, typer.Option(help="Scheme to answer: psti, cls-1, cls-2, etsi-…")],
    fmt: Annotated[TextFormat, typer.Option("--format", help="table or json")] = TextFormat.table,
) -> None:
    """See an assessment through another scheme (assess once, comply many).

    Each row says how it was answered: assessed directly (a requirement ``assess --also``
    added), through a crosswalk link from the report's own requirements, or not at all.
    Exit code 0 all met, 1 something not met, 3 something needs review.
    """
    from jcstar.assessment.inputs import InputError
    from jcstar.assessment.projection import project_report
    from jcstar.catalog.loader import load_catalog

    with input_errors(InputError, KeyError):
        loaded = load_report(report)
        projection = project_report(load_catalog(), loaded, scheme)
    if fmt is TextFormat.json:
        print_json(projection.model_dump(mode="json"))
    else:
        assessed = {v.requirement: v.verdict for v in loaded.verdicts}
        also = f" (also assessed: {', '.join(loaded.catalog.also)})" if loaded.catalog.also else ""
        counts = Counter(v.verdict for v in projection.verdicts)
        print_table(
            f"{projection.source_scheme} report{also} seen as {scheme}",
            ("requirement", "verdict", "answered by", "official", "why"),
            (
                (
                    f"{v.requirement}\n{v.title_en or v.title_ja or ''}",
                    v.verdict,
                    answered_by(v, assessed),
                    "yes" if v.official else "indicative",
                    v.reason,
                )
                for v in projection.verdicts
            ),
            show_lines=True,
            caption=", ".join(f"{verdict} {n}" for verdict, n in sorted(counts.items())),
        )
    found = {v.verdict for v in projection.verdicts}
    if "NOT_MET" in found:
        raise typer.Exit(EXIT_NOT_CONFORMANT)
    raise typer.Exit(EXIT_OK if found <= {"MET", "NOT_APPLICABLE"} else EXIT_INCOMPLETE)


def answered_by(row: ProjectedVerdict, assessed: Mapping[str, str]) -> str:
    """How a projected row got its verdict: ``assessed directly`` (the report holds a verdict
    for this very requirement and it decided the row), ``link from S1.1-02`` (carried through
    the crosswalks), or ``not answered`` (no verdict of the report decides it: it needs
    review)."""
    if row.verdict == "NEEDS_REVIEW":
        return "not answered"
    if row.requirement in row.from_requirements and assessed.get(row.requirement) == row.verdict:
        return "assessed directly"
    links = [source for source in row.from_requirements if source != row.requirement]
    return f"link from {', '.join(links)}" if links else "not answered"
