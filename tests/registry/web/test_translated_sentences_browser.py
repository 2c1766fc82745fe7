"""In Chromium, by clicking: a vendor whose report the registry would refuse reads why in
Japanese on the Japanese page (the decision's problems and the verdict's reasons), and in the
library's English on the English page; a refused upload says its one line in Japanese. Both
pages are kept as screenshots and checked with axe-core."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import with_answer
from tests.registry.web.conftest import Portal, axe_violations, report_for, screenshot
from tests.registry.web.test_vendor_browser import sign_in, text_of

pytestmark = pytest.mark.network

NewPage = Callable[..., Any]
PRODUCT = "翻訳確認ハブ TR-1"
PRODUCT_EN = "Translation Check Hub TR-1"


def test_a_refused_report_is_explained_in_the_readers_language(
    portal: Portal, new_page: NewPage, tmp_path: Path
) -> None:
    report = report_for(tmp_path, "weak", PRODUCT, PRODUCT_EN, "energy_management")
    weak = with_answer(report, "S1.1-02", status="not_implemented")
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(weak), encoding="utf-8")
    empty_file = tmp_path / "empty.json"
    empty_file.write_bytes(b"")

    page = new_page(lang="ja")
    sign_in(page, portal.url)
    page.goto(f"{portal.url}/vendor/applications/new")
    page.set_input_files("#report", str(empty_file))
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()
    assert text_of(page, "#problem") == "empty.json: ファイルが空です"
    screenshot(page, "translated-upload-refused-ja")

    page.set_input_files("#report", str(report_file))
    page.select_option("#route", "psti")  # and no PSTI statement: a problem of no requirement
    page.click("form.panel button[type=submit]")
    page.wait_for_load_state()
    assert re.search(r"/vendor/applications/\d+", page.url), page.url
    assert text_of(page, "#general-problems") == (
        "PSTI ルートには psti_statement 文書（適合宣言書）が必要です"
    )
    refusal = text_of(page, "#req-S1\\.1-02 .refusal")
    assert refusal.startswith(
        "拒否される理由: 判定が「適合」ではなく「不適合」です（ベンダーは未実装としています;"
    )
    # what a check said stays as it said it, marked English for a screen reader
    english_inside = page.locator("#req-S1\\.1-02 .refusal span[lang=en]").all_inner_texts()
    assert "profile names no device address (device.address)" in english_inside
    assert axe_violations(page) == []
    screenshot(page, "translated-application-problems-ja")

    page.goto(page.url.split("?")[0] + "?lang=en")
    assert text_of(page, "#general-problems") == (
        "the PSTI route needs a psti_statement document (statement of compliance)"
    )
    assert text_of(page, "#req-S1\\.1-02 .refusal").startswith(
        "Would be refused: verdict is NOT_MET, not MET (vendor states it is not implemented;"
    )
    assert axe_violations(page) == []
    screenshot(page, "translated-application-problems-en")
