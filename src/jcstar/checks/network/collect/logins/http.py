"""HTTP logins: Basic/Digest challenges and login forms (httpx)."""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin, urlsplit

import httpx

from jcstar.checks.httpbody import read_capped
from jcstar.checks.network.collect.logins.base import (
    MAX_READ_BYTES,
    USER_AGENT,
    LoginResult,
    Verdict,
    bounded,
    host_in_url,
)
from jcstar.checks.network.collect.tlsctx import shared_observing_context
from jcstar.checks.network.collect.web_forms import ParsedPage, WebForm, parse_page

# --- http (basic/digest and forms) -------------------------------------------------


@dataclass(frozen=True)
class _Page:
    status: int
    url: str
    headers: httpx.Headers
    body: str
    cookies_set: frozenset[str]

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @cached_property
    def parsed(self) -> ParsedPage:
        return parse_page(self.body)

    @property
    def has_password_field(self) -> bool:
        return any(form.password_fields for form in self.parsed.forms)

    @property
    def has_login_form(self) -> bool:
        """A login form by its structure (one password field, no settings), not a
        settings form that happens to have a password field."""
        return bool(self.parsed.login_forms())


def rate_limit_detail(page: _Page) -> str | None:
    """ "HTTP 429 Too Many Requests (Retry-After: 5)" when the server limits us, else None.
    The wording is what the brute-force and default-credential checks look for."""
    if page.status != 429:
        return None
    after = page.headers.get("retry-after", "").strip()
    return "HTTP 429 Too Many Requests" + (f" (Retry-After: {after[:40]})" if after else "")


def _base_url(host: str, port: int, tls: bool | None) -> str:
    secure = tls if tls is not None else port in (443, 8443)
    return f"{'https' if secure else 'http'}://{host_in_url(host)}:{port}"


