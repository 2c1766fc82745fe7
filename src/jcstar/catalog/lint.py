"""Integrity lint over the catalog data: ids, references, mappings.

Checks that need other layers (check ids, profile facts) live in
``jcstar.assessment.bindings`` and are run together with this by ``catalog lint``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from jcstar.catalog.lint_master import lint_master
from jcstar.catalog.lint_profiles import lint_profiles
from jcstar.catalog.loader import CatalogError, CatalogIndex, data_dir, load_catalog
from jcstar.catalog.models import Catalog, Crosswalk, Scheme
from jcstar.catalog.recognition import RECOGNITION_FILE, lint_recognitions, load_recognitions


class Problem(BaseModel):
    model_config = ConfigDict(frozen=True)

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def lint_catalog_dir(root: Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Load and lint the catalog under ``root``; a load failure is itself a problem."""
    root = root or data_dir()
    try:
        catalog = load_catalog(root)
    except (CatalogError, KeyError, FileNotFoundError) as exc:
        return None, [Problem(where=str(root), message=str(exc))]
    problems = lint(catalog, source_ids=_source_ids(root))
    messages = lint_master(catalog, root)  # master.yaml, programmes.yaml
    if (root / RECOGNITION_FILE).exists():
        try:
            routes = load_recognitions(root)
        except CatalogError as exc:
            messages.append(str(exc))
        else:
            messages += lint_recognitions(routes, catalog, _source_ids(root))
    for message in messages:
        where, _, text = message.partition(": ")
        problems.append(Problem(where=where, message=text))
    return catalog, problems


def _source_ids(root: Path) -> set[str]:
    meta = yaml.safe_load((root / "catalog.yaml").read_text(encoding="utf-8")) or {}
    return set((meta.get("sources") or {}).keys())


