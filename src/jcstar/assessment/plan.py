"""Build the assessment plan: which requirements apply, which checks to run."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from jcstar.assessment.models import AssessmentPlan, ParamValues, PlannedRequirement, ProductProfile
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, CheckBinding, Condition, Level, Requirement
from jcstar.checks.base import ABSENT
from jcstar.checks.registry import declared_needs, recorded_version


class PlanError(Exception):
    """The profile asks for something the catalog cannot assess (e.g. a placeholder level)."""


def build_plan(catalog: Catalog, profile: ProductProfile) -> AssessmentPlan:
    level = next((lv for lv in catalog.levels if lv.level == profile.level), None)
    if level is None or level.scheme is None:
        raise PlanError(
            f"level {profile.level} has no criteria in catalog {catalog.version} yet"
            " (only ★1 can be assessed)"
        )
    index = CatalogIndex(catalog)
    requirements = index.requirements(level.scheme)
    added = sector_checks(catalog, profile.product_type)
    planned = tuple(_plan_requirement(req, profile, added) for req in requirements)
    return AssessmentPlan(
        level=level.level,
        scheme=level.scheme,
        requirements=planned,
        check_params=catalog_params(requirements, level, added),
    )


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
) -> dict[str, ParamValues]:
    """The parameters the catalog sets for each check, by check id: the scheme's binding,
    then the product type's sector profile (``added``), then the level's profile over them
    (the check's own defaults fill in the rest when it runs).

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
    for check, overrides in level.check_params.items():
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


def _plan_requirement(
    req: Requirement, profile: ProductProfile, added: Mapping[str, ParamValues]
) -> PlannedRequirement:
    common = {
        "requirement": req.id,
        "checks": tuple(dict.fromkeys(b.check for b in _planned_bindings(req, added))),
        "questions": tuple(q.id for q in req.questions),
        "manual": req.manual,
    }
    for condition in req.applies_if:
        # an unknown fact (None) never exempts: the requirement is assessed
        if _holds(condition, profile) is False:
            return PlannedRequirement(
                **common,
                applicability="not_applicable",
                reason=f"profile: {condition.fact} is {not condition.equals}. {condition.note}",
            )
    for condition in req.exempt_if:
        if _holds(condition, profile):
            if condition.confirmed:
                return PlannedRequirement(
                    **common,
                    applicability="not_applicable",
                    reason=f"profile: {condition.fact} exempts it; {condition.note}".strip(),
                )
            return PlannedRequirement(
                **common,
                applicability="review",
                reason=f"possible exemption ({condition.fact}) is not confirmed: {condition.note}",
            )
    return PlannedRequirement(**common, applicability="applicable")