def _client(timeout_s: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=shared_observing_context(),
        timeout=timeout_s,
        follow_redirects=False,  # followed by hand, only on the same host
        trust_env=False,  # no proxy or netrc from the tester's environment
        headers={"User-Agent": USER_AGENT},
        # no keep-alive: every attempt is its own connection, as a guesser's would be,
        # so a device that limits new connections shows it; nothing stays open between
        # attempts, so a client kept for a device's run holds no socket while idle
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def _request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    auth: httpx.Auth | None = None,
    data: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> _Page:
    """One request, then redirects on the same host (at most 5); body capped.
    ``timeout_s`` overrides the client's timeout for each of these requests."""
    cookies: set[str] = set()
    timeout = httpx.Timeout(timeout_s) if timeout_s is not None else client.timeout
    for _ in range(6):
        async with client.stream(method, url, auth=auth, data=data, timeout=timeout) as response:
            body = await _read_capped(response)
        cookies.update(_cookie_names(response))
        location = response.headers.get("location")
        if not (response.is_redirect and location):
            return _Page(response.status_code, url, response.headers, body, frozenset(cookies))
        next_url = urljoin(url, location)
        if urlsplit(next_url).netloc != urlsplit(url).netloc:
            return _Page(response.status_code, url, response.headers, body, frozenset(cookies))
        method, url, data = "GET", next_url, None
    raise httpx.TooManyRedirects(f"more than 5 redirects from {url}")


async def _read_capped(response: httpx.Response) -> str:
    body, _ = await read_capped(response, MAX_READ_BYTES)  # enough to judge a login page
    return body.decode(response.encoding or "utf-8", "replace")


def _cookie_names(response: httpx.Response) -> set[str]:
    return {v.split("=", 1)[0].strip() for v in response.headers.get_list("set-cookie")}


def _challenges(headers: httpx.Headers) -> list[str]:
    """Auth schemes offered in WWW-Authenticate headers, lower case."""
    found = []
    for value in headers.get_list("www-authenticate"):
        found += [m.lower() for m in re.findall(r"(?:^|,)\s*(basic|digest)\b", value, re.I)]
    return found


async def _open_page(
    host: str, port: int, path: str, tls: bool | None, timeout_s: float
) -> Verdict:
    async with _client(timeout_s) as client:
        page = await _request(client, "GET", _base_url(host, port, tls) + path)
    return judge_open_page(page, path)


def judge_open_page(page: _Page, path: str) -> Verdict:
    """``accepted``: the page is served without credentials (a settings page among them);
    ``rejected``: a 401/403 or a login form; ``error``: anything else."""
    if page.status == 401:
        schemes = ", ".join(_challenges(page.headers)) or "no"
        return "rejected", f"HTTP 401 on {path} ({schemes} challenge)"
    if page.status == 403:
        return "rejected", f"HTTP 403 on {path}"
    limited = rate_limit_detail(page)
    if limited:
        return "error", f"{limited} on {path}"
    if 200 <= page.status < 300:
        settings = page.parsed.settings_evidence()
        if settings:
            return "accepted", (
                f"HTTP {page.status} on {page.path} without credentials gives settings: "
                + "; ".join(settings[:3])
            )
        if page.has_login_form:
            return "rejected", f"HTTP {page.status} on {page.path} shows a login form"
        return (
            "accepted",
            f"HTTP {page.status} on {page.path}: no auth challenge, no login form",
        )
    return "error", f"HTTP {page.status} on {page.path}"


@dataclass
class HttpBasicSurface:
    """HTTP Basic, or Digest when the server asks for it."""

    service: str = field(default="http-basic", init=False)
    path: str = "/"
    tls: bool | None = None  # None: HTTPS on ports 443 and 8443
    #: remember the auth schemes each URL asked for, so later attempts send credentials
    #: at once instead of fetching the 401 again (half the requests), and keep one
    #: HTTP client for all attempts (building one per attempt was most of the CPU);
    #: for an instance used on one device for one run, never the shared one in SURFACES
    remember: bool = False
    _schemes: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    _kept: httpx.AsyncClient | None = field(default=None, repr=False, compare=False)

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await bounded(self._login(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(self._open(host, port, timeout_s), timeout_s)

    @contextlib.asynccontextmanager
    async def _client_for(self, timeout_s: float) -> AsyncIterator[httpx.AsyncClient]:
        """The device's kept client when remembering, else a fresh one for this call."""
        if not self.remember:
            async with _client(timeout_s) as client:
                yield client
            return
        if self._kept is None:
            self._kept = _client(timeout_s)
        yield self._kept

    async def _open(self, host: str, port: int, timeout_s: float) -> Verdict:
        url = _base_url(host, port, self.tls) + self.path
        async with self._client_for(timeout_s) as client:
            page = await _request(client, "GET", url, timeout_s=timeout_s)
        schemes = _challenges(page.headers) if page.status == 401 else []
        if self.remember and schemes:
            self._schemes[url] = schemes  # the first login need not ask again
        return judge_open_page(page, self.path)

    async def _login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> Verdict:
        url = _base_url(host, port, self.tls) + self.path
        async with self._client_for(timeout_s) as client:
            schemes = self._schemes.get(url) if self.remember else None
            if schemes is None:
                bare = await _request(client, "GET", url, timeout_s=timeout_s)
                limited = rate_limit_detail(bare)
                if limited:
                    return "error", f"{limited} without credentials"
                if bare.status != 401:
                    return "error", f"HTTP {bare.status} without credentials: no HTTP auth to test"
                schemes = _challenges(bare.headers)
                if not schemes:
                    return "error", "HTTP 401 without a Basic or Digest challenge"
                if self.remember:
                    self._schemes[url] = schemes
            auth: httpx.Auth
            if "basic" in schemes:
                scheme, auth = "Basic", httpx.BasicAuth(username, password)
            else:
                scheme, auth = "Digest", httpx.DigestAuth(username, password)
            page = await _request(client, "GET", url, auth=auth, timeout_s=timeout_s)
        limited = rate_limit_detail(page)
        if limited:
            return "error", f"{limited} with {scheme} credentials"
        if page.status < 400:
            return "accepted", f"HTTP {page.status} with {scheme} credentials, 401 without"
        if page.status in (401, 403):
            return "rejected", f"HTTP {page.status} with {scheme} credentials"
        return "error", f"HTTP {page.status} with {scheme} credentials"


class _Unsure(Exception):
    """The page is not a login form this probe can read."""


@dataclass
class HttpFormSurface:
    """A plain HTML login form: one password field, a user field, hidden fields.

    Each try submits a known-wrong password first and compares: accepted only
    when the wrong password shows the form again and the given one does not.
    That is two login attempts per try, which matters on devices with lockout.
    """

    service: str = field(default="http-form", init=False)
    path: str = "/"
    tls: bool | None = None

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await bounded(self._login(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_open_page(host, port, self.path, self.tls, timeout_s), timeout_s)

    async def _login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> Verdict:
        url = _base_url(host, port, self.tls) + self.path
        try:
            wrong = await self._submit(
                url, username, "jcstar-wrong-" + secrets.token_hex(6), timeout_s
            )
            given = await self._submit(url, username, password, timeout_s)
        except _Unsure as exc:
            return "error", str(exc)
        return _compare_form_responses(wrong, given)

    async def _submit(self, url: str, username: str, password: str, timeout_s: float) -> _Page:
        async with _client(timeout_s) as client:  # fresh cookies for each submission
            page = await _request(client, "GET", url)
            form = _login_form(page)
            target = urljoin(page.url, form.action or page.url)
            if urlsplit(target).netloc != urlsplit(url).netloc:
                raise _Unsure(f"login form posts to another host ({urlsplit(target).netloc})")
            data = form.hidden_values()
            user_field = form.username_field()
            if user_field:
                data[user_field] = username
            data[form.password_fields[0]] = password
            method = "POST" if form.method == "post" else "GET"
            if method == "GET":
                target = str(httpx.URL(target).copy_merge_params(data))
            return await _request(client, method, target, data=data if method == "POST" else None)


def _login_form(page: _Page) -> WebForm:
    limited = rate_limit_detail(page)
    if limited:
        raise _Unsure(f"{limited} on {page.path}")
    if page.status >= 400:
        raise _Unsure(f"HTTP {page.status} on {page.path}: no login form to test")
    forms = page.parsed.login_forms()
    if len(forms) != 1:
        settings = page.parsed.settings_evidence()
        also = f" (it gives settings: {settings[0]})" if settings else ""
        raise _Unsure(
            f"{len(forms)} forms with one password field on {page.path}; expected 1{also}"
        )
    return forms[0]


def _compare_form_responses(wrong: _Page, given: _Page) -> Verdict:
    """Judge the given password against a known-wrong one; unsure means error."""
    limited = rate_limit_detail(given) or rate_limit_detail(wrong)
    if limited:
        return "error", f"{limited} after submitting the form"
    wrong_refused = wrong.has_login_form or wrong.status in (401, 403)
    if given.status >= 500:
        return "error", f"HTTP {given.status} after submitting the form"
    shape_wrong = (wrong.status, wrong.path, wrong.has_login_form)
    shape_given = (given.status, given.path, given.has_login_form)
    if shape_given == shape_wrong and wrong_refused:
        return "rejected", (
            f"same response as a known-wrong password (HTTP {given.status} {given.path}, "
            f"login form {'shown' if given.has_login_form else 'refused'})"
        )
    if wrong_refused and not given.has_login_form and given.status < 400:
        cookies = sorted(given.cookies_set - wrong.cookies_set)
        extra = f"; new cookies {', '.join(cookies)}" if cookies else ""
        return "accepted", (
            f"login form gone after submitting (HTTP {given.status} {given.path}); "
            f"a wrong password shows it again{extra}"
        )
    return "error", (
        f"cannot tell: wrong password gave HTTP {wrong.status} {wrong.path}, "
        f"given password HTTP {given.status} {given.path}"
    )
