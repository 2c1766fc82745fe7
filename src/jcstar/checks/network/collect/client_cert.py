"""Does a TLS server let a client in without a client certificate?

One connection per port, with the observing context (``tlsctx.py``) and no certificate of
our own: whether the server sent a CertificateRequest during the handshake (seen through
the TLS message callback), whether it then refused us (a handshake failure or, in TLS 1.3,
a certificate_required alert or a close on the first read), and if it let us in, the
status its HTTP server gives a GET of ``path``. A GET only: nothing is ever posted, so no
registration or report reaches the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from typing import Literal

from jcstar.checks.network.collect.conversation import read_until
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.tlsctx import observing_context

#: TLS record content types and handshake message type (RFC 8446 §5.1, §4)
_HANDSHAKE = 22
_ALERT = 21
_CERTIFICATE_REQUEST = 13
#: alert descriptions a server sends when it wants a certificate (RFC 8446 §6.2)
ALERTS = {40: "handshake_failure", 42: "bad_certificate", 116: "certificate_required"}

ClientCertState = Literal[
    "closed", "filtered", "unreachable", "not_tls", "refused", "answered", "silent"
]


@dataclass(frozen=True)
class ClientCertProbe:
    port: int
    state: ClientCertState
    #: the server sent a CertificateRequest in the handshake
    requested: bool = False
    #: the alert it sent, by name, when it sent one
    alert: str = ""
    #: the HTTP status it answered ``path`` with, when it let us in
    status: int | None = None
    detail: str = ""


class _Seen:
    """What the TLS message callback saw the server send."""

    def __init__(self) -> None:
        self.requested = False
        self.alert = ""

    def __call__(
        self, conn: object, direction: str, version: object, content: int, kind: int, data: bytes
    ) -> None:
        # ``content`` and ``kind`` are IntEnums (_TLSContentType, _TLSMessageType/_TLSAlertType)
        if direction != "read":
            return
        if content == _HANDSHAKE and kind == _CERTIFICATE_REQUEST:
            self.requested = True
        elif content == _ALERT:
            self.alert = ALERTS.get(int(kind), f"alert {int(kind)}")


def _status(data: bytes) -> int | None:
    head = data.split(b"\r\n", 1)[0].split()
    if len(head) >= 2 and head[0].startswith(b"HTTP/") and head[1].isdigit():
        return int(head[1])
    return None


def _http_status(data: bytes) -> int | None:
    return _status(data) if b"\r\n" in data else None


async def ask_without_certificate(
    host: str, port: int, path: str, timeout_s: float, pacer: Pacer
) -> ClientCertProbe:
    await pacer.wait()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    except TimeoutError:
        return ClientCertProbe(
            port, "filtered", detail=f"no answer to a connection in {timeout_s:g} s"
        )
    except ConnectionRefusedError:
        return ClientCertProbe(port, "closed", detail="connection refused")
    except OSError as exc:
        return ClientCertProbe(port, "unreachable", detail=str(exc.strerror or exc))
    seen = _Seen()
    context = observing_context()
    context._msg_callback = seen  # type: ignore[attr-defined]  # CPython's TLS message hook
    try:
        return await _converse(reader, writer, seen, context, host, port, path, timeout_s)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    seen: _Seen,
    context: ssl.SSLContext,
    host: str,
    port: int,
    path: str,
    timeout_s: float,
) -> ClientCertProbe:
    def refused(how: str) -> ClientCertProbe:
        if seen.requested:
            said = f" ({seen.alert})" if seen.alert else ""
            return ClientCertProbe(
                port,
                "refused",
                True,
                seen.alert,
                detail=f"asked for a client certificate, "
                f"then refused a client without one: {how}{said}",
            )
        return ClientCertProbe(port, "not_tls", alert=seen.alert, detail=f"no TLS handshake: {how}")

    try:
        await asyncio.wait_for(writer.start_tls(context, server_hostname=None), timeout_s)
    except TimeoutError:
        return ClientCertProbe(port, "silent", detail=f"no TLS handshake in {timeout_s:g} s")
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        return refused(f"handshake failed ({exc.__class__.__name__})")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: jcstar\r\nConnection: close\r\n\r\n"
    )
    try:
        writer.write(request.encode())
        await writer.drain()
        reply, status = await read_until(reader, _http_status, timeout_s)
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        return refused(f"the first read failed ({exc.__class__.__name__})")
    if status is not None:
        return ClientCertProbe(port, "answered", seen.requested, status=status,
                               detail=f"HTTP {status} for GET {path}")  # fmt: skip
    if seen.alert or (reply.closed and not reply.data):
        return refused("closed the connection after the handshake")
    return ClientCertProbe(
        port, "silent", seen.requested, detail=f"no HTTP answer to GET {path} in {timeout_s:g} s"
    )
