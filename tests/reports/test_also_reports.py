"""Issue 15: a report that also answered other schemes (``assess --also cls-1,psti``) shows
the added requirements after the scheme's own, under the scheme that added them, in every
format. (A report without ``also`` renders as before: the golden files of test_reports.)"""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema
import openpyxl
import pytest
from trestle.oscal.assessment_results import Model

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.service import assess_files
from jcstar.reports import render
from tests.conftest import CONFORMANT, FIXTURES

HEADING = "cls-1 (Singapore Cybersecurity Labelling Scheme (CLS) level 1)"


@pytest.fixture(scope="module")
def report() -> AssessmentReport:
    return assess_files(
        CONFORMANT / "profile.yaml",
        CONFORMANT / "answers-also-cls1-psti.yaml",
        also=("cls-1", "psti"),
    )


def test_markdown_lists_the_added_requirements_in_their_own_table(
    report: AssessmentReport,
) -> None:
    text = render(report, "md").decode("utf-8")
    own, _, rest = text.partition(f"### {HEADING} の追加要件 / Also assessed for cls-1")
    table = own.split("## 要件一覧 / Requirements")[1]
    assert "| S1.1-16 |" in table and "| 5.1-1 |" not in table
    added_table = rest.split("## 要件ごとの詳細")[0]
    assert "| 5.1-1 | Passwords unique per device or set by the user | MET |" in added_table
    assert "| S1.1-" not in added_table
    # the details follow the same grouping
    details = rest.split("## 要件ごとの詳細 / Details")[1]
    assert (
        details.index("### S1.1-16") < details.index(f"## {HEADING}") < details.index("### 5.1-1")
    )


def test_html_heads_the_added_rows_and_details_with_their_scheme(
    report: AssessmentReport,
) -> None:
    page = render(report, "html").decode("utf-8")
    row = f'<tr class="also"><th colspan="4">{HEADING} の追加要件'
    assert page.count(row) == 1
    assert page.index('href="#req-S1.1-16"') < page.index(row) < page.index('href="#req-5.1-1"')
    detail = f'<h2 class="also">{HEADING}'
    assert page.index('id="req-S1.1-16"') < page.index(detail) < page.index('id="req-5.1-1"')


def test_xlsx_adds_a_scheme_column_that_still_filters(report: AssessmentReport) -> None:
    ws = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))["チェックリスト"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r[0] == "項番")
    assert rows[start][-1] == "対象制度 / Scheme"
    by_id = {r[1]: r[-1] for r in rows[start + 1 :]}
    assert by_id["S1.1-01"] == "jcstar-1" and by_id["5.3-16"] == "cls-1"
    assert len(by_id) == len(report.verdicts)
    assert ws.auto_filter.ref.startswith(f"A{start + 1}:I")


def test_oscal_marks_the_added_findings_and_still_parses(report: AssessmentReport) -> None:
    data: dict[str, Any] = json.loads(render(report, "oscal"))
    Model.model_validate(data)
    result = data["assessment-results"]["results"][0]
    props = {p["name"]: p["value"] for p in result["props"]}
    assert props["jcstar-also"] == "cls-1, psti"

    def added(finding: dict[str, Any]) -> str | None:
        return next((p["value"] for p in finding["props"] if p["name"] == "jcstar-added-by"), None)

    found = {f["target"]["target-id"]: added(f) for f in result["findings"]}
    # an ETSI provision is named as the catalog export names it (ids start with a letter)
    assert found["etsi-en-303-645_5.1-2"] == "cls-1" and found["S1.1-02"] is None
    [selection] = result["reviewed-controls"]["control-selections"]
    chosen = [c["control-id"] for c in selection["include-controls"]]
    assert chosen[15:17] == ["S1.1-16", "etsi-en-303-645_5.1-1"]


def test_sarif_tags_the_added_rules_and_stays_valid(report: AssessmentReport) -> None:
    log = json.loads(render(report, "sarif"))
    schema = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert run["properties"]["also"] == ["cls-1", "psti"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["5.3-10"]["properties"] == {"addedBy": "cls-1", "tags": ["cls-1"]}
    assert "properties" not in rules["S1.1-08"]
