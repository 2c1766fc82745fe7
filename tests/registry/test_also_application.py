"""Issue 15: a ★1 application whose report also answered other schemes (``assess --also``).
The registry labels it on ★1's own 16 requirements, and re-evaluates the added ones too, so
a verdict edited after the fact is refused like any other."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jcstar.assessment.models import RequirementVerdict
from jcstar.assessment.report import overall
from jcstar.assessment.service import assess_files
from tests.conftest import CONFORMANT
from tests.registry.conftest import Party, apply, approve, made_by, submit

ALSO = ("cls-1", "psti")


@pytest.fixture(scope="module")
def answered() -> dict[str, Any]:
    """The conformant example with ``--also cls-1,psti`` and answers for what it adds."""
    report = assess_files(
        CONFORMANT / "profile.yaml", CONFORMANT / "answers-also-cls1-psti.yaml", also=ALSO
    )
    assert report.overall == "CONFORMANT"
    return report.model_dump(mode="json")


@pytest.fixture(scope="module")
def unanswered() -> dict[str, Any]:
    """The same with ★1's answers only: the 11 added requirements need review."""
    report = assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml", also=ALSO)
    assert report.overall == "INCOMPLETE"
    return report.model_dump(mode="json")


def _submit_status(client: TestClient, vendor: Party, report: dict[str, Any]) -> tuple[int, str]:
    app_id = apply(client, vendor, report)["id"]
    response = client.post(f"/api/v1/applications/{app_id}/submit", headers=vendor.headers)
    state = client.get(f"/api/v1/applications/{app_id}", headers=vendor.headers).json()["state"]
    if response.status_code != 200:
        assert state == "draft"  # a refused submission changes nothing
    return response.status_code, response.json().get("detail", "")


def test_a_star1_report_with_also_requirements_is_labelled_star1(
    client: TestClient, vendor: Party, operator: Party, answered: dict[str, Any]
) -> None:
    app = apply(client, vendor, copy.deepcopy(answered))
    submit(client, vendor, app["id"])
    number = approve(client, operator, app["id"])["registration_no"]
    label = client.get(f"/api/v1/labels/{number}").json()
    assert label["level"] == 1 and label["status"] == "valid"


def test_added_requirements_left_for_review_do_not_hold_up_the_star1_label(
    client: TestClient, vendor: Party, unanswered: dict[str, Any]
) -> None:
    status, detail = _submit_status(client, vendor, copy.deepcopy(unanswered))
    assert status == 200, detail


def test_an_added_verdict_edited_after_the_fact_is_refused(
    client: TestClient, vendor: Party, unanswered: dict[str, Any]
) -> None:
    forged = copy.deepcopy(unanswered)
    for item in forged["verdicts"]:
        if item["requirement"] == "5.3-8":
            item["verdict"] = "MET"
            item["reasons"] = ["vendor states it is implemented, with evidence"]
    forged["summary"]["NEEDS_REVIEW"] -= 1
    forged["summary"]["MET"] += 1
    forged["overall"] = overall(
        tuple(RequirementVerdict.model_validate(v) for v in forged["verdicts"])
    )
    status, detail = _submit_status(client, vendor, forged)
    assert status == 422
    assert detail.startswith(
        "cannot submit: 5.3-8: the report says MET, but its own evidence gives NEEDS_REVIEW"
    )


def test_an_added_verdict_dropped_from_the_report_is_refused(
    client: TestClient, vendor: Party, answered: dict[str, Any]
) -> None:
    short = copy.deepcopy(answered)
    short["verdicts"] = [v for v in short["verdicts"] if v["requirement"] != "5.1-3"]
    short["summary"]["MET"] -= 1
    status, detail = _submit_status(client, vendor, short)
    assert status == 422
    assert "5.1-3" in detail, detail


def test_the_vendor_page_shows_the_added_requirements_titled_and_named_with_their_scheme(
    client: TestClient, vendor: Party, unanswered: dict[str, Any]
) -> None:
    from tests.registry.web.test_vendor_pages import app_id_of, apply_with, row, signed_in

    signed_in(client, vendor.name, "also@vendor.test")
    app_id = app_id_of(apply_with(client, made_by(copy.deepcopy(unanswered), vendor.name)))
    page = client.get(f"/vendor/applications/{app_id}?lang=en").text
    # ★1's verdicts decide: nothing would be refused although 11 added ones need review
    assert "Nothing: the registry would accept this application for review." in page
    added = row(page, "5.1-3")
    assert "Best-practice cryptography for user authentication (--also cls-1)" in added
    assert "Would be refused" not in added
    assert "(--also" not in row(page, "S1.1-01")
    japanese = client.get(f"/vendor/applications/{app_id}?lang=ja").text
    assert "Best-practice cryptography for user authentication (--also cls-1)" in row(
        japanese, "5.1-3"
    )
