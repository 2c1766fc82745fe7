"""Lint the catalog's links to other layers: check ids, topics and profile facts."""

from __future__ import annotations

from jcstar.assessment.models import ProductFacts
from jcstar.catalog.lint import Problem
from jcstar.catalog.models import Catalog
from jcstar.checks.registry import CHECKS


def lint_bindings(catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    facts = set(ProductFacts.model_fields)
    for scheme in catalog.schemes:
        where = f"schemes/{scheme.id}.yaml"
        for req in scheme.requirements:
            for binding in req.checks:
                check = CHECKS.get(binding.check)
                if check is None:
                    problems.append(
                        Problem(where=where, message=f"{req.id}: unknown check {binding.check}")
                    )
                elif binding.topic and binding.topic not in check.topics:
                    problems.append(
                        Problem(
                            where=where,
                            message=f"{req.id}: check {binding.check} has no topic {binding.topic}",
                        )
                    )
            for condition in (*req.applies_if, *req.exempt_if):
                if condition.fact not in facts:
                    problems.append(
                        Problem(
                            where=where, message=f"{req.id}: unknown profile fact {condition.fact}"
                        )
                    )
    return problems
