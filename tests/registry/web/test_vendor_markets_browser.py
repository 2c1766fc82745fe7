"""A vendor's compliance officer answers many schemes in the portal, in Chromium, by clicking:
the questionnaire at ★2 for a smart-home product with UK PSTI ticked, the added questions
under their scheme, the draft's "other markets" view and a scheme's table, the ETSI EN 303 645
ICS downloaded as a PDF that names the product; another vendor gets 404 for all of it. Each
page is kept as a screenshot in Japanese and English and checked with axe-core."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.test_registry_cli import VENDOR
from tests.conftest import require_tool
from tests.registry.conftest import corporate_number
from tests.registry.web.conftest import PASSWORD, Portal, axe_violations, screenshot
from tests.registry.web.test_vendor_browser import in_both_languages, sign_in, text_of

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]
STAR2 = Path(__file__).resolve().parents[3] / "examples" / "star2-smart-home"
PRODUCT = "Smart Home Hub SH-200"
RIVAL = "Other Home Devices K.K."
RIVAL_EMAIL = "staff@other-home.test"


def star2_profile(tmp_path: Path) -> Path:
    """The ★2 example's product description, made by the portal's vendor."""
    text = (STAR2 / "profile.yaml").read_text("utf-8")
    path = tmp_path / "profile.yaml"
    path.write_text(re.sub(r"(?m)^vendor: .*$", f"vendor: {VENDOR}", text), encoding="utf-8")
    return path


def answer(page: Any, req: str, given: dict[str, Any]) -> None:
    at = req.replace(".", "\\.")  # a CSS id selector escapes the dot
    page.select_option(f"#status-{at}", given["status"])
    page.fill(f"#statement-{at}", given["statement"])
    first = given["evidence"][0]
    for name in ("document", "section", "test"):
        if first.get(name):
            page.fill(f"#{name}-{at}", str(first[name]))
    if first.get("result"):
        page.select_option(f"#result-{at}", first["result"])


def test_a_vendor_answers_star2_and_psti_in_one_questionnaire_and_downloads_the_ics(
    portal: Portal, new_page: NewPage, tmp_path: Path
) -> None:
    pdftotext = require_tool("pdftotext")
    page = new_page(lang="en")
    sign_in(page, portal.url)
    page.click("text=Answer the questionnaire in the browser")
    in_both_languages(page, "vendor-markets-questionnaire-start")  # reloads it: then fill in
    page.set_input_files("#profile", str(star2_profile(tmp_path)))
    page.select_option("#scheme", "2:smart-home")
    page.check("#also-psti")
    page.click("text=Continue to the questions")
    page.wait_for_load_state()
    assert "★2 · smart-home" in text_of(page, ".lead")
    heading = text_of(page, "#also-psti")
    assert heading.startswith("Also answered for UK Product Security")

    answers = yaml.safe_load((STAR2 / "answers.yaml").read_text("utf-8"))["answers"]
    for req, given in answers.items():
        answer(page, req, given)
    # the questions PSTI adds, under its heading: answered as implemented, with a document
    added = page.eval_on_selector_all(
        "#also-psti ~ fieldset.question", "nodes => nodes.map(n => n.id.slice(2))"
    )
    assert added and not set(added) & set(answers)
    for req in added:
        evidence = {"document": "SH-200 UK compliance file", "section": req}
        answer(page, req, {"status": "implemented", "statement": "Done.", "evidence": [evidence]})
    screenshot(page, "vendor-markets-questionnaire-filled-en")
    assert axe_violations(page) == []
    page.click("text=Assess and create the draft application")
    page.wait_for_load_state()
    app_id = int(re.search(r"/vendor/applications/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    page.click("#markets-link a")
    page.wait_for_load_state()
    assert page.url.endswith(f"/vendor/applications/{app_id}/markets")
    psti = text_of(page, "#market-psti")
    assert "4 requirements" in psti and "Nothing left to review" in psti
    assert "adds 22 requirements to answer" in text_of(page, "#market-cra")
    assert "Only a ★1 label is recognised" in text_of(page, "#route-psti")
    in_both_languages(page, "vendor-markets")

    page.goto(f"{portal.url}/vendor/applications/{app_id}/markets?lang=en")
    page.click("#market-etsi-en-303-645 a")
    page.wait_for_load_state()
    assert page.locator("#projection tr[id^=req-]").count() == 67
    assert "Met" in text_of(page, "#req-5\\.1-1")
    in_both_languages(page, "vendor-markets-scheme")

    page.goto(f"{portal.url}/vendor/applications/{app_id}/markets?lang=en")
    with page.expect_download() as download:
        page.click("#declaration-etsi-ics a:text('PDF')")
    pdf = tmp_path / "ics.pdf"
    download.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert PRODUCT in text and "5.1-1" in text

    # another vendor's people: the application, its markets and its declarations are unknown
    identity = ["--legal-name-en", RIVAL, "--legal-name-ja", "アザー・ホーム株式会社"]
    number = ["--corporate-number", corporate_number(9101)]
    made = portal.registry.admin("create-org", RIVAL, "--kind", "vendor", *identity, *number)
    assert made.code == 0, made.err
    user = portal.registry.admin(
        "create-user", RIVAL_EMAIL, "--org", RIVAL, "--password", PASSWORD, "--role", "applicant"
    )
    assert user.code == 0, user.err
    rival = new_page(lang="en")
    sign_in(rival, portal.url, RIVAL_EMAIL)
    base = f"{portal.url}/vendor/applications/{app_id}"
    for path in ("/markets", "/markets/psti", "/declarations/etsi-ics.html"):
        shown = rival.goto(base + path)
        assert shown.status == 404, path
        assert PRODUCT not in rival.content()
    # the PDF too (fetched with the rival's session: a 404 page, not a download)
    assert rival.request.get(base + "/declarations/etsi-ics.pdf").status == 404


def test_the_product_page_of_a_valid_star1_label_says_it_is_recognised_in_the_uk(
    portal: Portal, new_page: NewPage
) -> None:
    page = new_page(lang="en")
    page.goto(f"{portal.url}/p/{portal.gateway['registration_no']}")
    line = text_of(page, "#recognised-1")
    assert line.startswith("Recognised in United Kingdom: deemed to meet the security requirements")
    assert line.endswith("while valid (UK S.I. 2025/1267; secondary source)")
    in_both_languages(page, "vendor-markets-product-recognised")
    # a revoked label is recognised nowhere
    page.goto(f"{portal.url}/p/{portal.camera['registration_no']}?lang=en")
    assert page.locator("[id^=recognised-]").count() == 0
