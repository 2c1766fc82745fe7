"""Log in to a device's services: one small, bounded attempt per call.

Every protocol uses a well-kept library (telnetlib3, asyncssh, httpx, aiomqtt,
stdlib ftplib); no protocol stack of our own, except RTSP, where one DESCRIBE
request over asyncio streams is all we need. A call never raises and never
hangs past its timeout: the outcome is ``accepted``, ``rejected`` or ``error``
with a reason, and ``error`` is never read as a pass by the checks above.
When a probe cannot tell (an unfamiliar login dialogue or page) it says
``error``, never ``accepted`` and never ``rejected``: a wrong ``rejected``
would read as a pass.

INTERFACE (the checks rely on this):

    LoginOutcome = Literal["accepted", "rejected", "error"]

    @dataclass(frozen=True)
    class LoginResult:
        outcome: LoginOutcome
        detail: str          # e.g. "shell prompt '#' after the password", "HTTP 401",
                             #      "timed out after 5 s"
        elapsed_s: float

    class LoginSurface(Protocol):
        service: str         # "telnet", "ssh", "http-basic", "http-form", "ftp", "mqtt", "rtsp"
        async def try_login(self, host: str, port: int, username: str, password: str,
                            timeout_s: float) -> LoginResult: ...
        async def open_without_credentials(self, host: str, port: int,
                                           timeout_s: float) -> LoginResult: ...
            # "accepted" = the service gives access with no credentials at all
            # (telnet shell without login, HTTP 200 on an admin page, anonymous MQTT/FTP)

    SURFACES: dict[str, LoginSurface]   # by service name

    def login_session(surface, host, port, timeout_s, tries_per_connection) -> LoginSession
        # several tries in a row on one device: ``await session.try_login(user, password)``
        # then ``await session.aclose()``. Telnet keeps a connection for up to
        # ``tries_per_connection`` tries (only after a failure message and a new login
        # prompt); every other surface connects once per try. Each try has its own timeout.

Only the given host is ever contacted: HTTP redirects to another host are not
followed, and no proxy, netrc, SSH config, SSH agent or key of the tester is used.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ftplib
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Literal, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit

import aiomqtt
import asyncssh
import httpx
import telnetlib3
from paho.mqtt.reasoncodes import ReasonCode

from jcstar.checks.httpbody import read_capped
from jcstar.checks.network.tlsctx import shared_observing_context

LoginOutcome = Literal["accepted", "rejected", "error"]
Verdict = tuple[LoginOutcome, str]
T = TypeVar("T")

#: most output read from one service in one call: an endless banner stops here
MAX_READ_BYTES = 64 * 1024
USER_AGENT = "jcstar-login-probe"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    detail: str
    elapsed_s: float


class LoginSurface(Protocol):
    service: str

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult: ...

    async def open_without_credentials(
        self, host: str, port: int, timeout_s: float
    ) -> LoginResult: ...


class OutputLimitExceeded(Exception):
    """The service sent more than MAX_READ_BYTES without reaching a decision."""


# --- the envelope every call goes through -------------------------------------------


async def _bounded(attempt: Awaitable[Verdict], timeout_s: float) -> LoginResult:
    start = time.monotonic()
    try:
        # a timeout scope, not wait_for: no extra task per attempt (CPU in a big fleet)
        async with asyncio.timeout(timeout_s):
            outcome, detail = await _guarded(attempt)
    except TimeoutError:  # only the scope's own: _guarded turns every inner one into a verdict
        outcome, detail = "error", f"timed out after {timeout_s:g} s"
    return LoginResult(outcome, detail, round(time.monotonic() - start, 3))


async def _guarded(attempt: Awaitable[Verdict]) -> Verdict:
    try:
        return await attempt
    except Exception as exc:  # a probe reports, it never raises
        return "error", _describe(exc)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _quote(text: str, limit: int = 60) -> str:
    """A short, printable excerpt of device output for a detail message."""
    flat = " ".join(text.split())
    return repr(flat[-limit:])


def host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


# --- telnet ------------------------------------------------------------------------

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
_LOGIN_PROMPT = re.compile(r"(?:login|user ?name|user)\s*:\s*$", re.IGNORECASE)
_PASSWORD_PROMPT = re.compile(r"pass(?:word)?\s*:\s*$", re.IGNORECASE)
_SHELL_PROMPT = re.compile(r"[#$>%]\s*$")
_LOGIN_FAILURE = re.compile(
    r"login incorrect|incorrect|failed|denied|invalid|bad password|wrong password",
    re.IGNORECASE,
)
PromptKind = Literal["login", "password", "shell"]


def _clean(text: str) -> str:
    # busybox telnetd sends ESC[6n (cursor position request) after login
    return _ANSI_ESCAPE.sub("", text).replace("\x00", "")


def _prompt_kind(text: str) -> PromptKind | None:
    """What the output is waiting for, judged from its end."""
    text = _clean(text).rstrip("\r\n\t ") + " "
    if _PASSWORD_PROMPT.search(text):
        return "password"
    if _LOGIN_PROMPT.search(text):
        return "login"
    if _SHELL_PROMPT.search(text):
        return "shell"
    return None


def _judge_after_credentials(text: str, sent: str) -> Verdict | None:
    """Accepted on a shell prompt, rejected on a new login prompt or failure message."""
    kind = _prompt_kind(text)
    last = _quote(_clean(text), 30)
    if kind == "login":
        return "rejected", f"login prompt again after the {sent} ({last})"
    if kind == "password" and sent == "password":
        return "rejected", f"password prompt again after the password ({last})"
    if kind == "shell":
        return "accepted", f"shell prompt {last} after the {sent}"
    failure = _failure_line(text)
    if failure:
        return "rejected", f"{failure!r} after the {sent}"
    return None


def _failure_line(text: str) -> str | None:
    """The line with a login failure message ("Login incorrect"), if any."""
    for line in _clean(text).splitlines():
        if _LOGIN_FAILURE.search(line):
            return line.strip()[:80]
    return None


class _TelnetSession:
    """Reads telnet output in chunks, with a byte cap and a settle time.

    A verdict is only returned once the output has been quiet for ``settle_s``,
    so a prompt-like character in the middle of a banner is not taken for a prompt.
    Output the caller marks as unambiguous (``quick``: e.g. ``Password:`` right after
    the user name) settles after ``quick_settle_s`` instead.
    """

    def __init__(
        self,
        reader: telnetlib3.TelnetReader | telnetlib3.TelnetReaderUnicode,
        writer: telnetlib3.TelnetWriter | telnetlib3.TelnetWriterUnicode,
        settle_s: float,
        quick_settle_s: float,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.settle_s = settle_s
        self.quick_settle_s = min(quick_settle_s, settle_s)
        self.text = ""  # output since the last send
        self.total = 0
        self.closed = False

    def send_line(self, line: str) -> None:
        self.text = ""
        self.writer.write(line + "\r\n")  # type: ignore[arg-type]

    async def _read(self, wait_s: float | None) -> str | None:
        """The next chunk; "" at end of stream, None when quiet for ``wait_s``."""
        try:
            async with asyncio.timeout(wait_s):  # no task per read, unlike wait_for
                chunk: str | bytes = await self.reader.read(4096)
        except TimeoutError:
            return None
        if isinstance(chunk, bytes):
            chunk = chunk.decode("latin-1")
        self.total += len(chunk)
        if self.total > MAX_READ_BYTES:
            raise OutputLimitExceeded(f"more than {MAX_READ_BYTES} bytes without a decision")
        return chunk

    async def expect(
        self,
        decide: Callable[[str], T],
        idle_s: float | None = None,
        quick: Callable[[str], bool] | None = None,
    ) -> T | None:
        """Read until ``decide`` gives a settled answer, the stream ends or output idles."""
        verdict = decide(self.text) if self.text else None
        while True:
            if verdict is None:
                wait = idle_s
            elif quick is not None and quick(self.text):
                wait = self.quick_settle_s
            else:
                wait = self.settle_s
            chunk = await self._read(wait)
            if chunk is None:
                return verdict
            if not chunk:
                self.closed = True
                return decide(self.text)
            self.text += chunk
            verdict = decide(self.text)

    async def command_echo(self) -> bool:
        """Run ``echo`` with a random marker the typed line itself cannot show."""
        token = secrets.token_hex(4)
        self.send_line(f'echo jc""{token}')
        found = await self.expect(lambda text: True if f"jc{token}" in text else None, 2.0)
        return bool(found)

    def close(self) -> None:
        self.writer.close()


@dataclass
class TelnetSurface:
    service: str = field(default="telnet", init=False)
    settle_s: float = 0.4
    #: settle time for a reply that cannot be a banner fragment: ``Password:`` right
    #: after the user name, or a failure message followed by a new login prompt
    quick_settle_s: float = 0.05
    #: silence after which we press Enter once (some devices print nothing until then)
    nudge_after_s: float = 2.0
    #: how long a device may stay silent after a password: busybox login sleeps 3 s
    #: before "Login incorrect", PAM's faildelay 2-4 s
    fail_delay_s: float = 5.0

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await _bounded(self._login(host, port, username, password), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await _bounded(self._open_access(host, port), timeout_s)

    async def _connect(self, host: str, port: int) -> _TelnetSession:
        # _bounded's timeout covers the connect: telnetlib3 has no connect timeout of its own
        # connect_minwait: busybox-style telnetd sends its options at once and never
        # answers ours, so waiting longer for the negotiation only adds latency
        reader, writer = await telnetlib3.open_connection(
            host, port, connect_minwait=0.05, connect_maxwait=1.0
        )
        return _TelnetSession(reader, writer, self.settle_s, self.quick_settle_s)

    async def _first_prompt(self, session: _TelnetSession) -> PromptKind:
        kind = await session.expect(_prompt_kind, self.nudge_after_s)
        if kind is None and not session.closed:
            session.send_line("")
            kind = await session.expect(_prompt_kind)
        if kind is None:
            raise ConnectionError(
                f"no prompt before the connection closed ({_quote(session.text)})"
            )
        return kind

    async def _open_access(self, host: str, port: int) -> Verdict:
        session = await self._connect(host, port)
        try:
            kind = await self._first_prompt(session)
        finally:
            session.close()
        if kind == "shell":
            return "accepted", f"shell prompt {_quote(_clean(session.text), 30)} with no login"
        return "rejected", f"{kind} prompt {_quote(_clean(session.text), 30)}"

    async def _login(self, host: str, port: int, username: str, password: str) -> Verdict:
        session = await self._connect(host, port)
        try:
            return await self._dialogue(session, username, password)
        finally:
            session.close()

    def session(self, host: str, port: int, timeout_s: float, tries: int) -> TelnetLoginSession:
        """Several logins over as few connections as the device allows (``tries`` each)."""
        return TelnetLoginSession(self, host, port, timeout_s, tries)

    async def _dialogue(self, session: _TelnetSession, username: str, password: str) -> Verdict:
        kind = await self._first_prompt(session)
        return await self._credentials(session, kind, username, password)

    async def _credentials(
        self, session: _TelnetSession, kind: PromptKind, username: str, password: str
    ) -> Verdict:
        """Answer the prompt ``kind`` the session is at with one credential pair."""
        if kind == "shell":
            return "accepted", "shell prompt before any login prompt: no credentials were asked"
        if kind == "login":
            session.send_line(username)
            after_user = await session.expect(_after_username, quick=_asks_password)
            if after_user is None:
                return "error", _silent("username", session)
            if after_user != "password":
                return after_user
        session.send_line(password)
        verdict = await session.expect(
            _after_password, idle_s=self.fail_delay_s, quick=_refused_with_new_prompt
        )
        if verdict is None:
            return await self._unrecognised_reply(session)
        if verdict[0] != "accepted":
            return verdict
        failure = _failure_line(session.text)
        if await session.command_echo():
            return "accepted", verdict[1] + "; command echo confirmed"
        if failure:
            # "Access denied" then ">" could be a refusal followed by a pre-login menu
            return "error", f"prompt after {failure!r}; command echo not confirmed"
        return verdict

    async def _unrecognised_reply(self, session: _TelnetSession) -> Verdict:
        """No prompt or message we know after the password: accept only a command echo."""
        if session.closed:
            return "error", _silent("password", session)
        text = session.text
        if await session.command_echo():
            return "accepted", "command echo after the password (no recognised prompt)"
        session.text = text
        return "error", _silent("password", session)


class TelnetLoginSession:
    """Logins on one device, up to ``tries`` per telnet connection (busybox login gives
    three). The next user name is only sent after a recognised failure followed by a
    new login prompt; anything else (an error, a timeout, an unclear reply, a closed
    connection) ends the connection and the next try starts a fresh one."""

    def __init__(
        self, surface: TelnetSurface, host: str, port: int, timeout_s: float, tries: int
    ) -> None:
        self.surface = surface
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.tries = max(1, tries)
        self._session: _TelnetSession | None = None
        self._used = 0
        self.connections = 0

    async def try_login(self, username: str, password: str) -> LoginResult:
        if self._session is not None and not self._reusable(self._session):
            self._drop()
        result = await _bounded(self._attempt(username, password), self.timeout_s)
        self._used += 1
        if result.outcome != "rejected":
            self._drop()  # accepted: done; error: the dialogue's state is unknown
        return result

    def _reusable(self, session: _TelnetSession) -> bool:
        return (
            self._used < self.tries
            and not session.closed
            and _refused_with_new_prompt(session.text)
        )

    async def _attempt(self, username: str, password: str) -> Verdict:
        if self._session is None:
            self._used = 0
            self.connections += 1
            self._session = await self.surface._connect(self.host, self.port)
            kind = await self.surface._first_prompt(self._session)
        else:
            kind = "login"
        return await self.surface._credentials(self._session, kind, username, password)

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    async def aclose(self) -> None:
        self._drop()


def _asks_password(text: str) -> bool:
    return _prompt_kind(text) == "password"


def _refused_with_new_prompt(text: str) -> bool:
    """A failure message, then a login prompt: the device offers another try."""
    return _prompt_kind(text) == "login" and _failure_line(text) is not None


def _after_username(text: str) -> Literal["password"] | Verdict | None:
    if _prompt_kind(text) == "password":
        return "password"
    return _judge_after_credentials(text, "username")


def _after_password(text: str) -> Verdict | None:
    return _judge_after_credentials(text, "password")


def _silent(sent: str, session: _TelnetSession) -> str:
    state = "connection closed" if session.closed else "no recognised prompt or message"
    return f"{state} after the {sent} ({_quote(_clean(session.text))})"


# --- ssh ---------------------------------------------------------------------------


@cache
def _legacy_ssh_algorithms() -> dict[str, list[str]]:
    """Everything asyncssh supports, old algorithms included (GSS needs Kerberos)."""

    def names(algs: list[bytes]) -> list[str]:
        return [alg.decode() for alg in algs if not alg.startswith(b"gss-")]

    return {
        "kex_algs": names(asyncssh.kex.get_kex_algs()),
        "encryption_algs": names(asyncssh.encryption.get_encryption_algs()),
        "mac_algs": names(asyncssh.mac.get_mac_algs()),
        "server_host_key_algs": names(asyncssh.public_key.get_public_key_algs()),
    }


async def _ssh_connect(
    host: str, port: int, username: str, password: str | None, timeout_s: float, legacy: bool
) -> str:
    """Log in and out; returns the server's version string."""
    extra = _legacy_ssh_algorithms() if legacy else {}
    async with asyncssh.connect(
        host,
        port,
        username=username,
        password=password,
        known_hosts=None,  # we judge logins, not host keys
        client_keys=None,  # never offer the tester's own keys ...
        agent_path=None,  # ... or its agent
        config=None,  # ... or its ~/.ssh/config
        gss_host=None,
        login_timeout=timeout_s,
        connect_timeout=timeout_s,
        **extra,
    ) as conn:
        return str(conn.get_extra_info("server_version", ""))


