"""Questions for every requirement an assessment can add (category profiles, ``--also``):
the shipped ETSI EN 303 645, CRA and NISTIR 8425 data, and the lint that keeps it askable."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from jcstar.assessment.models import ProductProfile
from jcstar.assessment.plan import build_plan, catalog_params
from jcstar.catalog.loader import CatalogIndex, data_dir, load_catalog
from tests.conftest import invoke

KANA = re.compile(r"[\u3040-\u30ff]")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    return target


def edit_requirement(path: Path, requirement_id: str, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(r for r in data["requirements"] if str(r["id"]) == requirement_id))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def lint(cli, root: Path) -> tuple[int, list[str]]:
    code, out, _ = invoke(cli, "catalog", "lint", "--path", str(root))
    return code, out.splitlines()


# -- the lint ----------------------------------------------------------------------------


def test_shipped_catalog_has_no_question_problem(cli):
    code, lines = lint(cli, data_dir())
    assert code == 0, lines


def test_lint_names_a_question_id_used_twice_with_both_places(cli, catalog_copy):
    def reuse(req):
        req["questions"][0]["id"] = "QE5.1-1-1"

    edit_requirement(catalog_copy / "schemes" / "cra.yaml", "CRA-II-8", reuse)
    code, lines = lint(cli, catalog_copy)
    assert code == 1
    found = [line for line in lines if "QE5.1-1-1" in line]
    assert len(found) == 1, lines
    # one place as the file and id, the other as scheme and id (whichever loads first)
    assert re.search(r"schemes/cra\.yaml: CRA-II-8: .* etsi-en-303-645 5\.1-1$", found[0]) or (
        re.search(r"schemes/etsi-en-303-645\.yaml: 5\.1-1: .* cra CRA-II-8$", found[0])
    ), found[0]


def test_lint_names_a_provision_with_neither_question_nor_check(cli, catalog_copy):
    def strip(req):
        req.pop("questions")
        req.pop("checks", None)

    edit_requirement(catalog_copy / "schemes" / "etsi-en-303-645.yaml", "5.3-13", strip)
    code, lines = lint(cli, catalog_copy)
    assert code == 1
    assert any(
        "schemes/etsi-en-303-645.yaml" in line and "5.3-13: neither a question nor a check" in line
        for line in lines
    ), lines


def test_a_check_alone_is_enough_for_the_lint(cli, catalog_copy):
    # 5.1-5 keeps its brute-force check: a device probe can answer it without a question
    edit_requirement(
        catalog_copy / "schemes" / "etsi-en-303-645.yaml", "5.1-5", lambda req: req.pop("questions")
    )
    code, lines = lint(cli, catalog_copy)
    assert code == 0, lines


def test_a_scheme_answered_by_substitution_needs_no_questions_until_the_substitution_goes(
    cli, catalog_copy
):
    # the government guideline's seven functions are answered by ★1 as a whole; without that
    # rule nothing could ask them, and the lint names each
    walk = catalog_copy / "crosswalks" / "gov-guideline__jcstar-1.yaml"
    data = yaml.safe_load(walk.read_text(encoding="utf-8"))
    data.pop("substitution")
    walk.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, lines = lint(cli, catalog_copy)
    assert code == 1
    named = {m.group(1) for line in lines if (m := re.search(r"(GOV-\d): neither", line))}
    assert named == {f"GOV-{n}" for n in range(1, 8)}


# -- the shipped data ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["cls-1", "cls-2", "psti"])
def test_every_selected_etsi_provision_asks_a_question_in_japanese_and_english(scheme):
    requirements = CatalogIndex(load_catalog()).requirements(scheme)
    assert requirements
    for req in requirements:
        assert req.questions, f"{scheme} {req.id} has no question"
        for question in req.questions:
            assert KANA.search(question.text_ja), f"{question.id}: text_ja is not Japanese"
            assert question.text_ja.endswith("。"), question.id
            assert question.text_en.strip() and not JAPANESE.search(question.text_en), question.id


@pytest.mark.parametrize("scheme", ["etsi-en-303-645", "cra", "nistir-8425"])
def test_every_foreign_requirement_says_what_it_is_and_how_it_is_evaluated(scheme):
    for req in CatalogIndex(load_catalog()).requirements(scheme):
        assert req.kind in ("product", "vendor"), req.id
        assert req.eval_mode in ("document", "device"), req.id
        assert req.questions, req.id
        # a requirement no check can decide says so, as ★1's manual ones do
        assert req.checks or req.manual, req.id


def test_etsi_conditions_that_match_a_profile_fact_make_the_provision_not_applicable():
    catalog = load_catalog()
    profile = ProductProfile(
        vendor="Example",
        product="Sensor",
        model_numbers=("S-1",),
        product_type="sensor",
        firmware_version="1.0",
        facts={"uses_passwords": False, "constrained_device": True, "network_updates": False},
    )
    plan = build_plan(catalog, profile, also=("etsi-en-303-645",))
    applicability = {p.requirement: p.applicability for p in plan.requirements}
    # C(1)/C(2) passwords, C(5) not constrained, C(11) network updates: not this product
    for provision in ("5.1-1", "5.1-2", "5.1-5", "5.3-2", "5.3-10"):
        assert applicability[provision] == "not_applicable", provision
    # C(3, 4): constrained devices only, so assessed here
    assert applicability["5.3-14"] == "applicable"
    assert applicability["5.7-1"] == "applicable"


def test_a_star1_plan_asks_only_star1_questions():
    catalog = load_catalog()
    profile = ProductProfile(
        vendor="Example",
        product="Gateway",
        model_numbers=("G-1",),
        product_type="gateway",
        firmware_version="1.0",
    )
    plan = build_plan(catalog, profile)
    questions = [q for p in plan.requirements for q in p.questions]
    assert questions == [f"Q{n:02d}-1" for n in range(1, 17)]


def test_every_scheme_together_binds_each_check_with_one_set_of_parameters():
    # one assessment with every --also scheme runs each check once: the bindings must agree
    catalog = load_catalog()
    index = CatalogIndex(catalog)
    everything = tuple(
        req
        for scheme in ("jcstar-1", "etsi-en-303-645", "cra", "nistir-8425")
        for req in index.requirements(scheme)
    )
    star1 = next(level for level in catalog.levels if level.level == 1)
    assert catalog_params(everything, star1) == catalog_params(
        index.requirements("jcstar-1"), star1
    )
