"""``jcstar recognize --have SCHEME --want SCHEME``: what holding one scheme gives towards
another, requirement by requirement, with the recognition route, its conditions and fee; with
``--registration NO`` (★1 → UK PSTI), whether that label is deemed compliant on ``--on`` (the
date of supply), read from a registry or a signed snapshot as ``procure check`` reads them.
With ``--report REPORT.json`` instead of ``--have``: what that assessment showed, each wanted
requirement covered (its projected verdict, or a route's waiver), NOT_MET, or still to show.

Exit codes: 0 every wanted requirement covered, or the label deemed compliant; 1 the label is
not deemed compliant on the day, or the report shows a wanted requirement NOT_MET; 3 some
wanted requirement still needs evidence; 2 bad input (an unknown scheme, a label no route
asks for, a registration number the registry lacks, an unreadable report); 5 the registry
could not be reached.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from jcstar.cli.common import (
    EXIT_INCOMPLETE,
    EXIT_NOT_CONFORMANT,
    EXIT_OK,
    FormatOption,
    TextFormat,
    console,
    fail,
    input_errors,
    print_json,
    print_table,
)
from jcstar.cli.procure_options import (
    DayOption,
    JwksOption,
    RegistryOption,
    SigOption,
    SnapshotOption,
    day_of,
    open_source,
)
from jcstar.cli.registry_options import registry_errors

if TYPE_CHECKING:
    from jcstar.assessment.recognition import (
        Cover,
        LabelOnDay,
        Recognition,
        RecognitionRow,
        RouteAnswer,
    )
    from jcstar.labels.standing import LabelRecord

EXIT_BY_OUTCOME = {
    "covered": EXIT_OK,
    "deemed_compliant": EXIT_OK,
    "not_met": EXIT_NOT_CONFORMANT,
    "not_deemed_compliant": EXIT_NOT_CONFORMANT,
    "needs_evidence": EXIT_INCOMPLETE,
}


def recognize(
    want: Annotated[
        str, typer.Option("--want", metavar="SCHEME", help="The scheme to answer, e.g. jcstar-1")
    ],
    have: Annotated[
        str | None,
        typer.Option("--have", metavar="SCHEME", help="The scheme the product holds"),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="REPORT.json",
            help="Start from what this assessment showed instead of --have",
        ),
    ] = None,
    level: Annotated[
        int | None,
        typer.Option(
            "--level", metavar="N", help="The held scheme's level (--have cls --level 2: cls-2)"
        ),
    ] = None,
    registration: Annotated[
        str | None,
        typer.Option(
            "--registration", metavar="NO", help="The label's registration number (★1 → psti)"
        ),
    ] = None,
    on: DayOption = None,
    registry: RegistryOption = None,
    snapshot: SnapshotOption = None,
    sig: SigOption = None,
    jwks: JwksOption = None,
    fmt: FormatOption = TextFormat.table,
) -> None:
    """What holding one scheme gives towards another: waivers, links, what is left.

    Each requirement of --want: covered by the route or a crosswalk link, or what to show.
    With --report: covered by the report's verdict or the route, NOT_MET, or what to show.

    With --registration: whether that label is deemed compliant on --on (date of supply)."""
    from jcstar.assessment.inputs import InputError
    from jcstar.assessment.recognition import RecognitionError, recognize_report
    from jcstar.assessment.recognition import recognize as answer
    from jcstar.catalog.loader import load_catalog
    from jcstar.cli.report_cmd import load_report
    from jcstar.registry.applications.fees import fee_table

    if (have is None) == (report is None):
        fail("give --have SCHEME (what the product holds) or --report REPORT.json, not both")
    if report is not None and level is not None:
        fail("--level qualifies --have; a report names its own scheme")
    day = day_of(on)
    loaded = None
    if report is not None:
        with input_errors(InputError):
            loaded = load_report(report)
    label = None
    if registration is not None:
        label = _label_on_day(registration, day, registry, snapshot, sig, jwks)
    elif registry or snapshot:
        fail("--registry and --snapshot are read for a label: give --registration NO")
    catalog = load_catalog()
    with input_errors(KeyError, RecognitionError):
        if loaded is not None:
            result = recognize_report(catalog, loaded, want, day, label=label, fees=fee_table())
        else:
            assert have is not None
            held = have if level is None or have.endswith(f"-{level}") else f"{have}-{level}"
            result = answer(catalog, held, want, day, label=label, fees=fee_table())
    if fmt is TextFormat.json:
        print_json(result.model_dump(mode="json"))
    else:
        _print(result)
    raise typer.Exit(EXIT_BY_OUTCOME[result.outcome])


def _label_on_day(
    registration: str,
    day: dt.date,
    registry: str | None,
    snapshot: Path | None,
    sig: Path | None,
    jwks: str | None,
) -> LabelOnDay:
    """The label's record from the registry (or snapshot), as it stood on ``day``."""
    source = open_source(registry, snapshot, sig, jwks)
    try:
        with registry_errors():
            record = source.lookup([], [registration]).by_registration.get(registration)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    if record is None:
        fail(f"--registration {registration}: no such label in {source.description}")
    return label_on_day(record, day)


