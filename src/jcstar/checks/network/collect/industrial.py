"""Read-only questions in the control protocols of the power sector, over TCP.

Each asks what any client on the network could ask, with no authentication, and nothing
that changes the device:

* Modbus/TCP (502): read one holding register (function 3), never a write.
* DNP3 (20000): the data link layer's "request link status" (function 9) to outstation 1,
  never an application-layer request (no operate, no control).
* IEC 60870-5-104 (2404): STARTDT act; a station that answers STARTDT con is told STOPDT
  act at once and the connection is closed. U-frames only: no command ASDU is ever sent.

A reply counts only when it parses as the answer to what we sent (our Modbus transaction
id, a DNP3 frame with a valid CRC addressed to our master address, a 104 U-frame); bytes
of any other protocol mean this one is not there. The frame builders for Modbus and the
DNP3 CRC are the identification probes' own (``protocols.py``).
"""

from __future__ import annotations

import asyncio
import secrets
import struct
from collections.abc import Callable

from jcstar.checks.network.collect.conversation import (
    Heard,
    State,
    converse,
    read_until,
    send,
    unanswered,
)
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.protocols import dnp3_crc, modbus_read, modbus_reply

# --- Modbus/TCP ----------------------------------------------------------------------------


async def modbus_holding_read(host: str, port: int, timeout_s: float, pacer: Pacer) -> Heard:
    """Read holding register 0 of unit 1: does the port answer it without credentials?"""
    transaction = secrets.randbelow(0xFFFF) + 1

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, modbus_read(transaction))
        reply, answer = await read_until(
            reader, lambda data: modbus_reply(data, transaction), timeout_s
        )
        if answer is None:
            return unanswered(reply, "a Modbus read", timeout_s)
        function, data = answer
        if function == 0x83:
            code = data[0] if data else 0
            return "answers", f"answers a read of holding register 0 with exception {code}"
        value = struct.unpack(">H", data[1:3])[0] if len(data) >= 3 else None
        shown = f" (value {value})" if value is not None else ""
        return "answers", f"answers a read of holding register 0{shown}"

    return await converse("modbus", host, port, timeout_s, pacer, talk)


# --- DNP3 ----------------------------------------------------------------------------------

DNP3_MASTER = 3
DNP3_OUTSTATION = 1
#: data link function codes of a secondary (outstation) frame
DNP3_SECONDARY = {0: "ACK", 1: "NACK", 11: "LINK_STATUS", 15: "NOT_SUPPORTED"}


def dnp3_link_status_request(outstation: int = DNP3_OUTSTATION, master: int = DNP3_MASTER) -> bytes:
    """A master's REQUEST_LINK_STATUS header: length 5, DIR|PRM|FC 9 (IEEE 1815 §9.2)."""
    header = b"\x05\x64\x05\xc9" + struct.pack("<HH", outstation, master)
    return header + struct.pack("<H", dnp3_crc(header))


def dnp3_link_reply(reply: bytes, master: int = DNP3_MASTER) -> str | None:
    """The function of a secondary data link frame addressed to ``master`` whose header CRC
    holds (``LINK_STATUS``), else None (not DNP3, or not an answer to us)."""
    if len(reply) < 10 or reply[:2] != b"\x05\x64" or reply[2] < 5:
        return None
    if struct.unpack("<H", reply[8:10])[0] != dnp3_crc(reply[:8]):
        return None
    control = reply[3]
    destination = struct.unpack("<H", reply[4:6])[0]
    if control & 0x40 or destination != master:  # a primary frame, or not for us
        return None
    return DNP3_SECONDARY.get(control & 0x0F, f"function {control & 0x0F}")


async def dnp3_link_status(host: str, port: int, timeout_s: float, pacer: Pacer) -> Heard:
    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[State, str]:
        await send(writer, dnp3_link_status_request())
        reply, function = await read_until(reader, dnp3_link_reply, timeout_s)
        if function is None:
            return unanswered(reply, "a DNP3 link status request", timeout_s)
        return "answers", f"answers a link status request to outstation 1 ({function})"

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
            return unanswered(reply, "STARTDT act", timeout_s)
        await send(writer, STOPDT_ACT)
        _, stopped = await read_until(reader, _has(STOPDT_CON), timeout_s)
        after = "stopped again with STOPDT" if stopped else "STOPDT act sent, not confirmed"
        return "answers", f"answers STARTDT act with STARTDT con ({after})"

    return await converse("iec-104", host, port, timeout_s, pacer, talk)