def lint(catalog: Catalog, source_ids: set[str] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicates("catalog", "scheme id", [s.id for s in catalog.schemes])
    index = CatalogIndex(catalog)
    native_ids: list[str] = []
    for scheme in catalog.schemes:
        where = f"schemes/{scheme.id}.yaml"
        if scheme.selects_from:
            problems += _lint_selection(index, scheme, where)
            continue
        ids = [req.id for req in scheme.requirements]
        native_ids += ids
        problems += _duplicates(where, "requirement id", ids)
        threat_ids = {t.id for t in scheme.threats}
        for req in scheme.requirements:
            for threat in req.threats:
                if threat not in threat_ids:
                    problems.append(
                        Problem(where=where, message=f"{req.id}: unknown threat {threat}")
                    )
            if source_ids is not None:
                for src in (*req.sources, *scheme.sources):
                    if src not in source_ids:
                        problems.append(
                            Problem(where=where, message=f"{req.id}: unknown source {src}")
                        )
    problems += _duplicates("catalog", "requirement id across schemes", native_ids)
    problems += _lint_levels(catalog, index)
    problems += _lint_criteria_versions(catalog, source_ids)
    for walk in catalog.crosswalks:
        problems += _lint_crosswalk(index, walk)
    problems += _lint_sectors(catalog, source_ids)
    problems += _lint_questions(catalog)
    for message in lint_profiles(catalog, source_ids):  # profiles/*.yaml (★2 and above)
        where, _, text = message.partition(": ")
        problems.append(Problem(where=where, message=text))
    return problems


def _lint_questions(catalog: Catalog) -> list[Problem]:
    """Question ids are unique across the catalog (an answers file is keyed by them), and every
    requirement a native scheme defines - what a category profile or ``--also`` can add to an
    assessment - has a question or a check, else nothing in a session could answer it. A scheme
    that a crosswalk's substitution answers as a whole (the government guideline, by ★1) is
    never asked, so it needs neither."""
    substituted = {
        end
        for walk in catalog.crosswalks
        if walk.substitution is not None
        for end in (walk.source_scheme, walk.target_scheme)
        if end != walk.substitution.scheme
    }
    problems: list[Problem] = []
    first_use: dict[str, str] = {}
    for scheme in catalog.schemes:
        where = f"schemes/{scheme.id}.yaml"
        for req in scheme.requirements:
            for question in req.questions:
                if question.id in first_use:
                    problems.append(
                        Problem(
                            where=where,
                            message=f"{req.id}: question id {question.id} is also used by "
                            + first_use[question.id],
                        )
                    )
                first_use.setdefault(question.id, f"{scheme.id} {req.id}")
            askable = not scheme.selects_from and scheme.id not in substituted
            if askable and not req.questions and not req.checks:
                problems.append(
                    Problem(where=where, message=f"{req.id}: neither a question nor a check")
                )
    return problems


def _lint_sectors(catalog: Catalog, source_ids: set[str] | None) -> list[Problem]:
    """Sector profiles: unique ids; every check a product type adds is bound ``sector_only``
    in a scheme (else its observations evidence nothing), and a ``sector_only`` binding
    names a check some product type adds (else it never runs)."""
    problems = _duplicates("catalog", "sector id", [s.id for s in catalog.sectors])
    types = [t.id for s in catalog.sectors for t in s.product_types]
    problems += _duplicates("sectors", "product type id", types)
    bindings = [b for scheme in catalog.schemes for r in scheme.requirements for b in r.checks]
    sector_bound = {b.check for b in bindings if b.sector_only}
    bound_for_all = {b.check for b in bindings if not b.sector_only}
    added: set[str] = set()
    for sector in catalog.sectors:
        where = f"sectors/{sector.id}.yaml"
        for product_type in sector.product_types:
            problems += _duplicates(
                where, f"{product_type.id} check", [c.check for c in product_type.checks]
            )
            for src in (*product_type.sources, *sector.sources):
                if source_ids is not None and src not in source_ids:
                    problems.append(
                        Problem(where=where, message=f"{product_type.id}: unknown source {src}")
                    )
            for added_check in product_type.checks:
                added.add(added_check.check)
                if added_check.check not in sector_bound:
                    problems.append(
                        Problem(
                            where=where,
                            message=f"{product_type.id}: {added_check.check} is bound to no "
                            "requirement with sector_only: true",
                        )
                    )
                if added_check.check in bound_for_all:
                    problems.append(
                        Problem(
                            where=where,
                            message=f"{product_type.id}: {added_check.check} is also bound "
                            "without sector_only, so every product runs it",
                        )
                    )
    for check in sorted(sector_bound - added):
        problems.append(
            Problem(where="schemes", message=f"{check}: sector_only, but no sector adds it")
        )
    return problems


def _duplicates(where: str, what: str, ids: list[str]) -> list[Problem]:
    return [
        Problem(where=where, message=f"duplicate {what} {item}")
        for item, count in Counter(ids).items()
        if count > 1
    ]


def _lint_selection(index: CatalogIndex, scheme: Scheme, where: str) -> list[Problem]:
    problems = _duplicates(where, "selected id", list(scheme.selection))
    base_id = scheme.selects_from or ""
    base = index.schemes.get(base_id)
    if base is None or base.selects_from:
        return [*problems, Problem(where=where, message=f"selects from unknown scheme {base_id}")]
    known = {req.id for req in base.requirements}
    for item in scheme.selection:
        if item not in known:
            problems.append(Problem(where=where, message=f"selects unknown {base_id} id {item}"))
    if scheme.extends and scheme.extends not in index.schemes:
        problems.append(Problem(where=where, message=f"extends unknown scheme {scheme.extends}"))
    return problems


def _lint_levels(catalog: Catalog, index: CatalogIndex) -> list[Problem]:
    problems = _duplicates("levels.yaml", "level", [str(lv.level) for lv in catalog.levels])
    for level in catalog.levels:
        if level.scheme is None:
            if not level.placeholder:
                problems.append(
                    Problem(where="levels.yaml", message=f"level {level.level} has no scheme")
                )
            continue
        scheme = index.schemes.get(level.scheme)
        if scheme is None:
            problems.append(
                Problem(
                    where="levels.yaml", message=f"level {level.level}: no scheme {level.scheme}"
                )
            )
            continue
        # an assessable scheme: every requirement needs checks or an explicit manual mark
        for req in index.requirements(scheme.id):
            if not req.checks and not req.manual:
                problems.append(
                    Problem(
                        where=f"schemes/{scheme.id}.yaml",
                        message=f"{req.id}: neither mapped to a check nor marked manual",
                    )
                )
    return problems


def _lint_criteria_versions(catalog: Catalog, source_ids: set[str] | None) -> list[Problem]:
    """Criteria versions: ids unique across levels, in date order, each with its sources;
    an id that is not verified from the operator's own text cannot claim an official basis."""
    where = "levels.yaml"
    every = [cv.id for lv in catalog.levels for cv in lv.criteria_versions]
    problems = _duplicates(where, "criteria version", every)
    for level in catalog.levels:
        dates = [cv.effective_on for cv in level.criteria_versions]
        if dates != sorted(dates):
            problems.append(
                Problem(
                    where=where, message=f"level {level.level}: criteria versions out of date order"
                )
            )
        if level.scheme is not None and not level.criteria_versions:
            problems.append(
                Problem(where=where, message=f"level {level.level} has no criteria version")
            )
        for cv in level.criteria_versions:
            if cv.tag != "V" and cv.basis == "official":
                problems.append(
                    Problem(
                        where=where,
                        message=f"{cv.id}: tagged {cv.tag}, not verified: basis cannot be official",
                    )
                )
            if not cv.sources:
                problems.append(Problem(where=where, message=f"{cv.id}: no source"))
            for src in cv.sources:
                if source_ids is not None and src not in source_ids:
                    problems.append(Problem(where=where, message=f"{cv.id}: unknown source {src}"))
    return problems


def _lint_crosswalk(index: CatalogIndex, walk: Crosswalk) -> list[Problem]:
    source, target = walk.source_scheme, walk.target_scheme
    where = f"crosswalks/{walk.id}.yaml"
    problems: list[Problem] = []
    for scheme_id in (source, target):
        if scheme_id not in index.schemes:
            problems.append(Problem(where=where, message=f"unknown scheme {scheme_id}"))
    if problems:
        return problems
    source_ids = set(index.requirement_ids(source))
    target_ids = set(index.requirement_ids(target))
    pairs = [f"{link.source}->{link.target}" for link in walk.links]
    problems += _duplicates(where, "link", pairs)
    for link in walk.links:
        if link.source not in source_ids:
            problems.append(
                Problem(where=where, message=f"link source {link.source} not in {source}")
            )
        if link.target not in target_ids:
            problems.append(
                Problem(where=where, message=f"link target {link.target} not in {target}")
            )
        if not link.rationale.strip():
            problems.append(
                Problem(where=where, message=f"{link.source}->{link.target}: no rationale")
            )
    if walk.substitution is not None and walk.substitution.scheme not in (source, target):
        problems.append(
            Problem(
                where=where,
                message=f"substitution by {walk.substitution.scheme}, not an end of the crosswalk",
            )
        )
    linked = {link.source for link in walk.links}
    for missing in sorted(source_ids - linked):
        problems.append(Problem(where=where, message=f"{missing} of {source} has no link"))
    return problems
