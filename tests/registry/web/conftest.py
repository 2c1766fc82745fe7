"""The portal in a real browser: ``jcstar serve`` on 127.0.0.1 (SQLite in a temp directory)
with labels issued through its API, and Debian's Chromium driven by Playwright (launched from
``/usr/bin/chromium`` with ``executable_path``: no browser is downloaded).

``portal_browser`` is a browser fixture (``tests/conftest.py`` marks its tests ``browser``).
Screenshots go to ``build/screenshots/`` (the README names the folder; CI keeps it).

Playwright's sync API drives its event loop from the main thread and marks it as that
thread's running loop between calls; anything else that starts a loop there
(``asyncio.run``: the assessment, a TestClient's lifespan) then fails. So the loop is marked
running only while a test holds ``new_page``, and the helpers here that assess a product do it
in a thread of their own: the browser tests and the others run in any order.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from jcstar.assessment.service import assess_files
from tests.cli.test_registry_cli import VENDOR, Registry, start_registry
from tests.conftest import CONFORMANT, require_tool

playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "tests" / "fixtures" / "axe" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]

GATEWAY = "家庭用エネルギー管理ゲートウェイ HG-100"
GATEWAY_EN = "Home Energy Gateway HG-100"
CAMERA = "ネットワークカメラ NC-20"
CAMERA_EN = "Network Camera NC-20"
PLUG = "Smart Plug SP"
#: more plugs than one page of results holds (``web.public.PAGE_SIZE`` is 20)
PLUGS = 21
REVOCATION = "認証情報の漏えい / credentials leaked"
PASSWORD = "portal-test-password-1"
VENDOR_EMAIL = "compliance@vendor.test"


@dataclass
class Portal:
    registry: Registry
    gateway: dict[str, Any]
    camera: dict[str, Any]  # revoked
    plugs: list[dict[str, Any]]

    @property
    def url(self) -> str:
        return self.registry.url


def report_for(workdir: Path, name: str, product: str, english: str, category: str) -> Any:
    """The conformant example renamed, assessed as a vendor would (in a thread of its own: the
    assessment runs an event loop, and inside a browser test Playwright's is running here)."""
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(_assessed, workdir, name, product, english, category).result()


def _assessed(workdir: Path, name: str, product: str, english: str, category: str) -> Any:
    example = workdir / name
    shutil.copytree(CONFORMANT, example)
    profile = example / "profile.yaml"
    text = profile.read_text("utf-8")
    text = re.sub(r"(?m)^product: .*$", f"product: {product}", text)
    text = re.sub(r"(?m)^  product_name_ja: .*$", f"  product_name_ja: {product}", text)
    text = re.sub(r"(?m)^  product_name_en: .*$", f"  product_name_en: {english}", text)
    text = re.sub(r"(?m)^  category: .*$", f"  category: {category}", text)
    profile.write_text(text, encoding="utf-8")
    report = assess_files(profile, example / "answers.yaml")
    assert report.overall == "CONFORMANT"
    return report.model_dump(mode="json")


def issue(registry: Registry, report: Any, models: list[str]) -> dict[str, Any]:
    """Apply as the vendor and approve as the operator, through the registry's API."""
    api = f"{registry.url}/api/v1"
    vendor = {"Authorization": f"Bearer {registry.vendor_token}"}
    operator = {"Authorization": f"Bearer {registry.operator_token}"}
    with httpx.Client(base_url=api, timeout=60) as http:
        created = http.post(
            "/applications", json={"report": report, "model_numbers": models}, headers=vendor
        )
        assert created.status_code == 201, created.text
        app_id = created.json()["id"]
        steps = [
            ("submit", vendor, None),
            ("accept", operator, None),
            ("fee-paid", operator, {"reference": f"TRANSFER-{app_id}"}),
            ("approve", operator, None),
        ]
        answer = created
        for step, headers, body in steps:
            answer = http.post(f"/applications/{app_id}/{step}", json=body, headers=headers)
            assert answer.status_code == 200, (step, answer.text)
    label: dict[str, Any] = answer.json()
    return label


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A registry of each test module's own (what one module's tests add, e.g. another
    energy-management product, never shows in another's search results)."""
    workdir = tmp_path_factory.mktemp("portal")
    gateway = report_for(workdir, "gateway", GATEWAY, GATEWAY_EN, "energy_management")
    camera = report_for(workdir, "camera", CAMERA, CAMERA_EN, "network_camera")
    plug = report_for(workdir, "plug", PLUG, PLUG, "smart_home_appliance")
    for registry in start_registry("sqlite", workdir):
        made = registry.admin(
            "create-user",
            VENDOR_EMAIL,
            "--org",
            VENDOR,
            "--password",
            PASSWORD,
            "--role",
            "applicant",
        )
        assert made.code == 0, made.err
        issued_gateway = issue(registry, gateway, ["HG-100", "HG-100W"])
        issued_camera = issue(registry, camera, ["NC-20"])
        revoked = httpx.post(
            f"{registry.url}/api/v1/labels/{issued_camera['registration_no']}/revoke",
            json={"reason": REVOCATION},
            headers={"Authorization": f"Bearer {registry.operator_token}"},
            timeout=60,
        )
        assert revoked.status_code == 200, revoked.text
        plugs = [issue(registry, plug, [f"SP-{n:03d}"]) for n in range(PLUGS)]
        yield Portal(registry, issued_gateway, issued_camera, plugs)


@dataclass
class PortalBrowser:
    """Chromium under Playwright, with the event loop Playwright's sync API runs on."""

    browser: Any
    loop: asyncio.AbstractEventLoop


@pytest.fixture(scope="session")
def portal_browser() -> Iterator[PortalBrowser]:
    """Debian's Chromium, headless, under Playwright; one for the session. Between the tests
    that use it, its loop is not left marked as this thread's running loop (see the module's
    docstring); ``new_page`` marks it for the test's length."""
    binary = require_tool("chromium")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        loop = asyncio.get_running_loop()  # Playwright's, marked running after each call
        asyncio._set_running_loop(None)
        try:
            yield PortalBrowser(browser, loop)
        finally:
            asyncio._set_running_loop(loop)  # Playwright's calls need it to close
            browser.close()


@pytest.fixture
def new_page(portal_browser: PortalBrowser) -> Iterator[Any]:
    """``new_page(lang=None, width=1024)``: a fresh browser context (no cookies) and a page in
    it; ``lang`` sets the browser's Accept-Language. Closed after the test."""
    contexts: list[Any] = []

    def make(lang: str | None = None, width: int = 1024) -> Any:
        options: dict[str, Any] = {"viewport": {"width": width, "height": 900}}
        if lang is not None:
            options["locale"] = {"ja": "ja-JP", "en": "en-GB"}[lang]
        context = portal_browser.browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    # Playwright's dispatcher runs the loop from inside run_until_complete(), where code
    # asks for the running loop: marked so while this test runs, cleared after it
    asyncio._set_running_loop(portal_browser.loop)
    try:
        yield make
        for context in contexts:
            context.close()
    finally:
        asyncio._set_running_loop(None)


def screenshot(page: Any, name: str) -> Path:
    """The whole page as the reader sees it, kept under ``build/screenshots/``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE.read_text("utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"
    )
    result: list[dict[str, Any]] = json.loads(json.dumps(found))
    return result
