"""Loopback Modbus/TCP and DNP3 stations for the tests of the probes that ask them
(``network.sector_protocols``, the service identification, the Modbus login).

Each station answers only its own address, as real ones do: a DNP3 outstation only frames
to its address (and often only from its configured masters), a Modbus/TCP server only its
unit ids. Each records every frame it was sent (``Station``), so a test can show that only
read-only requests came, and how many.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable

from jcstar.checks.network.collect.industrial_frames import dnp3_crc

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
SELF_ADDRESS = 0xFFFC


class Station:
    """What one station was sent, frame by frame."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []


def outstation(
    address: int, masters: set[int] | None, station: Station, self_address: bool = False
) -> Handler:
    """A DNP3 outstation at ``address`` answering REQUEST_LINK_STATUS with LINK_STATUS, only
    from ``masters`` (None: any), and at the self address 0xFFFC when ``self_address``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readexactly(10):
                station.frames.append(head)
                control = head[3]
                destination, source = struct.unpack("<HH", head[4:8])
                ours = destination == address or (self_address and destination == SELF_ADDRESS)
                known = masters is None or source in masters
                if ours and known and control & 0x40 and control & 0x0F == 9:
                    reply = b"\x05\x64\x05\x0b" + struct.pack("<HH", source, address)
                    writer.write(reply + struct.pack("<H", dnp3_crc(reply)))
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


def modbus_server(
    units: set[int],
    station: Station,
    hang_up: bool = False,
    exceptions: dict[int, int] | None = None,
) -> Handler:
    """A Modbus/TCP server that answers reads of holding registers for ``units`` only and
    ignores other unit ids (or hangs up on them, ``hang_up``); ``exceptions`` (unit id ->
    exception code) answers those units with that exception instead, as a gateway does for a
    unit behind it that does not respond."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await reader.readexactly(12):
                station.frames.append(request)
                transaction, unit, function = struct.unpack(">H", request[:2])[0], *request[6:8]
                if exceptions and unit in exceptions:
                    body = bytes([unit, function | 0x80, exceptions[unit]])
                elif unit in units:
                    body = bytes([unit, function, 2]) + struct.pack(">H", 4321)
                elif hang_up:
                    break
                else:
                    continue
                writer.write(struct.pack(">HHH", transaction, 0, len(body)) + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


async def hangs_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads the first request, then closes the connection without a word."""
    await reader.read(64)
    writer.close()


async def never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts the connection and reads everything, never answering."""
    try:
        while await reader.read(4096):
            pass
    finally:
        writer.close()
