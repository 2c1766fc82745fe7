"""Modbus/TCP: a protocol without any login. Whoever reaches the port can read (and
write) registers, so "access without credentials" is one read of a holding register:
a device that answers it with data, or that looks the address up and says it has no
register there (exception 2 or 3), serves anyone.

The read is one fixed 12-byte request per unit id (``industrial_frames.modbus_read``), as
in the service scan; nothing is ever written to the device. A Modbus/TCP server may answer
only its own unit id, so every unit of ``MODBUS_UNITS`` (1, 255, 0: the same list the scan
and the power-sector check ask) is read in turn until one read is served, each on its own
connection with its share of the time: a server that answers an unknown unit with an
exception may drop the requests queued behind it (pymodbus does), and a gateway may hang up
on a unit it does not serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import struct
from dataclasses import dataclass, field

from jcstar.checks.network.collect.industrial_frames import MODBUS_UNITS, modbus_read, modbus_reply
from jcstar.checks.network.collect.logins.base import LoginResult, Verdict, bounded
from jcstar.checks.network.collect.tlsctx import shared_observing_context

#: exceptions that show the read was processed: the address or the count is wrong
_PROCESSED = {2: "no register at that address", 3: "the value is not accepted"}
_EXCEPTIONS = {
    1: "illegal function",
    4: "device failure",
    6: "device busy",
    10: "gateway path unavailable",
    11: "gateway target did not respond",
}
#: the share of the call's time spent waiting for answers, so that what each unit did is
#: reported before the call's own limit cuts it off (our judgement)
_WAIT_SHARE = 0.8
#: what one unit did: (function code, data), or "closed" / "silent"
Heard = tuple[int, bytes] | str


class NotModbus(Exception):
    """The device answered with bytes that are not a Modbus/TCP answer to our read."""


async def _read(host: str, port: int, unit: int, tls: bool, wait_s: float) -> Heard:
    """Read holding register 0 of ``unit`` on a connection of its own."""
    ssl_context = shared_observing_context() if tls else None
    reader, writer = await asyncio.open_connection(host, port, ssl=ssl_context)
    try:
        transaction = secrets.randbelow(0xFFFF) + 1
        writer.write(modbus_read(transaction, unit))
        await writer.drain()
        async with asyncio.timeout(wait_s):
            head = await reader.readexactly(6)
            length = struct.unpack(">H", head[4:6])[0]
            if not 2 <= length <= 254:
                raise NotModbus
            answer = modbus_reply(head + await reader.readexactly(length), transaction)
        if answer is None:
            raise NotModbus
        return answer
    except TimeoutError:
        return "silent"
    except (asyncio.IncompleteReadError, ConnectionResetError):
        return "closed"
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


def _served(unit: int, heard: Heard, how: str) -> str | None:
    """How the read of ``unit`` was served without credentials, or None when it was not."""
    if isinstance(heard, str):
        return None
    function, data = heard
    if function == 0x03 and len(data) >= 3:
        value = struct.unpack(">H", data[1:3])[0]
        return (
            f"Modbus/TCP{how} read holding register 0 of unit {unit} without any "
            f"authentication (value {value})"
        )
    code = data[0] if data else 0
    if code in _PROCESSED:
        return (
            f"Modbus/TCP{how} processed a read of unit {unit} without any authentication "
            f"(exception {code}: {_PROCESSED[code]})"
        )
    return None


def _not_served(unit: int, heard: Heard, wait_s: float) -> str:
    if heard == "silent":
        return f"unit {unit}: no answer in {wait_s:g} s"
    if isinstance(heard, str):
        return f"unit {unit}: closed the connection"
    code = heard[1][0] if heard[1] else 0
    return f"unit {unit}: exception {code} ({_EXCEPTIONS.get(code, 'unknown')})"


async def _modbus_open(host: str, port: int, tls: bool, timeout_s: float) -> Verdict:
    how = " over TLS" if tls else ""
    wait_s = round(timeout_s * _WAIT_SHARE / len(MODBUS_UNITS), 2)
    heard: dict[int, Heard] = {}
    for unit in MODBUS_UNITS:
        try:
            heard[unit] = await _read(host, port, unit, tls, wait_s)
        except NotModbus:
            return "error", f"the reply{how} is not a Modbus/TCP answer to the read"
        served = _served(unit, heard[unit], how)
        if served:
            return "accepted", served
    listed = ", ".join(map(str, MODBUS_UNITS))
    if all(h == "silent" for h in heard.values()):
        return "error", (
            f"timed out: no answer{how} to a Modbus read of unit {listed} ({wait_s:g} s each)"
        )
    if all(h == "closed" for h in heard.values()):
        return "error", (
            f"the device closed the connection{how} without answering a Modbus read of "
            f"unit {listed}"
        )
    seen = [_not_served(unit, h, wait_s) for unit, h in heard.items()]
    return "error", f"Modbus/TCP{how} refused the read: " + "; ".join(seen)


@dataclass
class ModbusSurface:
    service: str = field(default="modbus", init=False)
    tls: bool = False

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return LoginResult("error", "Modbus/TCP has no login: nothing to try", 0.0)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_modbus_open(host, port, self.tls, timeout_s), timeout_s)
