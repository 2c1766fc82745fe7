"""TFTP: a file transfer without any login (RFC 1350). "Access without credentials" is a
read request for a configuration file devices are known to hand out (``udp.TFTP_FILES``);
only the first block is read, and the transfer is then ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from jcstar.checks.network.collect.logins.base import LoginResult, Verdict, bounded
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.udp import TFTP_FILES, describe_served, tftp_served


async def _tftp_open(host: str, port: int, timeout_s: float) -> Verdict:
    each = max(0.5, timeout_s / (len(TFTP_FILES) + 1))
    served = await tftp_served(host, port, each, Pacer())
    if served is None:
        return "error", f"no answer with a file to read requests for {len(TFTP_FILES)} names"
    return "accepted", describe_served(served)


@dataclass
class TftpSurface:
    service: str = field(default="tftp", init=False)

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return LoginResult("error", "TFTP has no login: nothing to try", 0.0)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_tftp_open(host, port, timeout_s), timeout_s)
