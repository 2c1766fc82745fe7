"""Build the assessment plan: which requirements apply, which checks to run."""

from __future__ import annotations

from jcstar.assessment.models import AssessmentPlan, ParamValues, PlannedRequirement, ProductProfile
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, Condition, Level, Requirement


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
    planned = tuple(_plan_requirement(req, profile) for req in requirements)
    return AssessmentPlan(
        level=level.level,
        scheme=level.scheme,
        requirements=planned,
        check_params=catalog_params(requirements, level),
    )


def catalog_params(requirements: tuple[Requirement, ...], level: Level) -> dict[str, ParamValues]:
    """The parameters the catalog sets for each check, by check id: the scheme's binding,
    then the level's profile over it (the check's own defaults fill in the rest when it runs).

    A check runs once per assessment, so two bindings of one check that set different values
    cannot both hold: that is a catalog fault, named here (``catalog lint`` names it too)."""
    bound: dict[str, tuple[str, ParamValues]] = {}
    for req in requirements:
        for binding in req.checks:
            seen = bound.setdefault(binding.check, (req.id, binding.params))
            if seen[1] != binding.params:
                raise PlanError(
                    f"{binding.check} is bound with different parameters in {seen[0]} and {req.id}"
                )
    resolved = {check: dict(params) for check, (_, params) in bound.items()}
    for check, overrides in level.check_params.items():
        resolved[check] = {**resolved.get(check, {}), **overrides}
    return {check: params for check, params in resolved.items() if params}


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


def _plan_requirement(req: Requirement, profile: ProductProfile) -> PlannedRequirement:
    common = {
        "requirement": req.id,
        "checks": tuple(dict.fromkeys(binding.check for binding in req.checks)),
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
