"""What a vendor does on the portal, in Chromium, by clicking: sign in, apply with a
report.json, see what the registry would refuse, attach a document, submit, answer the
operator's return (its reasons beside each requirement), fill in the questionnaire, post a
security notice, open the renewal form; another vendor cannot open the application. Every
vendor page is kept as a screenshot in Japanese and English and checked with axe-core."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
import yaml

from jcstar.registry.applications.return_reasons import compose
from tests.cli.test_registry_cli import VENDOR
from tests.conftest import CONFORMANT
from tests.registry.conftest import corporate_number
from tests.registry.web.conftest import (
    PASSWORD,
    PLUGS,
    VENDOR_EMAIL,
    Portal,
    axe_violations,
    report_for,
    screenshot,
)

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]
PRODUCT = "Vendor Portal Hub VP-1"
RIVAL = "Rival Devices K.K."
RIVAL_EMAIL = "staff@rival.test"


def sign_in(page: Any, url: str, email: str = VENDOR_EMAIL) -> None:
    page.goto(url + "/signin?next=/vendor")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()


def text_of(page: Any, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


def in_both_languages(page: Any, name: str) -> None:
    """The page as it is now, kept in Japanese and English, with no serious axe findings;
    on a 360 px phone nothing is wider than the screen."""
    here = urlsplit(page.url)
    query = {k: v for k, v in parse_qsl(here.query) if k not in ("lang", "done")}
    for lang in ("ja", "en"):
        page.goto(here._replace(query=urlencode({**query, "lang": lang})).geturl())
        assert page.get_attribute("html", "lang") == lang
        assert axe_violations(page) == [], (name, lang)
        screenshot(page, f"{name}-{lang}")
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    screenshot(page, f"{name}-en-phone")
    page.set_viewport_size({"width": 1024, "height": 900})


def state_of(portal: Portal, app_id: int) -> str:
    answer = httpx.get(
        f"{portal.url}/api/v1/applications/{app_id}",
        headers={"Authorization": f"Bearer {portal.registry.operator_token}"},
        timeout=30,
    )
    state: str = answer.json()["state"]
    return state


def test_a_vendor_applies_submits_and_answers_a_return(
    portal: Portal, new_page: NewPage, tmp_path: Path
) -> None:
    report = report_for(tmp_path, "hub", PRODUCT, PRODUCT, "energy_management")
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(report), encoding="utf-8")
    declaration = tmp_path / "declaration.pdf"
    declaration.write_bytes(b"%PDF-1.4 declaration of conformity")

    page = new_page(lang="en")
    sign_in(page, portal.url)
    assert page.url.endswith("/vendor")
    assert page.inner_text("h1") == "Example Energy Systems K.K."
    in_both_languages(page, "vendor-dashboard")

    page.click("text=Apply with a report (report.json)")
    in_both_languages(page, "vendor-new-application")
    page.set_input_files("#report", str(report_file))
    page.fill("#model_numbers", "VP-1\nVP-1W")
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()
    app_id = int(re.search(r"/vendor/applications/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    assert "The draft application was created." in text_of(page, "#done")
    assert text_of(page, "#decision").startswith("Nothing: the registry would accept")
    in_both_languages(page, "vendor-application-draft")

    page.select_option("#kind", "declaration")
    page.set_input_files("#document", str(declaration))
    page.click("form[action$='/documents'] button[type=submit]")
    page.wait_for_load_state()
    assert "declaration.pdf" in text_of(page, "#documents")
    page.click("#submit")
    page.wait_for_load_state()
    assert text_of(page, "#state") == "Submitted"
    assert state_of(portal, app_id) == "submitted"

    # the operator accepts, records the fee and returns it with a reason for one requirement
    operator = {"Authorization": f"Bearer {portal.registry.operator_token}"}
    reason = compose(
        "Please cite the manual's section.",
        {"S1.1-03": "The user manual section on changing the password is not cited."},
        ["S1.1-03"],
    )
    with httpx.Client(base_url=f"{portal.url}/api/v1/applications/{app_id}", timeout=30) as api:
        for step, body in [
            ("accept", None),
            ("fee-paid", {"reference": f"TRANSFER-VP-{app_id}"}),
            ("return", {"reason": reason}),
        ]:
            answer = api.post(f"/{step}", json=body, headers=operator)
            assert answer.status_code == 200, (step, answer.text)

    page.goto(f"{portal.url}/vendor?lang=en")
    page.click(f"a[href='/vendor/applications/{app_id}']")
    assert text_of(page, "#state") == "Returned for correction"
    assert "Please cite the manual's section." in text_of(page, "#returned")
    beside = text_of(page, "#req-S1\\.1-03")
    assert "Operator: The user manual section on changing the password is not cited." in beside
    assert "Operator:" not in text_of(page, "#req-S1\\.1-02")
    in_both_languages(page, "vendor-application-returned")

    page.set_input_files("#report", str(report_file))
    page.click("form[action$='/report'] button[type=submit]")
    page.wait_for_load_state()
    assert "The corrected report replaced the earlier one." in text_of(page, "#done")
    page.click("#submit")
    page.wait_for_load_state()
    assert text_of(page, "#state") == "Submitted"
    assert state_of(portal, app_id) == "submitted"
    assert "Operator:" not in text_of(page, "#requirements")

    # another vendor's people do not see it, in the page or its downloads
    identity = ["--legal-name-en", RIVAL, "--legal-name-ja", "ライバル・デバイス株式会社"]
    number = ["--corporate-number", corporate_number(9001)]
    made = portal.registry.admin("create-org", RIVAL, "--kind", "vendor", *identity, *number)
    assert made.code == 0, made.err
    user = portal.registry.admin(
        "create-user", RIVAL_EMAIL, "--org", RIVAL, "--password", PASSWORD, "--role", "applicant"
    )
    assert user.code == 0, user.err
    rival = new_page(lang="en")
    sign_in(rival, portal.url, RIVAL_EMAIL)
    assert f"/vendor/applications/{app_id}" not in rival.content()
    answer = rival.goto(f"{portal.url}/vendor/applications/{app_id}")
    assert answer.status == 404
    assert PRODUCT not in rival.content()
    assert rival.goto(f"{portal.url}/vendor/applications/{app_id}/report.json").status == 404
    assert state_of(portal, app_id) == "submitted"


def test_a_vendor_fills_in_the_questionnaire_and_gets_a_draft(
    portal: Portal, new_page: NewPage
) -> None:
    page = new_page(lang="en")
    sign_in(page, portal.url)
    page.click("text=Answer the questionnaire in the browser")
    in_both_languages(page, "vendor-questionnaire-start")
    page.set_input_files("#profile", str(CONFORMANT / "profile.yaml"))
    page.click("text=Continue to the questions")
    page.wait_for_load_state()
    assert page.locator("fieldset.question").count() >= 10
    answers = yaml.safe_load((CONFORMANT / "answers.yaml").read_text("utf-8"))["answers"]
    for req, answer in answers.items():
        at = req.replace(".", "\\.")  # a CSS id selector escapes the dot
        page.select_option(f"#status-{at}", answer["status"])
        page.fill(f"#statement-{at}", answer["statement"])
        first = answer["evidence"][0]
        for name in ("document", "section", "url", "test"):
            if first.get(name):
                page.fill(f"#{name}-{at}", str(first[name]))
        if first.get("result"):
            page.select_option(f"#result-{at}", first["result"])
    screenshot(page, "vendor-questionnaire-filled-en")
    assert axe_violations(page) == []
    page.click("text=Assess and create the draft application")
    page.wait_for_load_state()
    assert "/vendor/applications/" in page.url
    assert text_of(page, "#decision").startswith("Nothing: the registry would accept")
    assert "Met" in text_of(page, "#req-S1\\.1-04")
    # the filed answers come back in the questionnaire to correct them
    page.click("text=Or correct the answers in the questionnaire")
    assert page.input_value("#section-S1\\.1-01") == "3.1 Access paths"
    in_both_languages(page, "vendor-questionnaire")
    assert page.input_value("#section-S1\\.1-01") == "3.1 Access paths"


def test_a_vendor_posts_a_notice_and_opens_the_renewal(portal: Portal, new_page: NewPage) -> None:
    number = portal.plugs[-1]["registration_no"]
    page = new_page(lang="en")
    sign_in(page, portal.url)
    page.click(f"a[href='/vendor/labels/{number}/notice']")
    in_both_languages(page, "vendor-notice")
    page.goto(f"{portal.url}/vendor/labels/{number}/notice?lang=en")
    page.fill("#title", "Firmware 1.0.1 fixes a session fixation")
    page.fill("#body", "Update to 1.0.1 from the settings page.")
    page.fill("#url", "https://example.test/advisories/1")
    page.click("text=Publish the notice")
    page.wait_for_load_state()
    assert page.url.endswith(f"/p/{number}")
    assert "Firmware 1.0.1 fixes a session fixation" in page.content()

    page.goto(f"{portal.url}/vendor?lang=en")
    page.click(f"a[href='/vendor/labels/{number}/renew']")
    assert page.input_value("#model_numbers") == f"SP-{PLUGS - 1:03d}"  # the label's own
    assert "The renewal window opens on" in page.content()
    in_both_languages(page, "vendor-renew")


def test_a_vendor_administrator_opens_its_people(portal: Portal, new_page: NewPage) -> None:
    email = "admin@vendor.test"
    made = portal.registry.admin(
        "create-user", email, "--org", VENDOR, "--password", PASSWORD, "--role", "administrator"
    )
    assert made.code == 0, made.err
    page = new_page(lang="en")
    sign_in(page, portal.url, email)
    page.click("text=People and roles")
    assert VENDOR_EMAIL in text_of(page, "#people")
    in_both_languages(page, "vendor-people")
