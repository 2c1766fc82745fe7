"""A device's web pages beyond the root: its landing page, and the login surfaces and
settings pages below it.

Many devices serve a public landing page at ``/`` and keep the login elsewhere:
``/admin/`` behind HTTP Basic, ``/cgi-bin/luci`` reached through a meta refresh, a login
form in a frame. When the root does not ask for credentials itself, we follow the landing
page's same-origin navigation (frames, meta refresh, a scripted ``location``), then its
links, then a short list of common admin paths (``data/admin-paths.yaml``, each entry with
its source), asking at most ``max_requests`` paths per web service. What asks for
credentials becomes a login surface like any other (default credentials, brute force);
a page below the root that gives settings without a login is open access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field

from jcstar.checks.base import CheckInput, data_path
from jcstar.checks.network.collect.device import device_params, device_scan, pacer
from jcstar.checks.network.collect.logins.base import LoginResult, LoginSurface, host_in_url
from jcstar.checks.network.collect.logins.http import (
    HttpBasicSurface,
    HttpFormSurface,
    _challenges,
    _client,
    _Page,
    _request,
    judge_open_page,
)
from jcstar.checks.network.collect.scan import Service
from jcstar.checks.network.collect.web_forms import same_origin_paths

WEB_SERVICES = ("http", "https")
_REALM = re.compile(r'realm\s*=\s*"([^"]*)"', re.I)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AdminPathSource(_Frozen):
    id: str
    title: str
    url: str


class AdminPath(_Frozen):
    path: str = Field(pattern=r"^/")
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = ""


class AdminPaths(_Frozen):
    max_requests: int = Field(ge=1, le=50)
    sources: tuple[AdminPathSource, ...]
    paths: tuple[AdminPath, ...]

    def model_post_init(self, context: Any) -> None:
        known = {s.id for s in self.sources}
        for entry in self.paths:
            unknown = set(entry.sources) - known
            if unknown:
                raise ValueError(f"admin path {entry.path}: unknown source {sorted(unknown)}")


@cache
def admin_paths() -> AdminPaths:
    path = data_path("admin-paths.yaml")
    return AdminPaths.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def base_url(host: str, service: Service) -> str:
    return f"{'https' if service.tls else 'http'}://{host_in_url(host)}:{service.port}"


@dataclass(frozen=True)
class Landing:
    """What ``GET /`` gave on one web service (``page`` None when it failed)."""

    service: Service
    page: _Page | None
    error: str = ""


async def landing_pages(given: CheckInput) -> dict[str, Landing]:
    """The root page of every web service, fetched once per run (service key -> page)."""

    async def fetch() -> dict[str, Landing]:
        device = device_params(given)
        found: dict[str, Landing] = {}
        for service in (await device_scan(given)).services:
            if service.name not in WEB_SERVICES:
                continue
            await pacer(given).wait()
            try:
                async with _client(device.timeout_s) as client:
                    page = await _request(client, "GET", base_url(device.address, service) + "/")
                found[service.key] = Landing(service, page)
            except httpx.HTTPError as exc:
                found[service.key] = Landing(service, None, f"{type(exc).__name__}: {exc}")
        return found

    return await given.shared.once("network.web_landing_pages", fetch)


async def page_texts(given: CheckInput) -> list[tuple[str, str]]:
    """(where, text) of each landing page's title and visible text, for the model number."""
    texts: list[tuple[str, str]] = []
    for key, landing in (await landing_pages(given)).items():
        if landing.page is None or not 200 <= landing.page.status < 300:
            continue
        parsed = landing.page.parsed
        if parsed.title:
            texts.append((f"the title of the web page on {key}", parsed.title))
        if parsed.text:
            texts.append((f"the web page on {key}", parsed.text))
    return texts


def _realm(headers: httpx.Headers) -> str:
    for value in headers.get_list("www-authenticate"):
        found = _REALM.search(value)
        if found:
            return found.group(1)
    return ""


async def web_login_surfaces(
    given: CheckInput, service: Service, root: LoginResult
) -> list[tuple[LoginSurface, LoginResult]]:
    """Login surfaces and settings pages below the root of one web service, when the root
    itself does not ask for credentials (a 401 or a login form there covers the service)."""
    if root.outcome == "rejected":
        return []
    if root.outcome == "error" and not root.detail.startswith("HTTP "):
        return []  # the service did not answer properly: nothing to crawl
    device = device_params(given)
    listed = admin_paths()
    landing = (await landing_pages(given)).get(service.key)
    base = base_url(device.address, service)
    queue: list[tuple[str, str]] = []  # (path, how we came to it)
    seen_final = {"/"}
    if landing is not None and landing.page is not None:
        page = landing.page
        seen_final.add(page.path)
        if 200 <= page.status < 300:
            queue += [(p, f"the page {page.path} leads there") for p in _navigation(page)]
            queue += [(p, f"linked from {page.path}") for p in _links(page)]
    queue += [(entry.path, "a common admin path") for entry in listed.paths]

    found: list[tuple[LoginSurface, LoginResult]] = []
    asked: set[str] = set()
    realms: set[str] = set()
    form_targets: set[str] = set()
    async with _client(device.timeout_s) as client:
        while queue and len(asked) < listed.max_requests:
            path, how = queue.pop(0)
            if path in asked:
                continue
            asked.add(path)
            await pacer(given).wait()
            try:
                page = await _request(client, "GET", base + path, timeout_s=device.timeout_s)
            except httpx.HTTPError:
                continue
            if page.path in seen_final and page.status != 401:
                continue
            seen_final.add(page.path)
            outcome, detail = judge_open_page(page, path)
            result = LoginResult(outcome, f"{detail} ({how})", 0.0)
            if page.status == 401 and _challenges(page.headers):
                realm = f"{' '.join(sorted(set(_challenges(page.headers))))} {_realm(page.headers)}"
                if realm in realms:
                    continue  # the same protection space: its credentials are the same
                realms.add(realm)
                found.append((HttpBasicSurface(path=path, tls=service.tls, remember=True), result))
            elif outcome == "rejected" and page.has_login_form:
                form = page.parsed.login_forms()[0]
                target = httpx.URL(page.url).join(form.action or page.url)
                if str(target) in form_targets:
                    continue
                form_targets.add(str(target))
                found.append((HttpFormSurface(path=path, tls=service.tls), result))
            elif outcome == "accepted" and page.parsed.settings_evidence():
                found.append((HttpBasicSurface(path=path, tls=service.tls, remember=True), result))
            elif outcome == "accepted" and how.startswith("the page"):
                # a frame or a redirect: the page the browser really shows; look on from it
                queue[:0] = [(p, f"the page {page.path} leads there") for p in _navigation(page)]
                queue += [(p, f"linked from {page.path}") for p in _links(page)]
    return found


def _navigation(page: _Page) -> list[str]:
    return same_origin_paths(page.url, page.parsed.navigation)


def _links(page: _Page) -> list[str]:
    return same_origin_paths(page.url, page.parsed.links)
