"""Minimal power-sector responders that follow their specifications, for the lab's
``power-gateway`` device and for in-process tests (standard library only).

No packaged ECHONET Lite node, DNP3 outstation or IEC 60870-5-104 server is available in
Debian 12 or on PyPI under a licence we can load in process (``c104`` and ``lib60870`` are
GPL-3), so these are small responders written from the frame formats (cited in
``jcstar.checks.network.collect.echonet`` / ``industrial``); Modbus/TCP in the lab is the
real pymodbus server (``profiles_services.py``). Each records the requests it was sent
(``SEEN``), so a test can show the checks never send a write.

* ECHONET Lite node (UDP and TCP): answers Get (0x62) to the node profile 0x0EF001 with
  Get_Res: 0x8A maker code 0xFFFFFF (the spec's experimental code), 0xD6 one device object
  0x026B01 (electric water heater); a property it lacks makes it Get_SNA. ``tid_shift``
  answers with another TID (a node that must not be believed).
* DNP3 outstation 1: answers REQUEST_LINK_STATUS with LINK_STATUS (IEEE 1815 data link).
* IEC 104 station: STARTDT/STOPDT/TESTFR act -> con (IEC 60870-5-104 §5.3).
* Modbus/TCP (tests only): function 3 answers registers 1234, 42, 7...; others exception 1.
* OpenADR-like HTTPS: TLS with or without required client certificates; GET of an
  ``/OpenADR2/Simple/2.0b/`` path -> 405 (OpenADR uses POST), anything else -> 404.
* silent: accepts connections and never answers.

Run as a script in the lab: ``python power_responders.py HOST SPEC...`` where SPEC is
``echonet:3610``, ``dnp3:20000``, ``iec104:2404``, ``https:443:CERT:KEY`` or
``mtls:8443:CERT:KEY:CA``.
"""

from __future__ import annotations

import asyncio
import ssl
import struct
import sys
from collections.abc import Awaitable, Callable

SEEN: list[tuple[str, bytes]] = []
MAKER = bytes.fromhex("ffffff")
OBJECTS = bytes.fromhex("01026b01")
OPENADR_PREFIX = b"/OpenADR2/Simple/2.0b/"


# --- ECHONET Lite ---------------------------------------------------------------------------


def echonet_answer(data: bytes, tid_shift: int = 0) -> bytes | None:
    if len(data) < 12 or data[:2] != b"\x10\x81":
        return None
    SEEN.append(("echonet", data))
    esv, opc = data[10], data[11]
    if data[7:10] != bytes.fromhex("0ef001") or esv != 0x62:
        return None  # this node answers Get to its profile only; it never acts on a Set
    properties, at, refused = b"", 12, False
    for _ in range(opc):
        epc, pdc = data[at], data[at + 1]
        at += 2 + pdc
        value = {0x8A: MAKER, 0xD6: OBJECTS}.get(epc)
        refused = refused or value is None
        properties += bytes([epc, len(value or b"")]) + (value or b"")
    tid = (struct.unpack(">H", data[2:4])[0] + tid_shift) & 0xFFFF
    esv_reply = 0x52 if refused else 0x72
    head = b"\x10\x81" + struct.pack(">H", tid) + bytes.fromhex("0ef001") + data[4:7]
    return head + bytes([esv_reply, opc]) + properties


class EchonetUdp(asyncio.DatagramProtocol):
    def __init__(self, tid_shift: int = 0) -> None:
        self.tid_shift = tid_shift
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        answer = echonet_answer(data, self.tid_shift)
        if answer and self.transport:
            self.transport.sendto(answer, addr)  # to the requester's port


