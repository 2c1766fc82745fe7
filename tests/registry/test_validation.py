"""The submission re-validation, as a pure function (the API tests cover its wiring)."""

from __future__ import annotations

from typing import Any

import pytest

from jcstar.assessment.decision import ReportFormatError, label_decision, parse_report
from jcstar.catalog.loader import load_catalog
from tests.registry.conftest import rederived, with_answer

WAIVED = frozenset({"S1.1-02", "S1.1-05", "S1.1-16"})


def _problems(data: dict[str, Any], **kwargs: Any) -> list[str]:
    decision = label_decision(parse_report(data), load_catalog(), **kwargs)
    return [str(p) for p in decision.problems]


def test_the_conformant_example_holds(report: dict[str, Any]) -> None:
    assert _problems(report) == []


# the verdicts below come from changed evidence, re-derived as jcstar assess would (a verdict
# edited by hand is refused for that: tests/registry/test_reevaluation.py)


def test_not_met_is_named_with_its_reason(report: dict[str, Any]) -> None:
    report = with_answer(report, "S1.1-12", status="not_implemented", evidence=[])
    [problem] = _problems(report)
    assert problem.startswith(
        "S1.1-12: verdict is NOT_MET, not MET (vendor states it is not implemented"
    )


def test_inconclusive_is_never_a_pass(report: dict[str, Any]) -> None:
    for attempt in report["attempts"]:
        if attempt["check"] == "network.unauthenticated_access":
            attempt["status"], attempt["reason"] = "error", "check timed out"
    [problem] = _problems(rederived(report))
    assert problem.startswith("S1.1-01: verdict is INCONCLUSIVE, not MET")
    assert "network.unauthenticated_access error: check timed out" in problem


def test_not_applicable_needs_a_condition_and_a_justification(report: dict[str, Any]) -> None:
    # S1.1-05 (vulnerability disclosure) applies to every product
    report = with_answer(
        report, "S1.1-05", status="not_applicable", statement="we have no policy", evidence=[]
    )
    [problem] = _problems(report)
    assert problem.startswith(
        "S1.1-05: verdict is NEEDS_REVIEW, not MET "
        "(vendor claims not applicable, but it applies to every product"
    )


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
    report = with_answer(report, "S1.1-16", evidence=[])  # a claim without evidence: review
    kwargs: dict[str, Any] = {"route": "psti", "psti_waived": WAIVED}
    assert _problems(report, document_kinds={"psti_statement"}, **kwargs) == []
    without = _problems(report, document_kinds=set(), **kwargs)
    assert "the PSTI route needs a psti_statement document (statement of compliance)" in without
    assert any(p.startswith("S1.1-16: verdict is NEEDS_REVIEW") for p in without)
    assert _problems(report, document_kinds={"psti_statement"}, route="standard") != []
    report = with_answer(report, "S1.1-04", status="not_implemented", evidence=[])
    [problem] = _problems(report, document_kinds={"psti_statement"}, **kwargs)
    assert problem.startswith("S1.1-04: verdict is NOT_MET, not MET (vendor states it is not")


@pytest.mark.parametrize("data", [[], "report", {"schema_version": "1.0"}])
def test_malformed_reports_raise_one_line(data: Any) -> None:
    with pytest.raises(ReportFormatError) as caught:
        parse_report(data)
    assert "\n" not in str(caught.value)