def label_on_day(record: LabelRecord, day: dt.date) -> LabelOnDay:
    """``standing_on`` in the plain values recognition takes, with the day the status took
    effect (the last event on or before the day: when it was revoked or suspended)."""
    from jcstar.assessment.recognition import LabelOnDay
    from jcstar.labels.standing import standing_on, status_since

    return LabelOnDay.of(standing_on(record, day), status_since(record, day))


COVERAGE_CELLS = {
    "covered": "[green]covered[/]",
    "not_met": "[red]NOT_MET[/]",
    "needs_evidence": "[yellow]needs evidence[/]",
}


def _print(result: Recognition) -> None:
    start = f"report {result.report_id} ({result.have})" if result.report_id else result.have
    failed = f", {result.not_met} NOT_MET" if result.not_met else ""
    print_table(
        f"{start} → {result.want} on {result.on}: {result.covered}/{result.total} covered{failed}",
        ("requirement", "coverage", "covered by", "still to show"),
        (
            (
                escape(f"{row.requirement}\n{row.title_en or row.title_ja or ''}"),
                COVERAGE_CELLS[row.coverage],
                escape("\n".join(c.describe() for c in _shown(row))),
                escape("\n".join(row.needs)),
            )
            for row in result.rows
        ),
        show_lines=True,
    )
    lines = _route_lines(result.route) if result.route else [_no_route(result)]
    if result.label is not None:
        lines.append(result.label.answer)
    else:
        if result.route is not None and result.route.label_condition:
            lines.append(
                "give --registration NO (and --on DATE, the date of supply) to ask whether a "
                "label is deemed compliant"
            )
        missing = result.total - result.covered - result.not_met
        if result.not_met:
            lines.append(
                f"{result.not_met} of {result.total} {result.want} requirements are NOT_MET "
                "in the report"
            )
        if missing:
            lines.append(
                f"{missing} of {result.total} {result.want} requirements still need evidence"
            )
        if not missing and not result.not_met:
            lines.append(f"every {result.want} requirement is covered")
    for line in lines:
        console.print(escape(line), highlight=False)


def _shown(row: RecognitionRow) -> tuple[Cover, ...]:
    """What the "covered by" cell names: the covers, or for NOT_MET the verdict that failed."""
    return row.partial if row.coverage == "not_met" else row.covered_by


def _no_route(result: Recognition) -> str:
    return (
        f"no recognition route from {result.have} to {result.want} is known: "
        f"coverage through the crosswalks only (via {' → '.join(result.path)})"
    )


def _route_lines(route: RouteAnswer) -> list[str]:
    effect = (
        "no arrangement"
        if route.kind == "none"
        else f"in effect from {route.effective_from}"
        if route.in_effect
        else f"not in effect on the day (from {route.effective_from})"
    )
    lines = [
        f"route {route.id}: {route.kind}, basis {route.basis} "
        f"({', '.join(route.sources)}), {effect}",
        route.summary,
    ]
    if route.waives:
        lines.append(f"waives: {', '.join(route.waives)}")
    if route.fee is not None:
        amount = (
            f"¥{route.fee.amount_jpy:,}" if route.fee.amount_jpy is not None else "not published"
        )
        lines.append(f"fee: {amount} [{route.fee.source}] {route.fee.note}")
    if route.label_condition:
        lines.append(f"label condition: {route.label_condition}")
    lines += [f"condition (for the holder to show): {c}" for c in route.conditions]
    if route.confirm:
        lines.append(f"to confirm: {route.confirm}")
    if route.note:
        lines.append(f"note: {route.note}")
    return lines
