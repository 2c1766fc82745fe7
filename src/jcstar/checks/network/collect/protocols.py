"""Name a TCP service by what it speaks, never by its port number.

A service that speaks first (SSH, telnet, FTP) is named by its banner. A service that
waits for the client (web, MQTT, Modbus/TCP, RTSP, DNP3, IEC 60870-5-104 ...) says
nothing until it is asked in its own protocol, so a silent port is asked with each
request of ``PROBES`` in turn, one small fixed message per connection. The port
number only chooses the order (1883 asks MQTT first). Protocols whose servers answer only
their own address are asked at every address of a bounded list in that one message
(Modbus/TCP units 1, 255 and 0; DNP3 outstation and master pairs, ``industrial_frames.py``,
the same lists the power-sector check asks), so a station that is not at address 1 is
still named; one that answers none of them stays unidentified, with what it did. Each
request is a single, harmless, well-known message (a read, a connect, an OPTIONS, a link
status request), like the SNMP request in ``udp.py``: a fingerprint, not a protocol
implementation. The logins themselves use the protocol libraries (``logins/``).

A reply counts only when it is the answer the request expects (a CONNACK to a
CONNECT, a Modbus response with our transaction id, a DNP3 frame with a valid CRC):
random bytes from a garbage device are not mistaken for a protocol.
"""

from __future__ import annotations

import re
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass

from jcstar.checks.network.collect.industrial_frames import (
    MODBUS_UNITS,
    dnp3_answer,
    dnp3_link_status_requests,
    modbus_answer,
    modbus_reads,
)
from jcstar.checks.network.collect.udp import sip_options

#: what a reply showed: (service name, short detail), or None when it is not this protocol
Match = tuple[str, str] | None

_TLS_ALERT = re.compile(rb"^\x15\x03[\x00-\x04]\x00\x02[\x01\x02]")


def _first_line(reply: bytes) -> str:
    text = reply.decode("latin-1", errors="replace").strip()
    return text.splitlines()[0][:120] if text else ""


def banner_service(reply: bytes, tls: bool = False, port: int = 0) -> Match:
    """A service named by text it sends (its greeting, or its answer to a text request).
    The port only tells apart greetings that fit more than one protocol (FTP's and
    SMTP's "220")."""
    text = reply.decode("latin-1", errors="replace")
    first = _first_line(reply)
    if text.startswith("SSH-"):
        return "ssh", first
    if re.match(rb"\xff[\xfb-\xfe]", reply) or "login:" in text.lower():
        return "telnet", first.strip("\xff\xfb\xfd\x01\x03\x18\x1f")
    if text.startswith("HTTP/"):
        server = next((ln for ln in text.splitlines() if ln.lower().startswith("server:")), "")
        return ("https" if tls else "http"), (server or first)
    if text.startswith("RTSP/"):
        return "rtsp", first
    if text.startswith("SIP/2.0"):
        return "sip", first
    if re.match(r"220[ -]", text) and ("ftp" in text.lower() or port in (21, 2121)):
        return "ftp", first
    if reply[:4] in (b"CNXN", b"AUTH") and len(reply) >= 4:
        return "adb", "Android Debug Bridge answers (" + reply[:4].decode() + ")"
    return None


def tls_alert(reply: bytes) -> bool:
    """The bytes are a TLS alert record (the port speaks TLS, or pretends to)."""
    return bool(_TLS_ALERT.match(reply))


# --- the requests ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProtocolProbe:
    """One request that makes a client-speaks-first service answer."""

    name: str
    #: ports where this protocol is usual: there it is asked first
    hint_ports: frozenset[int]
    #: the request, built per connection (host, port)
    request: Callable[[str, int], tuple[bytes, object]]
    #: the reply judged against what the request sent (its ``state``)
    judge: Callable[[bytes, object, bool], Match]


def _text_judge(reply: bytes, _state: object, tls: bool) -> Match:
    return banner_service(reply, tls)


def _http_request(host: str, port: int) -> tuple[bytes, object]:
    return f"HEAD / HTTP/1.0\r\nHost: {host}\r\nUser-Agent: jcstar\r\n\r\n".encode(), None


def _rtsp_request(host: str, port: int) -> tuple[bytes, object]:
    url = f"rtsp://{host}:{port}/"
    return f"OPTIONS {url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: jcstar\r\n\r\n".encode(), None


def _sip_request(host: str, port: int) -> tuple[bytes, object]:
    return sip_options(host, "TCP"), None


# MQTT 3.1.1 CONNECT, clean session, no credentials; the broker answers with a CONNACK
_CONNACK_CODES = {
    0: "accepted",
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
}


def mqtt_connect(client_id: str) -> bytes:
    ident = client_id.encode()
    body = (
        b"\x00\x04MQTT\x04\x02\x00\x0a"  # protocol name, level 4, clean session, keepalive 10
        + struct.pack(">H", len(ident))
        + ident
    )
    return b"\x10" + bytes([len(body)]) + body


def _mqtt_request(host: str, port: int) -> tuple[bytes, object]:
    return mqtt_connect("jcstar-" + secrets.token_hex(4)), None


