"""The EU Cyber Resilience Act pack, from one assessment.

Four parts: (a) the product's class (default, important class I/II, critical), decided from
``data/cra-classes.yaml`` with the reason and the conformity route it implies; (b) an Annex V
EU declaration of conformity skeleton; (c) an Annex VII technical documentation skeleton
filled with what the assessment knows (SBOM, support period, vulnerability contact, the
Annex I requirements seen through the crosswalks); (d) the Article 14 reporting clocks as a
checklist. Every text of the Regulation here is our paraphrase, and the pack says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.projection import project_report
from jcstar.catalog.models import Catalog
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
from jcstar.declarations.cra_classes import ClassDecision, decide_class

SCHEME = "cra"
#: Article 13(8): a support period of at least five years, unless the product is expected
#: to be in use for less (our paraphrase)
MIN_SUPPORT_YEARS = 5
#: checks whose completed attempt means the assessment read or built an SBOM
SBOM_CHECKS = ("sbom.components", "firmware.components")

PARAPHRASE = Source(
    text="Every statement of the Regulation in this pack (classes, Annexes V and VII, Articles"
    " 13 and 14) is our paraphrase of Regulation (EU) 2024/2847, not its text; confirm"
    " against the Official Journal before relying on it.",
    basis="judgement",
    source="jcstar project's own reading",
)
SUPPORT_RULE = Source(
    text="The support period is at least five years, unless the product is expected to be in"
    " use for less (Article 13(8)).",
    basis="official",
    source="CRA (paraphrase)",
)


class Entry(Frozen):
    """One entry of a skeleton: what it asks (paraphrased) and what we know, or
    ``to be completed by the manufacturer``."""

    item: str
    value: str
    #: filled: from the assessment; missing: the assessment has nothing; to_complete: the
    #: manufacturer's to give (we cannot know it)
    state: Literal["filled", "missing", "to_complete"]


class Clock(Frozen):
    """One Article 14 deadline: after what, by when, what is sent."""

    event: str
    step: str
    deadline: str
    content: str


class CraPack(Declaration):
    kind: Literal["cra"] = "cra"
    title: str = "EU Cyber Resilience Act pack"
    product_class: ClassDecision
    declaration_of_conformity: tuple[Entry, ...]
    technical_documentation: tuple[Entry, ...]
    annex_i: tuple[RequirementRow, ...]
    warnings: tuple[str, ...]
    reporting_clocks: tuple[Clock, ...]
    notes: tuple[Source, ...]


def cra_pack(
    catalog: Catalog, report: AssessmentReport, product_class: str | None = None
) -> CraPack:
    """The pack for ``report``; ``product_class`` overrides the class the product type gives
    (KeyError naming the classes for an unknown one)."""
    decision = decide_class(report.product.product_type, product_class)
    annex_i = tuple(
        requirement_row(v, report) for v in project_report(catalog, report, SCHEME).verdicts
    )
    day = report_day(report)
    warnings = support_warnings(report.product.support_period_end, day)
    sbom = sbom_field(report)
    if sbom.state == "missing":
        warnings += ("no SBOM was assessed: Annex VII asks for one (give the profile an sbom:)",)
    open_items = [row.requirement for row in annex_i if row.verdict != "MET"]
    if open_items:
        warnings += (
            f"{len(open_items)} of {len(annex_i)} Annex I requirements are not shown MET by"
            f" this assessment: {', '.join(open_items)}",
        )
    return CraPack(
        report_id=report.report_id,
        catalog_version=report.catalog.version,
        assessed_on=day,
        product=product_block(report),
        product_class=decision,
        declaration_of_conformity=_declaration(report, decision),
        technical_documentation=_technical_documentation(report, decision, sbom, annex_i),
        annex_i=annex_i,
        warnings=warnings,
        reporting_clocks=REPORTING_CLOCKS,
        notes=(PARAPHRASE, SUPPORT_RULE),
    )


def years_after(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def support_warnings(end: dt.date | None, day: dt.date) -> tuple[str, ...]:
    """A warning when the support period ends less than five years after ``day``."""
    if end is None:
        return ("the report gives no support period end: Article 13(8) asks for one",)
    if end < years_after(day, MIN_SUPPORT_YEARS):
        return (
            f"the support period ends {end.isoformat()}, under {MIN_SUPPORT_YEARS} years from"
            f" the assessment ({day.isoformat()}): the CRA expects at least five unless the"
            " product is expected to be in use for less (say why in the documentation)",
        )
    return ()


def sbom_field(report: AssessmentReport) -> Entry:
    """The SBOM the assessment read (an ``sbom`` input) or built (a completed SBOM check),
    with the number of components an ``sbom.components`` attempt listed from it."""
    counted = sbom_component_count(report)
    listed = f"; {counted} component(s) listed by sbom.components" if counted is not None else ""
    inputs = [i for i in report.inputs if i.role == "sbom"]
    if inputs:
        item = inputs[0]
        return Entry(
            item="Software bill of materials",
            value=f"{item.name} (sha256 {item.sha256}){listed}, assessed in report"
            f" {report.report_id}",
            state="filled",
        )
    built = [a.check for a in report.attempts if a.check in SBOM_CHECKS and a.status == "completed"]
    if built:
        return Entry(
            item="Software bill of materials",
            value=f"components listed by {', '.join(built)} in report {report.report_id}"
            f"{listed} (export it with jcstar firmware --sbom-out)",
            state="filled",
        )
    return Entry(item="Software bill of materials", value="missing", state="missing")


def sbom_component_count(report: AssessmentReport) -> int | None:
    """How many components the completed ``sbom.components`` attempt read from the vendor's
    SBOM (its ``sbom`` observation's details), or None when that check did not run."""
    for attempt in report.attempts:
        if attempt.check != "sbom.components" or attempt.status != "completed":
            continue
        for observation in attempt.observations:
            components = (observation.details or {}).get("components")
            if observation.topic == "sbom" and isinstance(components, list):
                return len(components)
    return None


def _declaration(report: AssessmentReport, decision: ClassDecision) -> tuple[Entry, ...]:
    """Annex V, paraphrased: the EU declaration of conformity's entries."""
    p = report.product
    return (
        Entry(
            item="1. Product with digital elements (name, type, identification)",
            value=f"{p.product}; {p.product_type}; models {', '.join(p.model_numbers)};"
            f" firmware {p.firmware_version}",
            state="filled",
        ),
        Entry(
            item="2. Manufacturer or authorised representative (name and address)",
            value=f"{p.vendor}; address: {TO_COMPLETE}",
            state="to_complete",
        ),
        Entry(
            item="3. Issued under the sole responsibility of the manufacturer",
            value=TO_COMPLETE,
            state="to_complete",
        ),
        Entry(
            item="4. Object of the declaration (identification allowing traceability, with a"
            " picture where appropriate)",
            value=f"{p.product}, models {', '.join(p.model_numbers)}; picture: {TO_COMPLETE}",
            state="to_complete",
        ),
        Entry(
            item="5. The object conforms to the relevant Union harmonisation legislation",
            value=TO_COMPLETE,
            state="to_complete",
        ),
        Entry(
            item="6. Harmonised standards, common specifications or certifications applied",
            value=TO_COMPLETE,
            state="to_complete",
        ),
        Entry(
            item="7. Notified body and the procedure it performed, with its certificate",
            value=f"class {decision.product_class.id}: {decision.product_class.route};"
            f" notified body: {TO_COMPLETE}",
            state="to_complete",
        ),
        Entry(
            item="8. Additional information; signed for and on behalf of (place, date, name,"
            " function, signature)",
            value=TO_COMPLETE,
            state="to_complete",
        ),
    )


def _technical_documentation(
    report: AssessmentReport,
    decision: ClassDecision,
    sbom: Entry,
    annex_i: tuple[RequirementRow, ...],
) -> tuple[Entry, ...]:
    """Annex VII, paraphrased, with what the assessment knows filled in."""
    p = report.product
    met = sum(1 for row in annex_i if row.verdict == "MET")
    support = p.support_period_end
    return (
        Entry(
            item="1. General description (intended purpose, versions affecting compliance,"
            " user information of Annex II)",
            value=f"{p.product} ({p.product_type}), firmware {p.firmware_version}; intended"
            f" purpose and user information: {TO_COMPLETE}",
            state="to_complete",
        ),
        Entry(
            item="2. Design, development, production and vulnerability handling processes",
            value=f"vulnerability handling contact: {p.vulnerability_contact}"
            if p.vulnerability_contact
            else "vulnerability handling contact: missing",
            state="filled" if p.vulnerability_contact else "missing",
        ),
        sbom,
        Entry(
            item="3. Cybersecurity risk assessment (Article 13)",
            value=TO_COMPLETE,
            state="to_complete",
        ),
        Entry(
            item="4. Information taken into account to set the support period (Article 13(8))",
            value=f"support period ends {support.isoformat()}" if support else "missing",
            state="filled" if support else "missing",
        ),
        Entry(
            item="5. Harmonised standards, common specifications or certification schemes applied",
            value=TO_COMPLETE,
            state="to_complete",
        ),
        Entry(
            item="6. Reports of tests verifying conformity with Annex I",
            value=f"jcstar report {report.report_id} (catalog {report.catalog.version}):"
            f" {met} of {len(annex_i)} Annex I requirements MET through the crosswalks",
            state="filled",
        ),
        Entry(
            item="7. Copy of the EU declaration of conformity",
            value=f"the Annex V skeleton in this pack, once completed (class"
            f" {decision.product_class.id})",
            state="to_complete",
        ),
    )


#: Article 14, paraphrased: what a manufacturer sends, when, to the CSIRT designated as
#: coordinator and ENISA through the single reporting platform
REPORTING_CLOCKS: tuple[Clock, ...] = (
    Clock(
        event="actively exploited vulnerability",
        step="early warning",
        deadline="within 24 hours of becoming aware",
        content="that it is exploited, and where known the Member States where the product is"
        " available",
    ),
    Clock(
        event="actively exploited vulnerability",
        step="vulnerability notification",
        deadline="within 72 hours of becoming aware",
        content="the product, the nature of the exploit and the vulnerability, corrective or"
        " mitigating measures taken and those users can take, and how sensitive the"
        " information is",
    ),
    Clock(
        event="actively exploited vulnerability",
        step="final report",
        deadline="within 14 days after a corrective or mitigating measure is available",
        content="description and severity of the vulnerability, information on any malicious"
        " actor, and the security update or other measures made available",
    ),
    Clock(
        event="severe incident affecting the product's security",
        step="early warning",
        deadline="within 24 hours of becoming aware",
        content="whether it is suspected to be caused by unlawful or malicious acts, and where"
        " known the Member States where the product is available",
    ),
    Clock(
        event="severe incident affecting the product's security",
        step="incident notification",
        deadline="within 72 hours of becoming aware",
        content="the nature of the incident, an initial assessment, corrective or mitigating"
        " measures taken and those users can take, and how sensitive the information is",
    ),
    Clock(
        event="severe incident affecting the product's security",
        step="final report",
        deadline="within one month after the incident notification",
        content="detailed description with severity and impact, the likely root cause, and"
        " mitigation measures applied and ongoing",
    ),
)
