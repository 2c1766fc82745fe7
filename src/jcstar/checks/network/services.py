"""Find the services a device offers: TCP connect scan, banners, TLS, UDP pings.

One scan per device run (shared between checks through ``SharedWork``). Every
connection has a timeout and every read a byte cap, so a device that stalls or
floods us costs bounded time and memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from jcstar.checks.network.pacing import Pacer
from jcstar.checks.network.tlsctx import shared_observing_context
from jcstar.checks.network.udp import ask, probes

Protocol = Literal["tcp", "udp"]
BANNER_BYTES = 2048
_HTTP_HINT_PORTS = {80, 81, 443, 8000, 8008, 8080, 8081, 8443, 8888}
_TLS_HINT_PORTS = {443, 8443, 8883, 993, 995, 636, 5061}


class ProbeError(Exception):
    """The device could not be probed at all (never answers, unreachable)."""


class RiskyPort(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    port: int = Field(ge=1, le=65535)
    protocol: Protocol
    service: str
    risk: str = Field(min_length=1)
    basis: Literal["seed", "official", "judgement"]
    only_if_open: bool = False


@dataclass(frozen=True)
class Service:
    port: int
    protocol: Protocol
    name: str
    tls: bool = False
    banner: str = ""
    detail: str = ""
    #: accepted the connection but said nothing, to a greeting or to HTTP
    silent: bool = False
    #: a port where TLS is the norm, whose TLS handshake failed
    tls_failed: bool = False

    @property
    def key(self) -> str:
        return f"{self.port}/{self.protocol}"


@dataclass
class ScanResult:
    host: str
    scanned_tcp: int
    services: list[Service] = field(default_factory=list)
    filtered: int = 0
    errors: dict[int, str] = field(default_factory=dict)


@cache
def risky_ports() -> dict[tuple[int, str], RiskyPort]:
    path = resources.files("jcstar.checks") / "data" / "risky-ports.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ports = [RiskyPort.model_validate(p) for p in data["ports"]]
    return {(p.port, p.protocol): p for p in ports}


async def _connect(
    host: str, port: int, timeout_s: float, pacer: Pacer
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    await pacer.wait()
    return await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _port_state(host: str, port: int, timeout_s: float, pacer: Pacer) -> str:
    try:
        _, writer = await _connect(host, port, timeout_s, pacer)
    except TimeoutError:
        return "filtered"
    except ConnectionRefusedError:
        return "closed"
    except OSError as exc:
        return f"error: {exc.strerror or exc}"
    await _close(writer)
    return "open"


async def _read_some(reader: asyncio.StreamReader, timeout_s: float) -> bytes:
    with contextlib.suppress(TimeoutError, OSError):
        return await asyncio.wait_for(reader.read(BANNER_BYTES), timeout_s)
    return b""


async def _banner(host: str, port: int, timeout_s: float, pacer: Pacer) -> bytes:
    """What the service says first; if silent, what it answers to an HTTP HEAD.
    On the usual web ports HEAD goes first: a web server never speaks first."""
    reader, writer = await _connect(host, port, timeout_s, pacer)
    try:
        data = b"" if port in _HTTP_HINT_PORTS else await _read_some(reader, min(timeout_s, 1.5))
        if not data:
            writer.write(f"HEAD / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            with contextlib.suppress(OSError):
                await writer.drain()
            data = await _read_some(reader, min(timeout_s, 1.5))
        return data
    finally:
        await _close(writer)


async def _speaks_tls(host: str, port: int, timeout_s: float, pacer: Pacer) -> bool:
    await pacer.wait()
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                host, port, ssl=shared_observing_context(), server_hostname=None
            ),
            timeout_s,
        )
    except (TimeoutError, OSError, ssl.SSLError):
        return False
    await _close(writer)
    return True


def identify(port: int, banner: bytes, tls: bool) -> tuple[str, str]:
    """(service name, short detail) from what the port said."""
    text = banner.decode("latin-1", errors="replace")
    first = text.strip().splitlines()[0][:120] if text.strip() else ""
    if text.startswith("SSH-"):
        return "ssh", first
    if banner.startswith(b"\xff") or "login:" in text.lower():
        return "telnet", first.strip("\xff\xfb\xfd\x01\x03\x18\x1f")
    if text.startswith("HTTP/"):
        server = next((ln for ln in text.splitlines() if ln.lower().startswith("server:")), "")
        return ("https" if tls else "http"), (server or first)
    if text.startswith("RTSP/"):
        return "rtsp", first
    if text.startswith("220") and ("ftp" in text.lower() or port == 21):
        return "ftp", first
    if tls:
        return ("https" if port in _HTTP_HINT_PORTS else "tls"), ""
    known = risky_ports().get((port, "tcp"))
    return (known.service if known else "unknown"), first


async def describe(host: str, port: int, timeout_s: float, pacer: Pacer) -> Service:
    tls = port in _TLS_HINT_PORTS and await _speaks_tls(host, port, timeout_s, pacer)
    banner = b""
    if not tls:
        try:
            banner = await _banner(host, port, timeout_s, pacer)
        except (TimeoutError, OSError):
            banner = b""
        if not banner and port not in _HTTP_HINT_PORTS:
            tls = await _speaks_tls(host, port, timeout_s, pacer)
    name, detail = identify(port, banner, tls)
    text = banner.decode("latin-1", errors="replace")[:512]
    return Service(
        port=port,
        protocol="tcp",
        name=name,
        tls=tls,
        banner=text,
        detail=detail,
        silent=not banner and not tls,
        tls_failed=port in _TLS_HINT_PORTS and not tls and name in ("unknown", "tls"),
    )


async def scan_udp(host: str, timeout_s: float, pacer: Pacer) -> list[Service]:
    """The UDP services that answer their probe (see ``udp.py``)."""
    asked = probes(host)
    details = await asyncio.gather(*(ask(host, p, timeout_s, pacer) for p in asked))
    return [
        Service(port=probe.port, protocol="udp", name=probe.service, detail=detail)
        for probe, detail in zip(asked, details, strict=True)
        if detail
    ]


async def scan(
    host: str,
    ports: tuple[int, ...],
    timeout_s: float = 2.0,
    concurrency: int = 200,
    pacer: Pacer | None = None,
) -> ScanResult:
    """Connect-scan ``ports`` and describe the open ones. Raises ProbeError if the
    device answers on no port at all (it may be down or dropping everything)."""
    pacer = pacer or Pacer()
    gate = asyncio.Semaphore(concurrency)

    async def state(port: int) -> tuple[int, str]:
        async with gate:
            return port, await _port_state(host, port, timeout_s, pacer)

    states = dict(await asyncio.gather(*(state(p) for p in ports)))
    result = ScanResult(host=host, scanned_tcp=len(ports))
    result.filtered = sum(1 for s in states.values() if s == "filtered")
    result.errors = {p: s[7:] for p, s in states.items() if s.startswith("error")}
    open_ports = sorted(p for p, s in states.items() if s == "open")
    if not open_ports and len(result.errors) == len(ports):
        raise ProbeError(f"{host}: {next(iter(result.errors.values()))}")
    if not open_ports and result.filtered:
        raise ProbeError(f"{host} answered on none of {len(ports)} ports (all timed out)")

    async def described(port: int) -> Service:
        async with gate:
            return await describe(host, port, timeout_s, pacer)

    result.services = list(await asyncio.gather(*(described(p) for p in open_ports)))
    result.services += await scan_udp(host, min(timeout_s, 2.0), pacer)
    if result.services and all(s.silent for s in result.services):
        ports_text = ", ".join(s.key for s in result.services)
        raise ProbeError(f"{host} accepts connections on {ports_text} but answers nothing")
    return result
