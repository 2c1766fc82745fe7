"""SARIF 2.1.0 output (docs/adding-a-report-format.md, followed once): valid against the
OASIS schema, a golden file, and what a code-scanning tool shows: one result per requirement
that is not met, inconclusive or awaiting review, at the level that says how bad it is."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from jcstar.assessment.models import AssessmentReport
from jcstar.reports import render
from tests.conftest import FIXTURES
from tests.reports.test_reports import _golden

SCHEMA = FIXTURES / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def report() -> AssessmentReport:
    return AssessmentReport.model_validate_json(
        (FIXTURES / "report-sample.json").read_text(encoding="utf-8")
    )


def sarif(report: AssessmentReport) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "sarif"))
    return data


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(report: AssessmentReport) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(sarif(report))


def test_the_schema_check_catches_an_invalid_log(report: AssessmentReport) -> None:
    # the test above would pass vacuously if the validator accepted anything
    broken = sarif(report)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError, match="'fatal'"):
        jsonschema.Draft4Validator(schema).validate(broken)


def test_sarif_matches_golden(report: AssessmentReport) -> None:
    _golden("report-sample.sarif.json", render(report, "sarif"))


def test_one_result_per_requirement_not_met_inconclusive_or_awaiting_review(
    report: AssessmentReport,
) -> None:
    run = sarif(report)["runs"][0]
    levels = {r["ruleId"]: (r["level"], r["properties"]["verdict"]) for r in run["results"]}
    expected = {
        v.requirement: v.verdict
        for v in report.verdicts
        if v.verdict in ("NOT_MET", "INCONCLUSIVE", "NEEDS_REVIEW")
    }
    assert {rule: verdict for rule, (_, verdict) in levels.items()} == expected
    level_of = {"NOT_MET": "error", "INCONCLUSIVE": "warning", "NEEDS_REVIEW": "note"}
    assert all(level == level_of[verdict] for level, verdict in levels.values())
    assert len(run["results"]) == len(expected)  # MET and NOT_APPLICABLE give none


def test_each_result_names_its_requirement_as_the_rule(report: AssessmentReport) -> None:
    run = sarif(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [v.requirement for v in report.verdicts]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_the_message_is_the_verdicts_reasons_and_evidence(report: AssessmentReport) -> None:
    not_met = next(v for v in report.verdicts if v.verdict == "NOT_MET")
    result = next(
        r for r in sarif(report)["runs"][0]["results"] if r["ruleId"] == not_met.requirement
    )
    text = result["message"]["text"]
    assert text.startswith(f"{not_met.requirement} NOT_MET: {not_met.reasons[0]}")
    for item in not_met.evidence:
        assert item.summary in text


def test_an_attempt_that_could_not_judge_is_a_notification_with_its_kind(
    report: AssessmentReport,
) -> None:
    invocation = sarif(report)["runs"][0]["invocations"][0]
    [note] = invocation["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "documents.security_txt"
    assert note["properties"]["cannotJudgeKind"] == "refused"
    assert "refused: ConnectError: connection refused" in note["message"]["text"]


def test_input_files_are_artifacts_with_their_digests(report: AssessmentReport) -> None:
    artifacts = sarif(report)["runs"][0]["artifacts"]
    assert [(a["location"]["uri"], a["hashes"]["sha-256"]) for a in artifacts] == [
        (i.name, i.sha256) for i in report.inputs
    ]


def test_a_conformant_report_has_no_results_and_is_still_valid(report: AssessmentReport) -> None:
    met = tuple(v.model_copy(update={"verdict": "MET"}) for v in report.verdicts)
    clean = report.model_copy(update={"verdicts": met, "overall": "CONFORMANT"})
    log = sarif(clean)
    assert log["runs"][0]["results"] == []
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
