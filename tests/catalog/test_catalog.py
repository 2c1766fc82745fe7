"""The shipped catalog: ★1 requirements, the seed's provision lists, and the lint."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from jcstar.assessment.bindings import lint_bindings
from jcstar.catalog.lint import lint_catalog_dir
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from tests.conftest import ROOT, invoke

# The ETSI EN 303 645 provisions METI's seed lists for Singapore CLS ★1 (footnote ※1),
# CLS ★2 (footnote ※2, on top of ★1) and UK PSTI. Copied from the seed by hand.
SEED_CLS_1 = "5.1-1 5.1-2 5.1-3 5.1-4 5.1-5 5.2-1 5.3-2 5.3-3 5.3-7 5.3-8 5.3-10 5.3-13 5.3-16"
SEED_CLS_2 = (
    "5.4-1 5.4-2 5.4-3 5.4-4 5.5-5 5.5-7 5.5-8 5.6-1 5.6-2 5.6-4 5.8-2 5.8-3 5.11-1 5.13-1"
    " 6.1 6.2 6.3 6.5"
)
SEED_PSTI = "5.1-1 5.1-2 5.2-1 5.3-13"
SEED_FILE = ROOT.parent / "shared" / "seed" / "jcstar-overview-meti-2024-10.txt"


def catalog_list(cli, scheme: str) -> list[dict[str, str]]:
    code, out, err = invoke(cli, "catalog", "list", "--scheme", scheme, "--format", "json")
    assert code == 0, err
    rows: list[dict[str, str]] = json.loads(out)
    return rows


def test_star1_lists_sixteen_requirements_in_both_languages(cli):
    rows = catalog_list(cli, "jcstar-1")
    assert [row["id"] for row in rows] == [f"S1.1-{n:02d}" for n in range(1, 17)]
    for row in rows:
        assert row["title_ja"] and row["title_en"], row["id"]
        assert row["kind"] in ("product", "vendor")
        assert row["threats"], f"{row['id']} counters none of the seed's threats"


def test_level_option_lists_the_same_star1_requirements(cli):
    code, out, _ = invoke(cli, "catalog", "list", "--level", "1", "--format", "json")
    assert code == 0
    assert len(json.loads(out)) == 16


def test_placeholder_level_is_a_clear_usage_error(cli):
    code, _, err = invoke(cli, "catalog", "list", "--level", "3")
    assert code == 2
    assert "★3 criteria are not in the catalog yet" in err


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [("cls-1", SEED_CLS_1), ("cls-2", SEED_CLS_1 + " " + SEED_CLS_2), ("psti", SEED_PSTI)],
)
def test_selection_schemes_reproduce_the_seed_lists_exactly(cli, scheme, expected):
    rows = catalog_list(cli, scheme)
    assert [row["id"] for row in rows] == expected.split()
    assert all(row["title_en"] for row in rows)


def test_cls2_marks_which_level_added_each_provision(cli):
    rows = catalog_list(cli, "cls-2")
    added = {row["id"]: row["added_in"] for row in rows}
    assert added["5.1-1"] == "cls-1"
    assert added["6.5"] == "cls-2"


@pytest.mark.skipif(not SEED_FILE.exists(), reason="shared/seed is not beside this checkout")
def test_seed_text_itself_gives_the_same_lists():
    text = SEED_FILE.read_text(encoding="utf-8")
    footnotes = re.findall(r"\(※(\d)\) ETSI EN 303 645のサイバーセキュリティ規定(.+)", text)
    found = {n: re.findall(r"\d+\.\d+(?:-\d+)?", body) for n, body in footnotes}
    assert found["1"] == SEED_CLS_1.split()
    assert found["2"] == SEED_CLS_2.split()
    psti = re.search(r"ETSI EN 303 645の基準の一部 \(([^)]+)\)", text)
    assert psti is not None
    assert [p.strip() for p in psti.group(1).split("、")] == SEED_PSTI.split()


def test_every_scheme_the_cli_promises_is_listed(cli):
    code, out, _ = invoke(cli, "catalog", "list", "--format", "json")
    assert code == 0
    schemes = {row["id"]: row["requirements"] for row in json.loads(out)}
    for name in (
        "jcstar-1",
        "etsi-en-303-645",
        "cls-1",
        "cls-2",
        "psti",
        "nistir-8425",
        "cra",
        "gov-guideline",
    ):
        assert schemes.get(name, 0) > 0, name
    assert schemes["gov-guideline"] == 7


def test_show_gives_requirement_schemes_and_links(cli):
    code, out, _ = invoke(cli, "catalog", "show", "5.1-1", "--format", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["scheme"] == "etsi-en-303-645"
    assert set(shown["included_in"]) >= {"cls-1", "cls-2", "psti"}
    assert any(link["source"] == "S1.1-02" for link in shown["links"])


def test_show_unknown_id_is_one_line_exit_2(cli):
    code, _, err = invoke(cli, "catalog", "show", "S1.1-99")
    assert code == 2
    assert "unknown requirement id 'S1.1-99'" in err
    assert len(err.strip().splitlines()) == 1


def test_every_shipped_file_loads_and_lints_clean(cli):
    catalog, problems = lint_catalog_dir()
    assert catalog is not None
    assert problems + lint_bindings(catalog) == []
    shipped = {str(p.relative_to(data_dir())) for p in data_dir().rglob("*.yaml")}
    assert shipped == set(catalog.files), "a data file is not loaded by the catalog"
    code, out, _ = invoke(cli, "catalog", "lint")
    assert code == 0
    assert "no problems" in out


def test_judgement_is_marked_in_the_data():
    catalog = load_catalog()
    walk = next(w for w in catalog.crosswalks if w.id == "jcstar-1__etsi-en-303-645")
    assert walk.basis == "judgement"
    official = {(link.source, link.target) for link in walk.links if link.basis == "official"}
    # only the PSTI-recognised items rest on an official source (IPA's PSTI page)
    assert {source for source, _ in official} == {"S1.1-02", "S1.1-05", "S1.1-16"}
    index = CatalogIndex(catalog)
    star1 = index.by_id("jcstar-1")
    inferred = {rid for rid, req in star1.items() if "inferred" in req.confidence_note}
    assert inferred == {"S1.1-09", "S1.1-11", "S1.1-13", "S1.1-14", "S1.1-15"}


def test_every_requirement_is_mapped_to_checks_or_manual():
    for req in CatalogIndex(load_catalog()).requirements("jcstar-1"):
        assert req.checks or req.manual, req.id


# -- the lint catches broken data ------------------------------------------------------


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def lint_messages(cli, root: Path) -> tuple[int, str]:
    code, out, _ = invoke(cli, "catalog", "lint", "--path", str(root))
    return code, out


def test_lint_finds_a_dangling_crosswalk_target(cli, catalog_copy):
    edit_yaml(
        catalog_copy / "crosswalks" / "jcstar-1__cra.yaml",
        lambda d: d["links"][0].update(target="CRA-I-9z"),
    )
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "target CRA-I-9z not in cra" in out


def test_lint_finds_a_duplicate_requirement_id(cli, catalog_copy):
    def duplicate(data):
        data["requirements"][1]["id"] = data["requirements"][0]["id"]

    edit_yaml(catalog_copy / "schemes" / "jcstar-1.yaml", duplicate)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "duplicate requirement id S1.1-01" in out


def test_lint_finds_a_requirement_neither_checked_nor_manual(cli, catalog_copy):
    def unmark(data):
        requirement = next(r for r in data["requirements"] if r["id"] == "S1.1-03")
        assert "checks" not in requirement
        requirement["manual"] = False

    edit_yaml(catalog_copy / "schemes" / "jcstar-1.yaml", unmark)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "S1.1-03: neither mapped to a check nor marked manual" in out


def test_lint_finds_an_unknown_check_and_selection(cli, catalog_copy):
    edit_yaml(
        catalog_copy / "schemes" / "jcstar-1.yaml",
        lambda d: d["requirements"][4]["checks"].append({"check": "network.nonexistent"}),
    )
    edit_yaml(catalog_copy / "schemes" / "psti.yaml", lambda d: d["selection"].append("5.99-1"))
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "S1.1-05: unknown check network.nonexistent" in out
    assert "selects unknown etsi-en-303-645 id 5.99-1" in out


def test_lint_reports_a_file_that_does_not_match_its_model(cli, catalog_copy):
    edit_yaml(catalog_copy / "schemes" / "jcstar-1.yaml", lambda d: d.update(colour="red"))
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "jcstar-1.yaml: colour: Extra inputs are not permitted" in out


# -- criteria versions -------------------------------------------------------------------


def test_star1_names_the_criteria_version_uk_law_cites_marked_as_our_judgement():
    levels = {lv.level: lv for lv in load_catalog().levels}
    current = levels[1].current_criteria
    assert current is not None
    assert current.id == "JST-CR-01-01-2024R1"
    assert current.published == "2024-12"
    # jcstar-facts §2 [S]: a secondary summary of UK S.I. 2025/1267, not IPA's own text
    assert (current.tag, current.basis) == ("S", "judgement")
    assert "UKSI" in current.sources
    # ★2 and above: criteria ids unknown [U]; nothing is made up
    assert [levels[n].criteria_versions for n in (2, 3, 4)] == [(), (), ()]


def test_lint_refuses_an_unverified_criteria_id_claiming_an_official_basis(cli, catalog_copy):
    def officialise(data):
        data["levels"][0]["criteria_versions"][0]["basis"] = "official"

    edit_yaml(catalog_copy / "levels.yaml", officialise)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "JST-CR-01-01-2024R1: tagged S, not verified: basis cannot be official" in out


def test_lint_finds_an_assessable_level_without_a_criteria_version(cli, catalog_copy):
    edit_yaml(catalog_copy / "levels.yaml", lambda d: d["levels"][0].pop("criteria_versions"))
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "level 1 has no criteria version" in out


def test_lint_finds_a_criteria_version_with_an_unknown_source(cli, catalog_copy):
    def unsource(data):
        data["levels"][0]["criteria_versions"][0]["sources"] = ["NOWHERE"]

    edit_yaml(catalog_copy / "levels.yaml", unsource)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "JST-CR-01-01-2024R1: unknown source NOWHERE" in out


# -- check parameters in bindings and level profiles ----------------------------------------


def _tls_binding(data) -> dict:
    s112 = next(r for r in data["requirements"] if r["id"] == "S1.1-12")
    return next(b for b in s112["checks"] if b["check"] == "network.tls")


def test_shipped_catalog_sets_no_check_parameter_so_checks_run_with_their_defaults():
    catalog = load_catalog()
    assert all(
        not binding.params
        for scheme in catalog.schemes
        for req in scheme.requirements
        for binding in req.checks
    )
    assert all(not level.check_params for level in catalog.levels)


def test_a_binding_may_set_declared_parameters(cli, catalog_copy):
    params = {"min_rsa_bits": 3072, "weak_versions": []}

    def every_tls_binding(data) -> None:
        # a check runs once per assessment: every binding a plan may join (★1's, and the
        # ETSI provisions a ★2 profile adds) sets the same values
        for req in data["requirements"]:
            for binding in req.get("checks", ()):
                if binding["check"] == "network.tls":
                    binding["params"] = params

    for scheme in ("jcstar-1", "etsi-en-303-645"):
        edit_yaml(catalog_copy / "schemes" / f"{scheme}.yaml", every_tls_binding)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 0, out


def test_a_check_bound_with_different_parameters_in_one_profile_is_named(cli, catalog_copy):
    # S1.1-12 alone sets parameters, but a ★2 profile adds ETSI 5.5-7 with the same check
    edit_yaml(
        catalog_copy / "schemes" / "jcstar-1.yaml",
        lambda d: _tls_binding(d).update(params={"min_rsa_bits": 3072}),
    )
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "network.tls is bound with different parameters" in " ".join(out.split())


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"min_rsa_bit": 3072}, "parameter min_rsa_bit: Extra inputs are not permitted"),
        ({"min_rsa_bits": "3072"}, "parameter min_rsa_bits: Input should be a valid integer"),
        ({"min_rsa_bits": True}, "parameter min_rsa_bits: Input should be a valid integer"),
        ({"weak_versions": ["SSLv3"]}, "parameter weak_versions.0: Input should be"),
    ],
)
def test_lint_names_the_file_requirement_and_check_of_a_bad_parameter(
    cli, catalog_copy, params, named
):
    edit_yaml(
        catalog_copy / "schemes" / "jcstar-1.yaml", lambda d: _tls_binding(d).update(params=params)
    )
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert f"schemes/jcstar-1.yaml: S1.1-12: check network.tls: {named}" in " ".join(out.split())


def test_lint_refuses_a_parameter_for_a_check_that_declares_none(cli, catalog_copy):
    def add(data):
        s113 = next(r for r in data["requirements"] if r["id"] == "S1.1-13")
        s113["checks"][0]["params"] = {"burst": 5}

    edit_yaml(catalog_copy / "schemes" / "jcstar-1.yaml", add)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "S1.1-13: check network.services: parameter burst: Extra inputs" in " ".join(out.split())


def test_lint_checks_a_level_profile_and_one_value_per_check(cli, catalog_copy):
    def profile(data):
        data["levels"][0]["check_params"] = {
            "network.tls": {"min_rsa_bits": "strict"},
            "network.nonexistent": {"x": 1},
        }

    edit_yaml(catalog_copy / "levels.yaml", profile)
    code, out = lint_messages(cli, catalog_copy)
    text = " ".join(out.split())
    assert code == 1
    assert "levels.yaml: level 1: check network.tls: parameter min_rsa_bits:" in text
    assert "levels.yaml: level 1: unknown check network.nonexistent" in text


def test_lint_refuses_one_check_bound_with_two_different_parameter_sets(cli, catalog_copy):
    def twice(data):
        s113 = next(r for r in data["requirements"] if r["id"] == "S1.1-13")
        s113["checks"].append({"check": "network.tls", "params": {"min_rsa_bits": 4096}})
        _tls_binding(data)["params"] = {"min_rsa_bits": 3072}

    edit_yaml(catalog_copy / "schemes" / "jcstar-1.yaml", twice)
    code, out = lint_messages(cli, catalog_copy)
    assert code == 1
    assert "network.tls is bound with different parameters in S1.1-12 and S1.1-13" in " ".join(
        out.split()
    )
