"""Project one scheme's requirements onto another's through the crosswalk graph.

Schemes are nodes; each crosswalk file is an edge (walked both ways, with the
relationship turned round), and a selection scheme (CLS, PSTI) is joined to the
scheme it selects from by identity. ``project(FROM, TO)`` takes the shortest
path and composes the links along it, so "assess once, comply many" needs one
table per scheme, not one per pair.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.models import Basis, Catalog, Link, Relationship

Coverage = Literal["covered", "partial", "not_covered"]

_INVERSE: dict[Relationship, Relationship] = {
    "equal": "equal",
    "subset": "superset",
    "superset": "subset",
    "intersect": "intersect",
}
_BASIS_RANK: dict[Basis, int] = {"official": 0, "seed": 1, "judgement": 2}


class CoverLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    source_title: str
    relationship: Relationship
    rationale: str
    basis: Basis
    recognised: bool = False
    via: tuple[str, ...] = ()


class ProjectedRequirement(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title_ja: str | None
    title_en: str | None
    coverage: Coverage
    covered_by: tuple[CoverLink, ...]


class Projection(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_scheme: str
    target_scheme: str
    path: tuple[str, ...]
    rows: tuple[ProjectedRequirement, ...]


def compose(first: Relationship, second: Relationship) -> Relationship:
    """A relates to C, given A ``first`` B and B ``second`` C."""
    if first == "equal":
        return second
    if second == "equal" or first == second:
        return first
    return "intersect"


def _weaker(a: Basis, b: Basis) -> Basis:
    return a if _BASIS_RANK[a] >= _BASIS_RANK[b] else b


class CrosswalkGraph:
    def __init__(self, catalog: Catalog) -> None:
        self.index = CatalogIndex(catalog)
        # edges[(from_scheme, to_scheme)] = links with source in from, target in to
        self.edges: dict[tuple[str, str], list[Link]] = {}
        for walk in catalog.crosswalks:
            self._add(walk.source_scheme, walk.target_scheme, walk.links)
            self._add(walk.target_scheme, walk.source_scheme, map(_inverted, walk.links))
        for scheme in catalog.schemes:
            if scheme.selects_from:
                ids = self.index.requirement_ids(scheme.id)
                identity = _identity(ids, scheme.basis)
                self._add(scheme.id, scheme.selects_from, identity)
                self._add(scheme.selects_from, scheme.id, identity)

    def _add(self, source: str, target: str, links: Iterable[Link]) -> None:
        self.edges.setdefault((source, target), []).extend(links)

    def path(self, source: str, target: str) -> tuple[str, ...]:
        self.index.scheme(source)
        self.index.scheme(target)
        previous: dict[str, str | None] = {source: None}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            if node == target:
                break
            for a, b in self.edges:
                if a == node and b not in previous:
                    previous[b] = node
                    queue.append(b)
        if target not in previous:
            raise KeyError(f"no crosswalk connects {source!r} to {target!r}")
        hops: list[str] = []
        step: str | None = target
        while step is not None:
            hops.append(step)
            step = previous[step]
        return tuple(reversed(hops))

    def project(self, source: str, target: str) -> Projection:
        path = self.path(source, target)
        source_reqs = self.index.by_id(source)
        # chains: requirement of the current scheme -> links from a source requirement
        chains: dict[str, list[CoverLink]] = {
            rid: [
                CoverLink(
                    source=rid,
                    source_title=req.title,
                    relationship="equal",
                    rationale="",
                    basis="official",
                )
            ]
            for rid, req in source_reqs.items()
        }
        for a, b in itertools.pairwise(path):
            chains = self._step(chains, self.edges.get((a, b), []), via=b if b != target else None)
        rows = []
        for req in self.index.requirements(target):
            links = tuple(chains.get(req.id, ()))
            rows.append(
                ProjectedRequirement(
                    id=req.id,
                    title_ja=req.title_ja,
                    title_en=req.title_en,
                    coverage=_coverage(links),
                    covered_by=links,
                )
            )
        return Projection(source_scheme=source, target_scheme=target, path=path, rows=tuple(rows))

    @staticmethod
    def _step(
        chains: dict[str, list[CoverLink]], links: list[Link], via: str | None
    ) -> dict[str, list[CoverLink]]:
        out: dict[str, list[CoverLink]] = {}
        for link in links:
            for cover in chains.get(link.source, ()):
                rationale = " → ".join(r for r in (cover.rationale, link.rationale) if r)
                out.setdefault(link.target, []).append(
                    CoverLink(
                        source=cover.source,
                        source_title=cover.source_title,
                        relationship=compose(cover.relationship, link.relationship),
                        rationale=rationale,
                        basis=_weaker(cover.basis, link.basis),
                        # recognition survives only identity hops around it
                        recognised=link.recognised
                        or (cover.recognised and link.relationship == "equal"),
                        via=(*cover.via, link.target) if via else cover.via,
                    )
                )
        return {target: _dedupe(found) for target, found in out.items()}


def _dedupe(links: list[CoverLink]) -> list[CoverLink]:
    """Keep the strongest link per source requirement (several paths may reach it)."""
    best: dict[str, CoverLink] = {}
    order = {"equal": 0, "superset": 1, "subset": 2, "intersect": 3}
    for link in links:
        kept = best.get(link.source)
        if kept is None or (order[link.relationship], _BASIS_RANK[link.basis]) < (
            order[kept.relationship],
            _BASIS_RANK[kept.basis],
        ):
            best[link.source] = link
    return list(best.values())


def _coverage(links: tuple[CoverLink, ...]) -> Coverage:
    if any(link.relationship in ("equal", "superset") or link.recognised for link in links):
        return "covered"
    return "partial" if links else "not_covered"


def _inverted(link: Link) -> Link:
    return link.model_copy(
        update={
            "source": link.target,
            "target": link.source,
            "relationship": _INVERSE[link.relationship],
            "recognised": False,  # recognition is one way
        }
    )


def _identity(ids: Iterable[str], basis: Basis) -> list[Link]:
    """A selection adopts its provisions as they stand: nothing to explain."""
    return [Link(source=i, target=i, relationship="equal", rationale="", basis=basis) for i in ids]
