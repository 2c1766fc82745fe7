"""``jcstar plan``/``assess``/``report project``/``catalog`` with category profiles (★2, ★3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from jcstar.catalog.operator_requirements import ENV_VAR
from jcstar.cli.common import EXIT_OK, EXIT_USAGE
from tests.catalog.test_catalog import SEED_CLS_2
from tests.catalog.test_operator_requirements import operator_requirement, write_operator_file
from tests.conftest import CONFORMANT, EXAMPLES, invoke

STAR2 = EXAMPLES / "star2-smart-home"
OPERATOR_FILE = "jcstar-3-network-cameras.yaml"


@pytest.fixture(autouse=True)
def no_operator_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    # also undoes what --operator-requirements sets in this process
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def camera_profile(tmp_path: Path) -> Path:
    data = yaml.safe_load((CONFORMANT / "profile.yaml").read_text(encoding="utf-8"))
    data.update(level=3, category="network-cameras", product="Test camera")
    path = tmp_path / "camera.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_plan_lists_star1_and_the_categorys_additions(cli):
    code, out, _ = invoke(cli, "plan", str(STAR2 / "profile.yaml"), "--format", "json")
    assert code == EXIT_OK
    plan = json.loads(out)
    assert plan["scheme"] == "jcstar-2-smart-home"
    ids = [p["requirement"] for p in plan["requirements"]]
    assert len(ids) == 16 + 18 and ids[16:] == SEED_CLS_2.split()


def test_assess_of_the_star2_example_is_conformant_and_projects_onto_cls_2(cli, tmp_path):
    report_path = tmp_path / "report.json"
    code, _, err = invoke(
        cli,
        "assess",
        str(STAR2 / "profile.yaml"),
        "--answers",
        str(STAR2 / "answers.yaml"),
        "-o",
        str(report_path),
    )
    assert code == EXIT_OK, err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["overall"] == "CONFORMANT"
    assert report["catalog"]["scheme"] == "jcstar-2-smart-home" and report["catalog"]["draft"]
    assert report["product"]["category"] == "smart-home"
    assert report["criteria_version"] == "JCSTAR-DRAFT-2-SH-2026.12"
    code, out, _ = invoke(
        cli, "report", "project", str(report_path), "--scheme", "cls-2", "--format", "json"
    )
    verdicts = {v["requirement"]: v for v in json.loads(out)["verdicts"]}
    for req_id in SEED_CLS_2.split():
        assert verdicts[req_id]["verdict"] == "MET", req_id
        assert verdicts[req_id]["reason"].startswith(f"{req_id} was assessed itself"), req_id


def test_a_star3_profile_without_the_operators_file_exits_2_naming_it(cli, camera_profile):
    for command in ("plan", "assess"):
        code, out, err = invoke(cli, command, str(camera_profile))
        assert code == EXIT_USAGE and out == ""
        assert OPERATOR_FILE in err and len(err.strip().splitlines()) == 1, command


def test_the_operator_requirements_option_plans_the_operators_requirements(
    cli, camera_profile, tmp_path
):
    write_operator_file(tmp_path / "op", {"requirements": [operator_requirement("CAM-01")]})
    code, out, err = invoke(
        cli,
        "plan",
        str(camera_profile),
        "--operator-requirements",
        str(tmp_path / "op"),
        "--format",
        "json",
    )
    assert code == EXIT_OK, err
    plan = json.loads(out)
    assert plan["scheme"] == "jcstar-3-network-cameras"
    assert [p["requirement"] for p in plan["requirements"]][16:] == ["CAM-01"]


def test_the_environment_variable_does_the_same(cli, camera_profile, tmp_path, monkeypatch):
    write_operator_file(tmp_path / "op", {"requirements": [operator_requirement("CAM-07")]})
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "op"))
    code, out, _ = invoke(cli, "plan", str(camera_profile), "--format", "json")
    assert code == EXIT_OK
    assert json.loads(out)["requirements"][-1]["requirement"] == "CAM-07"


def test_a_bad_operator_file_exits_2_naming_file_and_field(cli, camera_profile, tmp_path):
    path = write_operator_file(
        tmp_path / "op", {"requirements": [operator_requirement(questions=[])]}
    )
    for command in ("plan", "assess"):
        code, out, err = invoke(
            cli, command, str(camera_profile), "--operator-requirements", str(tmp_path / "op")
        )
        assert code == EXIT_USAGE and out == "", command
        assert f"{path}: requirements.0 (CAM-01): questions:" in err
        assert len(err.strip().splitlines()) == 1


def test_catalog_lint_names_a_bad_operator_file(cli, tmp_path):
    path = write_operator_file(tmp_path / "op", {"requirements": [operator_requirement("S1.1-02")]})
    code, out, _ = invoke(cli, "catalog", "lint", "--operator-requirements", str(tmp_path / "op"))
    assert code == 1
    assert f"{path}: requirements.0 (S1.1-02): already a requirement of" in out


def test_catalog_list_shows_the_profiles(cli):
    code, out, _ = invoke(cli, "catalog", "list", "--format", "json")
    assert code == EXIT_OK
    rows = {row["id"]: row for row in json.loads(out)}
    smart_home = rows["jcstar-2-smart-home"]
    assert (smart_home["level"], smart_home["category"], smart_home["base"]) == (
        2,
        "smart-home",
        "jcstar-1",
    )
    assert smart_home["draft"] and smart_home["authored_by"] == "judgement"
    assert smart_home["requirements"] == 34
    assert rows["jcstar-3-network-cameras"]["operator_requirements_missing"] == OPERATOR_FILE
    assert "level" not in rows["jcstar-1"]
