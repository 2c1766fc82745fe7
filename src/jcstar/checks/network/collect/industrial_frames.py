"""The read-only Modbus/TCP and DNP3 frames we send, and the addresses we send them to.

One place for what three askers share: the service identification (``protocols.py``, which
names what listens on a port), the power-sector check (``industrial.py``) and the Modbus
"login" (``logins/modbus.py``, which has no login: it reads a register). Each of them must
ask the same addresses, or a station one of them finds the others call "unknown".

* Modbus/TCP: read one holding register (function 3), never a write. A server may answer
  only its own unit id: 1 is the usual one, 255 and 0 are what TCP-only devices and
  gateways answer to (``MODBUS_UNITS``).
* DNP3: the data link layer's REQUEST_LINK_STATUS (function 9), header only, never an
  application-layer request. An outstation answers only frames to its own address, often
  only from its configured master, so a bounded list of (outstation, master) pairs is
  asked, with the self address 0xFFFC; never the broadcast addresses 0xFFFD-0xFFFF (a
  broadcast is never confirmed, so it shows nothing).

A reply counts only when it parses as the answer to what we sent (one of our Modbus
transaction ids, a DNP3 frame whose header CRC holds).
"""

from __future__ import annotations

import struct

# --- Modbus/TCP ----------------------------------------------------------------------------

#: the unit ids asked, in order: 1 (the usual), 255 and 0 (TCP-only devices and gateways)
MODBUS_UNITS = (1, 255, 0)


def modbus_read(transaction: int, unit: int = 1, address: int = 0) -> bytes:
    """A Modbus/TCP request to read one holding register (function 3) of ``unit``."""
    return struct.pack(">HHHBBHH", transaction, 0, 6, unit, 3, address, 1)


def modbus_reply(reply: bytes, transaction: int) -> tuple[int, bytes] | None:
    """(function code, data) of a well-formed Modbus/TCP answer to ``transaction``."""
    if len(reply) < 9:
        return None
    tid, proto, length = struct.unpack(">HHH", reply[:6])
    if tid != transaction or proto != 0 or length < 3 or length > 254:
        return None
    function = reply[7]
    if function not in (0x03, 0x83):
        return None
    return function, reply[8 : 6 + length]


def modbus_answer(reply: bytes, asked: dict[int, int]) -> tuple[int, int, bytes] | None:
    """(unit id, function code, data) of the answer at the start of ``reply`` to one of the
    reads ``asked`` (transaction id -> unit id), else None."""
    for transaction, unit in asked.items():
        answer = modbus_reply(reply, transaction)
        if answer is not None:
            return unit, *answer
    return None


def modbus_reads(first: int, units: tuple[int, ...]) -> tuple[bytes, dict[int, int]]:
    """One read per unit id, transaction ids from ``first`` on: (the requests, sent together
    on one connection, and transaction id -> unit id)."""
    asked = {first + i: unit for i, unit in enumerate(units)}
    return b"".join(modbus_read(t, unit) for t, unit in asked.items()), asked


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


def dnp3_crc(data: bytes) -> int:
    """The DNP3 data link CRC (polynomial 0x3D65, reflected)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return ~crc & 0xFFFF


def dnp3_link_status_request(outstation: int = DNP3_OUTSTATION, master: int = DNP3_MASTER) -> bytes:
    """A master's REQUEST_LINK_STATUS header: length 5, DIR|PRM|FC 9 (IEEE 1815 §9.2)."""
    header = b"\x05\x64\x05\xc9" + struct.pack("<HH", outstation, master)
    return header + struct.pack("<H", dnp3_crc(header))


def dnp3_frame(reply: bytes) -> tuple[int, int, int] | None:
    """(control, destination, source) of a DNP3 data link header whose CRC holds, else None."""
    if len(reply) < 10 or reply[:2] != b"\x05\x64" or reply[2] < 5:
        return None
    if struct.unpack("<H", reply[8:10])[0] != dnp3_crc(reply[:8]):
        return None
    destination, source = struct.unpack("<HH", reply[4:8])
    return reply[3], destination, source


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


def dnp3_pairs(
    outstations: tuple[int, ...] = DNP3_OUTSTATIONS, masters: tuple[int, ...] = DNP3_MASTERS
) -> list[tuple[int, int]]:
    """Every (outstation, master) pair asked, outstations first in order; a station never
    asks itself."""
    return [(o, m) for o in dict.fromkeys(outstations) for m in dict.fromkeys(masters) if o != m]


def dnp3_link_status_requests(
    outstations: tuple[int, ...] = DNP3_OUTSTATIONS, masters: tuple[int, ...] = DNP3_MASTERS
) -> bytes:
    """REQUEST_LINK_STATUS to every pair of ``dnp3_pairs``, to be sent on one connection."""
    return b"".join(dnp3_link_status_request(o, m) for o, m in dnp3_pairs(outstations, masters))


def dnp3_answer(reply: bytes, masters: tuple[int, ...] = DNP3_MASTERS) -> str | None:
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
