"""SSH logins (asyncssh), retried with legacy algorithms for old devices.

Asked without credentials, the server's answer to the "none" method lists the methods
it offers: a server without ``password`` or ``keyboard-interactive`` takes no password
at all (public keys only), and the evidence says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import asyncssh

from jcstar.checks.network.collect.logins.base import (
    LoginResult,
    Verdict,
    bounded,
)

# --- ssh ---------------------------------------------------------------------------

#: the open check's words for a server that takes no password (default_credentials reads them)
PASSWORD_NOT_OFFERED = "password authentication not offered"
_PASSWORD_METHODS = {"password", "keyboard-interactive"}


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


async def _ssh_methods(
    host: str, port: int, username: str, timeout_s: float, legacy: bool
) -> list[str]:
    """The authentication methods the server offers ``username`` (``["none"]``: it let
    the user in with no authentication at all)."""
    options = asyncssh.SSHClientConnectionOptions(
        known_hosts=None,
        client_keys=None,
        agent_path=None,
        gss_host=None,
        connect_timeout=timeout_s,
        login_timeout=timeout_s,
        **(_legacy_ssh_algorithms() if legacy else {}),
    )
    methods = await asyncssh.get_server_auth_methods(
        host, port, username, config=None, options=options
    )
    return list(methods)


async def _ssh_open(host: str, port: int, username: str, timeout_s: float) -> Verdict:
    legacy = ""
    try:
        methods = await _ssh_methods(host, port, username, timeout_s, False)
    except asyncssh.KeyExchangeFailed as exc:
        legacy = f"; needed legacy algorithms ({exc.reason})"
        methods = await _ssh_methods(host, port, username, timeout_s, True)
    if methods == ["none"]:
        return "accepted", f"logged in as {username!r} with no credentials (auth 'none'){legacy}"
    offered = ", ".join(methods) or "no method"
    if not _PASSWORD_METHODS & set(methods):
        return "rejected", f"{PASSWORD_NOT_OFFERED} (the server offers: {offered}){legacy}"
    return "rejected", f"asks for credentials (the server offers: {offered}){legacy}"


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
        return await bounded(_ssh_open(host, port, self.open_username, timeout_s), timeout_s)
