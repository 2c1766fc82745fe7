"""The shipped category profiles (★2 drafts, ★3 structures) and the lint that guards them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from jcstar.assessment.bindings import lint_bindings
from jcstar.catalog.lint import lint_catalog_dir
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from tests.catalog.test_catalog import SEED_CLS_2

STAR1 = [f"S1.1-{n:02d}" for n in range(1, 17)]
STAR2 = ("jcstar-2-smart-home", "jcstar-2-power-der")
STAR3 = ("jcstar-3-communication-equipment", "jcstar-3-network-cameras")


@pytest.mark.parametrize("profile_id", STAR2)
def test_a_star2_draft_is_star1_plus_what_cls_level_2_adds(profile_id):
    index = CatalogIndex(load_catalog())
    assert index.requirement_ids(profile_id) == (*STAR1, *SEED_CLS_2.split())
    profile = index.scheme(profile_id)
    assert profile.level == 2 and profile.base == "jcstar-1"
    # every added requirement is ETSI's own, as the ETSI scheme defines it
    etsi = index.by_id("etsi-en-303-645")
    for req in index.requirements(profile_id)[16:]:
        assert req == etsi[req.id]


@pytest.mark.parametrize("profile_id", STAR2)
def test_a_star2_draft_says_it_is_ours_and_not_ipas(profile_id):
    profile = CatalogIndex(load_catalog()).scheme(profile_id)
    assert profile.draft and profile.authored_by == "judgement" and profile.basis == "judgement"
    assert "Not IPA's ★2 criteria" in profile.note
    criteria = profile.current_criteria
    assert criteria is not None and criteria.basis == "judgement" and criteria.tag != "V"
    assert criteria.id.startswith("JCSTAR-DRAFT-2-")


@pytest.mark.parametrize("profile_id", STAR3)
def test_a_star3_profile_holds_no_requirement_text_of_ours(profile_id):
    profile = CatalogIndex(load_catalog()).scheme(profile_id)
    assert profile.level == 3 and profile.base == "jcstar-1"
    assert profile.requirements == () and profile.adds == ()
    assert profile.operator_requirements == f"{profile_id}.yaml"
    assert profile.operator_requirements in profile.note
    # the category is known from secondary sources only: never "official" on our word
    assert profile.authored_by != "official" and not profile.draft
    assert {"S9", "R2"} <= set(profile.sources)


def test_a_level_and_category_pick_the_profile_and_an_unknown_one_names_those_there_are():
    index = CatalogIndex(load_catalog())
    assert index.scheme_for(2, "smart-home").id == "jcstar-2-smart-home"
    assert index.scheme_for(3, "network-cameras").id == "jcstar-3-network-cameras"
    with pytest.raises(LookupError, match="categories at ★2: power-der, smart-home"):
        index.scheme_for(2, "toaster")


def test_the_shipped_profiles_lint_clean():
    catalog, problems = lint_catalog_dir()
    assert catalog is not None
    profile_problems = [
        str(p) for p in problems + lint_bindings(catalog) if p.where.startswith("profiles")
    ]
    assert profile_problems == []


# -- the lint catches broken profiles -------------------------------------------------------


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target


def edit_profile(root: Path, profile_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "profiles" / f"{profile_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def add_profile(root: Path, profile_id: str, **fields: Any) -> None:
    data = {"id": profile_id, "name_en": profile_id, "authored_by": "judgement", **fields}
    path = root / "profiles" / f"{profile_id}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems_in(root: Path) -> list[str]:
    catalog, problems = lint_catalog_dir(root)
    if catalog is not None:
        problems += lint_bindings(catalog)
    return [str(p) for p in problems]


def test_lint_finds_a_missing_base(catalog_copy):
    edit_profile(catalog_copy, "jcstar-2-smart-home", lambda d: d.update(base="jcstar-9"))
    assert "profiles/jcstar-2-smart-home.yaml: base jcstar-9 is not a scheme in the catalog" in (
        problems_in(catalog_copy)
    )


def test_lint_finds_a_base_cycle(catalog_copy):
    add_profile(catalog_copy, "p-a", level=2, category="cycle-a", base="p-b")
    add_profile(catalog_copy, "p-b", level=2, category="cycle-b", base="p-a")
    found = problems_in(catalog_copy)
    assert "profiles/p-a.yaml: base p-b leads back to p-a: p-a -> p-b -> p-a" in found


def test_lint_finds_an_added_id_its_scheme_does_not_define_and_one_added_twice(catalog_copy):
    def change(data: dict[str, Any]) -> None:
        data["adds"][0]["id"] = "5.4-9"
        data["adds"].append(dict(data["adds"][1]))

    edit_profile(catalog_copy, "jcstar-2-power-der", change)
    found = problems_in(catalog_copy)
    assert "profiles/jcstar-2-power-der.yaml: 5.4-9: not a requirement of etsi-en-303-645" in found
    assert "profiles/jcstar-2-power-der.yaml: 5.4-2 added 2 times" in found


def test_lint_finds_an_added_id_the_base_already_has(catalog_copy):
    edit_profile(
        catalog_copy,
        "jcstar-2-smart-home",
        lambda d: d["adds"].append({"id": "S1.1-01", "from_scheme": "jcstar-1"}),
    )
    assert (
        "profiles/jcstar-2-smart-home.yaml: S1.1-01: already a requirement of its base jcstar-1"
        in problems_in(catalog_copy)
    )


def test_a_not_applicable_item_without_a_reason_is_refused_naming_file_and_id(catalog_copy):
    edit_profile(
        catalog_copy,
        "jcstar-2-power-der",
        lambda d: d["adds"][14].update(applicability="not_applicable"),
    )
    (problem,) = problems_in(catalog_copy)
    assert "jcstar-2-power-der.yaml: adds.14" in problem
    assert "6.1: a requirement marked not_applicable needs a reason" in problem


def test_a_draft_cannot_claim_official_authorship(catalog_copy):
    edit_profile(catalog_copy, "jcstar-2-smart-home", lambda d: d.update(authored_by="official"))
    found = problems_in(catalog_copy)
    where = "profiles/jcstar-2-smart-home.yaml"
    assert f"{where}: a draft cannot be authored_by: official" in found
    assert f"{where}: authored_by: official, but source JUDGEMENT is not primary" in found


def test_official_authorship_needs_primary_sources(catalog_copy):
    edit_profile(
        catalog_copy, "jcstar-3-network-cameras", lambda d: d.update(authored_by="official")
    )
    found = problems_in(catalog_copy)
    where = "profiles/jcstar-3-network-cameras.yaml"
    assert f"{where}: authored_by: official, but source S9 is not primary" in found
    assert f"{where}: authored_by: official, but source P1 is not primary" not in found


def test_lint_finds_two_profiles_for_one_level_and_category(catalog_copy):
    add_profile(catalog_copy, "p-twin", level=2, category="smart-home", base="jcstar-1")
    assert "profiles: 2 profiles for ★2 smart-home" in problems_in(catalog_copy)


def test_a_star1_profile_would_never_be_used(catalog_copy):
    add_profile(catalog_copy, "p-one", level=1, category="toys", base="jcstar-1")
    assert (
        "profiles/p-one.yaml: level 1 is assessed against jcstar-1 for every product: "
        "a category profile there is never used"
    ) in problems_in(catalog_copy)


def test_lint_finds_a_criteria_version_id_used_twice(catalog_copy):
    def reuse(data: dict[str, Any]) -> None:
        data["criteria_versions"][0]["id"] = "JST-CR-01-01-2024R1"

    edit_profile(catalog_copy, "jcstar-2-smart-home", reuse)
    assert (
        "profiles: criteria version JST-CR-01-01-2024R1 is named 2 times (levels.yaml and "
        "profiles/)"
    ) in problems_in(catalog_copy)


def test_lint_finds_an_added_requirement_nothing_can_evidence(catalog_copy):
    edit_profile(
        catalog_copy,
        "jcstar-2-smart-home",
        lambda d: d["adds"].append({"id": "5.3-1", "from_scheme": "etsi-en-303-645"}),
    )

    def unmark(data: dict[str, Any]) -> None:
        req = next(r for r in data["requirements"] if r["id"] == "5.3-1")
        req.pop("checks", None)
        req["manual"] = False

    path = catalog_copy / "schemes" / "etsi-en-303-645.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    unmark(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert (
        "profiles/jcstar-2-smart-home.yaml: 5.3-1: neither mapped to a check nor marked manual"
        in problems_in(catalog_copy)
    )


def test_lint_checks_a_profiles_check_params(catalog_copy):
    def params(data: dict[str, Any]) -> None:
        data["check_params"] = {"network.tls": {"min_rsa_bits": "3072"}, "network.nope": {"x": 1}}

    edit_profile(catalog_copy, "jcstar-2-power-der", params)
    found = problems_in(catalog_copy)
    where = "profiles/jcstar-2-power-der.yaml"
    assert any(f.startswith(f"{where}: check network.tls: parameter min_rsa_bits") for f in found)
    assert f"{where}: unknown check network.nope" in found
    assert (
        f"{where}: check_params: network.nope is bound to none of its requirements, so it never "
        "runs"
    ) in found
