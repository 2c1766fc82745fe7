"""``jcstar report render``: the canonical JSON report into another format."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from jcstar.assessment.inputs import InputError, read_bytes, validation_message
from jcstar.assessment.models import REPORT_SCHEMA_VERSION, AssessmentReport
from jcstar.cli.common import fail, input_errors, write_output
from jcstar.reports import render as render_report

app = typer.Typer(help="Work with assessment reports.", no_args_is_help=True)


class RenderFormat(StrEnum):
    md = "md"
    html = "html"
    xlsx = "xlsx"
    oscal = "oscal"
    json = "json"


def load_report(path: Path) -> AssessmentReport:
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
    fmt: Annotated[RenderFormat, typer.Option("--format", help="md, html, xlsx, oscal or json")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
) -> None:
    """Render a canonical JSON report (from ``jcstar assess``) as md, html, xlsx or OSCAL."""
    with input_errors(InputError):
        loaded = load_report(report)
    if fmt is RenderFormat.xlsx and output is None:
        fail("--format xlsx writes a workbook: give -o FILE.xlsx")
    write_output(render_report(loaded, fmt.value), output, binary=fmt is RenderFormat.xlsx)
