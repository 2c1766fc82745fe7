"""UDP services that answer a single harmless request: SSDP, SIP, SNMP (community
"public"), TFTP. UDP gives no connection, so a port is open only when it replies.

Replies are taken from the target's address on any source port: a TFTP server answers
from a new port of its own (RFC 1350, its transfer ID), which a connected socket would
drop. Nothing from another address is read."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass

from jcstar.checks.network.collect.pacing import Pacer

REPLY_BYTES = 2048


@dataclass(frozen=True)
class UdpProbe:
    port: int
    service: str
    request: bytes

    def describe(self, reply: bytes) -> str | None:
        """What the reply shows, or None when it is not this protocol."""
        text = reply[:200].decode("latin-1", errors="replace")
        first = text.splitlines()[0] if text else ""
        if self.service == "ssdp" and text.startswith("HTTP/1.1"):
            return f"SSDP answers M-SEARCH: {first}"
        if self.service == "sip" and text.startswith("SIP/2.0"):
            return f"SIP answers OPTIONS: {first}"
        if self.service == "snmp" and reply[:1] == b"\x30":
            return "SNMP answers a GetRequest with community 'public'"
        if self.service == "tftp" and reply[:2] in (b"\x00\x03", b"\x00\x05"):
            return "TFTP answers a read request for a random name" + tftp_error(reply)
        return None


def sip_options(host: str, transport: str = "UDP") -> bytes:
    tag = secrets.token_hex(4)
    return (
        f"OPTIONS sip:{host} SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1;branch=z9hG4bK{tag}\r\n"
        f"From: <sip:jcstar@invalid>;tag={tag}\r\nTo: <sip:{host}>\r\nCall-ID: {tag}@jcstar\r\n"
        "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


# SNMPv2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0) with community "public":
# a fixed, well-known 41-byte message, not a protocol implementation.
_SNMP_GET_SYSDESCR = bytes.fromhex(
    "302702010104067075626c6963a01a02020539020100020100300e300c06082b060102010101000500"
)


def probes(host: str) -> list[UdpProbe]:
    ssdp = (
        b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
        b'MAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n'
    )
    tftp = b"\x00\x01" + f"jcstar-{secrets.token_hex(4)}".encode() + b"\x00octet\x00"
    return [
        UdpProbe(1900, "ssdp", ssdp),
        UdpProbe(5060, "sip", sip_options(host)),
        UdpProbe(161, "snmp", _SNMP_GET_SYSDESCR),
        UdpProbe(69, "tftp", tftp),
    ]


def _same_host(a: str, b: object) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(str(b).split("%")[0])
    except ValueError:
        return a == b


class _Collector(asyncio.DatagramProtocol):
    """Keeps the first datagram from ``host`` (any source port) and where it came from."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.reply: asyncio.Future[tuple[bytes, tuple[str, int]]] = (
            asyncio.get_running_loop().create_future()
        )

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if not self.reply.done() and _same_host(self.host, addr[0]):
            self.reply.set_result((data[:REPLY_BYTES], (str(addr[0]), int(str(addr[1])))))

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable
        if not self.reply.done():
            self.reply.set_exception(exc)


async def exchange(
    host: str,
    port: int,
    request: bytes,
    timeout_s: float,
    pacer: Pacer,
    then: Callable[[bytes], bytes | None] | None = None,
) -> tuple[bytes, tuple[str, int]] | None:
    """Send ``request`` to host:port from an unconnected socket; the first reply from the
    host on any port, with its source address, or None (no reply within the time).
    ``then(reply)`` may give one more datagram, sent from the same socket to the reply's
    source (TFTP knows a client by its port)."""
    await pacer.wait()
    loop = asyncio.get_running_loop()
    local = ("::", 0) if ":" in host else ("0.0.0.0", 0)
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _Collector(host), local_addr=local
    )
    try:
        transport.sendto(request, (host, port))
        try:
            answer = await asyncio.wait_for(protocol.reply, timeout_s)
        except (TimeoutError, OSError):
            return None
        follow = then(answer[0]) if then else None
        if follow:
            transport.sendto(follow, answer[1])
        return answer
    finally:
        transport.close()


async def ask(host: str, probe: UdpProbe, timeout_s: float, pacer: Pacer) -> str | None:
    """The probe's description of the reply, or None (no reply, refused, other protocol)."""
    answer = await exchange(host, probe.port, probe.request, timeout_s, pacer)
    return probe.describe(answer[0]) if answer else None


# --- TFTP: which files it hands out --------------------------------------------------

#: configuration files TFTP servers on devices are known to hand out (read requests only)
TFTP_FILES = (
    "config",
    "config.txt",
    "config.cfg",
    "device.cfg",
    "system.cfg",
    "startup-config",
    "running-config",
    "backup.cfg",
)


def tftp_read_request(name: str) -> bytes:
    return b"\x00\x01" + name.encode() + b"\x00octet\x00"


async def tftp_fetch(
    host: str, port: int, name: str, timeout_s: float, pacer: Pacer
) -> bytes | None:
    """The first block of ``name`` if the server hands it out, else None. The transfer is
    then ended with an ERROR packet to the server's transfer port (no more is read)."""

    def end_transfer(reply: bytes) -> bytes | None:
        return b"\x00\x05\x00\x00jcstar: done\x00" if reply[:2] == b"\x00\x03" else None

    answer = await exchange(host, port, tftp_read_request(name), timeout_s, pacer, end_transfer)
    if answer is None or answer[0][:4] != b"\x00\x03\x00\x01":
        return None
    return answer[0][4:]


async def tftp_served(
    host: str, port: int, timeout_s: float, pacer: Pacer
) -> tuple[str, int, bool] | None:
    """(file name, bytes in its first block, whole file) of the first known configuration
    file the server hands out, or None."""
    for name in TFTP_FILES:
        data = await tftp_fetch(host, port, name, timeout_s, pacer)
        if data is not None:
            return name, len(data), len(data) < 512
    return None


def describe_served(served: tuple[str, int, bool]) -> str:
    name, size, whole = served
    return f"TFTP hands out {name!r} ({size}{'' if whole else '+'} bytes) without authentication"


def tftp_error(reply: bytes) -> str:
    if reply[:2] != b"\x00\x05" or len(reply) < 4:
        return ""
    code = struct.unpack(">H", reply[2:4])[0]
    message = reply[4:].split(b"\x00")[0].decode("latin-1", errors="replace")[:60]
    return f" (error {code}: {message})" if message else f" (error {code})"
