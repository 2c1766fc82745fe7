"""Modbus/TCP: a protocol without any login. Whoever reaches the port can read (and
write) registers, so "access without credentials" is one read of a holding register:
a device that answers it with data, or that looks the address up and says it has no
register there (exception 2 or 3), serves anyone.

The read is one fixed 12-byte request (``protocols.modbus_read``), as in the service
scan; nothing is ever written to the device.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import struct
from dataclasses import dataclass, field

from jcstar.checks.network.collect.logins.base import LoginResult, Verdict, bounded
from jcstar.checks.network.collect.protocols import modbus_read, modbus_reply
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


async def _read(host: str, port: int, unit: int, tls: bool) -> tuple[int, bytes] | None:
    ssl_context = shared_observing_context() if tls else None
    reader, writer = await asyncio.open_connection(host, port, ssl=ssl_context)
    try:
        transaction = secrets.randbelow(0xFFFF) + 1
        writer.write(modbus_read(transaction, unit))
        await writer.drain()
        head = await reader.readexactly(6)
        length = struct.unpack(">H", head[4:6])[0]
        if not 2 <= length <= 254:
            return None
        return modbus_reply(head + await reader.readexactly(length), transaction)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


async def _modbus_open(host: str, port: int, tls: bool) -> Verdict:
    how = " over TLS" if tls else ""
    seen = []
    for unit in (1, 255):  # unit 255 is what many TCP-only devices answer to
        answer = await _read(host, port, unit, tls)
        if answer is None:
            return "error", f"the reply{how} is not a Modbus/TCP answer to the read"
        function, data = answer
        if function == 0x03 and len(data) >= 3:
            value = struct.unpack(">H", data[1:3])[0]
            return "accepted", (
                f"Modbus/TCP{how} read holding register 0 of unit {unit} without any "
                f"authentication (value {value})"
            )
        code = data[0] if data else 0
        if code in _PROCESSED:
            return "accepted", (
                f"Modbus/TCP{how} processed a read of unit {unit} without any authentication "
                f"(exception {code}: {_PROCESSED[code]})"
            )
        seen.append(f"unit {unit}: exception {code} ({_EXCEPTIONS.get(code, 'unknown')})")
    return "error", "Modbus/TCP refused the read: " + "; ".join(seen)


@dataclass
class ModbusSurface:
    service: str = field(default="modbus", init=False)
    tls: bool = False

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return LoginResult("error", "Modbus/TCP has no login: nothing to try", 0.0)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_modbus_open(host, port, self.tls), timeout_s)
