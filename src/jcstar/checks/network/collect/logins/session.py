"""Several login attempts on one surface of one device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from jcstar.checks.network.collect.logins.base import (
    LoginResult,
    LoginSurface,
)
from jcstar.checks.network.collect.logins.telnet import TelnetSurface

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
