"""Crosswalks: what in one scheme covers each requirement of another, and why."""

from __future__ import annotations

import json

import pytest

from jcstar.catalog.crosswalk import CrosswalkGraph, compose
from jcstar.catalog.loader import load_catalog
from tests.conftest import invoke


def crosswalk(cli, source: str, target: str) -> dict:
    code, out, err = invoke(cli, "crosswalk", source, target, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_psti_route_covers_exactly_the_items_ipa_waives(cli):
    result = crosswalk(cli, "psti", "jcstar-1")
    rows = {row["id"]: row for row in result["rows"]}
    assert len(rows) == 16
    covered = {rid for rid, row in rows.items() if row["coverage"] == "covered"}
    assert covered == {"S1.1-02", "S1.1-05", "S1.1-16"}
    for rid in covered:
        links = rows[rid]["covered_by"]
        assert all(link["recognised"] and link["basis"] == "official" for link in links)
        assert all(link["rationale"] for link in links)
    assert {link["source"] for link in rows["S1.1-02"]["covered_by"]} == {"5.1-1", "5.1-2"}
    assert rows["S1.1-04"]["coverage"] == "not_covered"


@pytest.mark.parametrize("target", ["cls-1", "cls-2", "psti"])
def test_star1_to_selection_schemes_gives_a_rationale_for_every_link(cli, target):
    result = crosswalk(cli, "jcstar-1", target)
    assert result["path"][0] == "jcstar-1" and result["path"][-1] == target
    links = [link for row in result["rows"] for link in row["covered_by"]]
    assert links, "no ★1 requirement reaches any provision"
    for link in links:
        assert link["source"].startswith("S1.1-")
        assert link["rationale"].strip()
        assert link["relationship"] in ("equal", "subset", "superset", "intersect")


@pytest.mark.parametrize("source", ["cls-1", "cls-2", "psti"])
def test_selection_schemes_to_star1_give_a_rationale_for_every_link(cli, source):
    result = crosswalk(cli, source, "jcstar-1")
    for row in result["rows"]:
        for link in row["covered_by"]:
            assert link["rationale"].strip()


def test_every_cls1_provision_is_reached_from_star1(cli):
    rows = crosswalk(cli, "jcstar-1", "cls-1")["rows"]
    assert [row["id"] for row in rows if not row["covered_by"]] == []


def test_relationship_turns_round_when_walked_backwards():
    graph = CrosswalkGraph(load_catalog())
    forward = graph.project("jcstar-1", "etsi-en-303-645")
    backward = graph.project("etsi-en-303-645", "jcstar-1")
    forward_links = {
        (link.source, row.id): link.relationship for row in forward.rows for link in row.covered_by
    }
    backward_links = {
        (row.id, link.source): link.relationship for row in backward.rows for link in row.covered_by
    }
    flip = {"subset": "superset", "superset": "subset", "equal": "equal", "intersect": "intersect"}
    assert forward_links
    for pair, relationship in forward_links.items():
        assert backward_links[pair] == flip[relationship]


def test_gov_guideline_functions_map_to_star1(cli):
    rows = crosswalk(cli, "jcstar-1", "gov-guideline")["rows"]
    assert len(rows) == 7
    by_id = {row["id"]: {link["source"] for link in row["covered_by"]} for row in rows}
    assert by_id["GOV-1"] == {"S1.1-02"}
    assert by_id["GOV-2"] == {"S1.1-04"}
    assert by_id["GOV-7"] == {"S1.1-13"}


def test_crosswalk_through_two_hops_composes(cli):
    result = crosswalk(cli, "nistir-8425", "cls-1")
    assert result["path"] == ["nistir-8425", "jcstar-1", "etsi-en-303-645", "cls-1"]
    assert any(row["covered_by"] for row in result["rows"])
    assert all(link["basis"] == "judgement" for row in result["rows"] for link in row["covered_by"])


def test_unknown_scheme_is_a_one_line_usage_error(cli):
    code, _, err = invoke(cli, "crosswalk", "psti", "fcc-mark")
    assert code == 2
    assert "unknown scheme 'fcc-mark'" in err


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("equal", "subset", "subset"),
        ("subset", "equal", "subset"),
        ("subset", "subset", "subset"),
        ("superset", "superset", "superset"),
        ("subset", "superset", "intersect"),
        ("intersect", "equal", "intersect"),
    ],
)
def test_compose(first, second, expected):
    assert compose(first, second) == expected
