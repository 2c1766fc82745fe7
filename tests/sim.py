"""Simulated devices: asyncio servers on 127.0.x.y, in a thread of their own.

Each behaviour is a coroutine handling one connection. The device runs on its
own loopback address so a scan of the default port set sees only what the test
started; everything stops when the context manager exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import ssl
import subprocess
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()


def say(text: bytes) -> Handler:
    """Send ``text`` and keep the line open until the client leaves."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            writer.write(text)
            await writer.drain()
            await asyncio.wait_for(reader.read(4096), 5)
        await _close(writer)

    return handle


def http(status: str = "200 OK", headers: str = "", body: bytes = b"<html>ok</html>") -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        head = f"HTTP/1.0 {status}\r\nServer: simdev/1.0\r\n{headers}"
        with contextlib.suppress(Exception):
            writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
        await _close(writer)

    return handle


async def _telnet_line(reader: asyncio.StreamReader) -> str:
    raw = await asyncio.wait_for(reader.readuntil(b"\n"), 30)
    raw = re.sub(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0", b"", raw, flags=re.S)  # IAC
    return raw.decode("latin-1").strip("\r\n\x00")


def slow_login(delay_s: float, tries: int = 3) -> Handler:
    """A busybox-like telnet login whose prompt comes ``delay_s`` after connecting (a
    slow or busy device); it refuses every password."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        prompt = b"\r\nslow login: "
        with contextlib.suppress(Exception):
            writer.write(b"\xff\xfd\x01\xff\xfb\x01")  # IAC DO ECHO, IAC WILL ECHO at once
            await writer.drain()
            await asyncio.sleep(delay_s)
            writer.write(prompt)
            refused = 0
            for _ in range(tries + 10):  # an empty line just gets a new prompt
                if refused == tries:
                    break
                if not await _telnet_line(reader):
                    writer.write(prompt)
                    continue
                writer.write(b"\r\nPassword: ")
                await _telnet_line(reader)
                writer.write(b"\r\nLogin incorrect" + prompt)
                refused += 1
        await _close(writer)

    return handle


async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept and say nothing, ever (until the test ends)."""
    with contextlib.suppress(Exception):
        await asyncio.sleep(3600)


async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(os.urandom(512))
    with contextlib.suppress(Exception):
        await writer.drain()
        await asyncio.sleep(0.2)
    await _close(writer)


async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """An endless banner: a device stuck printing."""
    with contextlib.suppress(Exception):
        for _ in range(100_000):
            writer.write(b"BANNER " * 64 + b"\r\n")
            await writer.drain()
    await _close(writer)


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        import socket
        import struct

        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def self_signed(workdir: Path, bits: int = 2048, digest: str = "sha256") -> tuple[Path, Path]:
    key, cert = workdir / f"key-{bits}-{digest}.pem", workdir / f"cert-{bits}-{digest}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", f"rsa:{bits}", f"-{digest}", "-nodes",
         "-days", "30", "-subj", "/CN=simdev", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def tls_context(cert: Path, key: Path, minimum: ssl.TLSVersion) -> ssl.SSLContext:
    """A TLS server: OpenSSL's defaults for 1.2+, everything goes below that."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if minimum < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.minimum_version = minimum
    ctx.load_cert_chain(cert, key)
    return ctx


class SimDevice:
    """``with SimDevice("127.0.5.1", {2323: say(b"login: ")}) as dev:``"""

    def __init__(
        self,
        host: str,
        handlers: dict[int, Handler],
        tls: dict[int, ssl.SSLContext] | None = None,
    ) -> None:
        self.host = host
        self.handlers = handlers
        self.tls = tls or {}
        self.loop = asyncio.new_event_loop()
        self._servers: list[asyncio.base_events.Server] = []
        self._udp: list[asyncio.BaseTransport] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def ports(self) -> str:
        return ",".join(str(p) for p in sorted(self.handlers))

    def __enter__(self) -> SimDevice:
        self._thread.start()

        async def start() -> None:
            for port, handler in self.handlers.items():
                server = await asyncio.start_server(
                    handler, self.host, port, ssl=self.tls.get(port), reuse_address=True
                )
                self._servers.append(server)

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for server in self._servers:
                server.close()
            for transport in self._udp:
                transport.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@contextlib.contextmanager
def sim_device(host: str, handlers: dict[int, Handler], **kw: object) -> Iterator[SimDevice]:
    with SimDevice(host, handlers, **kw) as device:  # type: ignore[arg-type]
        yield device


class UdpResponder(asyncio.DatagramProtocol):
    """Answers every datagram with a fixed reply (an SSDP or SNMP device)."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.transport is not None:
            self.transport.sendto(self.reply, addr)


def add_udp(device: SimDevice, port: int, reply: bytes) -> None:
    """Serve ``reply`` on UDP ``port`` of a started SimDevice until it stops."""

    async def start() -> None:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: UdpResponder(reply), local_addr=(device.host, port)
        )
        device._udp.append(transport)

    asyncio.run_coroutine_threadsafe(start(), device.loop).result(10)
