"""FTP logins (stdlib ftplib in a thread, output bounded)."""

from __future__ import annotations

import asyncio
import contextlib
import ftplib
import socket
import time
from dataclasses import dataclass, field

from jcstar.checks.network.collect.logins.base import (
    MAX_READ_BYTES,
    LoginOutcome,
    LoginResult,
    OutputLimitExceeded,
    Verdict,
    bounded,
    quote,
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
    return "accepted", f"FTP {reply} for {username!r} (banner {quote(welcome, 40)})"


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
        return await bounded(_ftp_attempt(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        attempt = _ftp_attempt(host, port, "anonymous", "anonymous@", timeout_s)
        return await bounded(attempt, timeout_s)
