"""``jcstar assess`` and ``jcstar report render`` as a vendor uses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import CONFORMANT, NONCONFORMANT, invoke, require_tool


def assess(cli, example: Path, *extra: str) -> tuple[int, dict, str]:
    code, out, err = invoke(
        cli,
        "assess",
        str(example / "profile.yaml"),
        "--answers",
        str(example / "answers.yaml"),
        *extra,
    )
    return code, (json.loads(out) if out.startswith("{") else {}), err


def test_conformant_example_exits_0_with_every_requirement_met(cli):
    code, report, err = assess(cli, CONFORMANT)
    assert code == 0, err
    assert report["overall"] == "CONFORMANT"
    assert [v["requirement"] for v in report["verdicts"]] == [f"S1.1-{n:02d}" for n in range(1, 17)]
    assert {v["verdict"] for v in report["verdicts"]} == {"MET"}
    vdp = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-05")
    assert any(e["source"] == "check" and e["outcome"] == "pass" for e in vdp["evidence"])


def test_report_records_versions_and_input_digests(cli):
    _, report, _ = assess(cli, CONFORMANT)
    assert report["schema_version"] == "1.0"
    assert report["tool"]["name"] == "jcstar"
    assert report["catalog"]["digest"].startswith("sha256:")
    roles = {i["role"]: i for i in report["inputs"]}
    assert set(roles) == {"profile", "answers", "document"}
    import hashlib

    expected = hashlib.sha256((CONFORMANT / "profile.yaml").read_bytes()).hexdigest()
    assert roles["profile"]["sha256"] == expected


def test_nonconformant_example_exits_1_naming_the_failures(cli):
    code, report, err = assess(cli, NONCONFORMANT)
    assert code == 1
    assert report["overall"] == "NOT_CONFORMANT"
    by_id = {v["requirement"]: v for v in report["verdicts"]}
    assert by_id["S1.1-02"]["verdict"] == "NOT_MET"
    assert by_id["S1.1-05"]["verdict"] == "NOT_MET"
    assert "lacks a timeline" in by_id["S1.1-05"]["reasons"][0]
    assert by_id["S1.1-08"]["verdict"] == "NOT_APPLICABLE"
    assert "overall: NOT_CONFORMANT" in err


def test_without_answers_the_assessment_is_incomplete_exit_3(cli):
    code, out, _ = invoke(cli, "assess", str(CONFORMANT / "profile.yaml"))
    assert code == 3
    report = json.loads(out)
    assert report["overall"] == "INCOMPLETE"
    assert "MET" not in {v["verdict"] for v in report["verdicts"] if v["requirement"] != "S1.1-05"}


@pytest.mark.slow
def test_published_policy_url_is_checked_over_http(cli, site, tmp_path):
    policy = (CONFORMANT / "vulnerability-disclosure-policy.md").read_text(encoding="utf-8")
    url = site.add("/psirt", policy)
    profile = (
        (CONFORMANT / "profile.yaml")
        .read_text(encoding="utf-8")
        .replace("vulnerability-disclosure-policy.md", url)
    )
    (tmp_path / "profile.yaml").write_text(profile, encoding="utf-8")
    code, out, _ = invoke(cli, "assess", str(tmp_path / "profile.yaml"))
    report = json.loads(out)
    vdp = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-05")
    assert vdp["verdict"] == "MET"  # a published policy that holds is evidence enough
    assert site.hits == ["/psirt"]
    assert code == 3  # the rest still needs the vendor's answers


def test_unreachable_policy_url_is_inconclusive_never_met(cli, tmp_path):
    profile = (
        (CONFORMANT / "profile.yaml")
        .read_text(encoding="utf-8")
        .replace("vulnerability-disclosure-policy.md", "http://127.0.0.1:9/policy")
    )
    (tmp_path / "profile.yaml").write_text(profile, encoding="utf-8")
    code, out, _ = invoke(
        cli, "assess", str(tmp_path / "profile.yaml"), "--answers", str(CONFORMANT / "answers.yaml")
    )
    report = json.loads(out)
    vdp = next(v for v in report["verdicts"] if v["requirement"] == "S1.1-05")
    assert vdp["verdict"] == "INCONCLUSIVE"
    assert report["overall"] == "INCOMPLETE" and code == 3


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_assess_writes_human_formats(cli, tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    code, _, _ = assess(cli, CONFORMANT, "--format", fmt, "-o", str(target))
    assert code == 0
    text = target.read_text(encoding="utf-8")
    assert "HEMS Gateway HG-100" in text
    assert "S1.1-16" in text


def test_all_four_formats_render_from_the_json_report(cli, tmp_path):
    report_path = tmp_path / "report.json"
    code, _, _ = assess(cli, NONCONFORMANT, "-o", str(report_path))
    assert code == 1
    for fmt in ("md", "html", "xlsx", "oscal"):
        out = tmp_path / f"out.{fmt}"
        code, _, err = invoke(
            cli, "report", "render", str(report_path), "--format", fmt, "-o", str(out)
        )
        assert code == 0, err
        assert out.stat().st_size > 0
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["チェックリスト"]
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in values if row and "要件ID" in row)
    col = header.index("要件ID")
    verdict_col = header.index("判定")
    rows = {
        row[col]: row[verdict_col] for row in values if row and str(row[col]).startswith("S1.1")
    }
    assert len(rows) == 16
    assert rows["S1.1-02"] == "NOT_MET"
    oscal = json.loads((tmp_path / "out.oscal").read_text(encoding="utf-8"))
    findings = oscal["assessment-results"]["results"][0]["findings"]
    assert len(findings) == 16


def test_assess_writes_every_report_format(cli, tmp_path):
    """assess and report render take the one list of formats (reports/formats.py)."""
    from jcstar.reports.formats import FORMATS

    for fmt in FORMATS:
        target = tmp_path / f"report.{fmt}"
        code, _, err = assess(cli, NONCONFORMANT, "--format", fmt, "-o", str(target))
        assert code == 1, err
        assert target.stat().st_size > 0
    sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert ("S1.1-02", "error") in {(r["ruleId"], r["level"]) for r in results}


def test_assess_refuses_a_binary_format_to_the_terminal_before_it_runs(cli, tmp_path):
    code, _, err = invoke(cli, "assess", str(CONFORMANT / "profile.yaml"), "--format", "xlsx")
    assert code == 2
    assert "--format xlsx writes a binary file: give -o FILE" in err
    assert "completed documents.vdp" not in err  # no check ran


def test_xlsx_needs_an_output_file(cli, tmp_path):
    report_path = tmp_path / "report.json"
    assess(cli, CONFORMANT, "-o", str(report_path))
    code, _, err = invoke(cli, "report", "render", str(report_path), "--format", "xlsx")
    assert code == 2
    assert "-o FILE" in err


@pytest.mark.external
@pytest.mark.slow
def test_checklist_workbook_opens_in_libreoffice(cli, tmp_path):
    soffice = require_tool("soffice")
    report_path = tmp_path / "report.json"
    assess(cli, CONFORMANT, "-o", str(report_path))
    xlsx = tmp_path / "checklist.xlsx"
    invoke(cli, "report", "render", str(report_path), "--format", "xlsx", "-o", str(xlsx))
    profile_dir = tmp_path / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile_dir}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    csv_text = (tmp_path / "checklist.csv").read_text(encoding="utf-8")
    assert "要件ID" in csv_text
    assert "HEMS Gateway HG-100" in csv_text
    assert csv_text.count("S1.1-") >= 16


# -- bad input: one line naming the file and field, exit 2, no traceback -----------


def run_jcstar(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "jcstar", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("profile_text", "message"),
    [
        ("vendor: [unclosed\nproduct: P\n", "malformed YAML at line 2"),
        (
            "vendor: V\nproduct: P\n",
            "field 'model_numbers': Field required (also: product_type, firmware_version)",
        ),
        ("- just\n- a list\n", "expected a mapping at the top level"),
        (
            "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: t\nfirmware_version: 1.10\n",
            "field 'firmware_version': Input should be a valid string (got the number 1.1;",
        ),
        (
            "vendor: V\nproduct: P\nmodel_numbers: [M]\nproduct_type: t\nfirmware_version: '1'\n"
            "facts: {uses_passwords: maybe}\n",
            "field 'facts.uses_passwords'",
        ),
    ],
)
def test_bad_profile_is_one_clear_line_exit_2(tmp_path, profile_text, message):
    path = tmp_path / "profile.yaml"
    path.write_text(profile_text, encoding="utf-8")
    result = run_jcstar("assess", str(path))
    assert result.returncode == 2
    assert message in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_unknown_requirement_in_answers_is_named(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("answers:\n  S1.1-17: {status: implemented}\n", encoding="utf-8")
    result = run_jcstar("assess", str(CONFORMANT / "profile.yaml"), "--answers", str(answers))
    assert result.returncode == 2
    assert f"{answers}: field 'answers.S1.1-17': unknown requirement id" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("problem", ["missing", "directory", "unreadable"])
def test_unreadable_input_file_is_named(tmp_path, problem):
    path = tmp_path / "profile.yaml"
    if problem == "directory":
        path.mkdir()
    elif problem == "unreadable":
        path.write_bytes(b"\xff\xfe\x00bad")
    result = run_jcstar("assess", str(path))
    assert result.returncode == 2
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_malformed_report_is_refused_by_render(tmp_path):
    bad = tmp_path / "report.json"
    bad.write_text(json.dumps({"schema_version": "1.0", "overall": "GREAT"}), encoding="utf-8")
    result = run_jcstar("report", "render", str(bad), "--format", "md")
    assert result.returncode == 2
    assert f"{bad}: field" in result.stderr
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"schema_version": "9.0"}), encoding="utf-8")
    result = run_jcstar("report", "render", str(future), "--format", "md")
    assert result.returncode == 2
    assert "'9.0' is not supported" in result.stderr


def test_unknown_format_is_a_usage_error():
    result = run_jcstar("assess", str(CONFORMANT / "profile.yaml"), "--format", "docx")
    assert result.returncode == 2
    assert "docx" in result.stderr
