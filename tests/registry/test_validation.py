"""The submission re-validation, as a pure function (the API tests cover its wiring)."""

from __future__ import annotations

from typing import Any

import pytest

from jcstar.assessment.models import RequirementVerdict
from jcstar.assessment.report import overall
from jcstar.catalog.loader import load_catalog
from jcstar.registry.applications.validation import (
    ReportFormatError,
    parse_report,
    submission_problems,
)

WAIVED = frozenset({"S1.1-02", "S1.1-05", "S1.1-16"})


def _problems(data: dict[str, Any], **kwargs: Any) -> list[str]:
    return [str(p) for p in submission_problems(parse_report(data), load_catalog(), **kwargs)]


def _set_verdict(data: dict[str, Any], req: str, verdict: str, *reasons: str) -> None:
    for item in data["verdicts"]:
        if item["requirement"] == req:
            old = item["verdict"]
            item["verdict"], item["reasons"] = verdict, list(reasons)
    data["summary"][old] -= 1
    data["summary"][verdict] = data["summary"].get(verdict, 0) + 1
    data["overall"] = overall(tuple(RequirementVerdict.model_validate(v) for v in data["verdicts"]))


def test_the_conformant_example_holds(report: dict[str, Any]) -> None:
    assert _problems(report) == []


def test_not_met_is_named_with_its_reason(report: dict[str, Any]) -> None:
    _set_verdict(report, "S1.1-12", "NOT_MET", "telnet offers a plaintext login")
    assert _problems(report) == [
        "S1.1-12: verdict is NOT_MET, not MET (telnet offers a plaintext login)"
    ]


def test_inconclusive_is_never_a_pass(report: dict[str, Any]) -> None:
    _set_verdict(report, "S1.1-01", "INCONCLUSIVE", "check timed out")
    assert _problems(report) == ["S1.1-01: verdict is INCONCLUSIVE, not MET (check timed out)"]


def test_not_applicable_needs_a_condition_and_a_justification(report: dict[str, Any]) -> None:
    # S1.1-05 (vulnerability disclosure) applies to every product
    _set_verdict(report, "S1.1-05", "NOT_APPLICABLE", "we have no policy")
    assert _problems(report) == ["S1.1-05: NOT_APPLICABLE, but it applies to every product"]


def test_catalog_mismatch_is_refused_first(report: dict[str, Any]) -> None:
    report["catalog"]["digest"] = "sha256:" + "0" * 64
    problems = _problems(report)
    assert len(problems) == 1 and "re-run jcstar assess" in problems[0]


def test_schema_version_and_missing_verdicts(report: dict[str, Any]) -> None:
    report["schema_version"] = "0.9"
    assert "schema version 0.9" in _problems(report)[0]
    report["schema_version"] = "1.0"
    dropped = report["verdicts"].pop()
    report["summary"][dropped["verdict"]] -= 1
    assert f"{dropped['requirement']}: the report has no verdict for it" in _problems(report)


def test_edited_inputs_or_time_break_the_report_id(report: dict[str, Any]) -> None:
    report["inputs"][0]["sha256"] = "0" * 64  # as if the profile had been swapped afterwards
    assert _problems(report) == [
        "the report's id does not follow from its inputs and time (edited afterwards?)"
    ]


def test_psti_route_waives_three_items_only_with_a_statement(report: dict[str, Any]) -> None:
    _set_verdict(report, "S1.1-16", "NEEDS_REVIEW", "support period unknown")
    kwargs: dict[str, Any] = {"route": "psti", "psti_waived": WAIVED}
    assert _problems(report, document_kinds={"psti_statement"}, **kwargs) == []
    without = _problems(report, document_kinds=set(), **kwargs)
    assert "the PSTI route needs a psti_statement document (statement of compliance)" in without
    assert any(p.startswith("S1.1-16: verdict is NEEDS_REVIEW") for p in without)
    assert _problems(report, document_kinds={"psti_statement"}, route="standard") != []
    _set_verdict(report, "S1.1-04", "NOT_MET", "no lockout")
    assert _problems(report, document_kinds={"psti_statement"}, **kwargs) == [
        "S1.1-04: verdict is NOT_MET, not MET (no lockout)"
    ]


@pytest.mark.parametrize("data", [[], "report", {"schema_version": "1.0"}])
def test_malformed_reports_raise_one_line(data: Any) -> None:
    with pytest.raises(ReportFormatError) as caught:
        parse_report(data)
    assert "\n" not in str(caught.value)
