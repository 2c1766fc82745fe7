"""``jcstar catalog master``, ``catalog programmes`` and ``catalog export``: what a user reads."""

from __future__ import annotations

import json
from pathlib import Path

from trestle.oscal.catalog import Catalog as OscalCatalog
from trestle.oscal.profile import Profile

from tests.conftest import invoke


def test_master_json_is_the_tree_with_what_each_scheme_places_there(cli) -> None:
    code, out, _ = invoke(cli, "catalog", "master", "--format", "json")
    assert code == 0
    tree = json.loads(out)
    assert (tree["seed_total_items"], tree["seed_quoted_items"]) == (101, 6)
    first = tree["requirements"][0]
    assert (first["id"], first["title_ja"], first["basis"]) == (
        "1",
        "汎用のデフォルトパスワードを使用しない",
        "seed",
    )
    item = first["items"][0]
    assert item["id"] == "1-1" and item["basis"] == "seed"
    assert item["placed"] == [
        {
            "scheme": "etsi-en-303-645",
            "requirement": "5.1-1",
            "relationship": "equal",
            "basis": "seed",
        }
    ]
    # PSTI and both CLS levels select 5.1-1, so they count under item 1-1 too
    assert item["counts"] == {"cls-1": 1, "cls-2": 1, "etsi-en-303-645": 1, "psti": 1}
    totals = tree["totals"]
    assert totals["jcstar-1"] == {"requirements": 16, "placed": 16}
    assert totals["etsi-en-303-645"] == {"requirements": 67, "placed": 67}
    assert totals["cra"] == {"requirements": 22, "placed": 22}


def test_master_table_shows_seed_text_placements_and_totals(cli) -> None:
    code, out, _ = invoke(cli, "catalog", "master")
    assert code == 0
    lines = out.splitlines()
    assert "the seed gives 6 of its 101 items" in lines[0]
    assert "everything marked [judgement] is our structure, not IPA's list" in lines[0]
    assert any(line.startswith("  1-1 パスワードが使用され") for line in lines)
    assert "      etsi-en-303-645 5.1-1: equal (seed)" in lines
    assert "    jcstar-1 S1.1-02: subset (judgement)" in lines
    rows = [[cell.strip() for cell in line.split("│")[1:4]] for line in lines if "│" in line]
    assert ["jcstar-1", "16", "16"] in rows


def test_programmes_table_and_json(cli) -> None:
    code, out, _ = invoke(cli, "catalog", "programmes", "--format", "json")
    assert code == 0
    rows = {row["id"]: row for row in json.loads(out)}
    assert rows["uk-psti"]["schemes"] == ["psti"]
    assert rows["us-cyber-trust-mark"]["status"]["basis"] == "secondary"
    code, out, _ = invoke(cli, "catalog", "programmes")
    assert code == 0
    status = next(line for line in out.splitlines() if line.startswith("us-cyber-trust-mark:"))
    assert "Status (as of 2026-01-28, secondary, sources GPW): Paused in June 2025" in status


def test_export_writes_the_catalog_and_a_profile_the_same_bytes_twice(cli, tmp_path: Path) -> None:
    first, second, profile = (tmp_path / n for n in ("a.json", "b.json", "p.json"))
    for target in (first, second):
        code, _, err = invoke(
            cli, "catalog", "export", "--format", "oscal-catalog", "-o", str(target)
        )
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    OscalCatalog.parse_obj(json.loads(first.read_text(encoding="utf-8"))["catalog"])
    code, _, err = invoke(
        cli,
        "catalog",
        "export",
        "--format",
        "oscal-profile",
        "--scheme",
        "cls-1",
        "-o",
        str(profile),
    )
    assert code == 0, err
    parsed = Profile.parse_obj(json.loads(profile.read_text(encoding="utf-8"))["profile"])
    assert len(parsed.imports[0].include_controls[0].with_ids or []) == 13


def test_export_refuses_a_profile_without_a_scheme_or_with_an_unknown_one(cli) -> None:
    code, out, err = invoke(cli, "catalog", "export", "--format", "oscal-profile")
    assert (code, out) == (2, "")
    assert (
        err.strip() == "error: --format oscal-profile needs --scheme ID (see: jcstar catalog list)"
    )
    code, out, err = invoke(
        cli, "catalog", "export", "--format", "oscal-profile", "--scheme", "cls-9"
    )
    assert (code, out) == (2, "")
    assert err.startswith("error: unknown scheme 'cls-9' (known: ")
    assert len(err.strip().splitlines()) == 1
    code, _, err = invoke(cli, "catalog", "export", "--format", "oscal-catalog", "--scheme", "psti")
    assert code == 2
    assert "--scheme applies to --format oscal-profile only" in err
