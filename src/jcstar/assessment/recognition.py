"""Recognition both ways: what a product that holds one scheme gets towards another.

``recognize(catalog, have, want)`` answers, for each requirement of ``want``, whether what
the product holds covers it and by which link, or what still needs evidence; with the
recognition route between the two schemes (``catalog/data/recognition.yaml``), its
conditions, its basis and its fee where known. The rules, in the order applied:

1. A requirement the route waives (its registry application route's waiver: the PSTI route
   waives what ``application_rules.psti_waived`` reads from the catalog) is covered by the
   route, while the route is in effect on the day.
2. A requirement reached by a crosswalk link that carries a MET verdict (equal, superset or
   an official recognition: the rule ``projection._carry`` applies, computed by
   ``catalog.crosswalk.CrosswalkGraph``) is covered by that link.
3. Anything else needs evidence: the requirement's checks and questions, or its guidance.
4. A whole-scheme route with a label condition (★1 → UK PSTI) answers for the label on the
   day: deemed compliant when the route is in effect, the label is valid that day, of the
   route's level and issued against the route's criteria version; otherwise not, with each
   reason; a label deemed compliant covers every wanted requirement through the route.
   Conditions jcstar cannot see (IPA's PSTI list, English information) are listed as the
   holder's to show, never taken as met or failed.
5. A whole-scheme route with no label condition (any CLS level → UK PSTI: jcstar cannot look
   a CLS label up) covers every wanted requirement while in effect; holding the label is a
   condition for the holder to show.
6. A route of equivalent criteria with no published list (PSTI → ★2 and above) covers
   nothing by itself: its conditions are listed, the crosswalks answer each requirement.

A wanted category profile (★2+) has no crosswalk of its own: each of its requirements is
reached through the scheme that defines it (★1's through ★1, an added ETSI provision through
ETSI EN 303 645); an operator-supplied requirement has no link and needs evidence.

``recognize_report(catalog, report, want, on)`` starts from what one assessment showed
instead of what a scheme holds: each wanted requirement is covered (the report's verdict
carried by ``project_report``, or a route's waiver), NOT_MET, or still to be shown.

The label comes in as ``LabelOnDay``, plain values, so this layer reads no label library
(``labels.standing.standing_on`` works it out above this layer); the fee comes through the
``FeeTable`` protocol (the registry's fee table satisfies it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from jcstar.assessment.application_rules import ROUTES, psti_waived
from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.projection import ProjectedVerdict, project_report
from jcstar.catalog.crosswalk import CoverLink, CrosswalkGraph
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, Requirement
from jcstar.catalog.recognition import RecognitionRoute, Recognitions, load_recognitions

Coverage = Literal["covered", "not_met", "needs_evidence"]
Outcome = Literal[
    "covered", "not_met", "needs_evidence", "deemed_compliant", "not_deemed_compliant"
]

#: what each of the registry's application routes waives, read where the registry reads it
_WAIVERS = {"psti": psti_waived}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class FeeRow(Protocol):
    @property
    def amount_jpy(self) -> int | None: ...
    @property
    def source(self) -> str: ...
    @property
    def note(self) -> str: ...


class FeeTable(Protocol):
    """Where fees come from (``registry.applications.fees.FeeTable``)."""

    def row_for(self, level: int, route: str, received: dt.date) -> FeeRow | None: ...


class LabelOnDay(Frozen):
    """A label as it stood on day ``on`` (from ``labels.standing.standing_on``), with the day
    its status took effect (``since``: when it was revoked or suspended)."""

    registration_no: str
    level: int
    criteria_version: str | None
    on: dt.date
    status: str
    issued_on: dt.date
    expires_on: dt.date | None
    since: dt.date | None = None
    reason: str | None = None
    superseded_by: str | None = None

    @classmethod
    def of(cls, standing: Standing, since: dt.date | None) -> LabelOnDay:
        """From ``labels.standing.standing_on``'s answer (read by its fields: this layer does
        not import the label library) and the day its status took effect."""
        return cls(
            registration_no=standing.registration_no,
            level=standing.level,
            criteria_version=standing.criteria_version,
            on=standing.on,
            status=standing.status,
            issued_on=standing.issued_on,
            expires_on=standing.expires_on,
            since=since,
            reason=standing.reason,
            superseded_by=standing.superseded_by,
        )


class Standing(Protocol):
    """The fields of ``labels.standing.Standing`` recognition reads."""

    @property
    def registration_no(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def criteria_version(self) -> str | None: ...
    @property
    def on(self) -> dt.date: ...
    @property
    def status(self) -> str: ...
    @property
    def issued_on(self) -> dt.date: ...
    @property
    def expires_on(self) -> dt.date | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def superseded_by(self) -> str | None: ...


class Cover(Frozen):
    """What covers a wanted requirement: a recognition route, a crosswalk link from a
    requirement of the held scheme, or a report's verdict (``recognize_report``)."""

    kind: Literal["route", "crosswalk", "report"]
    #: the route's id, the held requirement's id, or the assessed requirements' ids
    source: str
    relationship: str | None = None
    basis: str
    rationale: str
    recognised: bool = False
    via: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == "route":
            return f"route {self.source} ({self.basis})"
        if self.kind == "report":
            return f"report: {self.rationale}"
        flag = ", recognised" if self.recognised else ""
        return f"{self.source} ({self.relationship}{flag}, {self.basis})"


