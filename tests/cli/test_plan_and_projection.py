"""``jcstar plan`` (the questionnaire) and ``jcstar report project`` (assess once, comply many)."""

from __future__ import annotations

import json

import yaml

from tests.conftest import CONFORMANT, NONCONFORMANT, invoke


def test_plan_json_lists_applicability_checks_and_questions(cli):
    code, out, _ = invoke(cli, "plan", str(NONCONFORMANT / "profile.yaml"), "--format", "json")
    assert code == 0
    plan = json.loads(out)
    by_id = {p["requirement"]: p for p in plan["requirements"]}
    assert len(by_id) == 16
    assert by_id["S1.1-08"]["applicability"] == "not_applicable"  # no network updates
    assert by_id["S1.1-05"]["checks"] == ["documents.vdp", "documents.security_txt"]
    assert by_id["S1.1-01"]["questions"] == ["Q01-1"]


def test_questionnaire_template_is_valid_and_never_passes_unfilled(cli, tmp_path):
    template = tmp_path / "answers.yaml"
    code, _, _ = invoke(
        cli, "plan", str(NONCONFORMANT / "profile.yaml"), "--format", "answers", "-o", str(template)
    )
    assert code == 0
    text = template.read_text(encoding="utf-8")
    assert "Q: 守るべき資産へのアクセス経路" in text
    answers = yaml.safe_load(text)["answers"]
    assert "S1.1-08" not in answers  # not applicable: nothing to answer
    # every entry is left unanswered: nothing is pre-filled as implemented
    assert answers and all(entry["status"] is None for entry in answers.values())
    assert "\n    status: implemented" not in text
    assert "kind: test_report" in text  # S1.1-04 is evaluated on the device: say how
    code, out, _ = invoke(
        cli, "assess", str(NONCONFORMANT / "profile.yaml"), "--answers", str(template)
    )
    report = json.loads(out)
    assert "MET" not in {v["verdict"] for v in report["verdicts"]}


def project(cli, tmp_path, example, scheme: str) -> tuple[int, dict[str, dict]]:
    report = tmp_path / "report.json"
    invoke(
        cli,
        "assess",
        str(example / "profile.yaml"),
        "--answers",
        str(example / "answers.yaml"),
        "-o",
        str(report),
    )
    code, out, err = invoke(
        cli, "report", "project", str(report), "--scheme", scheme, "--format", "json"
    )
    assert out, err
    return code, {v["requirement"]: v for v in json.loads(out)["verdicts"]}


def test_conformant_star1_report_answers_psti_where_the_links_carry(cli, tmp_path):
    code, psti = project(cli, tmp_path, CONFORMANT, "psti")
    assert set(psti) == {"5.1-1", "5.1-2", "5.2-1", "5.3-13"}
    assert psti["5.2-1"]["verdict"] == "MET"
    assert psti["5.3-13"]["verdict"] == "MET"
    # ★1's default-password item is narrower than ETSI 5.1-1: a pass does not carry over
    assert psti["5.1-1"]["verdict"] == "NEEDS_REVIEW"
    assert code == 3


def test_a_star1_failure_carries_over_where_it_lies_within(cli, tmp_path):
    code, psti = project(cli, tmp_path, NONCONFORMANT, "psti")
    assert psti["5.1-1"]["verdict"] == "NOT_MET"  # S1.1-02 NOT_MET, subset of 5.1-1
    assert psti["5.2-1"]["verdict"] == "NOT_MET"
    assert code == 1


def test_projection_through_judgement_links_is_marked_indicative(cli, tmp_path):
    _, cls1 = project(cli, tmp_path, CONFORMANT, "cls-1")
    assert cls1["5.1-5"]["official"] is False
    assert cls1["5.1-5"]["from_requirements"] == ["S1.1-04"]


def test_projection_to_an_unknown_scheme_is_a_usage_error(cli, tmp_path):
    report = tmp_path / "report.json"
    invoke(cli, "assess", str(CONFORMANT / "profile.yaml"), "-o", str(report))
    code, _, err = invoke(cli, "report", "project", str(report), "--scheme", "fcc")
    assert code == 2
    assert "unknown scheme 'fcc'" in err
