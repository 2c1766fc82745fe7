"""RTSP logins: one DESCRIBE request over asyncio streams."""

from __future__ import annotations

import asyncio
import base64
import re
from dataclasses import dataclass, field

from jcstar.checks.network.collect.logins.base import (
    MAX_READ_BYTES,
    USER_AGENT,
    LoginResult,
    Verdict,
    bounded,
    host_in_url,
    quote,
)

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
        raise ValueError(f"not an RTSP response: {quote(head)}")
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
        return await bounded(_rtsp_attempt(host, port, self.path, (username, password)), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_rtsp_attempt(host, port, self.path, None), timeout_s)
