"""Read-only questions in the control protocols of the power sector, over TCP.

Each asks what any client on the network could ask, with no authentication, and nothing
that changes the device:

* Modbus/TCP (502): read one holding register (function 3) of each of a few unit ids, never
  a write. A Modbus/TCP server may answer only its own unit id: 1 is the usual one, 255 and 0
  are what TCP-only devices and gateways answer to, so one guessed unit would miss them.
* DNP3 (20000): the data link layer's "request link status" (function 9), never an
  application-layer request (no operate, no control). An outstation answers only frames to
  its own address, and often only from the master address it is configured with, so the
  request goes to a bounded list of (outstation, master) pairs (``DNP3_OUTSTATIONS`` x
  ``DNP3_MASTERS``, or the ones the sector profile names) and to the self address 0xFFFC
  (IEEE 1815-2012: an outstation that supports it answers with its own address). Not to the
  broadcast addresses 0xFFFD-0xFFFF: a broadcast frame is never confirmed, so it shows nothing.
* IEC 60870-5-104 (2404): STARTDT act; a station that answers STARTDT con is told STOPDT
  act at once and the connection is closed. U-frames only: no command ASDU is ever sent.
  U-frames carry no station address, so there is none to guess.

A reply counts only when it parses as the answer to what we sent (one of our Modbus
transaction ids, a DNP3 frame with a valid CRC, a 104 U-frame); bytes of any other protocol
mean this one is not there. A port that accepts the connection and then says nothing, or
closes it without a word, has not shown which protocol it speaks: that is ``silent`` (cannot
tell), never ``absent`` (an outstation of another address, a station that takes only its
configured masters). The frame builders for Modbus and the DNP3 CRC are the identification
probes' own (``protocols.py``).
"""

from __future__ import annotations

import asyncio
import secrets
import struct
from collections.abc import Callable

from jcstar.checks.network.collect.conversation import (
    Heard,
    Reply,
    State,
    converse,
    read_until,
    send,
    unanswered,
)
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.protocols import dnp3_crc, modbus_read, modbus_reply

# --- Modbus/TCP ----------------------------------------------------------------------------

#: the unit ids asked, in order: 1 (the usual), 255 and 0 (TCP-only devices and gateways)
MODBUS_UNITS = (1, 255, 0)


def _unseen(reply: Reply, what: str, timeout_s: float) -> tuple[State, str]:
    """Like ``unanswered``, but a close without a word is ``silent``: a station that takes
    only other addresses or masters may hang up on us, which shows nothing about it."""
    if not reply.data and reply.closed:
        return "silent", f"closed the connection without answering {what}"
    return unanswered(reply, what, timeout_s)


async def modbus_holding_read(
    host: str, port: int, timeout_s: float, pacer: Pacer, units: tuple[int, ...] = MODBUS_UNITS
) -> Heard:
    """Read holding register 0 of each unit id in ``units`` (one request each, sent together
    on one connection): does the port answer any of them without credentials?"""
    first = secrets.randbelow(0xFFFF - len(units)) + 1
    asked = {first + i: unit for i, unit in enumerate(units)}  # transaction id -> unit id

    def parse(data: bytes) -> tuple[int, int, bytes] | None:
        for transaction, unit in asked.items():
            answer = modbus_reply(data, transaction)
            if answer is not None:
                return unit, *answer
        return None

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, b"".join(modbus_read(t, unit) for t, unit in asked.items()))
        reply, answer = await read_until(reader, parse, timeout_s)
        listed = ", ".join(map(str, units))
        if answer is None:
            return _unseen(reply, f"a Modbus read of unit {listed}", timeout_s)
        unit, function, data = answer
        if function == 0x83:
            code = data[0] if data else 0
            return "answers", (
                f"answers a read of holding register 0 of unit {unit} with exception {code}"
            )
        value = struct.unpack(">H", data[1:3])[0] if len(data) >= 3 else None
        shown = f" (value {value})" if value is not None else ""
        return "answers", f"answers a read of holding register 0 of unit {unit}{shown}"

    return await converse("modbus", host, port, timeout_s, pacer, talk)


# --- DNP3 ----------------------------------------------------------------------------------

DNP3_MASTER = 3
DNP3_OUTSTATION = 1
#: IEEE 1815-2012's self address: an outstation that supports it answers as itself
DNP3_SELF = 0xFFFC
#: outstation addresses asked by default: 1 and 10 (the common defaults of outstation
#: stacks), low addresses, and a few seen in the field; our judgement of what is common
DNP3_OUTSTATIONS = (1, 10, 4, 0, 2, 5, 100, 1024, 65519, DNP3_SELF)
#: master addresses our requests come from: an outstation may answer only its configured master
DNP3_MASTERS = (3, 1, 100, 0)
#: data link function codes of a secondary (outstation) frame
DNP3_SECONDARY = {0: "ACK", 1: "NACK", 11: "LINK_STATUS", 15: "NOT_SUPPORTED"}


def dnp3_link_status_request(outstation: int = DNP3_OUTSTATION, master: int = DNP3_MASTER) -> bytes:
    """A master's REQUEST_LINK_STATUS header: length 5, DIR|PRM|FC 9 (IEEE 1815 §9.2)."""
    header = b"\x05\x64\x05\xc9" + struct.pack("<HH", outstation, master)
    return header + struct.pack("<H", dnp3_crc(header))


