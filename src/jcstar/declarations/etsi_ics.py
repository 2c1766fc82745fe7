"""The ETSI EN 303 645 implementation conformance statement (ICS): the Annex B table, one
row per provision, from one assessment.

Support is the report's verdict seen through the crosswalks, never more: MET → Yes,
NOT_MET → No, NOT_APPLICABLE → N/A, anything else → "not assessed". A provision the
assessment did not show met is never "Yes".
"""

from __future__ import annotations

from typing import Literal

from jcstar.assessment.models import AssessmentReport, Verdict
from jcstar.assessment.projection import project_report
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog
from jcstar.declarations.common import (
    Declaration,
    Frozen,
    Source,
    product_block,
    report_day,
    requirement_row,
)

SCHEME = "etsi-en-303-645"
Support = Literal["Yes", "No", "N/A", "not assessed"]
SUPPORT: dict[Verdict, Support] = {"MET": "Yes", "NOT_MET": "No", "NOT_APPLICABLE": "N/A"}

PARAPHRASE = Source(
    text="Provision titles are our paraphrases of ETSI EN 303 645 V2.1.1, not its text; the"
    " status notation (M, R, C(n)) is ETSI's Annex B notation as the catalog records it.",
    basis="judgement",
    source="jcstar catalog (schemes/etsi-en-303-645.yaml)",
)


class IcsRow(Frozen):
    provision: str
    title: str
    #: ETSI's notation: M, R, M C(1)…
    status: str
    support: Support
    verdict: Verdict
    reason: str
    #: where the evidence is: documents and sections, check ids, and the report
    evidence: tuple[str, ...]


class EtsiIcs(Declaration):
    kind: Literal["etsi-ics"] = "etsi-ics"
    title: str = "ETSI EN 303 645 implementation conformance statement"
    standard_version: str | None
    rows: tuple[IcsRow, ...]
    #: rows by support, for a summary line
    counts: dict[str, int]
    #: the status notation's conditions (1)…(13), as the catalog records them
    conditions: str
    notes: tuple[Source, ...]


def etsi_ics(catalog: Catalog, report: AssessmentReport) -> EtsiIcs:
    scheme = CatalogIndex(catalog).scheme(SCHEME)
    notation = {r.id: r.status or "" for r in scheme.requirements}
    rows = []
    for projected in project_report(catalog, report, SCHEME).verdicts:
        row = requirement_row(projected, report)
        rows.append(
            IcsRow(
                provision=row.requirement,
                title=row.title,
                status=notation.get(row.requirement, ""),
                support=SUPPORT.get(row.verdict, "not assessed"),
                verdict=row.verdict,
                reason=row.reason,
                evidence=row.evidence or (f"report {report.report_id}",),
            )
        )
    counts = {s: sum(1 for r in rows if r.support == s) for s in ("Yes", "No", "N/A")}
    counts["not assessed"] = len(rows) - sum(counts.values())
    return EtsiIcs(
        report_id=report.report_id,
        catalog_version=report.catalog.version,
        standard_version=scheme.version,
        assessed_on=report_day(report),
        product=product_block(report),
        rows=tuple(rows),
        counts=counts,
        conditions=" ".join(scheme.note.split()),
        notes=(PARAPHRASE,),
    )
