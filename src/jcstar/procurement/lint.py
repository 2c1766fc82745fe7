"""Integrity lint of procurement policies: what the model alone cannot say.

Every shipped policy must pass (``jcstar catalog lint`` runs this beside the catalog's own
lint); a policy file given with ``--policy`` is linted the same way before it is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import yaml

from jcstar.catalog.lint import Problem
from jcstar.catalog.loader import SAFE_LOADER, CatalogIndex, data_dir, load_catalog
from jcstar.catalog.models import Catalog
from jcstar.procurement.loader import PolicyError, load_policy_file, shipped_policy_files
from jcstar.procurement.models import Policy, ProductType, Rule, SourceRef


def catalog_source_ids() -> set[str]:
    meta = yaml.load((data_dir() / "catalog.yaml").read_text("utf-8"), Loader=SAFE_LOADER)
    return set(((meta or {}).get("sources") or {}).keys())


def lint_policy(policy: Policy, where: str, catalog: Catalog | None = None) -> list[Problem]:
    """Problems of one loaded policy (``where`` names its file in each message)."""
    catalog = catalog or load_catalog()
    known_sources = catalog_source_ids() | set(policy.sources)
    problems: list[str] = []
    problems += _duplicates("rule id", [r.id for r in policy.rules])
    problems += _duplicates("product type", [t.id for t in policy.product_types])
    problems += _duplicates("guideline", [g.id for g in policy.guidelines])
    type_ids = {t.id for t in policy.product_types}
    ruled_types: set[str] = set()
    for rule in policy.rules:
        for type_id in rule.applies.product_types:
            ruled_types.add(type_id)
            if type_id not in type_ids:
                problems.append(f"{rule.id}: applies to unknown product type {type_id}")
        problems += _basis_tags(rule)
        problems += _unknown_sources(rule.id, rule.basis.sources, known_sources)
        problems += _substitution(rule.id, rule.substitutes_scheme, rule.substitutes_for, catalog)
    for product_type in policy.product_types:
        if product_type.id not in ruled_types:
            problems.append(f"product type {product_type.id}: no rule applies to it")
        problems += _sector_checks(product_type, catalog)
        problems += _unknown_sources(product_type.id, product_type.sources, known_sources)
    for guideline in policy.guidelines:
        problems += _unknown_sources(guideline.id, guideline.sources, known_sources)
    return [Problem(where=where, message=message) for message in problems]


def lint_policy_files(files: Iterable[Path] | None = None) -> list[Problem]:
    """Load and lint policy files (the shipped ones by default); a load failure is a problem."""
    catalog = load_catalog()
    problems: list[Problem] = []
    for path in shipped_policy_files() if files is None else files:
        where = f"procurement/policies/{path.name}" if files is None else str(path)
        try:
            policy = load_policy_file(path)
        except PolicyError as exc:
            problems.append(Problem(where=where, message=str(exc).removeprefix(f"{path}: ")))
            continue
        if files is None and policy.id != path.stem:
            problems.append(Problem(where=where, message=f"id {policy.id} is not the file name"))
        problems += lint_policy(policy, where, catalog)
    return problems


def _duplicates(what: str, ids: list[str]) -> list[str]:
    return [f"duplicate {what} {item}" for item, count in Counter(ids).items() if count > 1]


def _basis_tags(rule: Rule) -> list[str]:
    """A basis claims no more than its sources' tags allow: ``official`` rests on verified
    sources only (the seed is tagged V), ``secondary`` on at least one secondary source."""
    basis = rule.basis
    if basis.kind == "official":
        if not any(s.tag == "V" for s in basis.sources):
            return [f"{rule.id}: basis official but no source is tagged V (verified)"]
        return [
            f"{rule.id}: basis official but source {s.id} is tagged {s.tag}, not V (verified): "
            "a rule resting on it is secondary or judgement"
            for s in basis.sources
            if s.tag != "V"
        ]
    if basis.kind == "secondary" and not any(s.tag == "S" for s in basis.sources):
        return [f"{rule.id}: basis secondary but no source is tagged S (secondary)"]
    return []


def _unknown_sources(owner: str, refs: Iterable[SourceRef], known: set[str]) -> list[str]:
    return [f"{owner}: unknown source {ref.id}" for ref in refs if ref.id not in known]


def _sector_checks(product_type: ProductType, catalog: Catalog) -> list[str]:
    """The checks a policy says a product type should run are the ones the catalog's sector
    profile adds to its assessments (one fact: ``catalog/data/sectors``)."""
    known = catalog.product_type(product_type.id)
    named = product_type.network_checks
    if known is None:
        if not named:
            return []
        return [
            f"product type {product_type.id}: no catalog sector profile runs {', '.join(named)}"
        ]
    runs = tuple(check.check for check in known.checks)
    if set(named) != set(runs):
        return [
            f"product type {product_type.id}: network_checks {', '.join(named) or 'none'} but "
            f"its sector profile runs {', '.join(runs) or 'none'}"
        ]
    return []


def _substitution(
    owner: str, scheme: str | None, ids: tuple[str, ...], catalog: Catalog
) -> list[str]:
    if not ids:
        return [f"{owner}: substitutes_scheme without substitutes_for"] if scheme else []
    if scheme is None:
        return [f"{owner}: substitutes_for needs substitutes_scheme"]
    index = CatalogIndex(catalog)
    if scheme not in index.schemes:
        return [f"{owner}: substitutes for unknown scheme {scheme}"]
    known = set(index.requirement_ids(scheme))
    return [f"{owner}: {item} is not a {scheme} requirement" for item in ids if item not in known]