class RecognitionRow(Frozen):
    requirement: str
    title_ja: str | None
    title_en: str | None
    coverage: Coverage
    #: the report's projected verdict (``recognize_report`` only)
    verdict: str | None = None
    covered_by: tuple[Cover, ...]
    #: links that reach the requirement without carrying a MET (subset, intersect)
    partial: tuple[Cover, ...]
    #: what is still to be shown (empty when covered)
    needs: tuple[str, ...]


class Fee(Frozen):
    amount_jpy: int | None
    #: the fee table's confidence tag (V verified, S secondary, U not published, O ours)
    source: str
    note: str


class RouteAnswer(Frozen):
    id: str
    #: the route's wanted end: a scheme, or the ★N+ category profiles
    wants: str
    kind: str
    summary: str
    basis: str
    sources: tuple[str, ...]
    effective_from: dt.date | None
    in_effect: bool
    whole_scheme: bool
    application_route: str | None
    waives: tuple[str, ...]
    fee: Fee | None
    #: the label the route rests on, in words (null: none)
    label_condition: str | None
    #: what the holder must show: jcstar does not check these
    conditions: tuple[str, ...]
    confirm: str
    note: str


class LabelAnswer(Frozen):
    registration_no: str
    on: dt.date
    deemed_compliant: bool
    answer: str
    reasons: tuple[str, ...]


class Recognition(Frozen):
    have: str
    want: str
    on: dt.date
    #: the report the answer starts from (``recognize_report``), else null
    report_id: str | None = None
    #: the crosswalk path the per-requirement answers come from
    path: tuple[str, ...]
    route: RouteAnswer | None
    rows: tuple[RecognitionRow, ...]
    label: LabelAnswer | None
    outcome: Outcome
    covered: int
    total: int
    not_met: int = 0


class RecognitionError(ValueError):
    """A question that cannot be answered as asked (a label for a route that takes none)."""


def recognize(
    catalog: Catalog,
    have: str,
    want: str,
    on: dt.date,
    label: LabelOnDay | None = None,
    fees: FeeTable | None = None,
    recognitions: Recognitions | None = None,
) -> Recognition:
    """What holding ``have`` gives towards ``want`` on day ``on`` (see the module's rules).
    ``KeyError`` names an unknown scheme, or a pair no crosswalk connects."""
    index = CatalogIndex(catalog)
    index.scheme(have)
    level = _profile_level(index, want)
    route = (recognitions or load_recognitions()).between(have, want, level)
    path, links_by_id = _project(catalog, have, want)
    answer = _label_answer(route, label, have, want, on)
    covers = _route_covers(catalog, route, on, answer)
    by_id = index.by_id(want)
    rows = tuple(
        _row(by_id[rid], links, route if covers(rid) else None)
        for rid, links in links_by_id.items()
    )
    covered = sum(row.coverage == "covered" for row in rows)
    return Recognition(
        have=have,
        want=want,
        on=on,
        path=path,
        route=_route_answer(catalog, route, on, level, fees) if route else None,
        rows=rows,
        label=answer,
        outcome=_outcome(answer, covered, len(rows)),
        covered=covered,
        total=len(rows),
    )


