"""See one assessment through another scheme: "assess once, comply many".

Each requirement of the other scheme takes the verdicts of the ★1 requirements
that reach it through the crosswalks. A verdict carries over only where the link
makes it follow: MET through a link whose ★1 side covers the whole requirement
(equal, superset, or an official recognition); NOT_MET through one whose ★1 side
lies inside it (equal, subset). Everything else needs review. A projection is
indicative wherever a link rests on our judgement, and says so.

A requirement the report assessed itself (one a category profile or ``--also`` added, such
as an ETSI provision) answers the target's same requirement directly, before any link.

A crosswalk may carry a substitution rule over its links (the government guideline:
confirming ★1 substitutes for checking its seven functions): a report conformant to
every requirement of the substituting scheme then meets every requirement of the
other, on the rule's basis; a report with anything else keeps the per-link answers.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from jcstar.assessment.models import AssessmentReport, Verdict
from jcstar.catalog.crosswalk import CoverLink, CrosswalkGraph, ProjectedRequirement
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, Substitution


class ProjectedVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    requirement: str
    title_ja: str | None
    title_en: str | None
    verdict: Verdict
    reason: str
    from_requirements: tuple[str, ...]
    official: bool


class ReportProjection(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_scheme: str
    target_scheme: str
    report_id: str
    verdicts: tuple[ProjectedVerdict, ...]


def _carry(link: CoverLink, verdict: str) -> tuple[Verdict | None, str]:
    whole = link.relationship in ("equal", "superset") or link.recognised
    inside = link.relationship in ("equal", "subset")
    if verdict == "MET" and whole:
        return "MET", f"{link.source} is MET and covers it ({link.relationship})"
    if verdict == "NOT_MET" and inside:
        return "NOT_MET", f"{link.source} is NOT_MET and lies within it ({link.relationship})"
    if verdict == "NOT_APPLICABLE" and link.relationship == "equal":
        return "NOT_APPLICABLE", f"{link.source} is not applicable"
    return None, f"{link.source} is {verdict} ({link.relationship})"


def _direct(requirement: str, verdict: Verdict) -> tuple[Verdict | None, str]:
    if verdict in ("MET", "NOT_MET", "NOT_APPLICABLE"):
        return verdict, f"{requirement} was assessed itself: {verdict}"
    return None, f"{requirement} was assessed itself: {verdict}"


def _identity(requirement: str) -> CoverLink:
    return CoverLink(
        source=requirement,
        source_title=requirement,
        relationship="equal",
        rationale="assessed itself",
        basis="official",
    )


def _substitution(catalog: Catalog, source: str, target: str) -> Substitution | None:
    """The substitution rule by which conformance to ``source`` answers all of ``target``."""
    for walk in catalog.crosswalks:
        rule = walk.substitution
        ends = {walk.source_scheme, walk.target_scheme}
        if rule is not None and rule.scheme == source and ends == {source, target}:
            return rule
    return None


def _conformant(catalog: Catalog, report: AssessmentReport) -> bool:
    """Every requirement of the report's scheme is MET or NOT_APPLICABLE, at least one MET:
    what a label of that level confirms."""
    verdicts = {v.requirement: v.verdict for v in report.verdicts}
    wanted = CatalogIndex(catalog).requirement_ids(report.catalog.scheme)
    return (
        all(verdicts.get(rid) in ("MET", "NOT_APPLICABLE") for rid in wanted)
        and "MET" in verdicts.values()
    )


def project_report(catalog: Catalog, report: AssessmentReport, target: str) -> ReportProjection:
    # a category profile (★2+) is seen through the scheme it is built on (★1): its added
    # requirements, like those ``--also`` added, answer a target that holds them directly
    source = CatalogIndex(catalog).native_root(report.catalog.scheme)
    projection = CrosswalkGraph(catalog).project(source, target)
    by_id = {v.requirement: v.verdict for v in report.verdicts}
    substitution = _substitution(catalog, source, target)
    if substitution is not None and _conformant(catalog, report):
        return _substituted(projection.rows, report, source, target, substitution)
    rows = []
    for row in projection.rows:
        links = [link for link in row.covered_by if link.source in by_id]
        carried = [_carry(link, by_id[link.source]) for link in links]
        if row.id in by_id and row.id not in {link.source for link in links}:
            # the report assessed this very requirement: its verdict is the answer
            carried.insert(0, _direct(row.id, by_id[row.id]))
            links.insert(0, _identity(row.id))
        decided = [verdict for verdict, _ in carried if verdict]
        # a failure that carries over outweighs a pass through another link
        verdict: Verdict = (
            "NOT_MET" if "NOT_MET" in decided else decided[0] if decided else "NEEDS_REVIEW"
        )
        reasons = [why for _, why in carried] or [f"no {source} requirement reaches it"]
        rows.append(
            ProjectedVerdict(
                requirement=row.id,
                title_ja=row.title_ja,
                title_en=row.title_en,
                verdict=verdict,
                reason="; ".join(reasons),
                from_requirements=tuple(link.source for link in links),
                official=bool(links) and all(link.basis != "judgement" for link in links),
            )
        )
    return ReportProjection(
        source_scheme=source, target_scheme=target, report_id=report.report_id, verdicts=tuple(rows)
    )


def _substituted(
    rows: tuple[ProjectedRequirement, ...],
    report: AssessmentReport,
    source: str,
    target: str,
    rule: Substitution,
) -> ReportProjection:
    """Every requirement met by the substitution rule (its basis decides ``official``)."""
    reason = f"every {source} requirement is met, which substitutes for it: {rule.rationale}"
    return ReportProjection(
        source_scheme=source,
        target_scheme=target,
        report_id=report.report_id,
        verdicts=tuple(
            ProjectedVerdict(
                requirement=row.id,
                title_ja=row.title_ja,
                title_en=row.title_en,
                verdict="MET",
                reason=reason,
                from_requirements=tuple(link.source for link in row.covered_by),
                official=rule.basis != "judgement",
            )
            for row in rows
        ),
    )
