"""What every login protocol shares: the result and surface types, and the envelope
every call goes through (bounded in time, never raises)."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

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


async def bounded(attempt: Awaitable[Verdict], timeout_s: float) -> LoginResult:
    start = time.monotonic()
    try:
        # a timeout scope, not wait_for: no extra task per attempt (CPU in a big fleet)
        async with asyncio.timeout(timeout_s):
            outcome, detail = await guarded(attempt)
    except TimeoutError:  # only the scope's own: guarded turns every inner one into a verdict
        outcome, detail = "error", f"timed out after {timeout_s:g} s"
    return LoginResult(outcome, detail, round(time.monotonic() - start, 3))


async def guarded(attempt: Awaitable[Verdict]) -> Verdict:
    try:
        return await attempt
    except Exception as exc:  # a probe reports, it never raises
        return "error", describe_error(exc)


#: an object's repr (``<TCPTransport closed=True ...>``) is internal, never evidence
_REPR = re.compile(r"<[^<>]*(?:object at 0x|closed=|fd=)[^<>]*>")


def describe_error(exc: BaseException) -> str:
    """What went wrong, in the words a report can show: a plain reason for the usual
    network failures, never an internal repr."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "connection reset by the device"
    if isinstance(exc, asyncio.IncompleteReadError | EOFError | ConnectionAbortedError):
        return "the device closed the connection"
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed ({getattr(exc, 'reason', None) or 'no reason given'})"
    if isinstance(exc, RuntimeError) and "unable to perform operation on" in str(exc):
        return "the device closed the connection"  # asyncio: a write after the peer left
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    if type(exc).__name__ == "ConnectError":  # httpx: "All connection attempts failed"
        text = str(exc).strip()
        return f"could not connect ({text[:1].lower() + text[1:]})" if text else "could not connect"
    text = _REPR.sub("a closed connection", str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def quote(text: str, limit: int = 60) -> str:
    """A short, printable excerpt of device output for a detail message."""
    flat = " ".join(text.split())
    return repr(flat[-limit:])


def host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