def recognize_report(
    catalog: Catalog,
    report: AssessmentReport,
    want: str,
    on: dt.date,
    label: LabelOnDay | None = None,
    fees: FeeTable | None = None,
    recognitions: Recognitions | None = None,
) -> Recognition:
    """What one assessment shows towards ``want`` on day ``on``: each wanted requirement
    covered (the report's verdict carried by the projection, or a route's waiver), NOT_MET,
    or still to show. The route is the one from the report's scheme, else from the scheme
    it is built on (★1). ``KeyError`` names an unknown scheme or a pair no crosswalk joins."""
    index = CatalogIndex(catalog)
    level = _profile_level(index, want)
    found = recognitions or load_recognitions()
    have = report.catalog.scheme
    route = found.between(have, want, level)
    if route is None:
        have = index.native_root(have)
        route = found.between(have, want, level)
    answer = _label_answer(route, label, have, want, on)
    covers = _route_covers(catalog, route, on, answer)
    by_id = index.by_id(want)
    projection = project_report(catalog, report, want)
    rows = tuple(
        _report_row(by_id[v.requirement], v, route if covers(v.requirement) else None)
        for v in projection.verdicts
    )
    covered = sum(row.coverage == "covered" for row in rows)
    not_met = sum(row.coverage == "not_met" for row in rows)
    outcome = "not_met" if not_met and answer is None else _outcome(answer, covered, len(rows))
    return Recognition(
        have=report.catalog.scheme,
        want=want,
        on=on,
        report_id=report.report_id,
        path=(projection.source_scheme, want),
        route=_route_answer(catalog, route, on, level, fees) if route else None,
        rows=rows,
        label=answer,
        outcome=outcome,
        covered=covered,
        total=len(rows),
        not_met=not_met,
    )


def _profile_level(index: CatalogIndex, scheme_id: str) -> int | None:
    """The JC-STAR level of a category profile (null for any other scheme)."""
    scheme = index.scheme(scheme_id)
    return scheme.level if scheme.is_profile else None


def _label_answer(
    route: RecognitionRoute | None, label: LabelOnDay | None, have: str, want: str, on: dt.date
) -> LabelAnswer | None:
    if label is None:
        return None
    if route is None or route.label is None:
        raise RecognitionError(
            f"no route from {have} to {want} rests on a label: "
            "--registration applies to one that does (jcstar-1 → psti)"
        )
    return _judge_label(route, label, route.in_effect(on))


def _route_covers(
    catalog: Catalog, route: RecognitionRoute | None, on: dt.date, answer: LabelAnswer | None
) -> Callable[[str], bool]:
    """Which wanted requirements the route covers on the day: its waiver's (rule 1); all of
    them for a label deemed compliant (rule 4) or a whole-scheme route resting on no label
    (rule 5); none for equivalent criteria with no published list (rule 6)."""
    if route is None or not route.in_effect(on):
        return lambda _: False
    whole = (answer is not None and answer.deemed_compliant) or (
        route.whole_scheme and route.label is None
    )
    if whole:
        return lambda _: True
    waived = _waived(catalog, route)
    return lambda rid: rid in waived


def _project(
    catalog: Catalog, have: str, want: str
) -> tuple[tuple[str, ...], dict[str, tuple[CoverLink, ...]]]:
    """The crosswalk path and, for each wanted requirement in order, the links reaching it
    from ``have``. A category profile is reached requirement by requirement through the
    scheme that defines each (see the module's note)."""
    index = CatalogIndex(catalog)
    graph = CrosswalkGraph(catalog)
    if not index.scheme(want).is_profile:
        projection = graph.project(have, want)
        return projection.path, {row.id: row.covered_by for row in projection.rows}
    natives = _natives(index, want)
    reached: dict[str, dict[str, tuple[CoverLink, ...]]] = {}
    for native in dict.fromkeys(natives.values()):
        if native == want:
            reached[native] = {}  # the operator's own requirements: no crosswalk
        elif native == have:
            reached[native] = {rid: (_same(index, rid),) for rid in index.requirement_ids(have)}
        else:
            rows = graph.project(have, native).rows
            reached[native] = {row.id: row.covered_by for row in rows}
    root = index.native_root(want)
    path = (*graph.path(have, root), want) if root != have else (have, want)
    return path, {rid: reached[native].get(rid, ()) for rid, native in natives.items()}