def _mqtt_judge(reply: bytes, _state: object, tls: bool) -> Match:
    if len(reply) >= 4 and reply[:2] == b"\x20\x02" and reply[2] in (0, 1):
        code = reply[3]
        if code in _CONNACK_CODES:
            return "mqtt", f"MQTT CONNACK to a CONNECT without credentials: {_CONNACK_CODES[code]}"
    return None


# Modbus/TCP: read holding register 0 of each unit id of MODBUS_UNITS, the reads sent
# together: a server or gateway that answers only unit 255 or 0 still answers one of them
def _modbus_request(host: str, port: int) -> tuple[bytes, object]:
    return modbus_reads(secrets.randbelow(0xFFFF - len(MODBUS_UNITS)) + 1, MODBUS_UNITS)


def _modbus_judge(reply: bytes, state: object, tls: bool) -> Match:
    answer = modbus_answer(reply, state) if isinstance(state, dict) else None
    if answer is None:
        return None
    unit, function, data = answer
    read = f"Modbus/TCP answers a read of holding register 0 of unit {unit}"
    if function == 0x83:
        return "modbus", f"{read} with exception {data[0]}"
    return "modbus", read


# DNP3: a master's REQUEST_LINK_STATUS (data link layer only) to each (outstation, master)
# pair of DNP3_OUTSTATIONS x DNP3_MASTERS: an outstation answers only its own address, often
# only from its configured master
def _dnp3_request(host: str, port: int) -> tuple[bytes, object]:
    return dnp3_link_status_requests(), None


def _dnp3_judge(reply: bytes, _state: object, tls: bool) -> Match:
    answer = dnp3_answer(reply)
    if answer is None:
        return None
    return "dnp3", f"DNP3 answers a link status request ({answer})"


# IEC 60870-5-104: STARTDT act; the station answers STARTDT con (or another U/S frame)
def _iec104_request(host: str, port: int) -> tuple[bytes, object]:
    return b"\x68\x04\x07\x00\x00\x00", None


def _iec104_judge(reply: bytes, _state: object, tls: bool) -> Match:
    if len(reply) >= 6 and reply[:2] == b"\x68\x04" and reply[2] & 0x01:
        return "iec-104", "IEC 60870-5-104 answers STARTDT"
    return None


# ISO-TSAP (S7comm, IEC 61850 MMS): a COTP connection request in a TPKT
def _cotp_request(host: str, port: int) -> tuple[bytes, object]:
    return bytes.fromhex("0300001611e00000000100c1020100c2020102c0010a"), None


def _cotp_judge(reply: bytes, _state: object, tls: bool) -> Match:
    if len(reply) >= 7 and reply[:2] == b"\x03\x00" and reply[5] & 0xF0 in (0xD0, 0x80):
        return "iso-tsap", "ISO-TSAP (COTP) answers a connection request"
    return None


# Android Debug Bridge: the host's CNXN; adbd answers CNXN (open) or AUTH
def _adb_request(host: str, port: int) -> tuple[bytes, object]:
    payload = b"host::\x00"
    command = int.from_bytes(b"CNXN", "little")
    header = struct.pack(
        "<6I", command, 0x01000000, 256 * 1024, len(payload), sum(payload), command ^ 0xFFFFFFFF
    )
    return header + payload, None


PROBES: tuple[ProtocolProbe, ...] = (
    ProtocolProbe(
        "http",
        frozenset({80, 81, 443, 8000, 8008, 8080, 8081, 8443, 8888, 7547, 37215}),
        _http_request,
        _text_judge,
    ),
    ProtocolProbe("mqtt", frozenset({1883, 8883}), _mqtt_request, _mqtt_judge),
    ProtocolProbe("modbus", frozenset({502, 802, 5020}), _modbus_request, _modbus_judge),
    ProtocolProbe("rtsp", frozenset({554, 322, 8554}), _rtsp_request, _text_judge),
    ProtocolProbe("sip", frozenset({5060, 5061}), _sip_request, _text_judge),
    ProtocolProbe("adb", frozenset({5555}), _adb_request, _text_judge),
    ProtocolProbe("dnp3", frozenset({20000}), _dnp3_request, _dnp3_judge),
    ProtocolProbe("iec-104", frozenset({2404}), _iec104_request, _iec104_judge),
    ProtocolProbe("iso-tsap", frozenset({102}), _cotp_request, _cotp_judge),
)


def ordered(port: int) -> tuple[list[ProtocolProbe], list[ProtocolProbe]]:
    """(probes hinted by this port number, the others in their usual order)."""
    hinted = [p for p in PROBES if port in p.hint_ports]
    return hinted, [p for p in PROBES if port not in p.hint_ports]


def judge(probe: ProtocolProbe | None, reply: bytes, state: object, tls: bool, port: int) -> Match:
    """What a reply shows: a speaks-first banner wins (it arrives whatever we sent)."""
    found = banner_service(reply, tls, port)
    if found is None and probe is not None:
        found = probe.judge(reply, state, tls)
    return found


def probe_names() -> str:
    return ", ".join(p.name for p in PROBES)