async def echonet_udp(host: str, port: int, tid_shift: int = 0) -> asyncio.DatagramTransport:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: EchonetUdp(tid_shift), local_addr=(host, port)
    )
    return transport


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _tcp(reply: Callable[[bytes], bytes | None], need: Callable[[bytes], int | None]) -> Handler:
    """A handler that reads whole requests (``need`` says how long one is) and answers."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = b""
        try:
            while chunk := await reader.read(4096):
                data += chunk
                while (size := need(data)) is not None and size <= len(data):
                    answer = reply(data[:size])
                    data = data[size:]
                    if answer:
                        writer.write(answer)
                        await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return handle


def _echonet_size(data: bytes) -> int | None:
    if len(data) < 12:
        return None
    at = 12
    for _ in range(data[11]):
        if at + 2 > len(data):
            return None
        at += 2 + data[at + 1]
    return at


def echonet_tcp(tid_shift: int = 0) -> Handler:
    return _tcp(lambda d: echonet_answer(d, tid_shift), _echonet_size)


# --- DNP3 -----------------------------------------------------------------------------------


def dnp3_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return ~crc & 0xFFFF


def dnp3_answer(frame: bytes) -> bytes | None:
    SEEN.append(("dnp3", frame))
    if frame[:2] != b"\x05\x64" or struct.unpack("<H", frame[8:10])[0] != dnp3_crc(frame[:8]):
        return None
    control, dest, source = frame[3], *struct.unpack("<HH", frame[4:8])
    if dest != 1 or not control & 0x40 or control & 0x0F != 9:
        return None  # only link status requests to outstation 1 are answered
    header = b"\x05\x64\x05\x0b" + struct.pack("<HH", source, 1)
    return header + struct.pack("<H", dnp3_crc(header))


def dnp3() -> Handler:
    return _tcp(dnp3_answer, lambda d: 10 + max(0, d[2] - 5) + 2 * ((d[2] - 5 + 15) // 16)
                if len(d) >= 3 else None)  # fmt: skip


# --- IEC 60870-5-104 ------------------------------------------------------------------------

U_CONFIRM = {0x07: 0x0B, 0x13: 0x23, 0x43: 0x83}  # STARTDT, STOPDT, TESTFR act -> con


def iec104_answer(apdu: bytes) -> bytes | None:
    SEEN.append(("iec104", apdu))
    control = apdu[2]
    if control in U_CONFIRM:
        return b"\x68\x04" + bytes([U_CONFIRM[control]]) + b"\x00\x00\x00"
    return None


def iec104() -> Handler:
    return _tcp(iec104_answer, lambda d: 2 + d[1] if len(d) >= 2 and d[0] == 0x68 else None)


# --- Modbus/TCP (in-process tests; the lab runs pymodbus) -----------------------------------

REGISTERS = [1234, 42, 7]


def modbus_answer(adu: bytes) -> bytes | None:
    SEEN.append(("modbus", adu))
    tid, _, _, unit, function = struct.unpack(">HHHBB", adu[:8])
    if function == 3:
        address, count = struct.unpack(">HH", adu[8:12])
        values = (REGISTERS + [0] * 100)[address : address + count]
        pdu = bytes([3, 2 * len(values)]) + b"".join(struct.pack(">H", v) for v in values)
    else:
        pdu = bytes([function | 0x80, 1])
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def _modbus_size(data: bytes) -> int | None:
    return 6 + struct.unpack(">H", data[4:6])[0] if len(data) >= 6 else None


def modbus() -> Handler:
    return _tcp(modbus_answer, _modbus_size)


# --- OpenADR-like HTTPS, and a silent port --------------------------------------------------


def https_context(cert: str, key: str, client_ca: str | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if client_ca:  # mutual TLS, as OpenADR 2.0b asks
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)
    return context


async def openadr(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ")[1] if b" " in head else b""
        status = b"405 Method Not Allowed" if path.startswith(OPENADR_PREFIX) else b"404 Not Found"
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
    except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # until the client gives up
    writer.close()


# --- the lab daemon -------------------------------------------------------------------------


async def serve(host: str, specs: list[str]) -> None:
    servers = []
    for spec in specs:
        kind, port, *files = spec.split(":")
        if kind == "echonet":
            await echonet_udp(host, int(port))
            servers.append(await asyncio.start_server(echonet_tcp(), host, int(port)))
        elif kind in ("dnp3", "iec104"):
            handler = dnp3() if kind == "dnp3" else iec104()
            servers.append(await asyncio.start_server(handler, host, int(port)))
        elif kind in ("https", "mtls"):
            context = https_context(files[0], files[1], files[2] if kind == "mtls" else None)
            servers.append(await asyncio.start_server(openadr, host, int(port), ssl=context))
        else:
            raise SystemExit(f"unknown responder {kind!r}")
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2:]))
