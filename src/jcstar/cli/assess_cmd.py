"""``jcstar assess``: profile (+ answers) -> report, with the exit code of the outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from jcstar.assessment.also import own_verdicts
from jcstar.assessment.inputs import InputError
from jcstar.assessment.models import AssessmentReport, RequirementVerdict, Verdict
from jcstar.assessment.plan import PlanError
from jcstar.assessment.report import overall
from jcstar.assessment.service import assess_files
from jcstar.catalog.operator_requirements import OperatorRequirementsError, use_directory
from jcstar.checks.base import CheckAttempt
from jcstar.cli.common import (
    EXIT_INCOMPLETE,
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    AlsoOption,
    OperatorRequirementsOption,
    TextFormat,
    also_schemes,
    err_console,
    fail,
    input_errors,
    print_table,
    write_output,
)
from jcstar.reports import FORMATS, render
from jcstar.reports.formats import format_name, report_format
from jcstar.reports.markdown import DRAFT_BANNER

EXIT_BY_OVERALL = {
    "CONFORMANT": EXIT_OK,
    "NOT_CONFORMANT": EXIT_NOT_CONFORMANT,
    "INCOMPLETE": EXIT_INCOMPLETE,
}


def show_attempt(attempt: CheckAttempt) -> None:
    style = {"completed": "green", "error": "red", "skipped": "yellow"}[attempt.status]
    reason = f": {attempt.reason}" if attempt.reason else ""
    err_console.print(f"[{style}]{attempt.status}[/] {attempt.check}{reason}", highlight=False)


def finish_with_report(
    report: AssessmentReport,
    fmt: TextFormat,
    output: Path | None,
    caption: str | None = None,
    after_table: Callable[[AssessmentReport], None] | None = None,
) -> NoReturn:
    """How probe and firmware end: JSON (to FILE or stdout) or a verdict table (plus the JSON
    in FILE when one is given; ``caption`` under it, then whatever ``after_table`` prints),
    then the exit code for the overall verdict."""
    if fmt is TextFormat.json:
        write_output(render(report, "json"), output)
    else:
        print_table(
            f"{report.product.product}: {report.overall}",
            ("requirement", "verdict", "evidence"),
            (
                (f"{v.requirement}\n{v.title_ja or ''}", v.verdict, "\n".join(v.reasons))
                for v in report.verdicts
            ),
            show_lines=True,
            caption=caption,
        )
        if after_table:
            after_table(report)
        if output:
            write_output(render(report, "json"), output)
    raise typer.Exit(EXIT_BY_OVERALL[report.overall])


def assess(
    profile: Annotated[Path, typer.Argument(metavar="PROFILE.yaml", help="Product profile")],
    answers: Annotated[
        Path | None, typer.Option(metavar="ANSWERS.yaml", help="Vendor questionnaire answers")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", parser=format_name, metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}"
        ),
    ] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to FILE")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds allowed per check (default: each check's own)")
    ] = None,
    also: AlsoOption = None,
    operator_requirements: OperatorRequirementsOption = None,
) -> None:
    """Assess a product against its level's requirements.

    Exit code 0 conformant, 1 not conformant, 3 incomplete (review needed or
    inconclusive), 2 usage or input error. With --also the code is the whole report's (the
    other schemes' requirements included); the closing line says separately whether the
    level's own requirements are conformant.
    """
    binary = report_format(fmt).binary
    if binary and output is None:  # said before the checks run, not after
        fail(f"--format {fmt} writes a binary file: give -o FILE")
    if operator_requirements is not None:
        use_directory(operator_requirements)
    report: AssessmentReport
    with input_errors(InputError, PlanError, OperatorRequirementsError):
        report = assess_files(
            profile, answers, timeout, on_attempt=show_attempt, also=also_schemes(also)
        )
    write_output(render(report, fmt), output, binary=binary)
    against = assessed_against(report)
    if against:
        err_console.print(against, highlight=False)
    err_console.print(
        f"overall: [bold]{report.overall}[/] "
        + " ".join(f"{k}={v}" for k, v in report.summary.model_dump().items() if v),
        highlight=False,
    )
    if report.catalog.also:
        err_console.print(own_and_also(report), highlight=False)
    raise typer.Exit(EXIT_BY_OVERALL[report.overall])


def _label_scheme(report: AssessmentReport) -> str:
    """``★1``, or ``★2 smart-home`` for a category profile's report."""
    category = report.product.category
    return f"★{report.level} {category}" if category else f"★{report.level}"


def assessed_against(report: AssessmentReport) -> str | None:
    """The category profile line a ★2+ report's summary starts with (none at ★1)."""
    if report.product.category is None and not report.catalog.draft:
        return None
    criteria = report.criteria_version or "not recorded"
    line = f"assessed against: {_label_scheme(report)} ({report.catalog.scheme})"
    line += f", criteria {criteria}"
    return f"{line}: {DRAFT_BANNER}" if report.catalog.draft else line


def own_and_also(report: AssessmentReport) -> str:
    """``★1: CONFORMANT; with cls-1, psti: INCOMPLETE (11 NEEDS_REVIEW)``: whether the level's
    own requirements are met apart from what the other markets' (``--also``) questions left
    open, so an INCOMPLETE caused only by them does not read as the label's. The exit code
    stays the whole report's."""

    def part(verdicts: Sequence[RequirementVerdict]) -> str:
        counts = Counter(v.verdict for v in verdicts if v.verdict in _OPEN)
        held = ", ".join(f"{counts[v]} {v}" for v in _OPEN if counts[v])
        return f"{overall(tuple(verdicts))} ({held})" if held else overall(tuple(verdicts))

    also = ", ".join(report.catalog.also)
    own = part(own_verdicts(report))
    return f"{_label_scheme(report)}: {own}; with {also}: {part(report.verdicts)}"


#: the verdicts that keep a set of requirements from being conformant, in the order named
_OPEN: tuple[Verdict, ...] = ("NOT_MET", "INCONCLUSIVE", "NEEDS_REVIEW")
