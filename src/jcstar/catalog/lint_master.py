"""Lint of the master list (``master.yaml``) and the programme table (``programmes.yaml``).

Rules, in the order they are checked:

1. both files load and match their models;
2. master node ids are unique, and as many items are ``basis: seed`` as the file says the
   seed quotes;
3. every placement names a native scheme and one of its requirements (no dangling ids), and
   every requirement of every native scheme is placed exactly once;
4. ``basis: official`` or ``seed`` cites only primary sources (P*, V*, SEED, C1, NIST, CRA:
   the verified, seed and official ones in catalog.yaml); every source id is defined;
5. programmes name catalog schemes; ``secondary`` (jcstar-facts [S]) appears only in a
   programme's status, which then names its sources.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from jcstar.catalog.loader import CatalogError
from jcstar.catalog.master import (
    MasterList,
    Programmes,
    StatusBasis,
    is_native,
    load_master,
    load_programmes,
)
from jcstar.catalog.models import Catalog

#: the sources that may back ``official`` or ``seed``: IPA/METI pages, the near-primary
#: vendor guide, the seed, and the official texts of ETSI, NIST and the EU
PRIMARY_SOURCE = re.compile(r"^(P\d+|V\d+|SEED|C1|NIST|CRA)$")


def lint_master(catalog: Catalog, root: Path) -> list[str]:
    """Problems with ``master.yaml`` and ``programmes.yaml`` under ``root``, one line each."""
    known = _catalog_source_ids(root)
    try:
        master = load_master(root)
        programmes = load_programmes(root)
    except (CatalogError, FileNotFoundError) as exc:
        return [str(exc)]
    known |= set(programmes.sources)
    return [
        *_lint_nodes(master, known),
        *_lint_placements(master, catalog, known),
        *_lint_programmes(programmes, catalog, known),
    ]


def _catalog_source_ids(root: Path) -> set[str]:
    meta = yaml.safe_load((root / "catalog.yaml").read_text(encoding="utf-8")) or {}
    return set((meta.get("sources") or {}).keys())


def _lint_sources(
    where: str, basis: StatusBasis, sources: tuple[str, ...], known: set[str]
) -> list[str]:
    problems = [f"{where}: unknown source {src}" for src in sources if src not in known]
    if basis in ("official", "seed"):
        problems += [
            f"{where}: basis {basis} cites {src}, which is not a primary source "
            "(only P*, V*, SEED, C1, NIST, CRA may back official or seed)"
            for src in sources
            if not PRIMARY_SOURCE.match(src)
        ]
    return problems


def _lint_nodes(master: MasterList, known: set[str]) -> list[str]:
    ids = Counter(node.id for node in master.nodes())
    problems = [f"master.yaml: master id {i} appears {n} times" for i, n in ids.items() if n > 1]
    seed_items = sum(
        1
        for requirement in master.requirements
        for item in requirement.items
        if item.basis == "seed"
    )
    if seed_items != master.seed_quoted_items:
        problems.append(
            f"master.yaml: {seed_items} items are basis seed but seed_quoted_items says "
            f"{master.seed_quoted_items}"
        )
    for node in master.nodes():
        problems += _lint_sources(f"master.yaml: {node.id}", node.basis, node.sources, known)
    return problems


def _lint_placements(master: MasterList, catalog: Catalog, known: set[str]) -> list[str]:
    native = {
        scheme.id: {requirement.id for requirement in scheme.requirements}
        for scheme in catalog.schemes
        if is_native(scheme)
    }
    problems: list[str] = []
    placed: Counter[tuple[str, str]] = Counter()
    for node_id, placement in master.placements():
        where = f"master.yaml: {node_id}: {placement.scheme} {placement.requirement}"
        problems += _lint_sources(where, placement.basis, placement.sources, known)
        if placement.scheme not in native:
            problems.append(f"{where}: no native scheme {placement.scheme} in the catalog")
        elif placement.requirement not in native[placement.scheme]:
            problems.append(
                f"{where}: {placement.scheme} has no requirement {placement.requirement}"
            )
        placed[(placement.scheme, placement.requirement)] += 1
    for (scheme_id, requirement_id), count in sorted(placed.items()):
        if count > 1:
            problems.append(f"master.yaml: {scheme_id} {requirement_id} is placed {count} times")
    for scheme_id, requirement_ids in native.items():
        for requirement_id in sorted(requirement_ids):
            if (scheme_id, requirement_id) not in placed:
                problems.append(f"master.yaml: {scheme_id} {requirement_id} is not placed")
    return problems


def _lint_programmes(programmes: Programmes, catalog: Catalog, known: set[str]) -> list[str]:
    schemes = {scheme.id for scheme in catalog.schemes}
    problems: list[str] = []
    ids = Counter(p.id for p in programmes.programmes)
    problems += [
        f"programmes.yaml: programme id {i} appears {n} times" for i, n in ids.items() if n > 1
    ]
    for programme in programmes.programmes:
        where = f"programmes.yaml: {programme.id}"
        problems += [f"{where}: unknown scheme {s}" for s in programme.schemes if s not in schemes]
        problems += _lint_sources(where, programme.basis, programme.sources, known)
        status = programme.status
        problems += _lint_sources(f"{where}: status", status.basis, status.sources, known)
        if status.basis == "secondary" and status.tag != "S":
            problems.append(f"{where}: status basis secondary but tag {status.tag} (expected S)")
        if status.tag == "S" and status.basis != "secondary":
            problems.append(
                f"{where}: status rests on secondary sources (tag S) but says basis {status.basis}"
            )
    return problems
