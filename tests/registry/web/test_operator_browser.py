"""The whole workflow in Chromium, by clicking: a vendor applies and submits (the vendor's
pages), the operator finds it in the review queue, accepts it, records the fee, starts the
review and returns it with a reason for one requirement; the vendor answers with a corrected
report; the operator accepts it again and approves, and the label is issued. Then the
operator suspends and reinstates the label (each after a confirmation), opens the keys and
accounts pages, and a lab uploads its evaluation report. Other organisations' people are
refused the operator's pages. Every operator and lab page is kept as a screenshot in Japanese
and English and checked with axe-core."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.registry.web.conftest import (
    PASSWORD,
    VENDOR_EMAIL,
    Portal,
    axe_violations,
    report_for,
    screenshot,
)

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]
OPERATOR = "JC-STAR Scheme Office"  # the operator ``start_registry`` makes
OPERATOR_EMAIL = "officer@operator.test"
LAB = "Kanto Evaluation Lab"
LAB_EMAIL = "evaluator@lab.test"
PRODUCT = "Operator Walkthrough Gateway OW-1"
RETURN_REASON = "The user manual section on changing the password is not cited."


def sign_in(page: Any, url: str, email: str, then: str) -> None:
    page.goto(f"{url}/signin?next={then}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()


def text_of(page: Any, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


def click(page: Any, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state()


def in_both_languages(page: Any, name: str) -> None:
    """The page as it is now, kept in Japanese and English, with no serious axe findings;
    left in English."""
    here = page.url.split("?")[0]
    for lang in ("ja", "en"):
        page.goto(f"{here}?lang={lang}")
        assert page.get_attribute("html", "lang") == lang
        assert axe_violations(page) == [], (name, lang)
        screenshot(page, f"{name}-{lang}")


def state_of(portal: Portal, app_id: int) -> str:
    answer = httpx.get(
        f"{portal.url}/api/v1/applications/{app_id}",
        headers={"Authorization": f"Bearer {portal.registry.operator_token}"},
        timeout=30,
    )
    state: str = answer.json()["state"]
    return state


def make_people(portal: Portal) -> None:
    """An operator officer holding every operator role, and a lab with an evaluator."""
    roles = ["--role", "reviewer", "--role", "approver", "--role", "administrator"]
    admin = portal.registry.admin
    made = admin("create-user", OPERATOR_EMAIL, "--org", OPERATOR, "--password", PASSWORD, *roles)
    assert made.code == 0, made.err
    assert admin("create-org", LAB, "--kind", "lab").code == 0
    made = admin(
        "create-user", LAB_EMAIL, "--org", LAB, "--password", PASSWORD, "--role", "evaluator"
    )
    assert made.code == 0, made.err


def vendor_applies(page: Any, portal: Portal, report_file: Path) -> int:
    """The vendor applies with its report and submits, on the vendor's pages."""
    sign_in(page, portal.url, VENDOR_EMAIL, "/vendor")
    click(page, "text=Apply with a report (report.json)")
    page.set_input_files("#report", str(report_file))
    page.fill("#model_numbers", "OW-1")
    click(page, "form.panel button[type=submit]")
    found = re.search(r"/vendor/applications/(\d+)", page.url)
    assert found, page.url
    click(page, "#submit")
    assert text_of(page, "#state") == "Submitted"
    return int(found.group(1))