def _natives(index: CatalogIndex, profile_id: str) -> dict[str, str]:
    """Each requirement of a category profile, in its order, with the scheme defining it."""
    scheme = index.scheme(profile_id)
    if scheme.base is None:
        return {rid: profile_id for rid in index.requirement_ids(profile_id)}
    found = _natives(index, scheme.base)
    for item in scheme.adds:
        found.setdefault(item.id, item.from_scheme)
    for req in scheme.requirements:
        found.setdefault(req.id, profile_id)
    return found


def _same(index: CatalogIndex, rid: str) -> CoverLink:
    req = index.requirement(rid)
    return CoverLink(
        source=rid,
        source_title=(req.title_en or req.title) if req else rid,
        relationship="equal",
        rationale="the same requirement",
        basis="official",
    )


def _waived(catalog: Catalog, route: RecognitionRoute) -> frozenset[str]:
    if route.application_route is None:
        return frozenset()
    if route.application_route not in _WAIVERS:
        known = ", ".join(ROUTES)
        raise RecognitionError(
            f"route {route.id}: unknown application route {route.application_route!r} "
            f"(known: {known})"
        )
    return _WAIVERS[route.application_route](catalog)


def carries_met(link: CoverLink) -> bool:
    """A link through which a MET verdict carries over: the held requirement covers the whole
    wanted one (equal, superset) or an official arrangement accepts it (``_carry``'s rule)."""
    return link.relationship in ("equal", "superset") or link.recognised


def _row(
    req: Requirement, links: tuple[CoverLink, ...], waiver: RecognitionRoute | None
) -> RecognitionRow:
    covers = [_cover(link) for link in links if carries_met(link)]
    if waiver is not None:
        covers.insert(0, _route_cover(waiver))
    partial = tuple(_cover(link) for link in links if not carries_met(link))
    return RecognitionRow(
        requirement=req.id,
        title_ja=req.title_ja,
        title_en=req.title_en,
        coverage="covered" if covers else "needs_evidence",
        covered_by=tuple(covers),
        partial=partial,
        needs=() if covers else _needs(req),
    )


def _report_row(
    req: Requirement, verdict: ProjectedVerdict, route: RecognitionRoute | None
) -> RecognitionRow:
    """A wanted requirement as the report shows it: covered by a MET or NOT_APPLICABLE
    verdict (or the route), NOT_MET (a route never hides a failure the report found), or
    what is still to show."""
    covers = []
    if route is not None:
        covers.append(_route_cover(route))
    if verdict.verdict in ("MET", "NOT_APPLICABLE", "NOT_MET"):
        covers.append(
            Cover(
                kind="report",
                source=", ".join(verdict.from_requirements) or verdict.requirement,
                basis="official" if verdict.official else "judgement",
                rationale=verdict.reason,
            )
        )
    coverage: Coverage = (
        "not_met"
        if verdict.verdict == "NOT_MET"
        else "covered"
        if route is not None or verdict.verdict in ("MET", "NOT_APPLICABLE")
        else "needs_evidence"
    )
    return RecognitionRow(
        requirement=req.id,
        title_ja=req.title_ja,
        title_en=req.title_en,
        coverage=coverage,
        verdict=verdict.verdict,
        covered_by=tuple(covers) if coverage != "not_met" else (),
        partial=tuple(covers) if coverage == "not_met" else (),
        needs=_needs(req) if coverage == "needs_evidence" else (),
    )


def _cover(link: CoverLink) -> Cover:
    return Cover(
        kind="crosswalk",
        source=link.source,
        relationship=link.relationship,
        basis=link.basis,
        rationale=link.rationale,
        recognised=link.recognised,
        via=link.via,
    )


