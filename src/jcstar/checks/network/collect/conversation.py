"""One short TCP conversation with a port: connect, ask, read until the answer parses.

The sector protocol probes (``industrial.py``, ``echonet.py``) each send one or two fixed,
read-only requests and judge the reply; this module owns what they share: the connection
with its timeouts and pace, and the plain words for what a port did (``Heard``). Every
read has a byte cap and a deadline, so a device that stalls or floods costs bounded time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from jcstar.checks.network.collect.pacing import Pacer

T = TypeVar("T")
#: answers: the protocol answered; absent: nothing of it there (refused, no UDP reply,
#: another protocol); silent: connected but no answer in time (cannot tell); filtered: the
#: connection timed out; unreachable: the network said no
State = Literal["answers", "absent", "silent", "filtered", "unreachable"]
READ_CAP = 4096


@dataclass(frozen=True)
class Heard:
    """What one port did when asked in one protocol."""

    protocol: str
    transport: Literal["tcp", "udp"]
    port: int
    state: State
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{self.port}/{self.transport}"


@dataclass(frozen=True)
class Reply:
    """What came back: the bytes, and whether the peer closed before anything parsed."""

    data: bytes
    closed: bool = False


async def read_until(
    reader: asyncio.StreamReader, parse: Callable[[bytes], T | None], timeout_s: float
) -> tuple[Reply, T | None]:
    """Read until ``parse`` accepts what arrived (its result), the peer closes, the cap is
    reached or the deadline passes (None): an answer may come in several segments."""
    data = b""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while len(data) < READ_CAP:
        left = deadline - loop.time()
        if left <= 0:
            break
        try:
            chunk = await asyncio.wait_for(reader.read(READ_CAP - len(data)), left)
        except (TimeoutError, OSError):
            break
        if not chunk:
            return Reply(data, closed=True), None
        data += chunk
        parsed = parse(data)
        if parsed is not None:
            return Reply(data), parsed
    return Reply(data), None


Talk = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[tuple[State, str]]]


async def converse(
    protocol: str, host: str, port: int, timeout_s: float, pacer: Pacer, talk: Talk
) -> Heard:
    """Connect to ``host:port`` and let ``talk`` ask and judge; the connection is always
    closed. A refused connection is ``absent``, one that times out ``filtered``."""
    await pacer.wait()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_s)
    except TimeoutError:
        return Heard(
            protocol, "tcp", port, "filtered", f"no answer to a connection in {timeout_s:g} s"
        )
    except ConnectionRefusedError:
        return Heard(protocol, "tcp", port, "absent", "connection refused")
    except OSError as exc:
        return Heard(protocol, "tcp", port, "unreachable", str(exc.strerror or exc))
    try:
        state, detail = await talk(reader, writer)
    except (ConnectionError, OSError) as exc:
        state, detail = "absent", f"closed the connection ({exc.__class__.__name__})"
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
    return Heard(protocol, "tcp", port, state, detail)


async def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()


def unanswered(reply: Reply, what: str, timeout_s: float) -> tuple[State, str]:
    """The verdict on a reply that did not parse: bytes of some other protocol, or a close
    without a word (this one is not there), or nothing in time (we cannot tell)."""
    if reply.data:
        return "absent", f"answered {what} with {len(reply.data)} byte(s) of another protocol"
    if reply.closed:
        return "absent", f"closed the connection without answering {what}"
    return "silent", f"accepts connections but did not answer {what} in {timeout_s:g} s"
