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
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from jcstar.checks.base import CannotJudge, CannotJudgeKind, data_path
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.protocols import (
    Match,
    banner_service,
    judge,
    ordered,
    probe_names,
    tls_alert,
)
from jcstar.checks.network.collect.tlsctx import shared_observing_context
from jcstar.checks.network.collect.udp import TFTP_FILES, ask, describe_served, probes, tftp_served

Protocol = Literal["tcp", "udp"]
BANNER_BYTES = 2048
#: how long one request waits for its answer (or a greeting)
READ_S = 1.5
#: names of services whose protocol was not recognised
UNIDENTIFIED = frozenset({"unknown", "tls"})
_TLS_HINT_PORTS = {443, 8443, 8883, 993, 995, 636, 5061}


class ProbeError(CannotJudge):
    """The device could not be probed at all (never answers, unreachable)."""

    def __init__(self, reason: str, kind: CannotJudgeKind = "unreachable") -> None:
        super().__init__(reason, kind)


class RiskyPort(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    port: int = Field(ge=1, le=65535)
    protocol: Protocol
    service: str
    risk: str = Field(min_length=1)
    basis: Literal["seed", "official", "judgement"]
    #: flagged only when the service lets a client in without credentials
    only_if_open: bool = False
    #: for ``only_if_open``: a service that asks for credentials is left alone (``ignore``)
    #: or asked about (``review``: a question to the vendor, not a failure)
    otherwise: Literal["ignore", "review"] = "ignore"
    #: the service names that, identified on this port, are this entry (default: ``service``)
    speaks: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.speaks or (self.service,)


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
    #: what it handed out to anyone, without credentials (a TFTP server's config file)
    hands_out: str = ""

    @property
    def key(self) -> str:
        return f"{self.port}/{self.protocol}"

    @property
    def identified(self) -> bool:
        """Named by what it spoke (a banner, an answer in its protocol)."""
        return self.name not in UNIDENTIFIED


@dataclass
class ScanResult:
    host: str
    scanned_tcp: int
    services: list[Service] = field(default_factory=list)
    filtered: int = 0
    errors: dict[int, str] = field(default_factory=dict)


@cache
def risky_ports() -> dict[tuple[int, str], RiskyPort]:
    path = data_path("risky-ports.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ports = [RiskyPort.model_validate(p) for p in data["ports"]]
    return {(p.port, p.protocol): p for p in ports}


def risky_entry(service: Service) -> RiskyPort | None:
    """The entry for what this service is: the one for its port when the service was
    identified as that entry's protocol, else the first entry for its protocol on any
    port (telnet on 2324 is telnet). An unidentified service has none."""
    if not service.identified:
        return None
    risky = risky_ports()
    entry = risky.get((service.port, service.protocol))
    if entry is not None and service.name in entry.names:
        return entry
    return next(
        (
            r
            for r in risky.values()
            if r.protocol == service.protocol and service.name in r.names and not r.speaks
        ),
        None,
    )


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


async def _exchange(
    host: str, port: int, request: bytes, tls: bool, timeout_s: float, pacer: Pacer
) -> bytes | None:
    """Connect (in TLS if ``tls``), send ``request`` (nothing: wait for a greeting) and
    return what comes back within READ_S; None when the connection itself failed."""
    await pacer.wait()
    try:
        if tls:
            connecting = asyncio.open_connection(
                host, port, ssl=shared_observing_context(), server_hostname=None
            )
        else:
            connecting = asyncio.open_connection(host, port)
        reader, writer = await asyncio.wait_for(connecting, timeout_s)
    except (TimeoutError, OSError, ssl.SSLError):
        return None
    try:
        if request:
            writer.write(request)
            with contextlib.suppress(OSError):
                await writer.drain()
        return await _read_some(reader, min(timeout_s, READ_S))
    finally:
        await _close(writer)


@dataclass
class _Heard:
    """What one port said to our requests."""

    found: Match = None
    #: the reply that named it, or else the first bytes the port sent
    reply: bytes = b""
    answered: bool = False
    tls_alert: bool = False
    #: at least one connection (and TLS handshake, in TLS) succeeded
    connected: bool = False


async def _identify(host: str, port: int, tls: bool, timeout_s: float, pacer: Pacer) -> _Heard:
    """Ask the port in turn: the protocols its number suggests, then nothing (a greeting),
    then every other protocol of ``PROBES``. The first reply that shows a protocol names
    the service. A greeting no protocol matches ends the search: a service that speaks
    first is not one of the client-speaks-first protocols asked after it."""
    hinted, others = ordered(port)
    heard = _Heard()
    for probe in [*hinted, None, *others]:
        request, state = probe.request(host, port) if probe else (b"", None)
        reply = await _exchange(host, port, request, tls, timeout_s, pacer)
        if reply is None:
            break  # no connection (closed, a rate limit, or no TLS in a TLS attempt)
        heard.connected = True
        if not reply:
            continue
        found = judge(probe, reply, state, tls, port)
        if found:
            return _Heard(found, reply, True, connected=True)
        heard.answered = True
        heard.reply = heard.reply or reply
        if not tls and tls_alert(reply):
            heard.tls_alert = True
            break  # it wants a TLS handshake, not plaintext
        if probe is None:
            break  # an unknown greeting
    return heard


def _unidentified(heard: _Heard, tls: bool) -> str:
    """Why a port has no name, in plain words."""
    asked = f"asked: {probe_names()}"
    if heard.tls_alert:
        return "answers plaintext with a TLS alert, but no TLS handshake completed"
    if heard.answered:
        where = " inside TLS" if tls else ""
        return f"sent {len(heard.reply)} byte(s){where} that no known protocol starts with"
    if tls:
        return f"speaks TLS, but no known protocol answered inside it ({asked})"
    return f"accepts connections but answers nothing ({asked})"


def identify(port: int, banner: bytes, tls: bool) -> tuple[str, str]:
    """(service name, short detail) from what the port said first; ``unknown`` (or
    ``tls``) when it showed no protocol: a port number alone names nothing."""
    found = banner_service(banner, tls, port)
    if found:
        return found
    return ("tls" if tls else "unknown"), ""


async def describe(host: str, port: int, timeout_s: float, pacer: Pacer) -> Service:
    tls = False
    if port in _TLS_HINT_PORTS:
        # the first request in TLS is also the handshake test (one connection less to a
        # device that limits new connections)
        heard = await _identify(host, port, True, timeout_s, pacer)
        tls = heard.connected
    if not tls:
        heard = await _identify(host, port, False, timeout_s, pacer)
    if not tls and heard.found is None and (not heard.answered or heard.tls_alert):
        tls = port not in _TLS_HINT_PORTS and await _speaks_tls(host, port, timeout_s, pacer)
        if tls:
            heard = await _identify(host, port, True, timeout_s, pacer)
    if heard.found:
        name, detail = heard.found
    else:
        name, detail = ("tls" if tls else "unknown"), _unidentified(heard, tls)
    text = heard.reply.decode("latin-1", errors="replace")[:512]
    return Service(
        port=port,
        protocol="tcp",
        name=name,
        tls=tls,
        banner=text,
        detail=detail,
        silent=not heard.answered and not tls,
        tls_failed=port in _TLS_HINT_PORTS and not tls and name in UNIDENTIFIED,
    )


async def scan_udp(host: str, timeout_s: float, pacer: Pacer) -> list[Service]:
    """The UDP services that answer their probe (see ``udp.py``); a TFTP server is also
    asked for the configuration files devices are known to hand out."""
    asked = probes(host)
    details = await asyncio.gather(*(ask(host, p, timeout_s, pacer) for p in asked))
    found = []
    for probe, detail in zip(asked, details, strict=True):
        if not detail:
            continue
        hands_out = ""
        if probe.service == "tftp":
            served = await tftp_served(host, probe.port, timeout_s, pacer)
            hands_out = describe_served(served) if served else ""
            detail = hands_out or f"{detail}; none of {len(TFTP_FILES)} known file names served"
        found.append(
            Service(
                port=probe.port,
                protocol="udp",
                name=probe.service,
                detail=detail,
                hands_out=hands_out,
            )
        )
    return found


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
        raise ProbeError(
            f"{host} answered on none of {len(ports)} ports (all timed out)", "timed_out"
        )

    async def described(port: int) -> Service:
        async with gate:
            return await describe(host, port, timeout_s, pacer)

    result.services = list(await asyncio.gather(*(described(p) for p in open_ports)))
    result.services += await scan_udp(host, min(timeout_s, 2.0), pacer)
    if result.services and all(s.silent for s in result.services):
        ports_text = ", ".join(s.key for s in result.services)
        raise ProbeError(
            f"{host} accepts connections on {ports_text} but answers nothing "
            f"(asked: a greeting, TLS, {probe_names()})",
            "timed_out",  # connected, then no answer in the time each request waits
        )
    return result
