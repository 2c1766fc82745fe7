"""SSH logins (asyncssh), retried with legacy algorithms for old devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import asyncssh

from jcstar.checks.network.logins.base import (
    LoginResult,
    Verdict,
    bounded,
)

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
        return await bounded(_ssh_attempt(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        attempt = _ssh_attempt(host, port, self.open_username, None, timeout_s)
        return await bounded(attempt, timeout_s)