def _route_cover(route: RecognitionRoute) -> Cover:
    return Cover(kind="route", source=route.id, basis=route.basis, rationale=route.summary.strip())


def _needs(req: Requirement) -> tuple[str, ...]:
    """What shows the requirement is met: its automated checks and its questions, else its
    evidence guidance, else its statement."""
    checks = sorted({b.check for b in req.checks if not b.sector_only})
    needs = [f"check {check}" for check in checks]
    needs += [f"answer {q.id}: {q.text_en}" for q in req.questions]
    if not needs:
        guidance = req.evidence_guidance_en or req.statement_en or req.title
        needs.append(f"evidence: {guidance}")
    return tuple(needs)


def _judge_label(route: RecognitionRoute, label: LabelOnDay, live: bool) -> LabelAnswer:
    assert route.label is not None
    wanted = route.label
    reasons = []
    if not live:
        reasons.append(f"the route takes effect on {route.effective_from}")
    reasons += _status_reasons(label)
    if label.level != wanted.level:
        reasons.append(f"it is a ★{label.level} label; the route recognises ★{wanted.level}")
    if label.criteria_version != wanted.criteria_version:
        named = label.criteria_version or "none"
        reasons.append(f"criteria version {named} is not {wanted.criteria_version}")
    deemed = not reasons
    verdict = "deemed compliant" if deemed else "not deemed compliant"
    why = "" if deemed else f": {'; '.join(reasons)}"
    return LabelAnswer(
        registration_no=label.registration_no,
        on=label.on,
        deemed_compliant=deemed,
        answer=f"{label.registration_no}: {verdict} on {label.on}{why}",
        reasons=tuple(reasons),
    )


def _status_reasons(label: LabelOnDay) -> list[str]:
    since = f" on {label.since}" if label.since else ""
    why = f" ({label.reason})" if label.reason else ""
    match label.status:
        case "valid":
            return []
        case "expired":
            return [f"expired: valid until {label.expires_on}"]
        case "revoked":
            return [f"revoked{since}{why}"]
        case "suspended":
            return [f"suspended{since}{why}"]
        case "superseded":
            return [f"superseded{since} by {label.superseded_by or 'another label'}"]
        case "not_issued":
            return [f"not issued by {label.on} (issued {label.issued_on})"]
    return [f"status {label.status}"]


def _route_answer(
    catalog: Catalog,
    route: RecognitionRoute,
    on: dt.date,
    want_level: int | None,
    fees: FeeTable | None,
) -> RouteAnswer:
    waived = _waived(catalog, route)
    level = next((lv.level for lv in catalog.levels if lv.scheme == route.want), want_level)
    fee = None
    if fees is not None and route.application_route is not None and level is not None:
        row = fees.row_for(level, route.application_route, on)
        if row is not None:
            fee = Fee(amount_jpy=row.amount_jpy, source=row.source, note=row.note)
    wanted = route.label
    label_condition = (
        f"a valid ★{wanted.level} label issued against criteria version "
        f"{wanted.criteria_version}, valid on {wanted.valid_on}"
        if wanted
        else None
    )
    return RouteAnswer(
        id=route.id,
        wants=route.wants,
        kind=route.kind,
        summary=" ".join(route.summary.split()),
        basis=route.basis,
        sources=route.sources,
        effective_from=route.effective_from,
        in_effect=route.in_effect(on),
        whole_scheme=route.whole_scheme,
        application_route=route.application_route,
        waives=tuple(sorted(waived)),
        fee=fee,
        label_condition=label_condition,
        conditions=tuple(
            f"{c.text} [{c.basis}: {', '.join(c.sources)}]"
            for c in route.conditions_for(want_level)
        ),
        confirm=" ".join(route.confirm.split()),
        note=" ".join(route.note.split()),
    )


def _outcome(label: LabelAnswer | None, covered: int, total: int) -> Outcome:
    if label is not None:
        return "deemed_compliant" if label.deemed_compliant else "not_deemed_compliant"
    return "covered" if covered == total else "needs_evidence"
