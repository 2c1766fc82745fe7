"""Load the catalog YAML files into frozen models.

The catalog is read once per process; its digest (SHA-256 over every file's
name and bytes, in name order) goes into every report so a verdict can be traced
to the exact data that produced it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jcstar.catalog.models import Catalog, Crosswalk, Level, Requirement, Scheme, Sector

# libyaml's loader when PyYAML was built with it: the catalog loads several times faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogError(Exception):
    """A catalog file is unreadable or does not match its model."""


def data_dir() -> Path:
    return Path(str(resources.files("jcstar.catalog") / "data"))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path.name}: {one_line(str(exc))}") from exc


def one_line(text: str) -> str:
    return " ".join(text.split())


def _validate(model: type[Any], data: Any, path: Path) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogError(f"{path.name}: {where}: {first['msg']}") from exc


def load_catalog(root: Path | None = None) -> Catalog:
    """Load every catalog file under ``root`` (the shipped data by default), with the
    operator's requirements for ★3 categories when ``JCSTAR_OPERATOR_REQUIREMENTS`` names
    them (``catalog/operator_requirements.py``)."""
    from jcstar.catalog.operator_requirements import from_environment  # imports this module

    return from_environment(_load(root or data_dir()))


@cache
def _load(root: Path) -> Catalog:
    meta = _read_yaml(root / "catalog.yaml")
    # category profiles (★2 and above) are schemes too: ★1 plus what the category adds
    scheme_files = sorted((root / "schemes").glob("*.yaml")) + sorted(
        (root / "profiles").glob("*.yaml")
    )
    crosswalk_files = sorted((root / "crosswalks").glob("*.yaml"))
    levels_file = root / "levels.yaml"
    schemes = tuple(_validate(Scheme, _read_yaml(p), p) for p in scheme_files)
    crosswalks = tuple(_validate(Crosswalk, _read_yaml(p), p) for p in crosswalk_files)
    levels_data = _read_yaml(levels_file) or {}
    levels = tuple(_validate(Level, item, levels_file) for item in levels_data.get("levels", []))
    sector_files = sorted((root / "sectors").glob("*.yaml"))
    sectors = tuple(_validate(Sector, _read_yaml(p), p) for p in sector_files)
    # the other top-level files (the master list, the programmes, the recognition routes)
    # decide no verdict, but a report names the data it was made with: all of it
    others = sorted(p for p in root.glob("*.yaml") if p.name not in ("catalog.yaml", "levels.yaml"))
    all_files = [
        root / "catalog.yaml",
        levels_file,
        *others,
        *scheme_files,
        *crosswalk_files,
        *sector_files,
    ]
    return Catalog(
        version=str(meta["version"]),
        digest=_digest(root, all_files),
        schemes=schemes,
        crosswalks=crosswalks,
        levels=levels,
        sectors=sectors,
        files=tuple(str(p.relative_to(root)) for p in all_files),
    )


def _digest(root: Path, files: list[Path]) -> str:
    hasher = hashlib.sha256()
    for path in sorted(files):
        hasher.update(str(path.relative_to(root)).encode())
        hasher.update(b"\0")
        hasher.update(path.read_bytes())
    return "sha256:" + hasher.hexdigest()


class CatalogIndex:
    """Look-ups over a loaded catalog: schemes, requirements, selections."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.schemes = {scheme.id: scheme for scheme in catalog.schemes}

    def scheme(self, scheme_id: str) -> Scheme:
        try:
            return self.schemes[scheme_id]
        except KeyError:
            known = ", ".join(sorted(self.schemes))
            raise KeyError(f"unknown scheme {scheme_id!r} (known: {known})") from None

    def requirement_ids(self, scheme_id: str) -> tuple[str, ...]:
        """Ids of a scheme's requirements, following ``extends`` for selections and ``base``
        for category profiles."""
        scheme = self.scheme(scheme_id)
        if scheme.base is not None:
            inherited = self.requirement_ids(scheme.base)
            added = tuple(item.id for item in scheme.adds if item.id not in inherited)
            return inherited + added + tuple(r.id for r in scheme.requirements)
        if scheme.selects_from is None:
            return tuple(req.id for req in scheme.requirements)
        inherited = self.requirement_ids(scheme.extends) if scheme.extends else ()
        return inherited + tuple(i for i in scheme.selection if i not in inherited)

    def requirements(self, scheme_id: str) -> tuple[Requirement, ...]:
        scheme = self.scheme(scheme_id)
        if scheme.base is not None:
            return self._profile_requirements(scheme)
        if scheme.selects_from is None:
            return scheme.requirements
        base = self.by_id(scheme.selects_from)
        return tuple(base[i] for i in self.requirement_ids(scheme_id) if i in base)

    def _profile_requirements(self, profile: Scheme) -> tuple[Requirement, ...]:
        """A category profile's requirements: its base's, then each item it adds as its own
        scheme defines it (with the profile's evaluation mode where it sets one), then any it
        defines itself (an operator-supplied file's, see ``with_operator_requirements``)."""
        assert profile.base is not None
        inherited = self.requirements(profile.base)
        have = {req.id for req in inherited}
        added = []
        for item in profile.adds:
            if item.id in have:
                continue
            req = self.by_id(item.from_scheme)[item.id]
            if item.eval_mode is not None:
                req = req.model_copy(update={"eval_mode": item.eval_mode})
            added.append(req)
        return inherited + tuple(added) + profile.requirements

    def not_applicable_in(self, scheme_id: str) -> dict[str, str]:
        """The requirements a category profile (or its bases) marks not applicable in its
        category, with the reason it gives."""
        scheme = self.scheme(scheme_id)
        found = self.not_applicable_in(scheme.base) if scheme.base else {}
        for item in scheme.adds:
            if item.applicability == "not_applicable":
                found[item.id] = item.reason
        return found

    def native_root(self, scheme_id: str) -> str:
        """The scheme a category profile is built on at its root (``jcstar-1``); any other
        scheme is its own root."""
        scheme = self.scheme(scheme_id)
        return self.native_root(scheme.base) if scheme.base else scheme.id

    def requirement(self, requirement_id: str) -> Requirement | None:
        """The requirement ``requirement_id`` as the native scheme that defines it does."""
        hits = self.find(requirement_id)
        return hits[0][1] if hits else None

    def scheme_for(self, level: int, category: str | None = None) -> Scheme:
        """The scheme a product at ``level`` is assessed against: the level's own (★1), or the
        category profile for ``level`` and ``category``. ``LookupError`` naming what exists."""
        found = next((lv for lv in self.catalog.levels if lv.level == level), None)
        if level == 1 or (found is not None and found.scheme is not None):
            if found is None or found.scheme is None:
                raise LookupError(
                    f"level {level} has no criteria in catalog {self.catalog.version}"
                )
            return self.scheme(found.scheme)
        profiles = [s for s in self.catalog.schemes if s.is_profile and s.level == level]
        known = ", ".join(sorted(str(p.category) for p in profiles)) or "none yet"
        if category is None:
            raise LookupError(
                f"★{level} is set per product category: give category: in the profile "
                f"(categories at ★{level}: {known})"
            )
        match = next((p for p in profiles if p.category == category), None)
        if match is None:
            raise LookupError(
                f"no ★{level} profile for category {category!r} in catalog "
                f"{self.catalog.version} (categories at ★{level}: {known})"
            )
        return match

    def by_id(self, scheme_id: str) -> dict[str, Requirement]:
        return {req.id: req for req in self.requirements(scheme_id)}

    def find(self, requirement_id: str) -> list[tuple[Scheme, Requirement]]:
        """Every native scheme that defines ``requirement_id`` (or has it as an alias)."""
        hits = []
        for scheme in self.catalog.schemes:
            if scheme.is_profile:
                continue  # a profile's requirements are other schemes' (or operator-supplied)
            for req in scheme.requirements:
                if requirement_id in (req.id, *req.aliases):
                    hits.append((scheme, req))
        return hits

    def selections_containing(self, requirement_id: str) -> list[str]:
        return [
            scheme.id
            for scheme in self.catalog.schemes
            if scheme.selects_from and requirement_id in self.requirement_ids(scheme.id)
        ]
