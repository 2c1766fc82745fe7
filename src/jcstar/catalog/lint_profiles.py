"""Lint of the category profiles (``profiles/*.yaml``: ★2 and above).

Rules, in the order they are checked, per profile:

1. it says who authored it, at a level ``levels.yaml`` has and that is set per category
   (not ★1, whose scheme every ★1 product uses), and it is the only profile for its
   (level, category);
2. its ``base`` is a scheme, not itself, and following bases never comes back (no cycle);
3. every item it adds names a native scheme (``from_scheme``) that defines that id, and is
   added once and not already in the base;
4. ``authored_by: official`` cites only primary sources (P*, V*, SEED, C1, NIST, CRA) and is
   not a ``draft``; every source id is defined in catalog.yaml;
5. every requirement it plans is mapped to a check or marked manual (as a level's scheme);
6. its criteria version ids are unique across the levels and the profiles, in date order,
   each with a defined source, and none unverified claims an official basis;
7. its ``check_params`` name checks that its requirements bind (a parameter for a check that
   never runs would be silently ignored); their values are checked against each check's
   declaration by ``assessment.bindings`` (this layer cannot import the checks).

A not-applicable item without a reason is refused by the model when the file loads (the
error names the file, the item's position and its id).
"""

from __future__ import annotations

from collections import Counter

from jcstar.catalog.lint_master import PRIMARY_SOURCE
from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Catalog, Scheme


def lint_profiles(catalog: Catalog, source_ids: set[str] | None = None) -> list[str]:
    """Problems with the catalog's category profiles, each ``"profiles/<id>.yaml: message"``."""
    index = CatalogIndex(catalog)
    profiles = [s for s in catalog.schemes if s.is_profile]
    problems = []
    pairs = Counter((p.level, p.category) for p in profiles)
    for (level, category), count in sorted(pairs.items(), key=str):
        if count > 1:
            problems.append(f"profiles: {count} profiles for ★{level} {category}")
    for profile in profiles:
        where = f"profiles/{profile.id}.yaml"
        problems += [f"{where}: {m}" for m in _lint_one(index, profile, source_ids)]
    problems += _lint_criteria_ids(catalog)
    return problems


def _lint_one(index: CatalogIndex, profile: Scheme, source_ids: set[str] | None) -> list[str]:
    problems = _lint_level(index, profile) + _lint_authorship(profile, source_ids)
    chain = _base_chain(index, profile)
    if isinstance(chain, str):
        return [*problems, chain]  # the rest needs a base to follow
    added = _lint_adds(index, profile)
    if added:
        return [*problems, *added]  # its requirements cannot be listed
    problems += _lint_assessable(index, profile)
    problems += _lint_criteria(profile, source_ids)
    problems += _lint_params(index, profile)
    return problems


def _lint_level(index: CatalogIndex, profile: Scheme) -> list[str]:
    problems = []
    if profile.authored_by is None:
        problems.append("no authored_by (official, sector_draft or judgement)")
    level = next((lv for lv in index.catalog.levels if lv.level == profile.level), None)
    if level is None:
        problems.append(f"level {profile.level} is not in levels.yaml")
    elif level.scheme is not None:
        problems.append(
            f"level {profile.level} is assessed against {level.scheme} for every product: "
            "a category profile there is never used"
        )
    return problems


def _lint_authorship(profile: Scheme, source_ids: set[str] | None) -> list[str]:
    problems = []
    if profile.authored_by == "official":
        if profile.draft:
            problems.append("a draft cannot be authored_by: official")
        if not profile.sources:
            problems.append("authored_by: official needs a primary source")
        for src in profile.sources:
            if not PRIMARY_SOURCE.match(src):
                problems.append(f"authored_by: official, but source {src} is not primary")
    for src in profile.sources:
        if source_ids is not None and src not in source_ids:
            problems.append(f"unknown source {src}")
    return problems


def _base_chain(index: CatalogIndex, profile: Scheme) -> list[str] | str:
    """The profile's bases, nearest first; a problem (text) when one is missing or the chain
    comes back to a profile already on it."""
    seen = [profile.id]
    base = profile.base
    while base is not None:
        if base in seen:
            return f"base {profile.base} leads back to {base}: {' -> '.join([*seen, base])}"
        found = index.schemes.get(base)
        if found is None:
            return f"base {base} is not a scheme in the catalog"
        seen.append(base)
        base = found.base
    return seen[1:]


def _lint_adds(index: CatalogIndex, profile: Scheme) -> list[str]:
    problems = []
    counts = Counter(item.id for item in profile.adds)
    problems += [f"{item} added {n} times" for item, n in counts.items() if n > 1]
    inherited = set(index.requirement_ids(profile.base)) if profile.base else set()
    for item in profile.adds:
        scheme = index.schemes.get(item.from_scheme)
        if scheme is None or scheme.selects_from or scheme.is_profile:
            problems.append(f"{item.id}: from_scheme {item.from_scheme} is not a native scheme")
        elif item.id not in {req.id for req in scheme.requirements}:
            problems.append(f"{item.id}: not a requirement of {item.from_scheme}")
        if item.id in inherited:
            problems.append(f"{item.id}: already a requirement of its base {profile.base}")
    return problems


def _lint_assessable(index: CatalogIndex, profile: Scheme) -> list[str]:
    """As for a level's scheme: an applicable requirement nobody can evidence reads as a gap
    in the session, never as a pass."""
    excluded = index.not_applicable_in(profile.id)
    added = {item.id for item in profile.adds} | {r.id for r in profile.requirements}
    return [
        f"{req.id}: neither mapped to a check nor marked manual"
        for req in index.requirements(profile.id)
        if req.id in added and req.id not in excluded and not req.checks and not req.manual
    ]


def _lint_criteria(profile: Scheme, source_ids: set[str] | None) -> list[str]:
    problems = []
    dates = [cv.effective_on for cv in profile.criteria_versions]
    if dates != sorted(dates):
        problems.append("criteria versions out of date order")
    for cv in profile.criteria_versions:
        if cv.tag != "V" and cv.basis == "official":
            problems.append(f"{cv.id}: tagged {cv.tag}, not verified: basis cannot be official")
        if not cv.sources:
            problems.append(f"{cv.id}: no source")
        for src in cv.sources:
            if source_ids is not None and src not in source_ids:
                problems.append(f"{cv.id}: unknown source {src}")
    return problems


def _lint_criteria_ids(catalog: Catalog) -> list[str]:
    """A label names its criteria version by id alone: two documents with one id could not
    be told apart."""
    every = [cv.id for lv in catalog.levels for cv in lv.criteria_versions]
    every += [cv.id for s in catalog.schemes if s.is_profile for cv in s.criteria_versions]
    return [
        f"profiles: criteria version {cv} is named {n} times (levels.yaml and profiles/)"
        for cv, n in Counter(every).items()
        if n > 1
    ]


def _lint_params(index: CatalogIndex, profile: Scheme) -> list[str]:
    bound = {b.check for req in index.requirements(profile.id) for b in req.checks}
    return [
        f"check_params: {check} is bound to none of its requirements, so it never runs"
        for check in profile.check_params
        if check not in bound
    ]
