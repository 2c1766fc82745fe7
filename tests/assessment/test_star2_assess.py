"""Assessing at ★2 (and ★3) through a category profile, from plan to report and label decision."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jcstar.assessment.decision import label_decision
from jcstar.assessment.inputs import load_profile
from jcstar.assessment.plan import PlanError, build_plan
from jcstar.assessment.projection import project_report
from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import load_catalog
from jcstar.catalog.operator_requirements import ENV_VAR, with_operator_requirements
from tests.catalog.test_catalog import SEED_CLS_2
from tests.catalog.test_operator_requirements import operator_requirement, write_operator_file
from tests.conftest import CONFORMANT, EXAMPLES

STAR2 = EXAMPLES / "star2-smart-home"
ADDED = SEED_CLS_2.split()


@pytest.fixture(autouse=True)
def no_operator_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def profile_at(tmp_path: Path, **changes: object) -> Path:
    """The conformant ★1 gateway's profile with ``changes`` (level, category…)."""
    data = yaml.safe_load((CONFORMANT / "profile.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_star2_plan_is_star1_then_the_categorys_additions():
    profile, _ = load_profile(STAR2 / "profile.yaml")
    plan = build_plan(load_catalog(), profile)
    assert plan.level == 2 and plan.scheme == "jcstar-2-smart-home"
    ids = [p.requirement for p in plan.requirements]
    assert ids == [*(f"S1.1-{n:02d}" for n in range(1, 17)), *ADDED]
    added = {p.requirement: p for p in plan.requirements[16:]}
    assert added["5.4-1"].questions == ("QE5.4-1-1",)
    assert "firmware.secrets" in added["5.4-1"].checks


def test_the_conformant_star2_example_is_conformant_and_names_its_draft_criteria():
    report = assess_files(STAR2 / "profile.yaml", STAR2 / "answers.yaml")
    assert report.overall == "CONFORMANT" and report.level == 2
    assert report.summary.MET == 34
    assert report.catalog.scheme == "jcstar-2-smart-home" and report.catalog.draft
    assert report.product.category == "smart-home"
    assert report.criteria_version == "JCSTAR-DRAFT-2-SH-2026.12"


def test_an_unanswered_addition_leaves_the_star2_report_incomplete(tmp_path):
    answers = yaml.safe_load((STAR2 / "answers.yaml").read_text(encoding="utf-8"))
    del answers["answers"]["5.13-1"]
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    report = assess_files(STAR2 / "profile.yaml", path)
    assert report.overall == "INCOMPLETE"
    verdicts = {v.requirement: v.verdict for v in report.verdicts}
    assert verdicts["5.13-1"] == "NEEDS_REVIEW"


def test_the_star2_report_answers_cls_level_2s_additions_directly():
    report = assess_files(STAR2 / "profile.yaml", STAR2 / "answers.yaml")
    projection = project_report(load_catalog(), report, "cls-2")
    by_id = {v.requirement: v for v in projection.verdicts}
    for req_id in ADDED:
        assert by_id[req_id].verdict == "MET", req_id
        assert by_id[req_id].reason.startswith(f"{req_id} was assessed itself: MET")
        assert req_id in by_id[req_id].from_requirements


def test_the_registry_would_label_the_conformant_star2_report():
    report = assess_files(STAR2 / "profile.yaml", STAR2 / "answers.yaml")
    decision = label_decision(report, load_catalog(), document_kinds={"test_report"})
    assert decision.grantable, decision.refusal() if decision.problems else ""


def test_the_power_profile_asks_stronger_tls_keys_than_star1(tmp_path):
    catalog = load_catalog()
    star1, _ = load_profile(CONFORMANT / "profile.yaml")
    power, _ = load_profile(profile_at(tmp_path, level=2, category="power-der"))
    assert build_plan(catalog, power).check_params["network.tls"]["min_rsa_bits"] == 3072
    assert (
        build_plan(catalog, star1).check_params.get("network.tls", {}).get("min_rsa_bits", 2048)
        == 2048
    )


def test_an_unknown_category_is_refused_naming_the_categories(tmp_path):
    profile, _ = load_profile(profile_at(tmp_path, level=2, category="toasters"))
    with pytest.raises(PlanError, match="categories at ★2: power-der, smart-home"):
        build_plan(load_catalog(), profile)


def test_a_star3_category_without_the_operators_file_is_refused_naming_it(tmp_path):
    profile, _ = load_profile(profile_at(tmp_path, level=3, category="network-cameras"))
    with pytest.raises(PlanError, match=r"\(jcstar-3-network-cameras\.yaml\)"):
        build_plan(load_catalog(), profile)


def test_a_star3_category_with_the_operators_file_plans_its_requirements(tmp_path):
    write_operator_file(
        tmp_path / "operator",
        {"requirements": [operator_requirement("CAM-01"), operator_requirement("CAM-02")]},
    )
    catalog = with_operator_requirements(load_catalog(), tmp_path / "operator")
    profile, _ = load_profile(profile_at(tmp_path, level=3, category="network-cameras"))
    plan = build_plan(catalog, profile)
    assert plan.scheme == "jcstar-3-network-cameras"
    assert [p.requirement for p in plan.requirements][16:] == ["CAM-01", "CAM-02"]
    assert plan.requirements[16].questions == ("Q-CAM-01",)
