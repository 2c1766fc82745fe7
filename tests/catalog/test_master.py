"""The master requirement list and the programme table: every scheme requirement placed once,
the seed's items quoted exactly, and a lint that names what is wrong."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from jcstar.catalog.lint import lint_catalog_dir
from jcstar.catalog.lint_master import lint_master
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from jcstar.catalog.master import (
    load_master,
    load_programmes,
    placement_of,
    scheme_by_master,
    top_level_of,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_FILE = ROOT.parent / "shared" / "seed" / "jcstar-overview-meti-2024-10.txt"

# the items METI's seed quotes from the master list, copied from the seed by hand
SEED_ITEMS = {
    "1-1": "パスワードが使用され、工場出荷時のデフォルト以外の状態にある製品において、すべての"
    "パスワードは、機器ごとに固有であるか、又はユーザによって定義されるものでなければならない。",
    "1-2": "プリインストールされた固有のパスワードを使用する場合、自動化された攻撃への耐性をもつ"
    "ために、パスワードは十分なランダム性を保有しなければならない。",
    "1-3": "製品に対してユーザを認証するために使用される認証メカニズムは、製品用途の特性等に適した"
    "想定するリスクを低減できる技術を使用していなければならない。",
    "1-4": "製品に対するユーザ認証において、製品は使用される認証値を変更するためのシンプルな"
    "メカニズムを、ユーザ又は管理者に提供しなければならない。",
    "1-5": "製品が、制約のある機器ではない場合、ネットワークを介して行われる認証に対する総当たり"
    "攻撃等のブルートフォース攻撃が実行できないようにするメカニズムを保有しなければならない。",
    "2-1": "製造業者は、脆弱性開示ポリシーを公開しなければならない。このポリシーには、少なくとも"
    "以下が含まれていなければならない ・問題を報告するための連絡先情報 ・以下のタイムラインに"
    "関する情報 1) 最初の受領確認 2) 報告された問題が解決されるまでの状況の更新",
}
SEED_TOP_LEVEL = {
    "1": "汎用のデフォルトパスワードを使用しない",
    "2": "脆弱性の報告を管理するための手段を導入する",
}


def test_the_shipped_master_list_and_programmes_lint_clean() -> None:
    assert lint_master(load_catalog(), data_dir()) == []


@pytest.mark.parametrize(
    ("scheme", "count"),
    [("jcstar-1", 16), ("etsi-en-303-645", 67), ("nistir-8425", 10), ("cra", 22)],
)
def test_every_requirement_of_a_native_scheme_is_placed(scheme: str, count: int) -> None:
    catalog = load_catalog()
    master = load_master()
    index = CatalogIndex(catalog)
    ids = index.requirement_ids(scheme)
    assert len(ids) == count
    nodes = {node.id for node in master.nodes()}
    for requirement_id in ids:
        node_id, placement = placement_of(master, index, scheme, requirement_id)
        assert node_id in nodes
        assert placement.rationale
    by_node = scheme_by_master(master, catalog, scheme)
    assert "" not in by_node, f"unplaced: {by_node.get('')}"
    assert sorted(i for ids_ in by_node.values() for i in ids_) == sorted(ids)


def test_selection_schemes_are_placed_through_the_etsi_provisions_they_select() -> None:
    catalog = load_catalog()
    by_node = scheme_by_master(load_master(), catalog, "psti")
    # PSTI is ETSI 5.1-1, 5.1-2, 5.2-1 and 5.3-13: the seed's items 1-1, 1-2, 2-1 and our 3
    assert by_node == {"1-1": ("5.1-1",), "1-2": ("5.1-2",), "2-1": ("5.2-1",), "3": ("5.3-13",)}


def test_seed_items_carry_the_seeds_exact_japanese_and_nothing_else_claims_the_seed() -> None:
    master = load_master()
    seed_items = {
        item.id: item.text_ja
        for requirement in master.requirements
        for item in requirement.items
        if item.basis == "seed"
    }
    assert seed_items == SEED_ITEMS
    assert master.seed_total_items == 101
    assert master.seed_quoted_items == len(SEED_ITEMS)
    seed_top = {r.id: r.title_ja for r in master.requirements if r.basis == "seed"}
    assert seed_top == SEED_TOP_LEVEL
    # every other top-level requirement is ours and says why it exists
    for requirement in master.requirements:
        if requirement.basis != "seed":
            assert requirement.basis == "judgement"
            assert requirement.why


@pytest.mark.skipif(not SEED_FILE.exists(), reason="shared/seed is not beside this checkout")
def test_the_seed_file_itself_has_those_items() -> None:
    seed = SEED_FILE.read_text(encoding="utf-8")
    for item_id, text in {**SEED_ITEMS, **SEED_TOP_LEVEL}.items():
        assert f"{item_id}. {text}" in seed


def test_seed_items_are_etsis_provisions_word_for_word() -> None:
    catalog = load_catalog()
    index = CatalogIndex(catalog)
    master = load_master()
    for provision, item in [("5.1-1", "1-1"), ("5.1-5", "1-5"), ("5.2-1", "2-1")]:
        node_id, placement = placement_of(master, index, "etsi-en-303-645", provision)
        assert (node_id, placement.relationship, placement.basis) == (item, "equal", "seed")
    # ★1's vulnerability disclosure policy sits under item 2-1, within top-level requirement 2
    node_id, _ = placement_of(master, index, "jcstar-1", "S1.1-05")
    assert top_level_of(node_id) == "2"


def test_programmes_give_the_seed_table_and_a_dated_status() -> None:
    programmes = {p.id: p for p in load_programmes().programmes}
    assert set(programmes) == {"jc-star", "sg-cls", "uk-psti", "us-cyber-trust-mark", "eu-cra"}
    assert programmes["uk-psti"].obligation == "mandatory"
    assert programmes["uk-psti"].start_ja == "2024年4月施行"
    assert programmes["sg-cls"].schemes == ("cls-1", "cls-2")
    assert programmes["eu-cra"].assessment[1].method_ja == "第三者認証"
    us = programmes["us-cyber-trust-mark"].status
    assert "Paused in June 2025" in us.summary
    assert (us.basis, us.tag) == ("secondary", "S")
    # the seed's own columns are seed-based; only statuses may rest on secondary sources
    assert {p.basis for p in programmes.values()} == {"seed"}


# -- the lint names broken data ----------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target


def edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _node(data: dict[str, Any], node_id: str) -> dict[str, Any]:
    for requirement in data["requirements"]:
        if requirement["id"] == node_id:
            return requirement
        for item in requirement.get("items", []):
            if item["id"] == node_id:
                return item
    raise KeyError(node_id)


def lint_messages(root: Path) -> list[str]:
    catalog, problems = lint_catalog_dir(root)
    assert catalog is not None
    return [str(p) for p in problems]


def test_lint_names_a_dangling_placement_and_the_requirement_left_unplaced(
    data_copy: Path,
) -> None:
    def dangle(data: dict[str, Any]) -> None:
        placed = _node(data, "1-4")["placed"]
        star1 = next(p for p in placed if p["requirement"] == "S1.1-03")
        star1["requirement"] = "S1.1-99"

    edit(data_copy / "master.yaml", dangle)
    messages = lint_messages(data_copy)
    assert "master.yaml: 1-4: jcstar-1 S1.1-99: jcstar-1 has no requirement S1.1-99" in messages
    assert "master.yaml: jcstar-1 S1.1-03 is not placed" in messages


def test_lint_names_a_requirement_placed_twice(data_copy: Path) -> None:
    def twice(data: dict[str, Any]) -> None:
        first = _node(data, "1-1")["placed"][0]
        _node(data, "3")["placed"].append(dict(first))

    edit(data_copy / "master.yaml", twice)
    assert "master.yaml: etsi-en-303-645 5.1-1 is placed 2 times" in lint_messages(data_copy)


def test_lint_names_an_official_basis_resting_on_a_secondary_source(data_copy: Path) -> None:
    def overclaim(data: dict[str, Any]) -> None:
        placement = _node(data, "1")["placed"][0]
        placement.update(basis="official", sources=["S17"])

    edit(data_copy / "master.yaml", overclaim)
    messages = lint_messages(data_copy)
    assert any(
        m.startswith("master.yaml: 1: jcstar-1 S1.1-02: basis official cites S17")
        and "not a primary source" in m
        for m in messages
    ), messages


def test_lint_names_a_programme_status_that_hides_its_secondary_sources(data_copy: Path) -> None:
    def hide(data: dict[str, Any]) -> None:
        us = next(p for p in data["programmes"] if p["id"] == "us-cyber-trust-mark")
        us["status"]["basis"] = "official"
        us["schemes"] = ["nistir-9999"]

    edit(data_copy / "programmes.yaml", hide)
    messages = lint_messages(data_copy)
    assert "programmes.yaml: us-cyber-trust-mark: unknown scheme nistir-9999" in messages
    assert (
        "programmes.yaml: us-cyber-trust-mark: status rests on secondary sources (tag S) "
        "but says basis official" in messages
    )
    assert any("status: basis official cites GPW" in m for m in messages), messages


def test_secondary_is_refused_outside_a_programme_status(data_copy: Path) -> None:
    edit(data_copy / "master.yaml", lambda d: _node(d, "3").update(basis="secondary"))
    messages = lint_messages(data_copy)
    assert len(messages) == 1
    assert messages[0].startswith("master.yaml: requirements.2.basis: Input should be")
