"""Login probes against servers each test starts on 127.0.0.1, and the credential data.

Servers: a small asyncio server speaking the busybox telnetd login dialogue, an
asyncssh server, http.server with Basic, Digest and an HTML login form, pyftpdlib,
a fake MQTT broker that only speaks CONNECT/CONNACK, and a one-request RTSP server.
Raw servers that stay silent, send an endless banner or reset the connection check
that every surface ends with ``error`` within its timeout. Every server is stopped
when its test ends; nothing is sent anywhere but loopback.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import re
import secrets
import socket
import struct
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import asyncssh
import pytest

from jcstar.checks.credentials import (
    CredentialDataError,
    for_service,
    load_default_credentials,
)
from jcstar.checks.network.collect.logins import (
    MAX_READ_BYTES,
    SURFACES,
    HttpBasicSurface,
    HttpFormSurface,
    LoginResult,
    RtspSurface,
    SshSurface,
    login_session,
)

pytestmark = pytest.mark.network

HOST = "127.0.0.1"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def run(coro: Awaitable[LoginResult]) -> LoginResult:
    async def main() -> LoginResult:
        return await coro

    return asyncio.run(main())


@contextlib.asynccontextmanager
async def tcp_server(handler: Handler) -> AsyncIterator[int]:
    """An asyncio server on 127.0.0.1; yields its port, stops it and its handlers after."""
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, HOST, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


def probe_on(handler: Handler, call: Callable[[int], Awaitable[LoginResult]]) -> LoginResult:
    async def main() -> LoginResult:
        async with tcp_server(handler) as port:
            return await call(port)

    return asyncio.run(main())


# --- servers that misbehave: silent, endless banner, connection reset --------------


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    for _ in range(10_000):  # read and drop until the client goes away
        if not await reader.read(65536):
            return


def endless(head: bytes, line: bytes) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(head)
        for _ in range(20_000):  # about 20 x MAX_READ_BYTES, then stop
            writer.write(line)
            await writer.drain()

    return handler


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()  # linger 0: the close sends RST


ENDLESS = {
    "telnet": (b"", b"Welcome to the device, please wait...\r\n"),
    "ssh": (b"", b"this is not an SSH version line\r\n"),
    "http-basic": (b"HTTP/1.1 200 OK\r\n", b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
    "http-form": (b"HTTP/1.1 200 OK\r\n", b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
    "ftp": (b"", b"220-welcome to the device\r\n"),
    "mqtt": (b"", b"A" * 64),
    "rtsp": (b"RTSP/1.0 200 OK\r\n", b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n"),
    "modbus": (b"", b"A" * 64),  # no login: try_login says so at once
    "tftp": (b"", b"A" * 64),
}
TIMEOUT_S = 1.5


@pytest.mark.parametrize("service", sorted(SURFACES))
@pytest.mark.parametrize("method", ["try_login", "open_without_credentials"])
@pytest.mark.slow
def test_a_server_that_never_answers_gives_error_within_the_timeout(service, method):
    surface = SURFACES[service]

    def call(port: int) -> Awaitable[LoginResult]:
        if method == "try_login":
            return surface.try_login(HOST, port, "admin", "admin", TIMEOUT_S)
        return surface.open_without_credentials(HOST, port, TIMEOUT_S)

    result = probe_on(silent, call)
    assert result.outcome == "error"


@pytest.mark.parametrize("service", sorted(SURFACES))
@pytest.mark.slow
def test_an_endless_banner_gives_error(service):
    timeout_s = 2.0 if service == "mqtt" else 5.0
    result = probe_on(
        endless(*ENDLESS[service]),
        lambda port: SURFACES[service].try_login(HOST, port, "admin", "admin", timeout_s),
    )
    assert result.outcome == "error"
    if service == "mqtt":  # paho reads junk packets with no byte cap: only the clock stops it
        assert result.detail == "timed out after 2 s"
    else:  # stopped by a size limit, not by the clock
        assert "timed out" not in result.detail, result


@pytest.mark.parametrize("service", sorted(SURFACES))
@pytest.mark.slow
def test_a_connection_reset_gives_error(service):
    result = probe_on(
        reset, lambda port: SURFACES[service].try_login(HOST, port, "admin", "admin", 3.0)
    )
    assert result.outcome == "error"
    assert result.detail


def test_nothing_listening_gives_error():
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    result = run(SURFACES["ssh"].try_login(HOST, port, "a", "b", 2.0))
    assert result.outcome == "error"
    assert result.detail == "connection refused"  # a plain reason, no exception type


# --- telnet: the busybox telnetd dialogue --------------------------------------------


@dataclass
class TelnetDevice:
    """Speaks like busybox telnetd + login: ``login:``, ``Password:``, then ``# ``
    or ``Login incorrect``."""

    users: dict[str, str] = field(default_factory=lambda: {"root": "xc3511"})
    open_shell: bool = False
    #: a device that answers every password with "Access denied" and a "> " menu
    deny_with_prompt: bool = False
    #: busybox login sleeps 3 s before "Login incorrect"
    fail_delay_s: float = 0.05
    #: login tries per connection (busybox login: three)
    tries: int = 3
    #: a telnetd that serves one session at a time and drops a second connection
    one_at_a_time: bool = False
    #: what the device saw: connections, and passwords submitted on each
    connections: int = 0
    passwords: list[str] = field(default_factory=list)
    #: connections open at the same time, the most seen
    most_at_once: int = 0
    _open: int = 0

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._open += 1
        self.most_at_once = max(self.most_at_once, self._open)
        try:
            if self.one_at_a_time and self._open > 1:
                return  # closed at once, not a word
            await self.dialogue(reader, writer)
        finally:
            self._open -= 1

    async def dialogue(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.open_shell:
            writer.write(b"\r\nBusyBox v1.35.0 built-in shell (ash)\r\n~ # ")
            await self.shell(reader, writer)
            return
        for _ in range(self.tries):
            writer.write(b"\r\nlab login: ")
            user = await read_line(reader)
            writer.write(b"Password: ")
            password = await read_line(reader)
            self.passwords.append(password)
            if self.deny_with_prompt:
                writer.write(b"\r\nAccess denied\r\n> ")
                await read_line(reader)
                return
            if self.users.get(user) == password:
                writer.write(b"\r\n\x1b[6n~ # ")  # busybox asks for the cursor position
                await self.shell(reader, writer)
                return
            await asyncio.sleep(self.fail_delay_s)
            writer.write(b"Login incorrect\r\n")

    async def shell(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(10):
            line = await read_line(reader)
            writer.write(line.encode() + b"\r\n")  # the pty echoes what is typed
            if line.startswith("echo "):
                writer.write(line[5:].replace('""', "").encode() + b"\r\n")
            writer.write(b"~ # ")


async def read_line(reader: asyncio.StreamReader) -> str:
    raw = await reader.readuntil(b"\n")
    raw = re.sub(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0", b"", raw, flags=re.S)  # telnet IAC
    return raw.decode("latin-1").strip("\r\n\x00")


TELNET = SURFACES["telnet"]


@pytest.mark.slow
def test_telnet_right_password_gives_a_shell():
    result = probe_on(TelnetDevice(), lambda p: TELNET.try_login(HOST, p, "root", "xc3511", 5))
    assert result.outcome == "accepted", result
    assert "shell prompt" in result.detail and "command echo confirmed" in result.detail


@pytest.mark.slow
def test_telnet_wrong_password_is_rejected():
    result = probe_on(TelnetDevice(), lambda p: TELNET.try_login(HOST, p, "root", "root", 5))
    assert result.outcome == "rejected", result
    assert "login prompt again" in result.detail


@pytest.mark.slow
def test_telnet_wrong_password_on_a_device_that_pauses_like_busybox_is_rejected():
    device = TelnetDevice(fail_delay_s=3.0)  # busybox's LOGIN_FAIL_DELAY
    result = probe_on(device, lambda p: TELNET.try_login(HOST, p, "root", "root", 12))
    assert result.outcome == "rejected", result
    assert result.elapsed_s >= 3.0


@pytest.mark.slow
def test_telnet_prompt_after_a_failure_message_is_not_taken_for_a_shell():
    device = TelnetDevice(deny_with_prompt=True)
    result = probe_on(device, lambda p: TELNET.try_login(HOST, p, "root", "xc3511", 6))
    assert result.outcome == "error", result
    assert "Access denied" in result.detail


def telnet_session_run(device: TelnetDevice, passwords: list[str], tries: int) -> list[str]:
    """Outcomes of logging in as root with each password through one login session."""

    async def main() -> list[str]:
        async with tcp_server(device) as port:
            session = login_session(TELNET, HOST, port, 5, tries)
            try:
                return [(await session.try_login("root", pw)).outcome for pw in passwords]
            finally:
                await session.aclose()

    return asyncio.run(main())


@pytest.mark.slow
def test_telnet_session_tries_three_passwords_per_connection_like_busybox_allows():
    device = TelnetDevice()
    outcomes = telnet_session_run(device, ["a", "b", "c", "d", "xc3511"], tries=3)
    assert outcomes == ["rejected"] * 4 + ["accepted"]
    assert device.passwords == ["a", "b", "c", "d", "xc3511"]  # every pair really sent
    assert device.connections == 2  # 3 tries on the first connection, 2 on the second


@pytest.mark.slow
def test_telnet_session_reconnects_when_the_device_closes_after_one_failure():
    device = TelnetDevice(tries=1)
    outcomes = telnet_session_run(device, ["a", "b", "xc3511"], tries=3)
    assert outcomes == ["rejected", "rejected", "accepted"]
    assert device.passwords == ["a", "b", "xc3511"]
    assert device.connections == 3


@pytest.mark.slow
def test_telnet_session_with_one_try_per_connection_connects_each_time():
    device = TelnetDevice()
    outcomes = telnet_session_run(device, ["a", "b", "c"], tries=1)
    assert outcomes == ["rejected"] * 3
    assert device.connections == 3


@pytest.mark.slow
def test_telnet_session_does_not_reuse_a_connection_after_an_unclear_reply():
    device = TelnetDevice(deny_with_prompt=True)  # "Access denied" then a "> " menu
    outcomes = telnet_session_run(device, ["a", "b"], tries=3)
    assert outcomes == ["error", "error"]
    assert device.connections == 2


def defaults_on(device: TelnetDevice, **params: int) -> tuple[dict, TelnetDevice]:
    """The default-credential sweep on one telnet surface, with DeviceParams ``params``."""
    from jcstar.checks.base import CheckInput
    from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget
    from jcstar.checks.network.collect.scan import Service
    from jcstar.checks.network.collect.surfaces import Surface
    from jcstar.checks.network.default_credentials import try_defaults

    async def main() -> dict:
        async with tcp_server(device) as port:
            given = CheckInput(
                device=DeviceTarget(DeviceParams(address=HOST, login_timeout_s=5, **params))
            )
            opened = LoginResult("rejected", "login prompt", 0.1)
            surface = Surface(Service(port, "tcp", "telnet"), TELNET, opened)
            return (await try_defaults(given, surface)).as_dict()

    return asyncio.run(main()), device


@pytest.mark.parametrize("lanes", [1, 2, 3])
@pytest.mark.slow
def test_default_sweep_keeps_to_the_parallel_login_bound(lanes):
    trial, device = defaults_on(
        TelnetDevice(users={"root": "not-a-default"}), parallel_logins=lanes, max_defaults=12
    )
    assert trial["tried"] == trial["rejected"] == 12 and not trial["accepted"]
    assert sorted(device.passwords) == sorted(c.password for c in for_service("telnet", 12))
    assert device.most_at_once == lanes  # never more connections at once than allowed
    assert device.connections <= 12 // 3 + lanes  # three tries per connection


@pytest.mark.slow
def test_default_sweep_finds_the_default_and_stops():
    trial, device = defaults_on(TelnetDevice(), parallel_logins=2)
    assert trial["accepted"] == ["root", "xc3511"]  # the Mirai pair, first in the list
    # the other lane stops once it sees the hit (it may finish a few quick refusals
    # while the shell is confirmed with a command echo), far from the 40-pair list
    assert len(device.passwords) < 10


@pytest.mark.slow
def test_default_sweep_on_a_one_session_device_skips_no_pair():
    # the 2nd pair in the list; the 2nd lane's connection for it is dropped
    device = TelnetDevice(users={"root": "vizxv"}, one_at_a_time=True, fail_delay_s=0.3)
    trial, device = defaults_on(device, parallel_logins=2)
    assert trial["accepted"] == ["root", "vizxv"]
    assert trial["errors"]  # the dropped session was seen, and its pair tried again


@pytest.mark.slow
def test_default_sweep_one_try_per_connection_when_asked():
    trial, device = defaults_on(
        TelnetDevice(users={"root": "not-a-default"}),
        parallel_logins=1,
        tries_per_connection=1,
        max_defaults=4,
    )
    assert trial["rejected"] == 4
    assert device.connections == 4 and device.most_at_once == 1


def test_telnet_shell_without_login_is_open():
    result = probe_on(
        TelnetDevice(open_shell=True), lambda p: TELNET.open_without_credentials(HOST, p, 5)
    )
    assert result.outcome == "accepted", result
    assert "no login" in result.detail


def test_telnet_login_prompt_is_not_open():
    result = probe_on(TelnetDevice(), lambda p: TELNET.open_without_credentials(HOST, p, 5))
    assert result.outcome == "rejected", result
    assert "login prompt" in result.detail


# --- ssh -----------------------------------------------------------------------------


@cache
def host_key(algorithm: str) -> asyncssh.SSHKey:
    return asyncssh.generate_private_key(algorithm)


def ssh_server_class(users: dict[str, str], open_access: bool) -> type[asyncssh.SSHServer]:
    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return not open_access  # False: no authentication needed

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return users.get(username) == password

    return Server


def ssh_probe(
    call: Callable[[int], Awaitable[LoginResult]],
    *,
    open_access: bool = False,
    legacy: bool = False,
) -> LoginResult:
    options: dict[str, object] = {"server_host_keys": [host_key("ssh-ed25519")]}
    if legacy:  # what an old IoT server offers, none of it in asyncssh's defaults
        options = {
            "server_host_keys": [host_key("ssh-rsa")],
            "kex_algs": ["diffie-hellman-group1-sha1"],
            "encryption_algs": ["aes128-cbc"],
            "mac_algs": ["hmac-sha1"],
        }

    async def main() -> LoginResult:
        server_class = ssh_server_class({"admin": "admin"}, open_access)
        server = await asyncssh.create_server(server_class, HOST, 0, **options)
        try:
            return await call(server.get_port())
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(main())


SSH = SURFACES["ssh"]


def test_ssh_right_password_is_accepted():
    result = ssh_probe(lambda p: SSH.try_login(HOST, p, "admin", "admin", 5))
    assert result.outcome == "accepted", result
    assert "AsyncSSH" in result.detail and "legacy" not in result.detail


def test_ssh_wrong_password_is_rejected():
    result = ssh_probe(lambda p: SSH.try_login(HOST, p, "admin", "wrong", 5))
    assert result.outcome == "rejected", result
    assert "permission denied" in result.detail


def test_ssh_old_server_needs_legacy_algorithms_and_says_so():
    result = ssh_probe(lambda p: SSH.try_login(HOST, p, "admin", "admin", 8), legacy=True)
    assert result.outcome == "accepted", result
    assert "needed legacy algorithms" in result.detail
    result = ssh_probe(lambda p: SSH.try_login(HOST, p, "admin", "nope", 8), legacy=True)
    assert result.outcome == "rejected", result
    assert "needed legacy algorithms" in result.detail


def test_ssh_open_without_credentials():
    result = ssh_probe(lambda p: SSH.open_without_credentials(HOST, p, 5), open_access=True)
    assert result.outcome == "accepted", result
    assert "auth 'none'" in result.detail
    result = ssh_probe(lambda p: SSH.open_without_credentials(HOST, p, 5))
    assert result.outcome == "rejected", result


def test_ssh_open_username_is_configurable():
    surface = SshSurface(open_username="admin")
    result = ssh_probe(lambda p: surface.open_without_credentials(HOST, p, 5), open_access=True)
    assert "'admin'" in result.detail


# --- http: Basic, Digest, an HTML login form ------------------------------------------

REALM = "lab"
NONCE = "6f0a5a3ec9b9"
SESSION = "s3ss10n"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_ok(header: str, method: str, users: dict[str, str]) -> bool:
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header.removeprefix("Digest ")))
    password = users.get(fields.get("username", ""))
    if password is None or fields.get("nonce") != NONCE:
        return False
    ha1 = md5(f"{fields['username']}:{REALM}:{password}")
    ha2 = md5(f"{method}:{fields['uri']}")
    expected = md5(f"{ha1}:{NONCE}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}")
    return fields.get("response") == expected


def login_page(message: str = "", action: str = "/login") -> bytes:
    token = secrets.token_hex(8)  # a fresh CSRF token on every page, as real devices do
    return f"""<html><body><h1>Router login</h1><p>{message}</p>