def test_the_operator_reviews_returns_and_approves_an_application_by_clicking(
    portal: Portal, new_page: NewPage, tmp_path: Path
) -> None:
    make_people(portal)
    report = report_for(tmp_path, "ow", PRODUCT, PRODUCT, "energy_management")
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(report), encoding="utf-8")

    vendor = new_page(lang="en")
    app_id = vendor_applies(vendor, portal, report_file)
    review = f"a[href='/operator/applications/{app_id}']"

    officer = new_page(lang="en")
    sign_in(officer, portal.url, OPERATOR_EMAIL, "/operator")
    assert officer.url.endswith("/operator")
    assert officer.locator(review).count() == 1
    in_both_languages(officer, "operator-queue")
    click(officer, review)
    assert officer.inner_text("h1") == PRODUCT
    assert text_of(officer, "#state") == "Submitted"
    # the checks' findings and the vendor's statement side by side
    row = text_of(officer, "#req-S1\\.1-03")
    assert "Met" in row and "HG-100 user manual" in row
    in_both_languages(officer, "operator-review-submitted")

    click(officer, "form[action$='/accept'] button[type=submit]")
    assert text_of(officer, "#done") == "The application is accepted and its fee invoiced."
    assert text_of(officer, "#state") == "Accepted"
    officer.fill("#reference", f"TRANSFER-OW-{app_id}")
    click(officer, "form[action$='/fee-paid'] button[type=submit]")
    click(officer, "form[action$='/start-review'] button[type=submit]")
    assert text_of(officer, "#state") == "Under review"
    in_both_languages(officer, "operator-review-under-review")
    officer.fill("#return-note", "Please cite the manual's section.")
    officer.fill("#reason-S1\\.1-03", RETURN_REASON)
    click(officer, "form[action$='/return'] button[type=submit]")
    assert text_of(officer, "#state") == "Returned to the vendor"
    assert f"S1.1-03: {RETURN_REASON}" in text_of(officer, "#history")
    assert state_of(portal, app_id) == "returned"

    # the vendor sees the reason beside the requirement, corrects and submits again
    vendor.goto(f"{portal.url}/vendor/applications/{app_id}?lang=en")
    assert RETURN_REASON in text_of(vendor, "#req-S1\\.1-03")
    vendor.set_input_files("#report", str(report_file))
    click(vendor, "form[action$='/report'] button[type=submit]")
    click(vendor, "#submit")
    assert state_of(portal, app_id) == "submitted"

    officer.goto(f"{portal.url}/operator/applications/{app_id}?lang=en")
    click(officer, "form[action$='/accept'] button[type=submit]")  # its number and fee kept
    click(officer, "form[action$='/approve'] button[type=submit]")
    assert text_of(officer, "#done") == "The application is approved and its label issued."
    number = text_of(officer, "#registration-no")
    assert state_of(portal, app_id) == "approved"
    in_both_languages(officer, "operator-review-approved")

    # the label: found, suspended after a confirmation, reinstated
    click(officer, "nav.main-nav a[href='/operator/labels']")
    officer.fill("#q", number)
    click(officer, "form.search button[type=submit]")
    in_both_languages(officer, "operator-labels")
    officer.goto(f"{portal.url}/operator/labels?q={number}&lang=en")
    click(officer, f"a[href='/operator/labels/{number}']")
    in_both_languages(officer, "operator-label")
    officer.fill("#reason-suspend", "Under investigation")
    click(officer, "form[action$='/suspend'] button[type=submit]")
    assert text_of(officer, "#confirm-reason") == "Under investigation"
    screenshot(officer, "operator-label-confirm-en")
    assert axe_violations(officer) == []
    assert httpx.get(f"{portal.url}/api/v1/labels/{number}").json()["status"] == "valid"
    click(officer, "#confirm button[type=submit]")
    assert text_of(officer, "#status") == "Suspended"
    officer.fill("#reason-reinstate", "Investigation closed")
    click(officer, "form[action$='/reinstate'] button[type=submit]")
    click(officer, "#confirm button[type=submit]")
    assert text_of(officer, "#status") == "Valid"

    # keys (not rotated here: the session's other tests verify labels with these keys)
    click(officer, "nav.main-nav a[href='/operator/keys']")
    assert officer.locator("#keys tr.key-active").count() == 1
    in_both_languages(officer, "operator-keys")
    click(officer, "#rotate")
    in_both_languages(officer, "operator-keys-rotate")
    click(officer, "text=Cancel")
    assert officer.url.endswith("/operator/keys")
    click(officer, "nav.main-nav a[href='/operator/accounts']")
    assert OPERATOR_EMAIL in text_of(officer, "#people")
    in_both_languages(officer, "operator-accounts")


def test_a_lab_uploads_its_report_and_other_organisations_get_no_operator_page(
    portal: Portal, new_page: NewPage, tmp_path: Path
) -> None:
    if portal.registry.admin("create-org", LAB, "--kind", "lab").code == 0:
        make_lab_user = portal.registry.admin(
            "create-user", LAB_EMAIL, "--org", LAB, "--password", PASSWORD, "--role", "evaluator"
        )
        assert make_lab_user.code == 0, make_lab_user.err
    report = report_for(tmp_path, "lab", PRODUCT, PRODUCT, "energy_management")
    vendor_token = {"Authorization": f"Bearer {portal.registry.vendor_token}"}
    created = httpx.post(
        f"{portal.url}/api/v1/applications",
        json={"report": report, "model_numbers": ["OW-LAB-1"], "lab": LAB},
        headers=vendor_token,
        timeout=60,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    evaluation = tmp_path / "evaluation.pdf"
    evaluation.write_bytes(b"%PDF-1.7 evaluation report")

    lab = new_page(lang="en")
    sign_in(lab, portal.url, LAB_EMAIL, "/lab")
    assert lab.locator(f"a[href='/lab/applications/{app_id}']").count() == 1
    in_both_languages(lab, "lab-applications")
    click(lab, f"a[href='/lab/applications/{app_id}']")
    in_both_languages(lab, "lab-application")
    lab.set_input_files("#report", str(evaluation))
    click(lab, "form[action$='/evaluation-report'] button[type=submit]")
    assert text_of(lab, "#done") == "The evaluation report is attached."
    assert "evaluation.pdf" in text_of(lab, "#documents")
    assert lab.goto(f"{portal.url}/operator").status == 403  # not the operator's pages

    vendor = new_page(lang="en")
    sign_in(vendor, portal.url, VENDOR_EMAIL, "/vendor")
    for path in ("/operator", f"/operator/applications/{app_id}", "/operator/keys", "/lab"):
        assert vendor.goto(portal.url + path).status == 403, path
    anonymous = new_page(lang="en")
    assert anonymous.goto(f"{portal.url}/operator").status == 401
