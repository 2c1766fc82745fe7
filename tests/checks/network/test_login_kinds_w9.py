"""Login sweeps and bursts that a device cuts off: the attempt cannot judge, with the true
kind (refused / timed out / unsupported), and never reads as a pass. A lock-out stays what
the brute-force check looks for. Each device is an HTTP Basic login on its own 127.0.9.x
address (tests/sim.py), stopped when the test ends."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import ssl
import struct
from dataclasses import dataclass, field

import pytest

from jcstar.assessment.runner import run_check
from jcstar.checks.base import CheckAttempt, CheckInput
from jcstar.checks.network import bruteforce, default_credentials
from jcstar.checks.network.bruteforce import BruteForceCheck
from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget
from jcstar.checks.network.collect.login_errors import first_kind, login_error_kind
from jcstar.checks.network.collect.logins.base import bounded
from jcstar.checks.network.default_credentials import DefaultCredentialsCheck
from tests.checks.network.sector_helpers import verdict_of
from tests.sim import SimDevice

pytestmark = pytest.mark.network

PORT = 8080
PASSWORD = "x9!k-not-a-default"


@dataclass
class Login:
    """An HTTP/1.0 Basic login on ``/`` (admin:PASSWORD). After ``fail_after`` requests with
    credentials it does ``then`` to every request: "429" (limits for good), "reset", "stall",
    or "lock" (401 to every password, the right one too)."""

    fail_after: int
    then: str
    #: back to normal after this many requests with credentials (None: never)
    until: int | None = None
    with_credentials: int = 0
    turned: bool = False
    seen: list[str] = field(default_factory=list)

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).decode("latin-1")
        except Exception:
            writer.close()
            return
        auth = next((ln for ln in head.split("\r\n") if ln.lower().startswith("authorization")), "")
        self.seen.append(auth)
        if auth:
            self.with_credentials += 1
            self.turned = self.with_credentials > self.fail_after and (
                self.until is None or self.with_credentials <= self.until
            )
        if self.turned and self.then == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if self.turned and self.then == "stall":
            with contextlib.suppress(Exception):
                await asyncio.sleep(30)
            writer.close()
            return
        good = "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
        if self.turned and self.then == "429":
            status, extra = "429 Too Many Requests", ""
        elif auth.endswith(good) and not (self.turned and self.then == "lock"):
            status, extra = "200 OK", ""
        else:
            status, extra = "401 Unauthorized", 'WWW-Authenticate: Basic realm="admin"\r\n'
        body = b"<html>status</html>"
        writer.write(
            f"HTTP/1.0 {status}\r\nContent-Type: text/html\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(Exception):
            await writer.drain()
        writer.close()


@pytest.fixture
def quick_waits(monkeypatch):
    """The waits for a limit or a recovery, seconds instead of a minute (the logic unchanged)."""
    monkeypatch.setattr(default_credentials, "MAX_LIMITED_WAIT_S", 1.0)
    monkeypatch.setattr(bruteforce, "RECOVERY_MAX_S", 3.0)


def _run(check, host: str, login: Login, **device: object) -> CheckAttempt:
    settings: dict[str, object] = {
        "address": host, "ports": str(PORT), "max_defaults": 6, "burst": 5,
        "parallel_logins": 1, "login_timeout_s": 2.0, **device,
    }  # fmt: skip
    given = CheckInput(device=DeviceTarget(DeviceParams.model_validate(settings)))
    with SimDevice(host, {PORT: login}):
        return asyncio.run(run_check(check, given, 120.0))


def _verdict(result: CheckAttempt, requirement: str) -> str:
    return verdict_of("router", (result,), requirement).verdict


# --- default credentials: a sweep cut off part way is not "no default accepted" -------------


@pytest.mark.slow
def test_a_lockout_mid_sweep_is_refused_and_inconclusive_not_a_pass(quick_waits):
    # two defaults refused, then the device limits every login for good
    result = _run(DefaultCredentialsCheck(), "127.0.9.1", Login(fail_after=2, then="429"))
    assert result.status == "error", result.observations
    assert result.kind == "refused"
    assert "kept limiting attempts" in result.reason and "refused 2 of" in result.reason
    assert result.stated_reason.startswith("refused: could not finish the default-credential")
    assert _verdict(result, "S1.1-02") == "INCONCLUSIVE"


@pytest.mark.slow
def test_connections_refused_or_reset_mid_sweep_are_refused_and_inconclusive():
    # a per-source connection limit (or a service gone): the sweep stops, defaults untried
    result = _run(DefaultCredentialsCheck(), "127.0.9.2", Login(fail_after=2, then="reset"))
    assert result.status == "error" and result.kind == "refused", result.reason
    assert "refused 2 of" in result.reason and "errors in a row" in result.reason
    assert _verdict(result, "S1.1-02") == "INCONCLUSIVE"


@pytest.mark.slow
def test_a_limit_that_ends_is_waited_out_and_the_sweep_finishes():
    # two logins answered 429 Too Many Requests, then answered again: waited, not failed
    login = Login(fail_after=2, then="429", until=4)
    result = _run(DefaultCredentialsCheck(), "127.0.9.8", login)
    assert result.status == "completed", result.reason
    (obs,) = result.observations
    assert obs.outcome == "pass" and "refused 6/6" in obs.message
    assert "the device limited attempts" in obs.message


@pytest.mark.slow
def test_a_device_that_stalls_mid_sweep_is_timed_out_and_inconclusive():
    result = _run(
        DefaultCredentialsCheck(), "127.0.9.3", Login(fail_after=2, then="stall"),
        login_timeout_s=1.0,
    )  # fmt: skip
    assert result.status == "error" and result.kind == "timed_out", result.reason
    assert "timed out after 1 s" in result.reason
    assert _verdict(result, "S1.1-02") == "INCONCLUSIVE"


@pytest.mark.slow
def test_a_sweep_that_ran_to_its_end_still_passes():
    result = _run(DefaultCredentialsCheck(), "127.0.9.4", Login(fail_after=99, then="429"))
    assert result.status == "completed", result.reason
    (obs,) = result.observations
    assert obs.outcome == "pass" and "refused 6/6" in obs.message
    assert obs.details["surfaces"][0]["kind"] is None


# --- brute force: a lock-out is the evidence; a service that goes away is not ----------------


@pytest.mark.slow
def test_a_service_that_resets_for_good_under_the_burst_is_refused_not_cut_short(quick_waits):
    creds = [{"service": "http-basic", "username": "admin", "password": PASSWORD}]
    result = _run(
        BruteForceCheck(), "127.0.9.5", Login(fail_after=2, then="reset"), credentials=creds
    )
    assert result.status == "error" and result.kind == "refused", result.reason
    assert "did not answer again" in result.reason
    assert _verdict(result, "S1.1-04") == "INCONCLUSIVE"


@pytest.mark.slow
def test_a_service_that_stalls_under_the_burst_is_timed_out():
    creds = [{"service": "http-basic", "username": "admin", "password": PASSWORD}]
    result = _run(
        BruteForceCheck(), "127.0.9.6", Login(fail_after=2, then="stall"),
        credentials=creds, login_timeout_s=1.0,
    )  # fmt: skip
    assert result.status == "error" and result.kind == "timed_out", result.reason
    assert "stopped answering" in result.reason
    assert _verdict(result, "S1.1-04") == "INCONCLUSIVE"


@pytest.mark.slow
def test_a_lockout_after_the_burst_is_still_protection():
    creds = [{"service": "http-basic", "username": "admin", "password": PASSWORD}]
    result = _run(
        BruteForceCheck(), "127.0.9.7", Login(fail_after=4, then="lock"), credentials=creds
    )
    assert result.status == "completed", result.reason
    (obs,) = result.observations
    assert obs.outcome == "pass" and "lockout" in obs.message
    assert _verdict(result, "S1.1-04") == "MET"


# --- the kinds of what real probes say ----------------------------------------------------------


async def _failing(exc: BaseException) -> tuple[str, str]:
    raise exc


async def _never() -> tuple[str, str]:
    await asyncio.sleep(5)
    return "rejected", "never"


async def _tls_to_plain_text() -> tuple[str, str]:
    """A real TLS handshake against a loopback port that answers in plain text."""

    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        with contextlib.suppress(Exception):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        await asyncio.open_connection("127.0.0.1", port, ssl=context)
    finally:
        server.close()
        await server.wait_closed()
    return "accepted", "unexpected"


#: what the probes' envelope (``bounded``) says for each real failure
REAL = {
    "conn-refused": lambda: _failing(ConnectionRefusedError(111, "Connection refused")),
    "conn-reset": lambda: _failing(ConnectionResetError(104, "Connection reset by peer")),
    "closed": lambda: _failing(asyncio.IncompleteReadError(b"", 10)),
    "no-route": lambda: _failing(OSError(113, "No route to host")),
    "timeout": _never,
    "tls": _tls_to_plain_text,
}


@pytest.mark.parametrize(
    ("name", "kind"),
    [("conn-refused", "refused"), ("conn-reset", "refused"), ("closed", "refused"),
     ("no-route", "unreachable"), ("timeout", "timed_out"), ("tls", "unsupported")],
    ids=lambda value: str(value),
)  # fmt: skip
def test_each_failure_the_login_envelope_reports_gets_its_true_kind(name, kind):
    result = asyncio.run(bounded(REAL[name](), 0.5))
    assert result.outcome == "error"
    assert login_error_kind(result.detail) == kind, result.detail


@pytest.mark.parametrize(
    ("detail", "kind"),
    [
        ("HTTP 429 Too Many Requests on /", "refused"),
        ("CONNACK error with user 'admin': [code:137] Server busy", "refused"),
        ("DisconnectError: Too many authentication failures", "refused"),
        ("HTTP 403 on /admin", "refused"),
        ("RTSP 401: the server asks for Digest; this probe sends Basic only", "unsupported"),
        ("no recognised prompt or message after the password ('% ')", "unsupported"),
        ("connection closed after the password ('')", "refused"),
        ("something no probe says", "undetermined"),
    ],
    ids=[
        "http429", "mqtt-busy", "ssh-too-many", "http403", "rtsp-digest", "telnet-unknown",
        "telnet-closed", "unknown",
    ],
)  # fmt: skip
def test_each_protocol_answer_that_stops_a_login_gets_its_true_kind(detail, kind):
    assert login_error_kind(detail) == kind


def test_several_surfaces_report_the_kind_a_user_acts_on_first():
    assert first_kind(["unsupported", "timed_out", "refused"]) == "refused"
    assert first_kind(["unsupported", "timed_out"]) == "timed_out"
    assert first_kind([]) == "undetermined"
