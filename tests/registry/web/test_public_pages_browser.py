"""What the public does on the portal, in Chromium: find a product in Japanese and in
English, filter and page the results, open the product page, verify a label from its QR text
and from an image, switch language, sign in and out; with axe-core's accessibility check and
the keyboard. Every page visited is kept as a screenshot in both languages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.registry.web.conftest import (
    CAMERA_EN,
    GATEWAY,
    GATEWAY_EN,
    PASSWORD,
    PLUG,
    PLUGS,
    REVOCATION,
    VENDOR_EMAIL,
    Portal,
    axe_violations,
    screenshot,
)

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]


def search(page: Any, words: str) -> None:
    page.fill("#q", words)
    page.press("#q", "Enter")
    page.wait_for_load_state()


def text_of(page: Any, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


def test_the_public_finds_a_product_in_japanese_and_in_english(
    portal: Portal, new_page: NewPage
) -> None:
    number = portal.gateway["registration_no"]
    page = new_page(lang="ja")
    page.goto(portal.url + "/")
    assert page.get_attribute("html", "lang") == "ja"
    screenshot(page, "home-ja")
    search(page, "エネルギー管理")
    assert text_of(page, "#result-count") == "1 件中 1–1 件目"
    screenshot(page, "search-ja")
    page.click(f"a[href='/p/{number}']")
    assert page.inner_text("h1") == GATEWAY
    assert text_of(page, "#status").startswith("有効 このラベルは")
    assert "HG-100W" in page.inner_text("ul.models")
    screenshot(page, "product-ja")

    english = new_page(lang="en")
    english.goto(portal.url + "/")
    assert english.get_attribute("html", "lang") == "en"
    search(english, "Energy Gateway")
    assert text_of(english, "#result-count") == "1–1 of 1 labels"
    english.click(f"a[href='/p/{number}']")
    assert text_of(english, "#status").startswith("Valid This label is valid until")
    assert text_of(english, "#name-en") == GATEWAY_EN
    screenshot(english, "product-en")


def test_filters_and_pages_narrow_the_results(portal: Portal, new_page: NewPage) -> None:
    page = new_page(lang="en")
    page.goto(portal.url + "/")
    search(page, PLUG)
    assert text_of(page, "#result-count") == f"1–20 of {PLUGS} labels"
    assert page.locator("li.card").count() == 20
    screenshot(page, "search-en")
    page.click("a[rel=next]")
    assert text_of(page, "#result-count") == f"21–21 of {PLUGS} labels"
    assert page.locator("li.card").count() == 1
    page.click("a[rel=prev]")
    assert page.locator("li.card").count() == 20

    # the revoked camera, by product type and status, with no words
    page.goto(portal.url + "/")
    page.click("details.filters summary")
    page.select_option("#f-category", "network_camera")
    page.select_option("#f-status", "revoked")
    page.click("text=Apply filters")
    assert text_of(page, "#result-count") == "1–1 of 1 labels"
    card = text_of(page, "li.card")
    assert CAMERA_EN in card or portal.camera["registration_no"] in card
    assert "Revoked" in card
    page.select_option("#f-status", "valid")
    page.click("text=Apply filters")
    assert text_of(page, "#result-count") == "No labels match."


def verify_text(page: Any, portal: Portal, qr: str) -> str:
    page.goto(portal.url + "/verify")
    page.fill("#qr_text", qr)
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()
    return text_of(page, "#verdict")


def test_verifying_a_label_from_its_qr_text_says_valid_revoked_or_forged(
    portal: Portal, new_page: NewPage
) -> None:
    page = new_page(lang="en")
    valid = verify_text(page, portal, portal.gateway["qr"])
    assert valid.startswith("Valid: a genuine label, currently valid")
    assert portal.gateway["registration_no"] in valid
    screenshot(page, "verify-valid-en")

    revoked = verify_text(page, portal, portal.camera["qr"])
    assert revoked.startswith("Revoked: a genuine label, but revoked by the operator")
    assert REVOCATION in revoked

    # one digit of the seal's signature changed, or one character of the signed JWS label's
    # signature: either no longer matches what the registry signed
    seal = portal.gateway["qr"]
    flipped = "1" if seal[-3] != "1" else "2"
    jws = portal.gateway["jws"]
    altered = "A" if jws[-3] != "A" else "B"
    for tampered in (
        seal[:-3] + flipped + seal[-2:],
        f"{portal.gateway['product_url']}#{jws[:-3]}{altered}{jws[-2:]}",
    ):
        forged = verify_text(page, portal, tampered)
        assert forged.startswith("Forged: not a label this registry signed, or altered"), forged
        assert "signature does not match" in forged
    screenshot(page, "verify-forged-en")

    japanese = new_page(lang="ja")
    assert verify_text(japanese, portal, portal.camera["qr"]).startswith("取消し：")
    screenshot(japanese, "verify-revoked-ja")


def test_verifying_a_label_from_an_image_of_it(
    portal: Portal, new_page: NewPage, tmp_path: Path
) -> None:
    number = portal.gateway["registration_no"]
    png = httpx.get(f"{portal.url}/api/v1/labels/{number}/label.png", timeout=60)
    assert png.status_code == 200
    image = tmp_path / "label.png"
    image.write_bytes(png.content)

    page = new_page(lang="ja")
    page.goto(portal.url + "/verify")
    screenshot(page, "verify-ja")
    page.set_input_files("#photo", str(image))
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()
    verdict = text_of(page, "#verdict")
    assert verdict.startswith("有効：正規のラベルで、現在有効です"), verdict
    assert number in verdict

    # an image with no label in it is not a label, and the page says why in one line
    page.goto(portal.url + "/verify")
    not_a_label = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(not_a_label)
    page.set_input_files("#photo", str(not_a_label))
    page.click("form.panel button[type=submit]")
    assert text_of(page, "#verdict").startswith("ラベルを読み取れませんでした")
    assert len(page.inner_text("#problem").strip().splitlines()) == 1


def test_the_language_switch_is_remembered_across_pages(portal: Portal, new_page: NewPage) -> None:
    page = new_page(lang="ja")
    page.goto(portal.url + "/")
    assert page.inner_text("h1") == "JC-STAR 適合ラベルを探す・確かめる"
    page.click("nav.languages a[lang=en]")
    assert page.get_attribute("html", "lang") == "en"
    page.click("nav.main-nav >> text=Verify a label")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1") == "Verify a label"
    page.click("nav.main-nav >> text=Transparency log")
    assert page.inner_text("h1") == "Transparency log"
    screenshot(page, "log-en")
    page.click("nav.languages a[lang=ja]")
    assert page.inner_text("h1") == "透明性ログ"
    screenshot(page, "log-ja")
    page.goto(portal.url + "/log/verify")
    assert text_of(page, "#verdict").startswith("ログは正常です")
    screenshot(page, "log-verify-ja")


def test_signing_in_and_out(portal: Portal, new_page: NewPage) -> None:
    page = new_page(lang="en")
    page.goto(portal.url + "/signin")
    screenshot(page, "signin-en")
    page.fill("#email", VENDOR_EMAIL)
    page.fill("#password", "not the password")
    page.click("form.panel button[type=submit]")
    assert text_of(page, "#problem") == "Unknown e-mail address or wrong password."
    assert page.input_value("#email") == VENDOR_EMAIL

    page.fill("#password", PASSWORD)
    page.click("form.panel button[type=submit]")
    page.wait_for_url(portal.url + "/vendor")  # the person's own area
    account = text_of(page, "#account")
    assert account.startswith("Example Energy Systems K.K. Vendor · applicant")
    assert VENDOR_EMAIL in account
    assert page.locator("a.signin").count() == 0
    # the session cookie is out of reach of script on the page
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert (
        cookies["jcstar_session"]["httpOnly"] and cookies["jcstar_session"]["sameSite"] == "Strict"
    )
    screenshot(page, "vendor-after-sign-in-en")

    page.click("#account button[type=submit]")
    page.wait_for_url(portal.url + "/")
    assert page.locator("a.signin").count() == 1
    assert page.locator("#account").count() == 0
    assert "jcstar_session" not in {c["name"] for c in page.context.cookies()}

    japanese = new_page(lang="ja")
    japanese.goto(portal.url + "/signin")
    screenshot(japanese, "signin-ja")


def test_a_form_posted_without_its_token_is_refused(portal: Portal, new_page: NewPage) -> None:
    page = new_page(lang="en")
    page.goto(portal.url + "/signin")
    page.fill("#email", VENDOR_EMAIL)
    page.fill("#password", PASSWORD)
    # as a forged form would arrive: everything but the token
    page.evaluate("document.querySelector('input[name=csrf]').remove()")
    page.click("form.panel button[type=submit]")
    assert page.inner_text("h1") == "You may not do this"
    assert "security token" in page.inner_text("#problem")
    assert "jcstar_session" not in {c["name"] for c in page.context.cookies()}
    screenshot(page, "error-403-en")


def test_the_search_form_works_from_the_keyboard(portal: Portal, new_page: NewPage) -> None:
    page = new_page(lang="en")
    page.goto(portal.url + "/")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    else:
        pytest.fail("the search box is not reachable with Tab")
    page.keyboard.type("HG-100")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert text_of(page, "#result-count") == "1–1 of 1 labels"
    # focus is visible: the focused control draws an outline
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_main_pages_have_no_serious_accessibility_violations(
    portal: Portal, new_page: NewPage, lang: str
) -> None:
    number = portal.gateway["registration_no"]
    pages = {
        "home": "/",
        "search": "/?q=" + PLUG.replace(" ", "+"),
        "product": f"/p/{number}",
        "revoked": f"/p/{portal.camera['registration_no']}",
        "verify": "/verify",
        "log": "/log",
        "signin": "/signin",
        "not-found": "/p/JC1-2026-999999",
    }
    for width in (360, 1280):
        page = new_page(lang=lang, width=width)
        for name, path in pages.items():
            page.goto(portal.url + path)
            assert page.get_attribute("html", "lang") == lang
            violations = axe_violations(page)
            assert violations == [], (name, width, violations)
            suffix = "" if width > 360 else "-phone"
            screenshot(page, f"{name}-{lang}{suffix}")
            # nothing is wider than a phone's screen
            if width == 360:
                overflow = page.evaluate("document.documentElement.scrollWidth")
                assert overflow <= 360, (name, overflow)