<form method="post" action="{action}">
<input type="hidden" name="csrf" value="{token}">
<input type="text" name="username"><input type="password" name="password">
<input type="submit" value="Log in"></form></body></html>""".encode()


class WebDevice(BaseHTTPRequestHandler):
    users: ClassVar[dict[str, str]] = {"admin": "admin"}

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        if self.path == "/basic":
            good = "Basic " + base64.b64encode(b"admin:admin").decode()
            if auth == good:
                return self.reply(200, b"<p>Status</p>")
            return self.reply(401, b"no", {"WWW-Authenticate": f'Basic realm="{REALM}"'})
        if self.path == "/digest":
            if auth.startswith("Digest ") and digest_ok(auth, "GET", self.users):
                return self.reply(200, b"<p>Status</p>")
            challenge = f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth", algorithm=MD5'
            return self.reply(401, b"no", {"WWW-Authenticate": challenge})
        if self.path == "/status":
            return self.reply(200, b"<p>Uptime 3 days</p>")
        if self.path in ("/login", "/any/login"):
            return self.reply(200, login_page(action=self.path))
        if self.path == "/home":
            if f"session={SESSION}" in self.headers.get("Cookie", ""):
                return self.reply(200, b"<h1>Dashboard</h1>")
            return self.reply(302, b"", {"Location": "/login"})
        if self.path == "/any/home":
            return self.reply(200, b"<h1>Dashboard</h1>")
        if self.path == "/away":  # never followed: another host
            return self.reply(302, b"", {"Location": "http://127.0.0.2:9/"})
        return self.reply(404, b"not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/any/login":  # accepts every password
            return self.reply(302, b"", {"Location": "/any/home"})
        if "csrf" in form and self.users.get(form.get("username", "")) == form.get("password"):
            return self.reply(302, b"", {"Location": "/home", "Set-Cookie": f"session={SESSION}"})
        return self.reply(200, login_page("Login failed"))

    def reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[int]:
    server = ThreadingHTTPServer((HOST, 0), WebDevice)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.slow
def test_http_basic_right_and_wrong(web):
    surface = HttpBasicSurface(path="/basic")
    good = run(surface.try_login(HOST, web, "admin", "admin", 5))
    bad = run(surface.try_login(HOST, web, "admin", "wrong", 5))
    assert (good.outcome, bad.outcome) == ("accepted", "rejected"), (good, bad)
    assert good.detail == "HTTP 200 with Basic credentials, 401 without"


@pytest.mark.slow
def test_http_digest_when_the_server_asks_for_it(web):
    surface = HttpBasicSurface(path="/digest")
    good = run(surface.try_login(HOST, web, "admin", "admin", 5))
    bad = run(surface.try_login(HOST, web, "admin", "wrong", 5))
    assert (good.outcome, bad.outcome) == ("accepted", "rejected"), (good, bad)
    assert "Digest" in good.detail


@pytest.mark.slow
def test_http_basic_on_an_open_page_cannot_test_credentials(web):
    result = run(HttpBasicSurface(path="/status").try_login(HOST, web, "admin", "x", 5))
    assert result.outcome == "error"
    assert "no HTTP auth to test" in result.detail


@pytest.mark.parametrize(
    ("path", "outcome", "words"),
    [
        ("/status", "accepted", "no auth challenge"),
        ("/basic", "rejected", "HTTP 401"),
        ("/home", "rejected", "login form"),  # redirected to /login on the same host
        ("/away", "error", "HTTP 302"),  # a redirect to another host is not followed
    ],
)
@pytest.mark.slow
def test_http_open_without_credentials(web, path, outcome, words):
    for surface in (HttpBasicSurface(path=path), HttpFormSurface(path=path)):
        result = run(surface.open_without_credentials(HOST, web, 5))
        assert result.outcome == outcome, result
        assert words in result.detail


@pytest.mark.slow
def test_http_form_right_and_wrong(web):
    surface = HttpFormSurface(path="/login")
    good = run(surface.try_login(HOST, web, "admin", "admin", 5))
    bad = run(surface.try_login(HOST, web, "admin", "wrong", 5))
    assert (good.outcome, bad.outcome) == ("accepted", "rejected"), (good, bad)
    assert "new cookies session" in good.detail
    assert "same response as a known-wrong password" in bad.detail


@pytest.mark.slow
def test_http_form_that_takes_any_password_is_not_called_accepted(web):
    result = run(HttpFormSurface(path="/any/login").try_login(HOST, web, "admin", "admin", 5))
    assert result.outcome == "error", result
    assert "cannot tell" in result.detail


@pytest.mark.slow
def test_http_form_without_a_form_is_error(web):
    result = run(HttpFormSurface(path="/status").try_login(HOST, web, "admin", "admin", 5))
    assert result.outcome == "error"
    assert "0 forms with one password field" in result.detail


# --- ftp (pyftpdlib) -------------------------------------------------------------------


@contextlib.contextmanager
def ftp_server(home: Path, anonymous: bool) -> Iterator[int]:
    pytest.importorskip("pyftpdlib")
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    logging.getLogger("pyftpdlib").setLevel(logging.WARNING)
    authorizer = DummyAuthorizer()
    authorizer.add_user("admin", "admin", str(home), perm="elr")
    if anonymous:
        authorizer.add_anonymous(str(home))
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "auth_failed_timeout": 0})
    server = FTPServer((HOST, 0), handler)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.address[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close_all()


FTP = SURFACES["ftp"]


def test_ftp_right_and_wrong(tmp_path):
    with ftp_server(tmp_path, anonymous=False) as port:
        good = run(FTP.try_login(HOST, port, "admin", "admin", 5))
        bad = run(FTP.try_login(HOST, port, "admin", "wrong", 5))
    assert (good.outcome, bad.outcome) == ("accepted", "rejected"), (good, bad)
    assert good.detail.startswith("FTP 230") and bad.detail.startswith("FTP 530")


def test_ftp_anonymous(tmp_path):
    with ftp_server(tmp_path, anonymous=True) as port:
        open_ = run(FTP.open_without_credentials(HOST, port, 5))
    with ftp_server(tmp_path, anonymous=False) as port:
        closed = run(FTP.open_without_credentials(HOST, port, 5))
    assert (open_.outcome, closed.outcome) == ("accepted", "rejected"), (open_, closed)
    assert "'anonymous'" in open_.detail


# --- mqtt: a FAKE broker speaking only CONNECT -> CONNACK -----------------------------
# Real mosquitto tests live elsewhere; this fake only checks how the probe reads CONNACK.


def mqtt_broker(users: dict[str, str], anonymous: bool) -> Handler:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        packet_type = (await reader.readexactly(1))[0] >> 4
        assert packet_type == 1  # CONNECT
        body = await reader.readexactly(await remaining_length(reader))
        username, password = connect_credentials(body)
        if username is None:
            code = 0 if anonymous else 5  # 5: not authorised
        else:
            code = 0 if users.get(username) == password else 4  # 4: bad user name or password
        writer.write(bytes([0x20, 0x02, 0x00, code]))  # CONNACK
        await writer.drain()
        await reader.read(64)  # the client's DISCONNECT or close

    return handler


async def remaining_length(reader: asyncio.StreamReader) -> int:
    value, shift = 0, 0
    for _ in range(4):
        byte = (await reader.readexactly(1))[0]
        value += (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
    return value


def connect_credentials(body: bytes) -> tuple[str | None, str | None]:
    def field_at(offset: int) -> tuple[str, int]:
        size = int.from_bytes(body[offset : offset + 2], "big")
        return body[offset + 2 : offset + 2 + size].decode(), offset + 2 + size

    _, offset = field_at(0)  # protocol name
    flags = body[offset + 1]
    _, offset = field_at(offset + 4)  # client id (after level, flags, keep-alive)
    if flags & 0x04:  # will topic and message
        _, offset = field_at(offset)
        _, offset = field_at(offset)
    username = password = None
    if flags & 0x80:
        username, offset = field_at(offset)
    if flags & 0x40:
        password, offset = field_at(offset)
    return username, password


MQTT = SURFACES["mqtt"]


def test_mqtt_fake_broker_right_and_wrong():
    broker = mqtt_broker({"admin": "admin"}, anonymous=False)
    good = probe_on(broker, lambda p: MQTT.try_login(HOST, p, "admin", "admin", 5))
    bad = probe_on(broker, lambda p: MQTT.try_login(HOST, p, "admin", "wrong", 5))
    assert (good.outcome, bad.outcome) == ("accepted", "rejected"), (good, bad)
    assert "refused" in bad.detail


def test_mqtt_fake_broker_anonymous():
    open_ = probe_on(mqtt_broker({}, True), lambda p: MQTT.open_without_credentials(HOST, p, 5))
    closed = probe_on(mqtt_broker({}, False), lambda p: MQTT.open_without_credentials(HOST, p, 5))
    assert (open_.outcome, closed.outcome) == ("accepted", "rejected"), (open_, closed)


# --- rtsp --------------------------------------------------------------------------------


def rtsp_camera(challenge: str = 'Basic realm="cam"', open_access: bool = False) -> Handler:
    good = "Basic " + base64.b64encode(b"admin:admin").decode()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        assert request.startswith("DESCRIBE rtsp://") and "CSeq: 1" in request
        basic_ok = challenge.startswith("Basic") and f"Authorization: {good}\r\n" in request
        if open_access or basic_ok:
            writer.write(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 0\r\n\r\n")
        else:
            head = f"RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: {challenge}"
            writer.write(head.encode() + b"\r\n\r\n")
        await writer.drain()

    return handler


RTSP = SURFACES["rtsp"]


def test_rtsp_right_and_wrong():
    good = probe_on(rtsp_camera(), lambda p: RTSP.try_login(HOST, p, "admin", "admin", 5))
    bad = probe_on(rtsp_camera(), lambda p: RTSP.try_login(HOST, p, "admin", "wrong", 5))
    assert (good.outcome, bad.outcome) == ("accepted", "rejected"), (good, bad)


def test_rtsp_digest_only_camera_is_error_not_rejected():
    camera = rtsp_camera('Digest realm="cam", nonce="abc"')
    result = probe_on(camera, lambda p: RTSP.try_login(HOST, p, "admin", "admin", 5))
    assert result.outcome == "error"
    assert "Digest" in result.detail


def test_rtsp_open_without_credentials():
    open_ = probe_on(
        rtsp_camera(open_access=True), lambda p: RTSP.open_without_credentials(HOST, p, 5)
    )
    closed = probe_on(rtsp_camera(), lambda p: RTSP.open_without_credentials(HOST, p, 5))
    assert (open_.outcome, closed.outcome) == ("accepted", "rejected"), (open_, closed)


def test_rtsp_path_is_sent():
    seen: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append((await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")[0])
        writer.write(b"RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n")

    result = probe_on(
        handler, lambda p: RtspSurface(path="/live.sdp").open_without_credentials(HOST, p, 5)
    )
    assert result.outcome == "error" and "RTSP 404" in result.detail
    assert seen[0].endswith(f":{seen[0].split(':')[-1].split('/')[0]}/live.sdp RTSP/1.0")


# --- the envelope -----------------------------------------------------------------------


def test_surfaces_cover_every_service_and_the_read_cap_is_small():
    assert set(SURFACES) == {
        "telnet", "ssh", "http-basic", "http-form", "ftp", "mqtt", "rtsp", "modbus", "tftp",
    }  # fmt: skip
    assert all(name == surface.service for name, surface in SURFACES.items())
    assert MAX_READ_BYTES == 64 * 1024


# --- the credential data ------------------------------------------------------------------

MIRAI = "mirai-scanner-c"


def test_credentials_load_with_provenance_for_every_entry():
    data = load_default_credentials()
    source_ids = {source.id for source in data.sources}
    assert source_ids == {MIRAI, "routersploit-defaults"}
    for source in data.sources:
        assert source.url and source.licence and source.derived
    assert 60 <= len(data.credentials) <= 100
    for cred in data.credentials:
        assert cred.sources and set(cred.sources) <= source_ids
        assert cred.services


def test_mirai_entries_are_the_decoded_ones_not_the_seclists_typos():
    mirai = [c for c in load_default_credentials().credentials if MIRAI in c.sources]
    pairs = {(c.username, c.password) for c in mirai}
    assert len(mirai) == 61  # 62 add_auth_entry calls, guest/12345 twice
    assert sum(c.weight or 0 for c in mirai) == 152  # every call's weight kept
    assert {("root", "xc3511"), ("Administrator", "meinsm"), ("admin", "4321")} <= pairs
    assert {("root", "00000000"), ("root", "juantech"), ("admin", "smcadmin")} <= pairs
    for typo in [("root", "jauntech"), ("admin", "20xbully"), ("20xbullu", "smcadmin"),
                 ("root", "000000"), ("Administrator", "admin")]:  # fmt: skip
        assert typo not in pairs


def test_credentials_are_ordered_by_likelihood():
    creds = load_default_credentials().credentials
    assert (creds[0].username, creds[0].password, creds[0].weight) == ("root", "xc3511", 10)
    weights = [c.weight for c in creds if c.weight is not None]
    assert weights == sorted(weights, reverse=True)
    first_other = next(i for i, c in enumerate(creds) if MIRAI not in c.sources)
    assert all(MIRAI not in c.sources for c in creds[first_other:])


def test_for_service_filters_and_limits():
    http = for_service("http")
    assert for_service("http-basic") == http == for_service("http-form")
    assert ("admin", "admin") in {(c.username, c.password) for c in http}
    assert ("root", "xc3511") not in {(c.username, c.password) for c in http}
    telnet = for_service("telnet", limit=3)
    assert [(c.username, c.password) for c in telnet] == [
        ("root", "xc3511"), ("root", "vizxv"), ("root", "admin"),
    ]  # fmt: skip
    assert ("", "") not in {(c.username, c.password) for c in for_service("mqtt")}


ONE = "sources: []\ncredentials:\n  - "


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (ONE + "{username: a, services: [any], sources: [x]}\n", "credentials.0.password"),
        (
            ONE + "{username: a, password: b, services: [any], sources: [x]}\n",
            "unknown source id x",
        ),
        (ONE + "{username: a, password: b, services: [smtp], sources: []}\n", "services.0"),
        ("sources: [\n", "bad.yaml"),
    ],
)
def test_malformed_credential_data_names_the_file_and_field(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CredentialDataError) as caught:
        load_default_credentials(path)
    assert str(caught.value).startswith("bad.yaml: ")
    assert words in str(caught.value)
