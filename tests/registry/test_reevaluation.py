"""Issue 11, points 2 and 3: a report's verdicts must follow from its own evidence. The
registry re-runs the pure evaluation on the report's check attempts, the vendor's answers and
the product's facts, and refuses (422, naming the requirement) what does not follow."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from jcstar.assessment.models import RequirementVerdict
from jcstar.assessment.report import overall
from tests.registry.conftest import Party, apply, rederived, with_answer


def _submit(client: TestClient, vendor: Party, report: dict[str, Any]) -> tuple[int, str]:
    """Apply and submit; the submission's status and detail. The application stays a draft
    when the submission is refused."""
    app_id = apply(client, vendor, report)["id"]
    response = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    if response.status_code != 200:
        state = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()
        assert state["state"] == "draft"
        assert [event["state"] for event in state["history"]] == ["draft"]
    detail = response.json().get("detail", "")
    return response.status_code, detail


def _edit_verdict(report: dict[str, Any], requirement: str, verdict: str) -> dict[str, Any]:
    """Hand-edit one verdict and make the summary and overall agree (a careful forger)."""
    data = copy.deepcopy(report)
    for item in data["verdicts"]:
        if item["requirement"] == requirement:
            old, item["verdict"] = item["verdict"], verdict
            item["reasons"] = ["vendor states it is implemented, with evidence"]
    data["summary"][old] -= 1
    data["summary"][verdict] = data["summary"].get(verdict, 0) + 1
    parsed = tuple(RequirementVerdict.model_validate(v) for v in data["verdicts"])
    data["overall"] = overall(parsed)
    return data


def _failing_access_check(report: dict[str, Any]) -> dict[str, Any]:
    """The report as assessed when the device answered without a login (S1.1-01 NOT_MET)."""
    data = copy.deepcopy(report)
    for attempt in data["attempts"]:
        if attempt["check"] == "network.unauthenticated_access":
            attempt.update(status="completed", reason="", target="192.0.2.10")
            attempt["observations"] = [
                {
                    "topic": "open_access",
                    "outcome": "fail",
                    "message": "tcp/80 serves the settings page without a login",
                    "conclusive": True,
                    "details": {},
                }
            ]
    data = rederived(data)
    assert data["overall"] == "NOT_CONFORMANT"
    return data


def test_verdict_edited_to_met_over_a_failing_check_is_refused(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    forged = _edit_verdict(_failing_access_check(report), "S1.1-01", "MET")
    assert forged["overall"] == "CONFORMANT"
    status, detail = _submit(client, vendor, forged)
    assert status == 422
    assert detail.startswith(
        "cannot submit: S1.1-01: the report says MET, but its own evidence gives NOT_MET "
        "(network.unauthenticated_access: tcp/80 serves the settings page without a login"
    )


def test_edited_reasons_are_refused_too(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    for item in report["verdicts"]:
        if item["requirement"] == "S1.1-03":
            item["reasons"] = ["independently verified by a third party"]
    status, detail = _submit(client, vendor, report)
    assert status == 422
    assert detail == (
        "cannot submit: S1.1-03: its reasons or evidence are not what the report's own "
        "evidence gives (edited afterwards?)"
    )


def test_device_requirement_met_on_a_document_alone_is_refused(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    # S1.1-04 is evaluated on the device (eval_mode: device): a design document is not enough
    document_only = [{"document": "HG-100 security design description", "section": "3.4"}]
    honest = with_answer(report, "S1.1-04", evidence=document_only)
    status, detail = _submit(client, vendor, honest)
    assert status == 422
    assert detail.startswith("cannot submit: S1.1-04: verdict is NEEDS_REVIEW, not MET")
    assert "evaluated on the device itself" in detail
    # the same report with the verdict edited to MET, as an older jcstar would have written it
    status, detail = _submit(client, vendor, _edit_verdict(honest, "S1.1-04", "MET"))
    assert status == 422
    assert detail.startswith(
        "cannot submit: S1.1-04: the report says MET, but its own evidence gives NEEDS_REVIEW "
        "(S1.1-04 is evaluated on the device itself"
    )


def test_a_failing_test_record_is_not_met(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    record = {
        "document": "HG-100 test report TR-2025-031",
        "kind": "test_report",
        "test": "20 wrong passwords on SSH",
        "result": "fail",
    }
    status, detail = _submit(client, vendor, with_answer(report, "S1.1-04", evidence=[record]))
    assert status == 422
    assert detail.startswith("cannot submit: S1.1-04: verdict is NOT_MET, not MET")


def test_a_report_without_its_answers_or_facts_cannot_be_reevaluated(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    without_answers = {k: v for k, v in report.items() if k != "answers"}
    status, detail = _submit(client, vendor, without_answers)
    assert (status, detail) == (
        422,
        "cannot submit: the report does not carry the vendor's answers and the product's "
        "facts (made by jcstar 0.1.0); re-run jcstar assess with this version",
    )
    without_facts = copy.deepcopy(report)
    del without_facts["product"]["facts"]
    assert _submit(client, vendor, without_facts)[0] == 422


def test_changed_facts_change_what_applies(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    # the facts say no passwords are used, so S1.1-02 is not applicable; the report says MET
    report["product"]["facts"]["uses_passwords"] = False
    status, detail = _submit(client, vendor, report)
    assert status == 422
    assert detail.startswith(
        "cannot submit: S1.1-02: the report says MET, but its own evidence gives NOT_APPLICABLE"
    )


def test_unknown_catalog_or_tool_is_refused(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    other_catalog = copy.deepcopy(report)
    other_catalog["catalog"]["version"] = "2099.1"
    status, detail = _submit(client, vendor, other_catalog)
    assert status == 422 and "made with catalog 2099.1" in detail
    newer = copy.deepcopy(report)
    newer["tool"]["version"] = "99.0.0"
    assert _submit(client, vendor, newer) == (
        422,
        "cannot submit: report was made by jcstar 99.0.0, newer than this registry's 0.1.0: "
        "its evaluation cannot be re-run here",
    )
    other_tool = copy.deepcopy(report)
    other_tool["tool"]["name"] = "acme-assessor"
    status, detail = _submit(client, vendor, other_tool)
    assert status == 422 and "re-evaluates jcstar reports" in detail
    garbled = copy.deepcopy(report)
    garbled["tool"]["version"] = "latest"
    status, detail = _submit(client, vendor, garbled)
    assert status == 422 and "not a version number" in detail


def test_the_assessed_report_still_holds(
    client: TestClient, vendor: Party, report: dict[str, Any]
) -> None:
    assert _submit(client, vendor, report)[0] == 200