def dnp3_link_reply(reply: bytes, master: int = DNP3_MASTER) -> str | None:
    """The function of a secondary data link frame addressed to ``master`` whose header CRC
    holds (``LINK_STATUS``), else None (not DNP3, or not an answer to us)."""
    frame = dnp3_frame(reply)
    if frame is None:
        return None
    control, destination, _ = frame
    if control & 0x40 or destination != master:  # a primary frame, or not for us
        return None
    return DNP3_SECONDARY.get(control & 0x0F, f"function {control & 0x0F}")


def dnp3_frame(reply: bytes) -> tuple[int, int, int] | None:
    """(control, destination, source) of a DNP3 data link header whose CRC holds, else None."""
    if len(reply) < 10 or reply[:2] != b"\x05\x64" or reply[2] < 5:
        return None
    if struct.unpack("<H", reply[8:10])[0] != dnp3_crc(reply[:8]):
        return None
    destination, source = struct.unpack("<HH", reply[4:8])
    return reply[3], destination, source


def dnp3_pairs(
    outstations: tuple[int, ...] = DNP3_OUTSTATIONS, masters: tuple[int, ...] = DNP3_MASTERS
) -> list[tuple[int, int]]:
    """Every (outstation, master) pair asked, outstations first in order; a station never
    asks itself."""
    return [(o, m) for o in dict.fromkeys(outstations) for m in dict.fromkeys(masters) if o != m]


def dnp3_answer(reply: bytes, masters: tuple[int, ...]) -> str | None:
    """What a DNP3 reply showed, in a report's words: a secondary frame to one of our masters
    names the outstation that sent it; any other valid DNP3 frame still shows DNP3 spoken."""
    frame = dnp3_frame(reply)
    if frame is None:
        return None
    control, destination, source = frame
    if control & 0x40 or destination not in masters:
        return f"a DNP3 frame from address {source} to address {destination}"
    function = DNP3_SECONDARY.get(control & 0x0F, f"function {control & 0x0F}")
    return f"outstation {source} to master {destination}: {function}"


async def dnp3_link_status(
    host: str,
    port: int,
    timeout_s: float,
    pacer: Pacer,
    outstations: tuple[int, ...] = DNP3_OUTSTATIONS,
    masters: tuple[int, ...] = DNP3_MASTERS,
) -> Heard:
    """Request link status from each (outstation, master) pair, all on one connection; the
    first valid DNP3 frame back settles it."""
    pairs = dnp3_pairs(outstations, masters)

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, b"".join(dnp3_link_status_request(o, m) for o, m in pairs))
        reply, answer = await read_until(
            reader, lambda data: dnp3_answer(data, tuple(masters)), timeout_s
        )
        what = (
            f"a DNP3 link status request to any of {len(dict.fromkeys(outstations))} "
            f"outstation address(es) from {len(dict.fromkeys(masters))} master address(es)"
        )
        if answer is None:
            return _unseen(reply, what, timeout_s)
        return "answers", f"answers a link status request ({answer})"

    return await converse("dnp3", host, port, timeout_s, pacer, talk)


# --- IEC 60870-5-104 -----------------------------------------------------------------------

STARTDT_ACT = b"\x68\x04\x07\x00\x00\x00"
STARTDT_CON = 0x0B
STOPDT_ACT = b"\x68\x04\x13\x00\x00\x00"
STOPDT_CON = 0x23


def iec104_u_frames(data: bytes) -> list[int] | None:
    """The control bytes of the U-frames in a stream of whole APDUs (start 0x68, length,
    four control octets, an ASDU for I-frames), or None when the bytes are not 104 APDUs."""
    found: list[int] = []
    at = 0
    while at < len(data):
        if data[at] != 0x68 or at + 2 > len(data):
            return None
        length = data[at + 1]
        if length < 4 or at + 2 + length > len(data):
            return None if length < 4 else found  # a partial APDU: wait for the rest
        control = data[at + 2]
        if control & 0x03 == 0x03:
            found.append(control)
        at += 2 + length
    return found


def _has(control: int) -> Callable[[bytes], bool | None]:
    def parse(data: bytes) -> bool | None:
        frames = iec104_u_frames(data)
        return True if frames is not None and control in frames else None

    return parse


async def iec104_startdt(host: str, port: int, timeout_s: float, pacer: Pacer) -> Heard:
    """STARTDT act; on STARTDT con, STOPDT act at once (then close)."""

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, STARTDT_ACT)
        reply, started = await read_until(reader, _has(STARTDT_CON), timeout_s)
        if started is None:
            return _unseen(reply, "STARTDT act", timeout_s)
        await send(writer, STOPDT_ACT)
        _, stopped = await read_until(reader, _has(STOPDT_CON), timeout_s)
        after = "stopped again with STOPDT" if stopped else "STOPDT act sent, not confirmed"
        return "answers", f"answers STARTDT act with STARTDT con ({after})"

    return await converse("iec-104", host, port, timeout_s, pacer, talk)
