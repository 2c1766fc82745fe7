"""Recognition routes between schemes (``catalog/data/recognition.yaml``), loaded into frozen
models, and the lint every shipped route must pass.

A route says what a product holding one scheme (``have``) gets towards another (``want``):
a waiver of some requirements (IPA's PSTI route), deemed compliance with the whole scheme
on a label condition (UK law for a ★1 label), a simplified application (CLS level 1 ↔ ★1),
or nothing (``kind: none``, kept so the answer says no arrangement exists). Its ``basis``
is wider than the catalog's: ``secondary`` marks a fact read only in a summary of the
official text, with ``confirm`` naming what to check in the primary text.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from jcstar.catalog.loader import CatalogIndex, _read_yaml, _validate, data_dir
from jcstar.catalog.models import Catalog, Frozen

RECOGNITION_FILE = "recognition.yaml"

RouteBasis = Literal["official", "secondary", "judgement"]
#: waiver: some wanted requirements are accepted; deemed_compliance: the whole wanted scheme
#: is met on the route's conditions; simplified_application: an easier procedure, no waiver
#: known; none: no arrangement exists (coverage is the crosswalks' alone)
RouteKind = Literal["waiver", "deemed_compliance", "simplified_application", "none"]


class LabelCondition(Frozen):
    """The label a whole-scheme route rests on: its level and criteria version, valid on the
    day the wanted scheme asks about (``valid_on``, in that scheme's words)."""

    level: int = Field(ge=1, le=4)
    criteria_version: str
    valid_on: str


class RouteCondition(Frozen):
    """A condition of a route that jcstar cannot check itself: the holder must show it."""

    text: str = Field(min_length=1)
    basis: RouteBasis
    sources: tuple[str, ...] = Field(min_length=1)


class RecognitionRoute(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    have: str
    want: str
    kind: RouteKind
    summary: str = Field(min_length=1)
    #: every requirement of ``want`` is met (given ``label``, where the route names one)
    whole_scheme: bool = False
    #: the registry's application route this is (``psti``): its waiver and fee are read from
    #: where the registry reads them, not written here
    application_route: str | None = None
    label: LabelCondition | None = None
    conditions: tuple[RouteCondition, ...] = ()
    #: the first day the route applies (null: no arrangement, nothing takes effect)
    effective_from: dt.date | None = None
    basis: RouteBasis
    sources: tuple[str, ...] = Field(min_length=1)
    #: for a secondary basis: what to confirm in the primary text
    confirm: str = ""
    #: for our own judgement: why
    note: str = ""

    @model_validator(mode="after")
    def _says_what_it_rests_on(self) -> RecognitionRoute:
        if self.basis == "secondary" and not self.confirm:
            raise ValueError("a secondary route says what to confirm (confirm:)")
        if self.basis == "judgement" and not self.note:
            raise ValueError("a route of our own judgement says why (note:)")
        if self.label is not None and not self.whole_scheme:
            raise ValueError("a label condition belongs to a whole-scheme route")
        if self.kind == "none" and (self.whole_scheme or self.application_route):
            raise ValueError("a route of kind none waives nothing")
        return self

    def in_effect(self, on: dt.date) -> bool:
        return self.kind != "none" and (self.effective_from is None or self.effective_from <= on)


class Recognitions(Frozen):
    #: source ids this file cites beyond the catalog's (``catalog.yaml`` ``sources``)
    sources: dict[str, str] = Field(default_factory=dict)
    routes: tuple[RecognitionRoute, ...]

    def between(self, have: str, want: str) -> RecognitionRoute | None:
        return next((r for r in self.routes if r.have == have and r.want == want), None)


def load_recognitions(root: Path | None = None) -> Recognitions:
    """The routes in ``root/recognition.yaml`` (the shipped data by default), read once."""
    return _load(root or data_dir())


@cache
def _load(root: Path) -> Recognitions:
    path = root / RECOGNITION_FILE
    result: Recognitions = _validate(Recognitions, _read_yaml(path), path)
    return result


def lint_recognitions(
    recognitions: Recognitions, catalog: Catalog, catalog_sources: set[str]
) -> list[str]:
    """What is wrong with the routes against the catalog: unknown schemes, duplicate pairs,
    unknown sources, an ``official`` basis without a verified (``P``) source, a label
    condition naming a criteria version its level does not have."""
    problems = []
    index = CatalogIndex(catalog)
    known_sources = catalog_sources | set(recognitions.sources)
    seen: set[tuple[str, str]] = set()
    for route in recognitions.routes:
        where = f"{RECOGNITION_FILE}: {route.id}"
        for end in (route.have, route.want):
            if end not in index.schemes:
                problems.append(f"{where}: unknown scheme {end!r}")
        if (route.have, route.want) in seen:
            problems.append(f"{where}: a second route from {route.have} to {route.want}")
        seen.add((route.have, route.want))
        cited = [*route.sources, *(s for c in route.conditions for s in c.sources)]
        problems += [f"{where}: unknown source {s}" for s in cited if s not in known_sources]
        claims = [(route.basis, route.sources), *((c.basis, c.sources) for c in route.conditions)]
        for basis, sources in claims:
            if basis == "official" and not any(s.startswith("P") for s in sources):
                problems.append(f"{where}: basis official needs an official (P) source")
        if route.label is not None:
            problems += _lint_label(catalog, route.label, where)
    return problems


def _lint_label(catalog: Catalog, label: LabelCondition, where: str) -> list[str]:
    level = next((lv for lv in catalog.levels if lv.level == label.level), None)
    versions = {cv.id for cv in level.criteria_versions} if level else set()
    if label.criteria_version not in versions:
        return [f"{where}: ★{label.level} has no criteria version {label.criteria_version}"]
    return []
