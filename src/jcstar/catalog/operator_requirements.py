"""Requirements the scheme operator supplies for a category profile.

IPA's ★3 categories are published, but their requirement text is not in our references, so
their profiles (``profiles/jcstar-3-*.yaml``) hold none and name a file instead
(``operator_requirements``). The operator keeps those files in one directory, named by
``JCSTAR_OPERATOR_REQUIREMENTS`` (or a command's ``--operator-requirements DIR``); each file
holds ``requirements:`` in the catalog's Requirement shape and, optionally, the criteria
version they come from (``criteria_versions:``).

Loading them gives a new frozen catalog whose profiles hold those requirements. Its digest
stays the shipped data's: the files concern only their own profiles, so a registry that holds
them still judges a ★1 report made without them. A report assessed against such a profile
records each file's name and ``operator_digest`` instead, and a registry compares those for
that report only (``assessment/decision.py``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from jcstar.catalog.loader import SAFE_LOADER, CatalogError, CatalogIndex, one_line
from jcstar.catalog.models import Catalog, CriteriaVersion, Frozen, Requirement, Scheme

ENV_VAR = "JCSTAR_OPERATOR_REQUIREMENTS"


class OperatorRequirementsError(CatalogError):
    """The operator's directory or one of its files is unusable: one line naming the file and
    the field."""


class OperatorFile(Frozen):
    """One operator-supplied file: the requirements of one category profile."""

    requirements: tuple[Requirement, ...] = Field(min_length=1)
    #: the operator's criteria document for them (a label names the newest)
    criteria_versions: tuple[CriteriaVersion, ...] = ()
    note: str = ""


def from_environment(catalog: Catalog) -> Catalog:
    """``catalog`` with the operator's requirements when ``JCSTAR_OPERATOR_REQUIREMENTS`` names
    a directory; unchanged when it is unset or empty."""
    value = os.environ.get(ENV_VAR, "").strip()
    return with_operator_requirements(catalog, Path(value)) if value else catalog


def use_directory(directory: Path) -> None:
    """Make ``directory`` this process's operator requirements, as the environment variable
    would (a command's ``--operator-requirements``): every later ``load_catalog`` sees it."""
    os.environ[ENV_VAR] = str(directory)


def with_operator_requirements(catalog: Catalog, directory: Path) -> Catalog:
    """``catalog`` whose profiles hold the requirements of their files in ``directory``. A
    profile whose file is absent keeps none (its plan refuses, naming the file)."""
    if not directory.is_dir():
        raise OperatorRequirementsError(f"{ENV_VAR}: {directory} is not a directory")
    found = [
        (scheme, directory / scheme.operator_requirements)
        for scheme in catalog.schemes
        if scheme.operator_requirements and (directory / scheme.operator_requirements).is_file()
    ]
    if not found:
        return catalog
    contents = [(scheme, path, _read(path)) for scheme, path in found]
    key = (
        catalog.digest,
        tuple((s.id, str(p), hashlib.sha256(b).hexdigest()) for s, p, b in contents),
    )
    cached = _MERGED.get(key)
    if cached is None:
        cached = _merge(catalog, contents)
        _MERGED[key] = cached
    return cached


#: merged catalogs by (catalog digest, files and their digests): ``load_catalog`` is called
#: per command and per registry request, and a file changes rarely
_MERGED: dict[tuple[str, tuple[tuple[str, str, str], ...]], Catalog] = {}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise OperatorRequirementsError(f"{path}: cannot read: {exc.strerror}") from None


def _merge(catalog: Catalog, contents: list[tuple[Scheme, Path, bytes]]) -> Catalog:
    index = CatalogIndex(catalog)
    filled = {}
    for scheme, path, data in contents:
        loaded = parse_file(path, data)
        _check_against(index, scheme, path, loaded)
        update: dict[str, Any] = {"requirements": loaded.requirements}
        if loaded.criteria_versions:
            update["criteria_versions"] = scheme.criteria_versions + loaded.criteria_versions
        filled[scheme.id] = scheme.model_copy(update=update)
    # the digest stays the shipped data's (see the module's docstring)
    return catalog.model_copy(
        update={
            "schemes": tuple(filled.get(s.id, s) for s in catalog.schemes),
            "files": (*catalog.files, *(f"operator:{path.name}" for _, path, _ in contents)),
        }
    )


def operator_digest(scheme: Scheme) -> str:
    """SHA-256 over what the operator's file gave ``scheme``: its requirements and criteria
    versions, as loaded. Over the loaded content rather than the file's bytes, because the
    Scheme keeps no bytes and a comment or re-indentation changes no requirement; fields at
    their default are left out, so a newer jcstar that adds a field digests the same."""
    content = scheme.model_dump(
        mode="json", include={"requirements", "criteria_versions"}, exclude_defaults=True
    )
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def operator_files(catalog: Catalog, scheme_id: str) -> tuple[tuple[str, str, str], ...]:
    """(profile, file name, ``operator_digest``) for each profile in ``scheme_id``'s base chain
    (itself first) whose requirements an operator's file gave; none for any other scheme, or
    for a profile whose file this catalog does not hold."""
    index = CatalogIndex(catalog)
    found = []
    seen: set[str] = set()  # a base cycle (the profile lint names it) ends the walk
    current: str | None = scheme_id
    while current is not None and current in index.schemes and current not in seen:
        seen.add(current)
        scheme = index.schemes[current]
        if scheme.operator_requirements and scheme.requirements:
            found.append((scheme.id, scheme.operator_requirements, operator_digest(scheme)))
        current = scheme.base
    return tuple(found)


def parse_file(path: Path, data: bytes) -> OperatorFile:
    """One operator file, validated: ``OperatorRequirementsError`` naming the file and field."""
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=SAFE_LOADER)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise OperatorRequirementsError(f"{path}: {one_line(str(exc))}") from None
    try:
        loaded = OperatorFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise OperatorRequirementsError(f"{path}: {where}: {first['msg']}") from None
    seen: set[str] = set()
    questions: set[str] = set()
    for n, req in enumerate(loaded.requirements):
        where = f"{path}: requirements.{n} ({req.id})"
        if req.id in seen:
            raise OperatorRequirementsError(f"{where}: duplicate requirement id {req.id}")
        seen.add(req.id)
        if not req.questions:
            # nothing in the session would ask the vendor (or lab) about it
            raise OperatorRequirementsError(f"{where}: questions: at least one question needed")
        if not req.checks and not req.manual:
            raise OperatorRequirementsError(
                f"{where}: neither mapped to a check nor marked manual: true"
            )
        for question in req.questions:
            if question.id in questions:
                raise OperatorRequirementsError(f"{where}: duplicate question id {question.id}")
            questions.add(question.id)
    return loaded


def _check_against(index: CatalogIndex, scheme: Scheme, path: Path, loaded: OperatorFile) -> None:
    """The file's ids must be new to the profile: an id its base already has would be
    assessed twice."""
    inherited = set(index.requirement_ids(scheme.id))
    for n, req in enumerate(loaded.requirements):
        if req.id in inherited:
            raise OperatorRequirementsError(
                f"{path}: requirements.{n} ({req.id}): already a requirement of {scheme.id}"
            )
