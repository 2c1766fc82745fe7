"""The master requirement list and the foreign-programme table, as frozen models.

``master.yaml`` is the one list (METI's 全体リスト) that every native catalog scheme is a
selection of: top-level requirements, their numbered items, and where each scheme
requirement is placed. Only the parts the seed quotes are ``basis: seed``; the rest of the
structure is our judgement (the file says so). ``programmes.yaml`` is the seed's table of
foreign programmes with a dated current status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from jcstar.catalog.loader import CatalogIndex, _read_yaml, _validate, data_dir
from jcstar.catalog.models import Basis, Catalog, Frozen, Relationship, Scheme, SourceTag

#: a programme's status may rest on secondary sources (jcstar-facts [S]); nothing else may
StatusBasis = Literal["official", "seed", "secondary", "judgement"]


class Placement(Frozen):
    """A scheme requirement placed under a master node: ``requirement`` relates to the node
    as ``relationship`` (subset: it asks for part of what the node covers)."""

    scheme: str
    requirement: str
    relationship: Relationship
    basis: Basis
    rationale: str = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)


class MasterItem(Frozen):
    """A numbered item of a top-level requirement (``1-1``)."""

    id: str = Field(pattern=r"^\d+-\d+$")
    text_ja: str
    text_en: str
    basis: Basis
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""
    placed: tuple[Placement, ...] = ()


class MasterRequirement(Frozen):
    """A top-level requirement (``1``). ``why`` says why a requirement of our own exists."""

    id: str = Field(pattern=r"^\d+$")
    title_ja: str | None = None
    title_en: str
    basis: Basis
    sources: tuple[str, ...] = Field(min_length=1)
    why: str = ""
    note: str = ""
    items: tuple[MasterItem, ...] = ()
    placed: tuple[Placement, ...] = ()


class MasterList(Frozen):
    id: str
    name_ja: str
    name_en: str
    #: the number of items the seed says the official list has (全101項目)
    seed_total_items: int
    #: how many of those items the seed quotes (and this file carries as ``basis: seed``)
    seed_quoted_items: int
    basis: Basis
    sources: tuple[str, ...]
    note: str
    requirements: tuple[MasterRequirement, ...]

    def nodes(self) -> Iterator[MasterRequirement | MasterItem]:
        """Every top-level requirement, each followed by its items."""
        for requirement in self.requirements:
            yield requirement
            yield from requirement.items

    def placements(self) -> Iterator[tuple[str, Placement]]:
        """``(master node id, placement)`` for every placement, in file order."""
        for node in self.nodes():
            for placement in node.placed:
                yield node.id, placement


class AssessmentMethod(Frozen):
    levels: str
    method_ja: str
    method_en: str


class ProgrammeStatus(Frozen):
    """What has happened since the seed (2024-10), as of ``as_of``."""

    as_of: dt.date
    summary: str
    basis: StatusBasis
    #: the jcstar-facts confidence tag of the summary
    tag: SourceTag
    sources: tuple[str, ...] = Field(min_length=1)


class Programme(Frozen):
    """One column of the seed's comparison table; ``*_ja`` quote the seed."""

    id: str
    region_ja: str
    region_en: str
    name_ja: str
    name_en: str
    start_ja: str
    start_en: str
    obligation: Literal["voluntary", "mandatory"]
    scope_ja: str
    scope_en: str
    criteria_ja: str
    criteria_en: str
    assessment: tuple[AssessmentMethod, ...] = Field(min_length=1)
    #: the catalog schemes this programme's criteria are
    schemes: tuple[str, ...] = Field(min_length=1)
    basis: Basis
    sources: tuple[str, ...] = Field(min_length=1)
    status: ProgrammeStatus


class Programmes(Frozen):
    #: source ids used here that catalog.yaml does not define (mostly secondary ones)
    sources: dict[str, str] = Field(default_factory=dict)
    programmes: tuple[Programme, ...]


def load_master(root: Path | None = None) -> MasterList:
    """The master list under ``root`` (the shipped data by default)."""
    return _load_master(root or data_dir())


def load_programmes(root: Path | None = None) -> Programmes:
    return _load_programmes(root or data_dir())


@cache
def _load_master(root: Path) -> MasterList:
    path = root / "master.yaml"
    master: MasterList = _validate(MasterList, _read_yaml(path), path)
    return master


@cache
def _load_programmes(root: Path) -> Programmes:
    path = root / "programmes.yaml"
    programmes: Programmes = _validate(Programmes, _read_yaml(path), path)
    return programmes


def is_native(scheme: Scheme) -> bool:
    """A scheme that defines its own requirements (not a selection, not a category profile):
    the master list places every one of them."""
    return scheme.selects_from is None and scheme.base is None


def native_requirement(index: CatalogIndex, scheme_id: str, requirement_id: str) -> tuple[str, str]:
    """``(native scheme, requirement)`` a scheme's requirement is defined in: a selection
    scheme (``psti``) names ETSI provisions, which are placed as ETSI's; a category profile
    keeps its base's and adds other schemes'. A requirement a profile defines itself (an
    operator-supplied file's) stays the profile's own, and the master list does not place it."""
    scheme = index.scheme(scheme_id)
    if scheme.base is not None:
        if requirement_id in index.requirement_ids(scheme.base):
            return native_requirement(index, scheme.base, requirement_id)
        added = next((item for item in scheme.adds if item.id == requirement_id), None)
        if added is not None:
            return native_requirement(index, added.from_scheme, requirement_id)
        return scheme.id, requirement_id
    if scheme.selects_from is None:
        return scheme.id, requirement_id
    return native_requirement(index, scheme.selects_from, requirement_id)


def placement_of(
    master: MasterList, index: CatalogIndex, scheme_id: str, requirement_id: str
) -> tuple[str, Placement]:
    """The master node a scheme requirement is placed under, with the placement.

    Raises ``KeyError`` naming the requirement when it is not placed."""
    native = native_requirement(index, scheme_id, requirement_id)
    for node_id, placement in master.placements():
        if (placement.scheme, placement.requirement) == native:
            return node_id, placement
    raise KeyError(f"{scheme_id} {requirement_id} is not placed in the master list")


def top_level_of(node_id: str) -> str:
    """``1`` for item ``1-1`` (and for ``1`` itself)."""
    return node_id.split("-", 1)[0]


def scheme_by_master(
    master: MasterList, catalog: Catalog, scheme_id: str
) -> dict[str, tuple[str, ...]]:
    """A scheme's requirement ids by the master node they are placed under, in master order
    (nodes the scheme places nothing under are left out; unplaced requirements are under
    ``""``, which the lint reports)."""
    index = CatalogIndex(catalog)
    by_node: dict[str, list[str]] = {}
    for requirement_id in index.requirement_ids(scheme_id):
        try:
            node_id, _ = placement_of(master, index, scheme_id, requirement_id)
        except KeyError:
            node_id = ""
        by_node.setdefault(node_id, []).append(requirement_id)
    order = [node.id for node in master.nodes()] + [""]
    return {node: tuple(by_node[node]) for node in order if node in by_node}
