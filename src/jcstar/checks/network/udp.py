"""UDP services that answer a single harmless request: SSDP, SIP, SNMP (community
"public"), TFTP. UDP gives no connection, so a port is open only when it replies."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass

from jcstar.checks.network.pacing import Pacer

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
            return "TFTP answers a read request without authentication"
        return None


def _sip_options(host: str) -> bytes:
    tag = secrets.token_hex(4)
    return (
        f"OPTIONS sip:{host} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK{tag}\r\n"
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
        UdpProbe(5060, "sip", _sip_options(host)),
        UdpProbe(161, "snmp", _SNMP_GET_SYSDESCR),
        UdpProbe(69, "tftp", tftp),
    ]


class _Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if not self.reply.done():
            self.reply.set_result(data[:REPLY_BYTES])

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable
        if not self.reply.done():
            self.reply.set_exception(exc)


async def ask(host: str, probe: UdpProbe, timeout_s: float, pacer: Pacer) -> str | None:
    """The probe's description of the reply, or None (no reply, refused, other protocol)."""
    await pacer.wait()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        _Collector, remote_addr=(host, probe.port)
    )
    try:
        transport.sendto(probe.request)
        with contextlib.suppress(TimeoutError, OSError):
            return probe.describe(await asyncio.wait_for(protocol.reply, timeout_s))
        return None
    finally:
        transport.close()
