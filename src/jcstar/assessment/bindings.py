"""Lint the catalog's links to other layers: check ids, topics, parameters and profile facts."""

from __future__ import annotations

from jcstar.assessment.models import ProductFacts
from jcstar.assessment.plan import PlanError, catalog_params
from jcstar.catalog.lint import Problem
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, CheckBinding, Level, Requirement, Scheme
from jcstar.checks.params import ParamsError, resolve
from jcstar.checks.registry import CHECKS


def lint_bindings(catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    facts = set(ProductFacts.model_fields)
    for scheme in catalog.schemes:
        where = f"schemes/{scheme.id}.yaml"
        for req in scheme.requirements:
            for binding in req.checks:
                problems += _lint_binding(where, req, binding)
            for condition in (*req.applies_if, *req.exempt_if):
                if condition.fact not in facts:
                    problems.append(
                        Problem(
                            where=where, message=f"{req.id}: unknown profile fact {condition.fact}"
                        )
                    )
    index = CatalogIndex(catalog)
    for level in catalog.levels:
        problems += _lint_level_params(index, level)
    for profile in (s for s in catalog.schemes if s.is_profile):
        problems += _lint_profile_params(profile)
        problems += _lint_profile_plan(index, catalog, profile)
    return problems


def _lint_profile_plan(index: CatalogIndex, catalog: Catalog, profile: Scheme) -> list[Problem]:
    """One set of values per check over everything the profile combines: a check runs once
    per assessment, so two bindings with different values make the profile unplannable (a
    sector body learns it here, not from a vendor's failed run)."""
    level = next((lv for lv in catalog.levels if lv.level == profile.level), None)
    if level is None:
        return []  # named by the profile lint
    try:
        catalog_params(index.requirements(profile.id), level, None, profile.check_params)
    except (PlanError, KeyError) as exc:
        return [Problem(where=f"profiles/{profile.id}.yaml", message=str(exc))]
    except RecursionError:
        return []  # its bases form a cycle: named by the profile lint
    return []


def _lint_profile_params(profile: Scheme) -> list[Problem]:
    """A category profile's parameters (``check_params``), as a level's: known checks and
    declared parameters of the right type."""
    where = f"profiles/{profile.id}.yaml"
    problems = []
    for check_id, overrides in profile.check_params.items():
        check = CHECKS.get(check_id)
        if check is None:
            problems.append(Problem(where=where, message=f"unknown check {check_id}"))
            continue
        try:
            resolve(check, overrides)
        except ParamsError as exc:
            problems.append(Problem(where=where, message=f"check {check_id}: {exc}"))
    return problems


def _lint_binding(where: str, req: Requirement, binding: CheckBinding) -> list[Problem]:
    check = CHECKS.get(binding.check)
    if check is None:
        return [Problem(where=where, message=f"{req.id}: unknown check {binding.check}")]
    problems = []
    if binding.topic and binding.topic not in check.topics:
        problems.append(
            Problem(
                where=where,
                message=f"{req.id}: check {binding.check} has no topic {binding.topic}",
            )
        )
    try:
        resolve(check, binding.params)
    except ParamsError as exc:
        problems.append(Problem(where=where, message=f"{req.id}: check {binding.check}: {exc}"))
    return problems


def _lint_level_params(index: CatalogIndex, level: Level) -> list[Problem]:
    """A level's parameter profile: known checks, declared parameters of the right type,
    and one set of values per check over the level's scheme (a check runs once)."""
    where = "levels.yaml"
    problems = []
    for check_id, overrides in level.check_params.items():
        check = CHECKS.get(check_id)
        if check is None:
            problems.append(
                Problem(where=where, message=f"level {level.level}: unknown check {check_id}")
            )
            continue
        try:
            resolve(check, overrides)
        except ParamsError as exc:
            problems.append(
                Problem(where=where, message=f"level {level.level}: check {check_id}: {exc}")
            )
    if level.scheme is None or level.scheme not in index.schemes or problems:
        return problems
    try:
        catalog_params(index.requirements(level.scheme), level)
    except PlanError as exc:
        problems.append(Problem(where=f"schemes/{level.scheme}.yaml", message=str(exc)))
    return problems
