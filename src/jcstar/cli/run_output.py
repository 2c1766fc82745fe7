"""How ``jcstar probe`` and ``jcstar firmware`` end: ``--format table``, ``json`` or
``sarif`` (the findings for a CI system's code-scanning view), then the overall's exit code."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from jcstar.assessment.models import AssessmentReport
from jcstar.cli.assess_cmd import EXIT_BY_OVERALL, finish_with_report
from jcstar.cli.common import TextFormat, write_output


class RunFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"


RunFormatOption = Annotated[RunFormat, typer.Option("--format", help="table, json or sarif")]


def finish_run(
    report: AssessmentReport,
    fmt: RunFormat,
    output: Path | None,
    caption: str | None = None,
    after_table: Callable[[AssessmentReport], None] | None = None,
) -> NoReturn:
    """SARIF 2.1.0 (``reports.sarif``) to FILE or stdout; table and JSON as ``assess`` does."""
    if fmt is RunFormat.sarif:
        from jcstar.reports import render

        write_output(render(report, "sarif"), output)
        raise typer.Exit(EXIT_BY_OVERALL[report.overall])
    finish_with_report(report, TextFormat(fmt.value), output, caption, after_table)
