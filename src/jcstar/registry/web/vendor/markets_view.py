"""What one assessment report answers in other markets, as the vendor's "other markets" page
shows it: per scheme, the report projected onto it (``assessment.projection.project_report``:
MET / NOT_MET / NEEDS_REVIEW counts), what ``--also`` would add to answer the rest
(``assessment.plan.also_requirements``), and the recognition route from the report's JC-STAR
scheme to it (``catalog/data/recognition.yaml``, read by ``catalog.recognition``).

Nothing here decides anything new: it reads the library's answers and counts them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.plan import also_requirements
from jcstar.assessment.projection import ProjectedVerdict, project_report
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog
from jcstar.catalog.recognition import load_recognitions

#: the other schemes a vendor may answer too (``--also``) and see its report through, in the
#: order the portal lists them: the crosswalks reach each from ★1
OTHER_SCHEMES = ("cls-1", "cls-2", "psti", "etsi-en-303-645", "cra", "nistir-8425")
#: the counts the page shows for a projection, in this order
COUNTED = ("MET", "NOT_MET", "NEEDS_REVIEW", "NOT_APPLICABLE")


@dataclass(frozen=True)
class Route:
    """The recognition route from the report's JC-STAR scheme to another, in the data's own
    (English) words, with whether it can apply to a label of the report's level."""

    id: str
    kind: str
    summary: str
    basis: str
    in_effect: bool
    effective_from: dt.date | None
    #: the level of label the route rests on (None: it rests on no label)
    label_level: int | None
    #: the route can serve this report's label: it rests on none, or on one of its level
    fits_level: bool
    confirm: str


@dataclass(frozen=True)
class Market:
    scheme: str
    name: str
    counts: dict[str, int]
    total: int
    #: requirements ``--also`` would add (those the report does not assess itself yet)
    also_adds: int
    #: the report was assessed with ``--also`` this scheme
    answered_also: bool
    route: Route | None


def scheme_name(catalog: Catalog, scheme_id: str, lang: str) -> str:
    scheme = CatalogIndex(catalog).schemes.get(scheme_id)
    if scheme is None:
        return scheme_id
    return (scheme.name_ja if lang == "ja" else None) or scheme.name_en


def route_between(
    catalog: Catalog, report: AssessmentReport, want: str, on: dt.date
) -> Route | None:
    """The route from the scheme the report's level is built on (★1's for a ★2 profile) to
    ``want``, if the data has one."""
    have = CatalogIndex(catalog).native_root(report.catalog.scheme)
    found = load_recognitions().between(have, want)
    if found is None:
        return None
    label_level = found.label.level if found.label is not None else None
    return Route(
        id=found.id,
        kind=found.kind,
        summary=" ".join(found.summary.split()),
        basis=found.basis,
        in_effect=found.in_effect(on),
        effective_from=found.effective_from,
        label_level=label_level,
        fits_level=label_level is None or label_level == report.level,
        confirm=" ".join(found.confirm.split()),
    )


def markets(
    catalog: Catalog, report: AssessmentReport, lang: str, on: dt.date
) -> tuple[Market, ...]:
    """The report seen through each of ``OTHER_SCHEMES``."""
    assessed = {v.requirement for v in report.verdicts}
    found = []
    for scheme in OTHER_SCHEMES:
        projected = project_report(catalog, report, scheme).verdicts
        counts = Counter(str(v.verdict) for v in projected)
        adds = also_requirements(catalog, report.catalog.scheme, [scheme])
        found.append(
            Market(
                scheme=scheme,
                name=scheme_name(catalog, scheme, lang),
                counts={verdict: counts.get(verdict, 0) for verdict in COUNTED},
                total=len(projected),
                also_adds=sum(req.id not in assessed for req in adds),
                answered_also=scheme in report.catalog.also,
                route=route_between(catalog, report, scheme, on),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class ProjectedRow:
    id: str
    title: str
    verdict: str
    reason: str
    official: bool


def projected_rows(
    catalog: Catalog, report: AssessmentReport, scheme: str, lang: str
) -> tuple[ProjectedRow, ...]:
    """The report projected onto ``scheme``, one row per requirement (``KeyError`` for a
    scheme not in ``OTHER_SCHEMES``)."""
    if scheme not in OTHER_SCHEMES:
        raise KeyError(scheme)
    return tuple(_row(v, lang) for v in project_report(catalog, report, scheme).verdicts)


def _row(verdict: ProjectedVerdict, lang: str) -> ProjectedRow:
    title = (verdict.title_ja if lang == "ja" else None) or verdict.title_en or verdict.title_ja
    return ProjectedRow(
        id=verdict.requirement,
        title=title or "",
        verdict=verdict.verdict,
        reason=verdict.reason,
        official=verdict.official,
    )
