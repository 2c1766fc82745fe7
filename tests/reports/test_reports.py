"""Report renderers: golden files, plus the behaviour a reader of each format notices.

The golden files in tests/reports/golden/ are compared byte for byte (the workbook through a
JSON dump of its cell values). After an intended renderer change, regenerate them with

    JCSTAR_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reports/test_reports.py

and review the diff before committing; without the variable the tests never write.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from trestle.oscal.assessment_results import AssessmentResults, Model

from jcstar.assessment.models import VERDICTS, AssessmentReport, EvidenceItem
from jcstar.checks.base import CheckAttempt, Observation
from jcstar.reports import FORMATS, render
from tests.conftest import FIXTURES

HERE = Path(__file__).parent
FIXTURE = FIXTURES / "report-sample.json"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("JCSTAR_UPDATE_GOLDEN") == "1"
CHECKLIST_HEADINGS = [
    "項番",
    "要件ID",
    "適合基準",
    "Requirement",
    "判定",
    "判定理由",
    "根拠・証跡",
    "ベンダー記述",
]


@pytest.fixture(scope="module")
def report() -> AssessmentReport:
    return AssessmentReport.model_validate_json(FIXTURE.read_text(encoding="utf-8"))


def _golden(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    assert path.exists(), f"{path} missing; run with JCSTAR_UPDATE_GOLDEN=1 to create it"
    assert actual == path.read_bytes(), f"{name} differs from the golden file"


def _cell_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def _workbook(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _sheet_values(data: bytes) -> dict[str, list[list[Any]]]:
    wb = _workbook(data)
    return {
        ws.title: [[_cell_value(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for ws in wb.worksheets
    }


def _checklist_rows(data: bytes) -> list[list[Any]]:
    """The rows of the checklist table below its heading row."""
    rows = _sheet_values(data)["チェックリスト"]
    start = rows.index(CHECKLIST_HEADINGS)
    return rows[start + 1 :]


def _oscal(report: AssessmentReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "oscal"))
    return data


def _findings(report: AssessmentReport) -> dict[str, dict[str, Any]]:
    result = _oscal(report)["assessment-results"]["results"][0]
    return {f["target"]["target-id"]: f for f in result["findings"]}


def _with_evidence(report: AssessmentReport, index: int, **changes: Any) -> AssessmentReport:
    """A copy of ``report`` whose requirement ``index`` has one changed field."""
    verdicts = list(report.verdicts)
    verdicts[index] = verdicts[index].model_copy(update=changes)
    return report.model_copy(update={"verdicts": tuple(verdicts)})


# --- the fixture itself -------------------------------------------------------------


def test_fixture_covers_every_verdict_and_attempt_status(report: AssessmentReport) -> None:
    assert sorted(v.verdict for v in report.verdicts) == sorted(VERDICTS)
    assert {a.status for a in report.attempts} == {"completed", "error", "skipped"}
    assert {e.source for v in report.verdicts for e in v.evidence} == {"check", "vendor"}


# --- golden files ---------------------------------------------------------------------


def test_markdown_matches_golden(report: AssessmentReport) -> None:
    _golden("report-sample.md", render(report, "md"))


def test_html_matches_golden(report: AssessmentReport) -> None:
    _golden("report-sample.html", render(report, "html"))


def test_oscal_matches_golden(report: AssessmentReport) -> None:
    _golden("report-sample.oscal.json", render(report, "oscal"))


def _dump_sheets(sheets: dict[str, list[list[Any]]]) -> str:
    """JSON with one row per line, so a golden diff shows which rows changed."""
    parts = []
    for title, rows in sheets.items():
        body = ",\n".join(f"    {json.dumps(row, ensure_ascii=False)}" for row in rows)
        parts.append(f"  {json.dumps(title, ensure_ascii=False)}: [\n{body}\n  ]")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def test_xlsx_cell_values_match_golden(report: AssessmentReport) -> None:
    sheets = _sheet_values(render(report, "xlsx"))
    dump = _dump_sheets(sheets)
    assert json.loads(dump) == sheets
    _golden("report-sample.xlsx.json", dump.encode("utf-8"))


# --- dispatch -------------------------------------------------------------------------


def test_unknown_format_is_refused_with_the_allowed_ones(report: AssessmentReport) -> None:
    with pytest.raises(ValueError, match="'docx'") as caught:
        render(report, "docx")
    for fmt in FORMATS:
        assert fmt in str(caught.value)


def test_json_is_the_canonical_report_verbatim(report: AssessmentReport) -> None:
    data = render(report, "json")
    assert data.endswith(b"}\n")
    assert AssessmentReport.model_validate_json(data) == report


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_same_bytes_twice(report: AssessmentReport, fmt: str) -> None:
    first = render(report, fmt)
    assert first
    assert render(report, fmt) == first


# --- Markdown -------------------------------------------------------------------------


def test_markdown_escapes_pipes_in_table_cells(report: AssessmentReport) -> None:
    md = render(report, "md").decode("utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| documents.security_txt"))
    assert "connection refused \\| gave up" in row
    unescaped = re.findall(r"(?<!\\)\|", row)
    assert len(unescaped) == 6  # five cells, as in the heading row


def test_markdown_shows_vendor_statement_verbatim_in_a_fence(report: AssessmentReport) -> None:
    md = render(report, "md").decode("utf-8")
    statement = report.verdicts[0].vendor_statement
    assert f"```text\n{statement}\n```" in md


def test_markdown_footer_names_versions_digests_and_time(report: AssessmentReport) -> None:
    md = render(report, "md").decode("utf-8")
    footer = md.split("\n---\n")[-1]
    assert report.catalog.digest in footer
    assert "Report schema version: 1.0" in footer
    assert "Generated at: 2025-01-15T09:30:00+09:00" in footer
    for item in report.inputs:
        assert item.sha256 in footer


# --- criteria version --------------------------------------------------------------------


def _without_criteria(report: AssessmentReport) -> AssessmentReport:
    """A report as written before the criteria version was recorded (no such key)."""
    data = json.loads(report.model_dump_json())
    del data["criteria_version"]
    return AssessmentReport.model_validate(data)


def test_every_human_format_names_the_criteria_version(report: AssessmentReport) -> None:
    assert report.criteria_version == "JST-CR-01-01-2024R1"
    md = render(report, "md").decode("utf-8").split("\n---\n")[-1]
    assert "Criteria version: JST-CR-01-01-2024R1" in md
    assert "Criteria version: JST-CR-01-01-2024R1</li>" in render(report, "html").decode("utf-8")
    header = {
        row[0]: row[2]
        for row in _workbook(render(report, "xlsx"))["チェックリスト"].iter_rows(
            max_row=9, values_only=True
        )
    }
    assert header["適合基準版"] == "JST-CR-01-01-2024R1"


def test_oscal_carries_the_criteria_version_as_a_property(report: AssessmentReport) -> None:
    doc = json.loads(render(report, "oscal"))["assessment-results"]
    meta = {p["name"]: p["value"] for p in doc["metadata"]["props"]}
    assert meta["jcstar-criteria-version"] == "JST-CR-01-01-2024R1"
    catalog = doc["back-matter"]["resources"][0]
    assert {
        "name": "jcstar-criteria-version",
        "ns": "urn:jcstar:oscal",
        "value": "JST-CR-01-01-2024R1",
    } in catalog["props"]


def test_a_report_from_before_criteria_versions_still_renders_as_not_recorded(
    report: AssessmentReport,
) -> None:
    old = _without_criteria(report)
    assert old.criteria_version is None
    assert "Criteria version: 記録なし / not recorded" in render(old, "md").decode("utf-8")
    assert "not recorded</li>" in render(old, "html").decode("utf-8")
    oscal = render(old, "oscal").decode("utf-8")
    assert "jcstar-criteria-version" not in oscal  # OSCAL forbids an empty property value
    Model.model_validate(json.loads(oscal))


# --- HTML -----------------------------------------------------------------------------


def test_html_escapes_a_script_in_the_vendor_statement(report: AssessmentReport) -> None:
    page = render(report, "html").decode("utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_is_standalone_japanese_utf8(report: AssessmentReport) -> None:
    page = render(report, "html").decode("utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="ja">')
    assert '<meta charset="utf-8">' in page
    assert "<link" not in page and "src=" not in page and "@import" not in page


def test_html_colour_codes_each_verdict(report: AssessmentReport) -> None:
    page = render(report, "html").decode("utf-8")
    for v in report.verdicts:
        assert f'<span class="verdict verdict-{v.verdict}">{v.verdict}</span>' in page
    for verdict in VERDICTS:
        assert re.search(rf"\.verdict-{verdict} \{{ background: #", page)


def test_html_links_only_web_urls(report: AssessmentReport) -> None:
    evil = EvidenceItem(source="vendor", summary="policy", url="javascript:alert(1)")
    page = render(_with_evidence(report, 0, evidence=(evil,)), "html").decode("utf-8")
    assert 'href="javascript:' not in page
    assert "URL: javascript:alert(1)" in page
    assert '<a href="https://example.com/security/policy">' in render(report, "html").decode()


# --- workbook -------------------------------------------------------------------------


def test_xlsx_has_one_row_per_requirement_with_verdicts_in_order(
    report: AssessmentReport,
) -> None:
    rows = _checklist_rows(render(report, "xlsx"))
    assert [row[0] for row in rows] == [1, 2, 3, 4, 5]
    assert [row[1] for row in rows] == [v.requirement for v in report.verdicts]
    assert [row[4] for row in rows] == [v.verdict for v in report.verdicts]
    assert rows[0][2] == "適切な認証に基づくアクセス制御"
    assert rows[0][7] == report.verdicts[0].vendor_statement


def test_xlsx_header_block_and_table_layout(report: AssessmentReport) -> None:
    wb = _workbook(render(report, "xlsx"))
    assert wb.sheetnames == ["チェックリスト", "証跡"]
    ws = wb["チェックリスト"]
    header = {row[0]: row[2] for row in ws.iter_rows(max_row=9, values_only=True)}
    assert header["製品名"] == "スマートゲートウェイ SG-100"
    assert header["総合判定"] == "NOT_CONFORMANT"
    assert header["評価日"] == dt.datetime(2025, 1, 15)
    assert header["適合基準版"] == "JST-CR-01-01-2024R1"
    assert ws.freeze_panes == "A12"
    assert ws.auto_filter.ref == "A11:H16"
    assert ws["E12"].fill.fgColor.rgb.endswith("DDEBF7")  # NEEDS_REVIEW
    assert ws["E16"].fill.fgColor.rgb.endswith("C6EFCE")  # MET
    assert ws["F12"].alignment.wrap_text


def test_xlsx_evidence_sheet_lists_every_attempt(report: AssessmentReport) -> None:
    rows = _sheet_values(render(report, "xlsx"))["証跡"]
    assert rows[0] == ["チェック", "版", "状態", "理由", "対象", "観測"]
    assert [(r[0], r[2]) for r in rows[1:]] == [(a.check, a.status) for a in report.attempts]
    assert "timeline.acknowledgement: pass" in rows[1][5]


def test_xlsx_properties_are_reproducible(report: AssessmentReport) -> None:
    data = render(report, "xlsx")
    props = _workbook(data).properties
    assert props.creator == "jcstar 0.1.0"
    assert props.created == props.modified == dt.datetime(2025, 1, 15, 0, 30)  # UTC
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2025, 1, 15, 0, 30, 0)}


def test_xlsx_never_turns_vendor_text_into_a_formula(report: AssessmentReport) -> None:
    hostile = _with_evidence(report, 0, vendor_statement='=HYPERLINK("http://x","y")')
    ws = _workbook(render(hostile, "xlsx"))["チェックリスト"]
    assert ws["H12"].data_type == "s"
    assert ws["H12"].value == '=HYPERLINK("http://x","y")'


# --- OSCAL ----------------------------------------------------------------------------


def test_oscal_reparses_with_trestle(report: AssessmentReport) -> None:
    data = _oscal(report)
    assert list(data) == ["assessment-results"]
    parsed = AssessmentResults.model_validate(data["assessment-results"])
    assert len(parsed.results) == 1
    Model.model_validate(data)


def test_oscal_needs_review_is_not_satisfied(report: AssessmentReport) -> None:
    finding = _findings(report)["S1.1-01"]
    assert report.verdicts[0].verdict == "NEEDS_REVIEW"
    assert finding["target"]["status"]["state"] == "not-satisfied"
    assert "NEEDS_REVIEW" in finding["target"]["status"]["remarks"]


def test_oscal_only_met_is_satisfied_and_each_finding_carries_its_verdict(
    report: AssessmentReport,
) -> None:
    findings = _findings(report)
    for v in report.verdicts:
        finding = findings[v.requirement]
        state = finding["target"]["status"]["state"]
        assert (state == "satisfied") == (v.verdict == "MET"), v.requirement
        assert finding["target"]["type"] == "objective-id"
        verdict_props = [p["value"] for p in finding["props"] if p["name"] == "jcstar-verdict"]
        assert verdict_props == [v.verdict]


def test_oscal_findings_link_observations_that_exist(report: AssessmentReport) -> None:
    result = _oscal(report)["assessment-results"]["results"][0]
    observations = {o["uuid"]: o for o in result["observations"]}
    met = next(f for f in result["findings"] if f["target"]["target-id"] == "S1.1-05")
    linked = [observations[r["observation-uuid"]] for r in met["related-observations"]]
    assert {o["title"] for o in linked} >= {
        "documents.vdp 1.0.0: completed",
        "documents.security_txt 1.0.0: error",
    }
    assert any(o["methods"] == ["EXAMINE"] for o in linked)  # the vendor's policy URL


def test_oscal_uuids_follow_the_report_id(report: AssessmentReport) -> None:
    other = report.model_copy(update={"report_id": "rpt-other"})
    first, second = _oscal(report), _oscal(other)
    assert first["assessment-results"]["uuid"] != second["assessment-results"]["uuid"]
    assert _oscal(report) == first


# --- OSCAL: the parameters a check ran with ---------------------------------------------


def test_oscal_names_the_parameters_each_check_ran_with(report: AssessmentReport) -> None:
    tls = CheckAttempt(
        check="network.tls",
        check_version="1.2",
        status="completed",
        target="192.0.2.10",
        observations=(Observation(topic="tls", outcome="pass", message="TLS 1.2+ only"),),
    )
    params = {"min_rsa_bits": 3072, "weak_versions": ["TLSv1", "TLSv1.1"]}
    with_tls = report.model_copy(
        update={"attempts": (*report.attempts, tls), "check_params": {"network.tls": params}}
    )
    observations = _oscal(with_tls)["assessment-results"]["results"][0]["observations"]
    by_title = {o["title"]: o for o in observations}
    props = by_title["network.tls 1.2: completed"]["props"]
    assert [p["value"] for p in props if p["name"] == "jcstar-check-param"] == [
        "min_rsa_bits=3072",
        'weak_versions=["TLSv1", "TLSv1.1"]',
    ]
    # a check that ran with no parameters gets none
    vdp = by_title["documents.vdp 1.0.0: completed"]["props"]
    assert not [p for p in vdp if p["name"] == "jcstar-check-param"]
