"""Build the assessment plan: which requirements apply, which checks to run."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from jcstar.assessment.models import AssessmentPlan, ParamValues, PlannedRequirement, ProductProfile
from jcstar.catalog.crosswalk import CrosswalkGraph
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, CheckBinding, Condition, Level, Requirement
from jcstar.checks.base import ABSENT
from jcstar.checks.registry import declared_needs, recorded_version


class PlanError(Exception):
    """The profile asks for something the catalog cannot assess (e.g. a placeholder level)."""


def build_plan(
    catalog: Catalog, profile: ProductProfile, also: Sequence[str] = ()
) -> AssessmentPlan:
    """The plan for ``profile`` at its level (★2 and above: its category's profile), plus the
    requirements of the ``also`` schemes that the level's scheme does not cover."""
    index = CatalogIndex(catalog)
    try:
        scheme = index.scheme_for(profile.level, profile.category)
    except LookupError as exc:
        raise PlanError(str(exc)) from None
    if scheme.operator_requirements and not scheme.requirements:
        raise PlanError(
            f"the {scheme.id} profile takes its requirements from a file the operator supplies "
            f"({scheme.operator_requirements}), which this catalog does not hold"
        )
    level = next(lv for lv in catalog.levels if lv.level == profile.level)
    requirements = index.requirements(scheme.id)
    added = sector_checks(catalog, profile.product_type)
    excluded = index.not_applicable_in(scheme.id)
    planned = [_plan_requirement(req, profile, added, excluded) for req in requirements]
    extra = also_requirements(catalog, scheme.id, also)
    planned += [_plan_requirement(req, profile, added, {}) for req in extra]
    return AssessmentPlan(
        level=level.level,
        scheme=scheme.id,
        requirements=tuple(planned),
        check_params=catalog_params((*requirements, *extra), level, added, scheme.check_params),
        also=tuple(dict.fromkeys(also)),
    )


def also_requirements(
    catalog: Catalog, scheme_id: str, also: Sequence[str]
) -> tuple[Requirement, ...]:
    """The requirements of the ``also`` schemes that an assessment against ``scheme_id`` does
    not answer: neither its own nor reached through a crosswalk link that carries a MET
    (equal, superset, or an official recognition). Each once, in the order the schemes
    list them. ``PlanError`` naming an unknown scheme or one no crosswalk reaches."""
    index = CatalogIndex(catalog)
    own = set(index.requirement_ids(scheme_id))
    root = index.native_root(scheme_id)
    graph = CrosswalkGraph(catalog)
    found: dict[str, Requirement] = {}
    for other in also:
        try:
            rows = graph.project(root, other).rows if other != root else ()
        except KeyError as exc:
            raise PlanError(f"--also {other}: {exc.args[0]}") from None
        for row in rows:
            if row.id in own or row.id in found or row.coverage == "covered":
                continue
            req = index.requirement(row.id)
            if req is not None:
                found[row.id] = req
    return tuple(found.values())


def plan_requirements(catalog: Catalog, plan: AssessmentPlan) -> dict[str, Requirement]:
    """Every requirement the plan assesses, by id: its scheme's, then those ``--also`` added."""
    index = CatalogIndex(catalog)
    found = index.by_id(plan.scheme)
    for planned in plan.requirements:
        if planned.requirement not in found:
            req = index.requirement(planned.requirement)
            if req is not None:
                found[planned.requirement] = req
    return found


def sector_checks(catalog: Catalog, product_type: str) -> dict[str, ParamValues]:
    """The checks the profile's product type adds (``catalog/data/sectors/``), with their
    parameters for that type; none for a product type no sector names."""
    found = catalog.product_type(product_type)
    return {c.check: dict(c.params) for c in found.checks} if found else {}


def _planned_bindings(req: Requirement, added: Mapping[str, ParamValues]) -> list[CheckBinding]:
    """The requirement's bindings that run for this product: a ``sector_only`` one only
    when the product type's sector adds its check."""
    return [b for b in req.checks if not b.sector_only or b.check in added]


def catalog_params(
    requirements: tuple[Requirement, ...],
    level: Level,
    added: Mapping[str, ParamValues] | None = None,
    profile_params: Mapping[str, ParamValues] | None = None,
) -> dict[str, ParamValues]:
    """The parameters the catalog sets for each check, by check id: the scheme's binding,
    then the product type's sector profile (``added``), then the level's profile, then the
    category profile's (``profile_params``) over them (the check's own defaults fill in the
    rest when it runs).

    A check runs once per assessment, so two bindings of one check that set different values
    cannot both hold: that is a catalog fault, named here (``catalog lint`` names it too)."""
    added = added or {}
    bound: dict[str, tuple[str, ParamValues]] = {}
    for req in requirements:
        for binding in _planned_bindings(req, added):
            seen = bound.setdefault(binding.check, (req.id, binding.params))
            if seen[1] != binding.params:
                raise PlanError(
                    f"{binding.check} is bound with different parameters in {seen[0]} and {req.id}"
                )
    resolved = {check: dict(params) for check, (_, params) in bound.items()}
    for check, params in added.items():
        if check in resolved:
            resolved[check].update(params)
    for overrides_by_check in (level.check_params, profile_params or {}):
        for check, overrides in overrides_by_check.items():
            resolved[check] = {**resolved.get(check, {}), **overrides}
    return {check: params for check, params in resolved.items() if params}


def absent_checks(check_ids: Iterable[str], present: Collection[str]) -> dict[str, str]:
    """The checks to skip without importing them, by id, with the reason a report gives: those
    whose declared targets (the registry's ``needs``, read as data) are all absent from
    ``present`` and each have a stated absence (``checks.base.ABSENT``: a device, a firmware
    image), and whose version is recorded (the attempt names it). Any other check runs and
    says itself why it skips (a document's check)."""
    absent = {}
    for check_id in check_ids:
        needs = declared_needs(check_id)
        if not needs or recorded_version(check_id) is None:
            continue
        if all(need in ABSENT and need not in present for need in needs):
            absent[check_id] = ABSENT[needs[0]]
    return absent


def only_checks(plan: AssessmentPlan, prefix: str) -> AssessmentPlan:
    """The part of a plan that the checks whose id starts with ``prefix`` can evidence
    (``firmware.``, ``network.``): each requirement keeps only those checks, and one
    left with none is dropped."""
    kept = []
    for planned in plan.requirements:
        checks = tuple(c for c in planned.checks if c.startswith(prefix))
        if checks:
            kept.append(planned.model_copy(update={"checks": checks}))
    return plan.model_copy(update={"requirements": tuple(kept)})


def _holds(condition: Condition, profile: ProductProfile) -> bool | None:
    value = getattr(profile.facts, condition.fact)
    return None if value is None else value == condition.equals


#: each reason the plan gives a requirement's applicability, by code, with its English
#: sentence (the report keeps the sentence; the portal reads the code back from it and says it
#: in the reader's language, the profile's own note as written)
PLAN_REASON_TEXTS = {
    "category_excludes": "category profile: {reason}",
    "fact_excludes": "profile: {fact} is {value}. {note}",
    "fact_exempts": "profile: {fact} exempts it; {note}",
    "exemption_unconfirmed": "possible exemption ({fact}) is not confirmed: {note}",
}


def _plan_requirement(
    req: Requirement,
    profile: ProductProfile,
    added: Mapping[str, ParamValues],
    excluded: Mapping[str, str],
) -> PlannedRequirement:
    common = {
        "requirement": req.id,
        "checks": tuple(dict.fromkeys(b.check for b in _planned_bindings(req, added))),
        "questions": tuple(q.id for q in req.questions),
        "manual": req.manual,
    }
    if req.id in excluded:
        return PlannedRequirement(
            **common,
            applicability="not_applicable",
            reason=PLAN_REASON_TEXTS["category_excludes"].format(reason=excluded[req.id]),
        )
    for condition in req.applies_if:
        # an unknown fact (None) never exempts: the requirement is assessed
        if _holds(condition, profile) is False:
            return PlannedRequirement(
                **common,
                applicability="not_applicable",
                reason=PLAN_REASON_TEXTS["fact_excludes"].format(
                    fact=condition.fact, value=not condition.equals, note=condition.note
                ),
            )
    for condition in req.exempt_if:
        if _holds(condition, profile):
            if condition.confirmed:
                return PlannedRequirement(
                    **common,
                    applicability="not_applicable",
                    reason=PLAN_REASON_TEXTS["fact_exempts"]
                    .format(fact=condition.fact, note=condition.note)
                    .strip(),
                )
            return PlannedRequirement(
                **common,
                applicability="review",
                reason=PLAN_REASON_TEXTS["exemption_unconfirmed"].format(
                    fact=condition.fact, note=condition.note
                ),
            )
    return PlannedRequirement(**common, applicability="applicable")