async def _ssh_attempt(
    host: str, port: int, username: str, password: str | None, timeout_s: float
) -> Verdict:
    how = "password" if password is not None else "no credentials (auth 'none')"
    legacy = ""
    try:
        try:
            version = await _ssh_connect(host, port, username, password, timeout_s, False)
        except asyncssh.KeyExchangeFailed as exc:
            # old IoT servers offer only algorithms asyncssh leaves out by default
            legacy = f"; needed legacy algorithms ({exc.reason})"
            version = await _ssh_connect(host, port, username, password, timeout_s, True)
    except asyncssh.PermissionDenied as exc:
        return "rejected", f"permission denied for {username!r} with {how} ({exc.reason}){legacy}"
    return "accepted", f"logged in as {username!r} with {how} ({version}){legacy}"


@dataclass
class SshSurface:
    service: str = field(default="ssh", init=False)
    #: the user name tried for an unauthenticated ("none") login
    open_username: str = "root"

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await _bounded(_ssh_attempt(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        attempt = _ssh_attempt(host, port, self.open_username, None, timeout_s)
        return await _bounded(attempt, timeout_s)


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

    @property
    def has_password_field(self) -> bool:
        return any(form.password_fields for form in _parse_forms(self.body))


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
    return _judge_open_page(page, path)


def _judge_open_page(page: _Page, path: str) -> Verdict:
    if page.status == 401:
        schemes = ", ".join(_challenges(page.headers)) or "no"
        return "rejected", f"HTTP 401 on {path} ({schemes} challenge)"
    if page.status == 403:
        return "rejected", f"HTTP 403 on {path}"
    if 200 <= page.status < 300 and page.has_password_field:
        return "rejected", f"HTTP {page.status} on {page.path} shows a login form"
    if 200 <= page.status < 300:
        return (
            "accepted",
            f"HTTP {page.status} on {page.path}: no auth challenge, no password field",
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
        return await _bounded(self._login(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await _bounded(self._open(host, port, timeout_s), timeout_s)

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
        return _judge_open_page(page, self.path)

    async def _login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> Verdict:
        url = _base_url(host, port, self.tls) + self.path
        async with self._client_for(timeout_s) as client:
            schemes = self._schemes.get(url) if self.remember else None
            if schemes is None:
                bare = await _request(client, "GET", url, timeout_s=timeout_s)
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
        if page.status < 400:
            return "accepted", f"HTTP {page.status} with {scheme} credentials, 401 without"
        if page.status in (401, 403):
            return "rejected", f"HTTP {page.status} with {scheme} credentials"
        return "error", f"HTTP {page.status} with {scheme} credentials"


@dataclass
class _Form:
    action: str = ""
    method: str = "get"
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, value)

    @property
    def password_fields(self) -> list[str]:
        return [name for kind, name, _ in self.fields if kind == "password"]

    def username_field(self) -> str | None:
        texts = [name for kind, name, _ in self.fields if kind in ("text", "email", "tel", "")]
        named = [n for n in texts if re.search(r"user|login|name|mail|account|id", n, re.I)]
        if named:
            return named[0]
        return texts[0] if len(texts) == 1 else None

    def hidden_values(self) -> dict[str, str]:
        return {name: value for kind, name, value in self.fields if kind == "hidden"}


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._current: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._current = _Form(values.get("action", ""), values.get("method", "get").lower())
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and values.get("name"):
            kind = values.get("type", "").lower()
            self._current.fields.append((kind, values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _parse_forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


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
        return await _bounded(self._login(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await _bounded(_open_page(host, port, self.path, self.tls, timeout_s), timeout_s)

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


def _login_form(page: _Page) -> _Form:
    if page.status >= 400:
        raise _Unsure(f"HTTP {page.status} on {page.path}: no login form to test")
    forms = [form for form in _parse_forms(page.body) if len(form.password_fields) == 1]
    if len(forms) != 1:
        raise _Unsure(f"{len(forms)} forms with one password field on {page.path}; expected 1")
    return forms[0]


def _compare_form_responses(wrong: _Page, given: _Page) -> Verdict:
    """Judge the given password against a known-wrong one; unsure means error."""
    wrong_refused = wrong.has_password_field or wrong.status in (401, 403)
    if given.status >= 500:
        return "error", f"HTTP {given.status} after submitting the form"
    shape_wrong = (wrong.status, wrong.path, wrong.has_password_field)
    shape_given = (given.status, given.path, given.has_password_field)
    if shape_given == shape_wrong and wrong_refused:
        return "rejected", (
            f"same response as a known-wrong password (HTTP {given.status} {given.path}, "
            f"login form {'shown' if given.has_password_field else 'refused'})"
        )
    if wrong_refused and not given.has_password_field and given.status < 400:
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


# --- ftp ---------------------------------------------------------------------------


class _BoundedFTP(ftplib.FTP):
    """ftplib with a cap on bytes read and a deadline, so its thread always ends."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline
        self.bytes_read = 0

    def getline(self) -> str:
        if time.monotonic() > self.deadline:
            raise TimeoutError("FTP deadline passed")
        line = super().getline()
        self.bytes_read += len(line) + 2
        if self.bytes_read > MAX_READ_BYTES:
            raise OutputLimitExceeded(f"more than {MAX_READ_BYTES} bytes of FTP replies")
        return line

    def abort_socket(self) -> None:
        """Unblock the worker thread when our caller gave up waiting."""
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _ftp_login_sync(
    ftp: _BoundedFTP, host: str, port: int, username: str, password: str, timeout_s: float
) -> Verdict:
    try:
        welcome = ftp.connect(host, port, timeout=timeout_s)
        try:
            reply = ftp.login(username, password)
        except ftplib.error_perm as exc:  # 5xx; 530 is "not logged in"
            outcome: LoginOutcome = "rejected" if str(exc).startswith("530") else "error"
            return outcome, f"FTP {exc} for {username!r}"
    finally:
        ftp.close()
    return "accepted", f"FTP {reply} for {username!r} (banner {_quote(welcome, 40)})"


async def _ftp_attempt(
    host: str, port: int, username: str, password: str, timeout_s: float
) -> Verdict:
    ftp = _BoundedFTP(time.monotonic() + timeout_s)
    try:
        return await asyncio.to_thread(
            _ftp_login_sync, ftp, host, port, username, password, timeout_s
        )
    finally:
        ftp.abort_socket()


@dataclass
class FtpSurface:
    service: str = field(default="ftp", init=False)

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await _bounded(_ftp_attempt(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        attempt = _ftp_attempt(host, port, "anonymous", "anonymous@", timeout_s)
        return await _bounded(attempt, timeout_s)


# --- mqtt --------------------------------------------------------------------------

# CONNACK return codes for bad credentials: MQTT 3.1.1 (4, 5) and MQTT 5 (134, 135)
_MQTT_REFUSED = {4, 5, 134, 135}


def _reason_value(rc: int | ReasonCode | None) -> int | None:
    return rc.value if isinstance(rc, ReasonCode) else rc


async def _mqtt_attempt(
    host: str, port: int, username: str | None, password: str | None, timeout_s: float
) -> Verdict:
    how = f"user {username!r}" if username is not None else "no credentials"
    client = aiomqtt.Client(
        host,
        port,
        username=username,
        password=password,
        identifier="jcstar-" + secrets.token_hex(4),
        timeout=timeout_s,
    )
    try:
        async with client:
            pass
    except aiomqtt.MqttCodeError as exc:
        if _reason_value(exc.rc) in _MQTT_REFUSED:
            return "rejected", f"CONNACK refused with {how}: {exc}"
        return "error", f"CONNACK error with {how}: {exc}"
    return "accepted", f"CONNACK accepted with {how}"


@dataclass
class MqttSurface:
    service: str = field(default="mqtt", init=False)

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await _bounded(_mqtt_attempt(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await _bounded(_mqtt_attempt(host, port, None, None, timeout_s), timeout_s)


# --- rtsp --------------------------------------------------------------------------


async def _rtsp_describe(
    host: str, port: int, path: str, authorization: str | None
) -> tuple[int, str]:
    """One DESCRIBE; returns the status code and the response head."""
    reader, writer = await asyncio.open_connection(host, port, limit=MAX_READ_BYTES)
    try:
        lines = [
            f"DESCRIBE rtsp://{host_in_url(host)}:{port}{path} RTSP/1.0",
            "CSeq: 1",
            "Accept: application/sdp",
            f"User-Agent: {USER_AGENT}",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    finally:
        writer.close()
    match = re.match(r"RTSP/\d\.\d (\d{3})", head)
    if not match:
        raise ValueError(f"not an RTSP response: {_quote(head)}")
    return int(match.group(1)), head


async def _rtsp_attempt(
    host: str, port: int, path: str, credentials: tuple[str, str] | None
) -> Verdict:
    authorization = None
    if credentials:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        authorization = f"Basic {token}"
    status, head = await _rtsp_describe(host, port, path, authorization)
    how = "Basic credentials" if credentials else "no credentials"
    asks_digest_only = "digest" in head.lower() and "basic" not in head.lower()
    if status == 200:
        return "accepted", f"RTSP 200 to DESCRIBE {path} with {how}"
    if status == 401 and credentials and asks_digest_only:
        return "error", "RTSP 401: the server asks for Digest; this probe sends Basic only"
    if status in (401, 403):
        return "rejected", f"RTSP {status} to DESCRIBE {path} with {how}"
    return "error", f"RTSP {status} to DESCRIBE {path}"


@dataclass
class RtspSurface:
    service: str = field(default="rtsp", init=False)
    path: str = "/"

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await _bounded(_rtsp_attempt(host, port, self.path, (username, password)), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await _bounded(_rtsp_attempt(host, port, self.path, None), timeout_s)


SURFACES: dict[str, LoginSurface] = {
    surface.service: surface
    for surface in (
        TelnetSurface(),
        SshSurface(),
        HttpBasicSurface(),
        HttpFormSurface(),
        FtpSurface(),
        MqttSurface(),
        RtspSurface(),
    )
}


# --- several attempts on one surface -------------------------------------------------


class LoginSession(Protocol):
    """Consecutive logins on one surface of one device (each bounded by its timeout)."""

    async def try_login(self, username: str, password: str) -> LoginResult: ...

    async def aclose(self) -> None: ...


@dataclass
class _OneConnectionPerTry:
    surface: LoginSurface
    host: str
    port: int
    timeout_s: float

    async def try_login(self, username: str, password: str) -> LoginResult:
        return await self.surface.try_login(
            self.host, self.port, username, password, self.timeout_s
        )

    async def aclose(self) -> None:
        return None


def login_session(
    surface: LoginSurface, host: str, port: int, timeout_s: float, tries_per_connection: int
) -> LoginSession:
    """Telnet reuses a connection for up to ``tries_per_connection`` tries where the
    device offers another login prompt; every other surface connects once per try."""
    if isinstance(surface, TelnetSurface):
        return surface.session(host, port, timeout_s, tries_per_connection)
    return _OneConnectionPerTry(surface, host, port, timeout_s)
