"""Recognition routes between schemes (``catalog/data/recognition.yaml``), loaded into frozen
models, and the lint every shipped route must pass.

A route says what a product holding one scheme (``have``) gets towards another (``want``):
a waiver of some requirements (IPA's PSTI route), deemed compliance with the whole scheme
on a label condition (UK law for a ★1 label) or on holding the scheme at all (any CLS level →
UK PSTI), a simplified application (CLS level 1 ↔ ★1, PSTI → CLS level 1), equivalent
criteria accepted without a published list (PSTI → ★2 and above), or nothing (``kind:
none``, kept so the answer says no arrangement exists). A route may start from several
held schemes (``also_have``: every CLS level) and end at every JC-STAR category profile from
a level up (``want_from_level``) instead of one scheme. Its ``basis``
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
#: known; equivalent_criteria: equivalent criteria are accepted but which is not published, so
#: the route covers nothing by itself; none: no arrangement exists (coverage is the
#: crosswalks' alone)
RouteKind = Literal[
    "waiver", "deemed_compliance", "simplified_application", "equivalent_criteria", "none"
]


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
    #: the condition applies only when the wanted scheme is at this JC-STAR level or above
    from_level: int | None = Field(default=None, ge=1, le=4)


class RecognitionRoute(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    have: str
    #: other held schemes the same route starts from (CLS level 2 as well as level 1)
    also_have: tuple[str, ...] = ()
    #: the wanted scheme; null with ``want_from_level``
    want: str | None = None
    #: every JC-STAR category profile at this level or above (PSTI → ★2 and above)
    want_from_level: int | None = Field(default=None, ge=2, le=4)
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
        if (self.want is None) == (self.want_from_level is None):
            raise ValueError("a route wants one scheme (want:) or a level up (want_from_level:)")
        if self.kind == "equivalent_criteria" and self.whole_scheme:
            raise ValueError("equivalent criteria with no published list cover nothing whole")
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

    @property
    def holders(self) -> tuple[str, ...]:
        return (self.have, *self.also_have)

    @property
    def wants(self) -> str:
        """The wanted end in words: a scheme id, or the levels of category profiles."""
        return self.want or f"JC-STAR ★{self.want_from_level}+ category profiles"

    def conditions_for(self, level: int | None) -> tuple[RouteCondition, ...]:
        """The conditions that apply when the wanted scheme is at JC-STAR ``level``."""
        return tuple(
            c
            for c in self.conditions
            if c.from_level is None or (level is not None and level >= c.from_level)
        )


class Recognitions(Frozen):
    #: source ids this file cites beyond the catalog's (``catalog.yaml`` ``sources``)
    sources: dict[str, str] = Field(default_factory=dict)
    routes: tuple[RecognitionRoute, ...]

    def between(
        self, have: str, want: str, want_level: int | None = None
    ) -> RecognitionRoute | None:
        """The route from ``have`` to ``want``: one naming ``want``, else, for a category
        profile at ``want_level``, one to every profile from a level up to it."""
        held = [r for r in self.routes if have in r.holders]
        named = next((r for r in held if r.want == want), None)
        if named is not None or want_level is None:
            return named
        by_level = [r for r in held if r.want_from_level and r.want_from_level <= want_level]
        return max(by_level, key=lambda r: r.want_from_level or 0, default=None)


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
        ends = [*route.holders, *([route.want] if route.want else [])]
        problems += [f"{where}: unknown scheme {e!r}" for e in ends if e not in index.schemes]
        for held in route.holders:
            if (held, route.wants) in seen:
                problems.append(f"{where}: a second route from {held} to {route.wants}")
            seen.add((held, route.wants))
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
