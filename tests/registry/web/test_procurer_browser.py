"""What a procurement officer does on the portal, in Chromium, by clicking: sign in, upload a
model list and read each line's verdict, follow the list's models, add an e-mail channel (and
see a webhook to an inward address refused beside its field); a vendor gets no procurer page.
Every procurer page is kept as a screenshot in Japanese and English, checked with axe-core,
and no page is wider than a 360 px phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.registry.web.conftest import (
    PASSWORD,
    VENDOR_EMAIL,
    Portal,
    axe_violations,
    screenshot,
)

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]
CITY = "City Hall Procurement"
BUYER_EMAIL = "buyer@city.test"


def sign_in(page: Any, url: str, email: str, then: str) -> None:
    page.goto(f"{url}/signin?next={then}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()


def verdicts(page: Any) -> dict[str, str]:
    """Model number → the verdict its line shows (as the reader sees the badge's class)."""
    rows = page.query_selector_all("#lines tr[class^=verdict-row-]")
    return {
        row.query_selector("th").inner_text().strip(): row.get_attribute("class").split("-")[-1]
        for row in rows
    }


def on_a_phone(page: Any, name: str) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    # what sticks out past the screen, outside a table that scrolls of its own
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 361"
        " && !e.closest('.table-scroll table'))"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, (name, wide)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size({"width": 1024, "height": 900})


def kept(page: Any, name: str) -> None:
    """The page as it is now: no serious axe findings, a screenshot."""
    assert axe_violations(page) == [], name
    screenshot(page, name)


def in_both_languages(page: Any, name: str) -> None:
    here = urlsplit(page.url)
    query = {k: v for k, v in parse_qsl(here.query) if k != "lang"}
    for lang in ("ja", "en"):
        page.goto(here._replace(query=urlencode({**query, "lang": lang})).geturl())
        assert page.get_attribute("html", "lang") == lang
        kept(page, f"{name}-{lang}")
    on_a_phone(page, f"{name}-en")


@pytest.fixture(scope="module")
def buyer(portal: Portal) -> str:
    """A procurer organisation with a watcher."""
    made = portal.registry.admin("create-org", CITY, "--kind", "procurer")
    assert made.code == 0, made.err
    made = portal.registry.admin(
        "create-user", BUYER_EMAIL, "--org", CITY, "--password", PASSWORD, "--role", "watcher"
    )
    assert made.code == 0, made.err
    return BUYER_EMAIL


def test_a_procurer_checks_a_model_list_and_follows_its_models(
    portal: Portal, buyer: str, new_page: NewPage, tmp_path: Path
) -> None:
    listed = tmp_path / "調達リスト.csv"
    # HG-100 labelled (in full width, as typed in Japanese Excel), NC-20 revoked, one plug,
    # and a model no label lists
    listed.write_bytes("型番,数量\nＨＧ－１００,12\nNC-20,4\nSP-003,30\nXX-404,1\n".encode("cp932"))
    for lang in ("ja", "en"):
        page = new_page(lang)
        sign_in(page, portal.url, buyer, "/procurer")
        page.goto(f"{portal.url}/procurer")
        assert page.get_attribute("html", "lang") == lang
        kept(page, f"procurer-check-{lang}")
        page.set_input_files("#models", str(listed))
        page.check("input[name=policy][value=government]")
        page.click("#check-form button[type=submit]")
        page.wait_for_load_state()
        assert verdicts(page) == {
            "ＨＧ－１００": "met",
            "NC-20": "not_met",
            "SP-003": "met",
            "XX-404": "not_met",
        }
        revoked = " ".join(page.inner_text("#lines tr.verdict-row-not_met").split())
        assert portal.camera["registration_no"] in revoked
        # the reason in the reader's language
        assert ("「取消し」です" if lang == "ja" else "Revoked on") in revoked
        assert page.inner_text("#summary-met td") == "2"
        kept(page, f"procurer-result-{lang}")
        if lang == "en":
            on_a_phone(page, "procurer-result-en")

    # the downloads: a workbook comes back as a file
    with page.expect_download() as download:
        page.click("#downloads button[value=xlsx]")
    saved = tmp_path / "check.xlsx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"

    # follow the list's models from the result
    page.click("#watch-these button[type=submit]")
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/procurer/watches"
    assert "Numbers newly followed: 4;" in page.inner_text("main")
    followed = page.inner_text("#watches")
    assert "ＨＧ－１００" in followed and portal.gateway["registration_no"] in followed
    # the same model typed in another width and case is followed already
    page.fill("#numbers", "hg-100")
    page.click("#add-watches button[type=submit]")
    page.wait_for_load_state()
    assert "Numbers newly followed: 0; followed already: 1." in page.inner_text("main")
    in_both_languages(page, "procurer-watches")

    # notification channels: a webhook to an inward address is refused beside its field
    page.goto(f"{portal.url}/procurer/notifications?lang=en")
    page.fill("#webhook_url", "http://127.0.0.1:9/hook")
    page.click("#add-webhook button[type=submit]")
    page.wait_for_load_state()
    problem = page.inner_text("#webhook-problem")
    assert "internal address" in problem and "\n" not in problem.strip()
    assert page.input_value("#webhook_url") == "http://127.0.0.1:9/hook"
    kept(page, "procurer-notifications-refused-en")
    page.fill("#email", "procurement@city.test")
    page.click("#add-email button[type=submit]")
    page.wait_for_load_state()
    assert "procurement@city.test" in page.inner_text("#channels")
    in_both_languages(page, "procurer-notifications")


def test_a_vendor_gets_no_procurer_page(portal: Portal, buyer: str, new_page: NewPage) -> None:
    page = new_page("en")
    sign_in(page, portal.url, VENDOR_EMAIL, "/vendor")
    for path in ("/procurer", "/procurer/watches", "/procurer/notifications"):
        answer = page.goto(f"{portal.url}{path}")
        assert answer is not None and answer.status == 403, path
    # and the navigation offers it none
    page.goto(f"{portal.url}/vendor")
    assert page.query_selector_all('.main-nav a[href^="/procurer"]') == []
