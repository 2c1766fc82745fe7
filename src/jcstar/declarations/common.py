"""What every declaration shares: the product block, a requirement's status row, and where
the report's evidence for a verdict is."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from jcstar.assessment.models import AssessmentReport, RequirementVerdict, Verdict
from jcstar.assessment.projection import ProjectedVerdict

#: where a statement comes from: an official text (paraphrased), METI's overview (the seed),
#: a secondary source to confirm, or our own judgement
Basis = Literal["official", "seed", "secondary", "judgement"]

#: the one phrase for a field the manufacturer fills in (we do not know it)
TO_COMPLETE = "to be completed by the manufacturer"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ProductBlock(Frozen):
    """The product as the report names it."""

    vendor: str
    product: str
    product_type: str
    model_numbers: tuple[str, ...]
    firmware_version: str
    support_period_end: dt.date | None
    vulnerability_contact: str | None


class Declaration(Frozen):
    """What every declaration names first: the report it is made from and the product."""

    report_id: str
    catalog_version: str
    assessed_on: dt.date
    product: ProductBlock


class Source(Frozen):
    """A statement with its basis: a declaration never passes off a paraphrase or a
    secondary report as the text of the law."""

    text: str
    basis: Basis
    source: str


class RequirementRow(Frozen):
    """One requirement of the other scheme: its status seen from the report, and why."""

    requirement: str
    title: str
    verdict: Verdict
    reason: str
    #: the crosswalk links it rests on are all official or seed (else: indicative)
    official: bool
    evidence: tuple[str, ...] = ()


def product_block(report: AssessmentReport) -> ProductBlock:
    p = report.product
    return ProductBlock(
        vendor=p.vendor,
        product=p.product,
        product_type=p.product_type,
        model_numbers=p.model_numbers,
        firmware_version=p.firmware_version,
        support_period_end=p.support_period_end,
        vulnerability_contact=p.vulnerability_contact,
    )


def evidence_refs(verdict: RequirementVerdict, report_id: str) -> tuple[str, ...]:
    """Where the evidence behind ``verdict`` is: each document (with its section) or check,
    and the report that holds it."""
    refs: list[str] = []
    for item in verdict.evidence:
        if item.source == "check" and item.check:
            refs.append(f"check {item.check}" + (f" ({item.outcome})" if item.outcome else ""))
        elif item.document:
            refs.append(item.document + (f" §{item.section}" if item.section else ""))
        elif item.url:
            refs.append(item.url)
    refs.append(f"{verdict.requirement} in report {report_id}")
    return tuple(dict.fromkeys(refs))


def requirement_row(projected: ProjectedVerdict, report: AssessmentReport) -> RequirementRow:
    """A projected verdict with the evidence of the report's requirements it came from."""
    by_id = {v.requirement: v for v in report.verdicts}
    evidence: list[str] = []
    for source in projected.from_requirements:
        if source in by_id:
            evidence.extend(evidence_refs(by_id[source], report.report_id))
    return RequirementRow(
        requirement=projected.requirement,
        title=projected.title_en or projected.title_ja or "",
        verdict=projected.verdict,
        reason=projected.reason,
        official=projected.official,
        evidence=tuple(dict.fromkeys(evidence)),
    )


def report_day(report: AssessmentReport) -> dt.date:
    """The day the assessment was made (UTC): what a declaration is dated from."""
    return report.generated_at.astimezone(dt.UTC).date()
