"""What ``jcstar catalog master`` and ``jcstar catalog programmes`` show, as data and as text.

The master tree is printed as indented lines, not a table: a placement line never wraps at
the terminal's width, so what a reader (or a script) sees is the same on every terminal.
"""

from __future__ import annotations

from typing import Any

from jcstar.catalog.loader import CatalogIndex
from jcstar.catalog.master import (
    MasterItem,
    MasterRequirement,
    load_master,
    load_programmes,
    scheme_by_master,
)
from jcstar.catalog.models import Catalog
from jcstar.cli.common import console, print_table


def master_tree(catalog: Catalog) -> dict[str, Any]:
    """The master list with, per node, the placements and how many requirements each scheme
    (native or selection, such as psti) has there; totals per scheme at the end."""
    master = load_master()
    index = CatalogIndex(catalog)
    by_scheme = {s.id: scheme_by_master(master, catalog, s.id) for s in catalog.schemes}

    def counts(node_id: str) -> dict[str, int]:
        return {s: len(nodes[node_id]) for s, nodes in by_scheme.items() if node_id in nodes}

    def node(n: MasterRequirement | MasterItem) -> dict[str, Any]:
        text = (
            {"title_ja": n.title_ja, "title_en": n.title_en}
            if isinstance(n, MasterRequirement)
            else {"text_ja": n.text_ja, "text_en": n.text_en}
        )
        return {
            "id": n.id,
            **text,
            "basis": n.basis,
            "placed": [
                p.model_dump(
                    mode="json", include={"scheme", "requirement", "relationship", "basis"}
                )
                for p in n.placed
            ],
            "counts": counts(n.id),
        }

    totals = {
        s: {
            "requirements": len(index.requirement_ids(s)),
            "placed": sum(len(ids) for node_id, ids in nodes.items() if node_id),
        }
        for s, nodes in by_scheme.items()
    }
    return {
        "id": master.id,
        "name_ja": master.name_ja,
        "name_en": master.name_en,
        "seed_total_items": master.seed_total_items,
        "seed_quoted_items": master.seed_quoted_items,
        "note": master.note,
        "requirements": [
            {**node(r), "items": [node(item) for item in r.items]} for r in master.requirements
        ],
        "totals": totals,
    }


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{scheme} {n}" for scheme, n in counts.items())


def print_master_tree(tree: dict[str, Any]) -> None:
    console.print(
        f"{tree['name_ja']} ({tree['name_en']}): the seed gives "
        f"{tree['seed_quoted_items']} of its {tree['seed_total_items']} items; everything "
        "marked [judgement] is our structure, not IPA's list",
        highlight=False,
        markup=False,
    )
    for requirement in tree["requirements"]:
        title = requirement["title_ja"] or requirement["title_en"]
        console.print(
            f"{requirement['id']}. {title} [{requirement['basis']}]  "
            f"{_counts_text(requirement['counts'])}",
            highlight=False,
            markup=False,
        )
        for item in requirement["items"]:
            console.print(
                f"  {item['id']} {item['text_ja']} [{item['basis']}]  "
                f"{_counts_text(item['counts'])}",
                highlight=False,
                markup=False,
            )
            _print_placed(item["placed"], "      ")
        _print_placed(requirement["placed"], "    ")
    print_table(
        "Placed per scheme",
        ("scheme", "requirements", "placed"),
        (
            (scheme, str(total["requirements"]), str(total["placed"]))
            for scheme, total in tree["totals"].items()
        ),
    )


def _print_placed(placed: list[dict[str, Any]], indent: str) -> None:
    for p in placed:
        console.print(
            f"{indent}{p['scheme']} {p['requirement']}: {p['relationship']} ({p['basis']})",
            highlight=False,
            markup=False,
        )


def programme_rows() -> list[dict[str, Any]]:
    return [p.model_dump(mode="json") for p in load_programmes().programmes]


def print_programmes(rows: list[dict[str, Any]]) -> None:
    print_table(
        "IoT security programmes (METI overview, 2024-10)",
        ("id", "region", "obligation", "schemes"),
        ((r["id"], r["region_en"], r["obligation"], ", ".join(r["schemes"])) for r in rows),
    )
    for r in rows:
        status = r["status"]
        console.print(
            f"{r['id']}: started/starts {r['start_en']}. Status (as of {status['as_of']}, "
            f"{status['basis']}, sources {', '.join(status['sources'])}): {status['summary']}",
            highlight=False,
            markup=False,
        )
