"""What every login protocol shares: the result and surface types, and the envelope
every call goes through (bounded in time, never raises)."""

from __future__ import annotations

import asyncio
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


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def quote(text: str, limit: int = 60) -> str:
    """A short, printable excerpt of device output for a detail message."""
    flat = " ".join(text.split())
    return repr(flat[-limit:])


def host_in_url(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
