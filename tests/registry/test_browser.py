"""The public pages in a real browser: what someone who scans a label's QR code (the product
page, ``/p/{registration_no}``) or searches the registry (``/``) actually sees.

``jcstar serve`` runs on 127.0.0.1 (SQLite in a temp directory) with labels issued through its
API; Debian's Chromium, headless, loads the pages, and the tests read the rendered DOM
(``--dump-dom``) and a screenshot (``--screenshot``), from which the label's QR code must scan.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from jcstar.assessment.service import assess_files
from jcstar.labels.qr import read_qr_image
from tests.cli.test_registry_cli import Registry, start_registry
from tests.conftest import CONFORMANT, require_tool

pytestmark = pytest.mark.network

PRODUCT = "家庭用エネルギー管理ゲートウェイ HG-100"
MODELS = [
    f"HG-1{n:02d}{suffix}" for n in range(6) for suffix in ("", "W")
]  # 12: more than fit a QR
SUSPENSION = "ファームウェアの脆弱性を調査中 / firmware flaw under investigation"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # a Japanese reader's browser: the pages answer in its language (Accept-Language)
    "--accept-lang=ja",
)
BROWSER_TIMEOUT_S = 120
BLOCKS = {"p", "div", "br", "li", "ul", "tr", "td", "th", "table", "h1", "h2", "header", "footer"}


# -- the browser ------------------------------------------------------------------------------


@dataclass
class Browser:
    binary: str
    profile: Path

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [self.binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", *args],
            capture_output=True,
            text=True,
            timeout=BROWSER_TIMEOUT_S,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def dom(self, url: str) -> Page:
        """The page as the browser rendered it (after any script ran)."""
        page = Page()
        page.feed(self._run("--dump-dom", url))
        return page

    def screenshot(self, url: str, path: Path) -> Path:
        # a phone-like width, twice the pixel density, tall enough for the whole page
        self._run(
            "--window-size=800,2600",
            "--force-device-scale-factor=2",
            "--hide-scrollbars",
            f"--screenshot={path}",
            url,
        )
        assert path.stat().st_size > 0
        return path


class Page(HTMLParser):
    """The rendered DOM: its visible text, the text under each id, and labelled images."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.by_id: dict[str, str] = {}
        self.images: list[str] = []
        self._open_ids: list[tuple[str, int]] = []
        self._depth = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._depth += 1
        self._break(tag)
        if tag in ("script", "style"):
            self._skip += 1
        if attributes.get("id"):
            self._open_ids.append((str(attributes["id"]), self._depth))
        if (tag == "svg" and attributes.get("role") == "img") or tag == "img":
            self.images.append(str(attributes.get("aria-label") or attributes.get("alt") or ""))

    def handle_endtag(self, tag: str) -> None:
        self._break(tag)
        if tag in ("script", "style"):
            self._skip -= 1
        while self._open_ids and self._open_ids[-1][1] >= self._depth:
            self._open_ids.pop()
        self._depth -= 1

    def _break(self, tag: str) -> None:
        # block elements and table cells are apart on screen, so apart in the text
        if tag in BLOCKS:
            self.handle_data(" ")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text += data
        for element_id, _ in self._open_ids:
            self.by_id[element_id] = self.by_id.get(element_id, "") + data

    def says(self, words: str) -> bool:
        """Whether the visible text shows ``words`` (whitespace as a browser collapses it)."""
        return " ".join(words.split()) in " ".join(self.text.split())

    def element(self, element_id: str) -> str:
        return " ".join(self.by_id.get(element_id, "").split())


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    binary = require_tool("chromium")
    return Browser(binary, tmp_path_factory.mktemp("chromium-profile"))


# -- a registry with labels -------------------------------------------------------------------


@dataclass
class Site:
    registry: Registry
    label: dict[str, Any]
    suspended: dict[str, Any]


def japanese_report(workdir: Path) -> dict[str, Any]:
    """The conformant example, its product named in Japanese, assessed as a vendor would."""
    example = workdir / "example"
    shutil.copytree(CONFORMANT, example)
    profile = example / "profile.yaml"
    named = re.sub(r"(?m)^product: .*$", f"product: {PRODUCT}", profile.read_text("utf-8"))
    profile.write_text(named, encoding="utf-8")
    report = assess_files(profile, example / "answers.yaml")
    assert report.overall == "CONFORMANT"
    return report.model_dump(mode="json")


