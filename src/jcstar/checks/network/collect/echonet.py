"""ECHONET Lite: ask a node's profile object who made it and what it contains.

One request, a Get (ESV 0x62), never a Set (SetI 0x60 / SetC 0x61 change a device and are
never sent). Frame format 1 of the ECHONET Lite Specification, Part II ch. 3 (ECHONET
Consortium, ver. 1.1x): EHD1 0x10, EHD2 0x81, TID (2 bytes), SEOJ (3), DEOJ (3), ESV, OPC,
then OPC times EPC, PDC, EDT. We speak as a controller (SEOJ 0x05FF01) to the node profile
object (DEOJ 0x0EF001) and ask for 0x8A (maker code, 3 bytes) and 0xD6 (self-node instance
list S: a count, then the 3-byte EOJ of each device object). A node answers Get_Res (0x72)
or, when it refuses a property, Get_SNA (0x52); both show the protocol is exposed.

A reply counts only when it parses as a whole frame, comes from a node profile object, is
addressed to our controller object and echoes our TID: a multicast announcement (INF) or
another client's answer is not taken for ours.

Transport: UDP and TCP port 3610 (ECHONET Lite Part II, ch. 7 (UDP), TCP added in ver.
1.12). Requests go to port 3610 from any port; many nodes answer to the source port, but
the specification has nodes send to port 3610, so the UDP ask also listens on 3610 when
that port is free on this machine (it is not when a responder runs here, as in the lab).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import struct
from dataclasses import dataclass

from jcstar.checks.network.collect.conversation import (
    Heard,
    State,
    converse,
    read_until,
    send,
    unanswered,
)
from jcstar.checks.network.collect.pacing import Pacer

EL_PORT = 3610
EHD = b"\x10\x81"
CONTROLLER = bytes.fromhex("05ff01")
NODE_PROFILE = bytes.fromhex("0ef001")
GET = 0x62
GET_RES = 0x72
GET_SNA = 0x52
MAKER_CODE = 0x8A
INSTANCE_LIST_S = 0xD6
#: services a read-only prober may send: Get only (SetI 0x60, SetC 0x61, SetGet 0x6E write)
READ_ONLY_SERVICES = frozenset({GET})


@dataclass(frozen=True)
class Frame:
    tid: int
    seoj: bytes
    deoj: bytes
    esv: int
    #: (EPC, EDT) in the order sent
    properties: tuple[tuple[int, bytes], ...]


def get_request(tid: int, epcs: tuple[int, ...] = (MAKER_CODE, INSTANCE_LIST_S)) -> bytes:
    """A Get from our controller object to the node profile object (PDC 0: no data)."""
    body = b"".join(bytes([epc, 0]) for epc in epcs)
    return EHD + struct.pack(">H", tid) + CONTROLLER + NODE_PROFILE + bytes([GET, len(epcs)]) + body


def frame_length(data: bytes) -> int | None:
    """The length of the format-1 frame at the start of ``data``, or None when the bytes
    are not one (yet): a TCP reader waits for the rest."""
    if len(data) < 12 or data[:2] != EHD:
        return None
    at = 12
    for _ in range(data[11]):
        if at + 2 > len(data):
            return None
        at += 2 + data[at + 1]
    return at if at <= len(data) else None


def parse_frame(data: bytes) -> Frame | None:
    """A whole format-1 frame (trailing bytes refused on UDP by the caller), or None."""
    length = frame_length(data)
    if length is None:
        return None
    properties, at = [], 12
    for _ in range(data[11]):
        epc, pdc = data[at], data[at + 1]
        properties.append((epc, data[at + 2 : at + 2 + pdc]))
        at += 2 + pdc
    tid = struct.unpack(">H", data[2:4])[0]
    return Frame(tid, data[4:7], data[7:10], data[10], tuple(properties))


def answer_to(data: bytes, tid: int) -> Frame | None:
    """``data`` as the node profile's answer to our Get ``tid``, or None."""
    frame = parse_frame(data)
    if frame is None or frame.tid != tid or frame.esv not in (GET_RES, GET_SNA):
        return None
    # the node profile (0x0EF001 general, 0x0EF002 transmission-only) to our controller
    if frame.seoj[:2] != NODE_PROFILE[:2] or frame.deoj != CONTROLLER:
        return None
    return frame


def describe(frame: Frame) -> str:
    """What the answer showed, in a line: maker code and device objects."""
    shown = dict(frame.properties)
    parts = []
    maker = shown.get(MAKER_CODE, b"")
    if len(maker) == 3:
        parts.append(f"maker code 0x{maker.hex().upper()}")
    objects = shown.get(INSTANCE_LIST_S, b"")
    if objects:
        eojs = [objects[i : i + 3].hex().upper() for i in range(1, len(objects) - 2, 3)]
        parts.append(f"{objects[0]} device object(s): " + ", ".join(f"0x{e}" for e in eojs))
    kind = "Get_Res" if frame.esv == GET_RES else "Get_SNA (some properties refused)"
    return f"answers a Get of the node profile with {kind}" + (
        f": {'; '.join(parts)}" if parts else ""
    )


def new_tid() -> int:
    return secrets.randbelow(0xFFFF) + 1


async def echonet_tcp(host: str, port: int, timeout_s: float, pacer: Pacer) -> Heard:
    tid = new_tid()

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, get_request(tid))
        reply, frame = await read_until(reader, lambda data: answer_to(data, tid), timeout_s)
        if frame is None:
            return unanswered(reply, "an ECHONET Lite Get", timeout_s)
        return "answers", describe(frame)

    return await converse("echonet-lite", host, port, timeout_s, pacer, talk)


def _same_host(a: str, b: object) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(str(b).split("%")[0])
    except ValueError:
        return a == b


class _Answers(asyncio.DatagramProtocol):
    """Keeps the first datagram from ``host`` that is the answer to ``tid``."""

    def __init__(self, host: str, tid: int, answer: asyncio.Future[Frame]) -> None:
        self.host, self.tid, self.answer = host, tid, answer

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if self.answer.done() or not _same_host(self.host, addr[0]):
            return
        frame = answer_to(data, self.tid)
        if frame is not None and frame_length(data) == len(data):
            self.answer.set_result(frame)


async def echonet_udp(host: str, port: int, timeout_s: float, pacer: Pacer) -> Heard:
    """UDP gives no connection: the protocol is there only when an answer arrives."""
    await pacer.wait()
    loop = asyncio.get_running_loop()
    tid = new_tid()
    answer: asyncio.Future[Frame] = loop.create_future()
    any_address = "::" if ":" in host else "0.0.0.0"
    sender, _ = await loop.create_datagram_endpoint(
        lambda: _Answers(host, tid, answer), local_addr=(any_address, 0)
    )
    listeners = [sender]
    with contextlib.suppress(OSError):  # port 3610 here is taken (a local node): skip it
        listener, _ = await loop.create_datagram_endpoint(
            lambda: _Answers(host, tid, answer), local_addr=(any_address, EL_PORT)
        )
        listeners.append(listener)
    try:
        sender.sendto(get_request(tid), (host, port))
        try:
            frame = await asyncio.wait_for(answer, timeout_s)
        except (TimeoutError, OSError):
            return Heard("echonet-lite", "udp", port, "absent", f"no answer in {timeout_s:g} s")
        return Heard("echonet-lite", "udp", port, "answers", describe(frame))
    finally:
        for transport in listeners:
            transport.close()
