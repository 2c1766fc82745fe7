"""The UK PSTI statement of compliance, from one assessment (and a ★1 label, where given).

The statement is made only when the report, seen through the crosswalks, MEETS every PSTI
security requirement (Schedule 1: ETSI EN 303 645 provisions 5.1-1, 5.1-2, 5.2-1 and 5.3-13,
the catalog's ``psti`` scheme). Anything else gives a draft that names what is missing, never
a statement of compliance.

A ★1 label adds the second route: since December 2025 UK law is reported to treat a valid,
unexpired JC-STAR ★1 label as meeting Schedule 1 and the statement-of-compliance duty
(S.I. 2025/1267; secondary sources, jcstar-facts §4). Whether it does depends on the label's
standing on the day of supply, so the caller gives that day. A label deemed compliant makes
the deemed-compliance statement even when the report's own projection is incomplete: it is
what UK law recognises, and it says it is the label route, never the manufacturer's own
statement (``made_by``).

A draft names the next step in one line: a ★1-only report cannot answer the PSTI provisions
★1 covers only in part (5.1-1, 5.1-2), so it says to assess again with ``--also psti`` and
which questions to answer, computed from ``also_requirements``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.plan import also_requirements
from jcstar.assessment.projection import project_report
from jcstar.catalog.models import Catalog
from jcstar.catalog.recognition import load_recognitions
from jcstar.declarations.common import (
    TO_COMPLETE,
    Declaration,
    Frozen,
    RequirementRow,
    Source,
    product_block,
    report_day,
    requirement_row,
)
from jcstar.labels.standing import LabelRecord, Status, model_key, standing_on

SCHEME = "psti"


def recognised_criteria() -> str:
    """The ★1 criteria version the UK recognises, as the ★1 → PSTI recognition route names it
    (``catalog/data/recognition.yaml``: one place for the rule ``jcstar recognize`` applies)."""
    route = load_recognitions().between("jcstar-1", "psti")
    assert route is not None and route.label is not None, "recognition.yaml: jcstar-1 -> psti"
    return route.label.criteria_version


STATEMENT = (
    "In the opinion of the manufacturer, the manufacturer has complied with the security"
    " requirements of Schedule 1 to the Product Security and Telecommunications"
    " Infrastructure (Security Requirements for Relevant Connectable Products) Regulations"
    " 2023 in relation to the product named above."
)
DRAFT = (
    "DRAFT, NOT A STATEMENT OF COMPLIANCE: the assessment does not show every PSTI security"
    " requirement met. Complete what is listed as missing, assess again, then issue the"
    " statement."
)
LABEL_STATEMENT = (
    "DEEMED COMPLIANT THROUGH THE JC-STAR ★1 LABEL {registration_no} on {on}: UK law is"
    " reported to treat a product with a valid, unexpired JC-STAR ★1 label as meeting the"
    " Schedule 1 security requirements and the statement-of-compliance duty (S.I. 2025/1267;"
    " our paraphrase of secondary summaries). This is the label route, not the manufacturer's"
    " own statement of compliance: the assessment below does not itself show every PSTI"
    " security requirement met."
)
PARAPHRASE = Source(
    text="The PSTI duties and the statement's contents below are our paraphrase of the PSTI"
    " Regulations 2023 (Schedules 1 and 2), not their text; confirm against legislation.gov.uk"
    " before issuing.",
    basis="judgement",
    source="jcstar project's own reading",
)
SCHEDULE_1 = Source(
    text="The PSTI security requirements are ETSI EN 303 645 provisions 5.1-1, 5.1-2, 5.2-1"
    " and 5.3-13.",
    basis="seed",
    source="METI overview (seed), foreign-scheme table",
)
DEEMED = Source(
    text="UK S.I. 2025/1267 (in force 2025-12-04) is reported to treat a product with a valid,"
    " unexpired JC-STAR ★1 label as meeting the Schedule 1 security requirements (new"
    " regulation 4A) and the statement-of-compliance duty (Schedule 2A). Secondary: confirm"
    " against the instrument's text on legislation.gov.uk.",
    basis="secondary",
    source="policy-wire.co.uk and the-common-room.co.uk on S.I. 2025/1267 (jcstar-facts §4)",
)
IPA_CONDITIONS = Source(
    text="IPA's conditions for the UK route: the product appears on its product information"
    " page and on IPA's list of PSTI-declared products (PSTI法適合宣言製品リスト); product,"
    " vulnerability and reporting-contact information are available in English; the label is"
    " visible from outside the product when sold in the UK; only ★1 is recognised.",
    basis="official",
    source="IPA PSTI mutual-recognition page (P10, verified)",
)


class StatementField(Frozen):
    """One thing the statement of compliance must state (our paraphrase of the duty), with
    what the assessment knows of it, or ``to be completed by the manufacturer``."""

    field: str
    duty: str
    value: str


class LabelRoute(Frozen):
    """The deemed-compliance route through a ★1 label, on the day of supply."""

    registration_no: str
    on: dt.date
    status: Status
    level: int
    expires_on: dt.date | None
    criteria_version: str | None
    deemed: bool
    why: str
    basis: Source


class PstiStatement(Declaration):
    kind: Literal["psti"] = "psti"
    title: str = "UK PSTI statement of compliance"
    #: every PSTI requirement is MET: the manufacturer's own statement is made
    made: bool
    #: who the statement rests on: the manufacturer's assessment, a ★1 label deemed compliant
    #: on the day (UK law's route), or nobody yet (a draft)
    made_by: Literal["manufacturer", "label", "draft"]
    statement: str
    requirements: tuple[RequirementRow, ...]
    #: each requirement not MET, with why (empty when the statement is made)
    missing: tuple[str, ...]
    #: what to do next for the manufacturer's own statement, in one line ("" when made)
    next_step: str
    fields: tuple[StatementField, ...]
    label: LabelRoute | None
    notes: tuple[Source, ...]


def psti_statement(
    catalog: Catalog,
    report: AssessmentReport,
    label: LabelRecord | None = None,
    on: dt.date | None = None,
) -> PstiStatement:
    """The statement (or draft) for ``report``; with ``label``, its standing on ``on`` (the
    day of supply; default: the report's day) as the deemed-compliance route."""
    projection = project_report(catalog, report, SCHEME)
    rows = tuple(requirement_row(v, report) for v in projection.verdicts)
    missing = tuple(
        f"{row.requirement} {row.title}: {row.verdict} ({row.reason})"
        for row in rows
        if row.verdict != "MET"
    )
    made = not missing and bool(rows)
    route = None
    if label is not None:
        route = label_route(label, report, on or report_day(report))
    notes = (PARAPHRASE, SCHEDULE_1) + ((DEEMED, IPA_CONDITIONS) if route is not None else ())
    made_by: Literal["manufacturer", "label", "draft"] = (
        "manufacturer" if made else "label" if route is not None and route.deemed else "draft"
    )
    statement = {
        "manufacturer": STATEMENT,
        "draft": DRAFT,
        "label": LABEL_STATEMENT.format(
            registration_no=route.registration_no if route else "", on=route.on if route else ""
        ),
    }[made_by]
    return PstiStatement(
        report_id=report.report_id,
        catalog_version=report.catalog.version,
        assessed_on=report_day(report),
        product=product_block(report),
        made=made,
        made_by=made_by,
        statement=statement,
        requirements=rows,
        missing=missing,
        next_step="" if made else next_step(catalog, report, rows),
        fields=_fields(report),
        label=route,
        notes=notes,
    )


def next_step(catalog: Catalog, report: AssessmentReport, rows: tuple[RequirementRow, ...]) -> str:
    """One line saying how to get the manufacturer's own statement: assess again with
    ``--also psti`` and answer the questions of the PSTI requirements the report's scheme
    cannot answer (``also_requirements``), or make the missing requirements MET."""
    open_ids = [row.requirement for row in rows if row.verdict != "MET"]
    failed = [row.requirement for row in rows if row.verdict == "NOT_MET"]
    added = {req.id: req for req in also_requirements(catalog, report.catalog.scheme, [SCHEME])}
    unasked = []
    if SCHEME not in report.catalog.also:
        unasked = [rid for rid in open_ids if rid in added and rid not in failed]
    rest = [rid for rid in open_ids if rid not in failed and rid not in unasked]
    steps = []
    if failed:
        steps.append(f"make {', '.join(failed)} MET")
    if rest:
        steps.append(f"answer what {', '.join(rest)} still need (see Missing)")
    if unasked:
        questions = [q.id for rid in unasked for q in added[rid].questions]
        answer = f" and answer {', '.join(questions)}" if questions else ""
        steps.append(f"assess again with --also {SCHEME}{answer}")
    else:
        steps.append("assess again")
    return ", then ".join(steps) if len(steps) < 3 else f"{'; '.join(steps[:-1])}; then {steps[-1]}"


def _fields(report: AssessmentReport) -> tuple[StatementField, ...]:
    p = report.product
    support = p.support_period_end.isoformat() if p.support_period_end else TO_COMPLETE
    return (
        StatementField(
            field="Product type and batch",
            duty="the product type and a batch identifier (our reading: the model numbers the"
            " statement covers)",
            value=f"{p.product_type}; {p.product}; models {', '.join(p.model_numbers)};"
            f" firmware {p.firmware_version}",
        ),
        StatementField(
            field="Manufacturer",
            duty="the manufacturer's name (and any other person the statement is made for)",
            value=p.vendor,
        ),
        StatementField(
            field="Manufacturer's address",
            duty="the manufacturer's address",
            value=TO_COMPLETE,
        ),
        StatementField(
            field="Prepared by or for the manufacturer",
            duty="a declaration that the statement was prepared by or on behalf of the"
            " manufacturer",
            value=TO_COMPLETE,
        ),
        StatementField(
            field="Defined support period",
            duty="the minimum period for which security updates will be provided (its end date)",
            value=support,
        ),
        StatementField(
            field="How to report security issues",
            duty="where the vulnerability disclosure policy is published (ETSI 5.2-1)",
            value=p.vulnerability_contact or TO_COMPLETE,
        ),
        StatementField(
            field="Signature",
            duty="the signature, name and function of the person signing for the manufacturer",
            value=TO_COMPLETE,
        ),
        StatementField(
            field="Place and date of issue",
            duty="where and when the statement is issued",
            value=TO_COMPLETE,
        ),
    )


def label_route(record: LabelRecord, report: AssessmentReport, on: dt.date) -> LabelRoute:
    """Whether ``record`` deems the product PSTI-compliant on day ``on``."""
    standing = standing_on(record, on)
    assessed = {model_key(m) for m in report.product.model_numbers}
    covered = {model_key(m) for m in record.model_numbers}
    criteria = record.criteria_version
    recognised = recognised_criteria()
    deemed = False
    if not assessed & covered:
        why = f"the label names none of the assessed models ({', '.join(record.model_numbers)})"
    elif record.level != 1:
        why = f"the label is ★{record.level}; the UK recognises ★1 labels only"
    elif standing.status != "valid":
        why = f"the label is {standing.status.replace('_', ' ')} on {on.isoformat()}"
    elif criteria != recognised:
        # as jcstar recognize answers: a label naming no version is not shown to be on it
        why = f"the label was issued against {criteria or 'no recorded criteria version'}"
        why += f", not {recognised}"
    else:
        deemed = True
        expires = standing.expires_on.isoformat() if standing.expires_on else "unknown"
        why = (
            f"deemed compliant on {on.isoformat()}: the ★1 label is valid that day"
            f" (expires {expires})"
        )
    return LabelRoute(
        registration_no=record.registration_no,
        on=on,
        status=standing.status,
        level=record.level,
        expires_on=standing.expires_on,
        criteria_version=criteria,
        deemed=deemed,
        why=why,
        basis=DEEMED,
    )
