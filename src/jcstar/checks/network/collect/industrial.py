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
configured masters). The frames and the addresses asked are shared with the service
identification and the Modbus login (``industrial_frames.py``): one list, so a station one
of them finds the others do not call "unknown".
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
from jcstar.checks.network.collect.industrial_frames import (
    DNP3_MASTERS,
    DNP3_OUTSTATIONS,
    MODBUS_UNITS,
    dnp3_answer,
    dnp3_link_reply,
    dnp3_link_status_request,
    dnp3_link_status_requests,
    modbus_answer,
    modbus_reads,
)
from jcstar.checks.network.collect.pacing import Pacer

#: the askers, and the frames and address lists the sector check and its tests read from here
__all__ = [
    "DNP3_MASTERS",
    "DNP3_OUTSTATIONS",
    "MODBUS_UNITS",
    "dnp3_link_reply",
    "dnp3_link_status",
    "dnp3_link_status_request",
    "iec104_startdt",
    "iec104_u_frames",
    "modbus_holding_read",
]

# --- Modbus/TCP ----------------------------------------------------------------------------


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
    requests, asked = modbus_reads(secrets.randbelow(0xFFFF - len(units)) + 1, units)

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, requests)
        reply, answer = await read_until(reader, lambda data: modbus_answer(data, asked), timeout_s)
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
    requests = dnp3_link_status_requests(outstations, masters)

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, requests)
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
