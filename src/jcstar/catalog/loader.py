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
    """Load every catalog file under ``root`` (the shipped data by default)."""
    return _load(root or data_dir())


@cache
def _load(root: Path) -> Catalog:
    meta = _read_yaml(root / "catalog.yaml")
    scheme_files = sorted((root / "schemes").glob("*.yaml"))
    crosswalk_files = sorted((root / "crosswalks").glob("*.yaml"))
    levels_file = root / "levels.yaml"
    schemes = tuple(_validate(Scheme, _read_yaml(p), p) for p in scheme_files)
    crosswalks = tuple(_validate(Crosswalk, _read_yaml(p), p) for p in crosswalk_files)
    levels_data = _read_yaml(levels_file) or {}
    levels = tuple(_validate(Level, item, levels_file) for item in levels_data.get("levels", []))
    sector_files = sorted((root / "sectors").glob("*.yaml"))
    sectors = tuple(_validate(Sector, _read_yaml(p), p) for p in sector_files)
    all_files = [root / "catalog.yaml", levels_file, *scheme_files, *crosswalk_files, *sector_files]
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
        """Ids of a scheme's requirements, following ``extends`` for selections."""
        scheme = self.scheme(scheme_id)
        if scheme.selects_from is None:
            return tuple(req.id for req in scheme.requirements)
        inherited = self.requirement_ids(scheme.extends) if scheme.extends else ()
        return inherited + tuple(i for i in scheme.selection if i not in inherited)

    def requirements(self, scheme_id: str) -> tuple[Requirement, ...]:
        scheme = self.scheme(scheme_id)
        if scheme.selects_from is None:
            return scheme.requirements
        base = self.by_id(scheme.selects_from)
        return tuple(base[i] for i in self.requirement_ids(scheme_id) if i in base)

    def by_id(self, scheme_id: str) -> dict[str, Requirement]:
        return {req.id: req for req in self.requirements(scheme_id)}

    def find(self, requirement_id: str) -> list[tuple[Scheme, Requirement]]:
        """Every native scheme that defines ``requirement_id`` (or has it as an alias)."""
        hits = []
        for scheme in self.catalog.schemes:
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