def issue(registry: Registry, report: dict[str, Any], models: list[str]) -> dict[str, Any]:
    """Apply as the vendor and approve as the operator, through the registry's API."""
    api = f"{registry.url}/api/v1"
    vendor = {"Authorization": f"Bearer {registry.vendor_token}"}
    operator = {"Authorization": f"Bearer {registry.operator_token}"}
    body = {"report": report, "model_numbers": models}
    created = httpx.post(f"{api}/applications", json=body, headers=vendor, timeout=60)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    submitted = httpx.post(f"{api}/applications/{app_id}/submit", headers=vendor, timeout=60)
    assert submitted.status_code == 200, submitted.text
    accepted = httpx.post(f"{api}/applications/{app_id}/accept", headers=operator, timeout=60)
    assert accepted.status_code == 200, accepted.text
    paid = httpx.post(
        f"{api}/applications/{app_id}/fee-paid",
        json={"reference": f"TRANSFER-{app_id}"},
        headers=operator,
        timeout=60,
    )
    assert paid.status_code == 200, paid.text
    approved = httpx.post(f"{api}/applications/{app_id}/approve", headers=operator, timeout=60)
    assert approved.status_code == 200, approved.text
    label: dict[str, Any] = approved.json()
    return label


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("registry-browser")
    report = japanese_report(workdir)
    for registry in start_registry("sqlite", workdir):
        label = issue(registry, report, MODELS)
        other = issue(registry, report, ["HG-900", "HG-900W"])
        suspended = httpx.post(
            f"{registry.url}/api/v1/labels/{other['registration_no']}/suspend",
            json={"reason": SUSPENSION},
            headers={"Authorization": f"Bearer {registry.operator_token}"},
            timeout=60,
        )
        assert suspended.status_code == 200, suspended.text
        yield Site(registry, label, suspended.json())


# -- what a user sees -------------------------------------------------------------------------


def test_product_page_shows_the_label_and_everything_it_covers(
    site: Site, browser: Browser, tmp_path: Path
) -> None:
    label = site.label
    url = label["product_url"]  # the link in the QR code
    page = browser.dom(url)

    assert page.says(PRODUCT)
    assert page.element("status") == f"有効 このラベルは {label['expires_on']} まで有効です。"
    for shown in (
        "★1",
        label["registration_no"],
        f"有効期限 {label['expires_on']}",
        f"ベンダー {label['vendor']}",
        f"脆弱性の連絡先 {label['vulnerability_contact']}",
        "型番 12 件",
    ):
        assert page.says(shown), shown
    assert all(page.says(model) for model in MODELS)  # all of them, not only those in the QR
    assert f"JC-STAR ★1 {label['registration_no']}" in page.images  # the label artwork

    # the label drawn on the page is one a phone can scan: its QR code reads back as the label
    shot = browser.screenshot(url, tmp_path / "product-page.png")
    assert read_qr_image(shot) == label["qr"]


def test_searching_in_japanese_finds_the_product(site: Site, browser: Browser) -> None:
    home = browser.dom(f"{site.registry.url}/")
    assert home.says("適合ラベルの検索")

    # the search form is a GET form (name q): submitting it loads this address
    results = browser.dom(f"{site.registry.url}/?q={quote('エネルギー管理')}")
    assert results.says("2 件中 1–2 件目")
    # a card for each label, naming its product and registration number
    assert results.text.count(PRODUCT) == 2
    assert site.label["registration_no"] in results.text
    assert site.suspended["registration_no"] in results.text

    nothing = browser.dom(f"{site.registry.url}/?q={quote('冷蔵庫')}")
    assert nothing.says("該当するラベルはありません。")
    assert not nothing.says(site.label["registration_no"])


def test_suspended_label_page_says_so_with_the_reason(site: Site, browser: Browser) -> None:
    page = browser.dom(site.suspended["product_url"])
    status = page.element("status")
    assert status.startswith("一時停止")
    assert SUSPENSION in status
    assert "このラベルは現在有効ではありません。" in status


def test_unknown_registration_number_says_it_is_not_a_label_from_this_registry(
    site: Site, browser: Browser
) -> None:
    page = browser.dom(f"{site.registry.url}/p/JC1-2026-999999")
    assert page.says("登録番号 JC1-2026-999999 は見つかりません")
    assert page.says("この登録簿が発行したラベルではありません")
