"""A fleet of simulated IoT devices on loopback, for bench/bench_probe.py.

Run: python bench/simfleet.py --devices 1000 --manifest fleet.csv

One process, one asyncio loop. Device i listens on 127.1.X.Y (X = i // 250,
Y = i % 250 + 1) with

* port 23: a busybox-style telnetd + login. On connect it sends busybox telnetd's
  own option requests (IAC DO ECHO, DO NAWS, WILL ECHO, WILL SGA) and ignores what
  the client asks for, like busybox does; then ``<host> login: ``, the typed user
  name echoed, ``Password: `` (not echoed), a newline, and after ``--fail-delay``
  seconds ``Login incorrect`` and a new prompt (three tries, then the connection
  closes; an empty user name just gets a new prompt, as busybox login does). A
  right password gives the BusyBox banner, ``ESC[6n`` and ``~ # ``, then a shell
  that echoes what is typed and runs ``echo``.
* port 80: an HTTP/1.1 server that answers 401 with ``WWW-Authenticate: Basic``
  unless the request carries the right Basic credentials (then 200), and closes
  the connection after each response (as most embedded web servers do).

A fraction of the devices (``--vulnerable``, chosen with ``--seed``) accept the
Mirai default root/xc3511 on telnet and admin/admin on HTTP (``--telnet-default``,
``--http-default`` choose other pairs); the others accept only a random password.
``--manifest`` gets ``address,vulnerable`` for every device before ``ready`` is
printed on stdout.

SIGUSR1 prints one JSON line of counters (connections, logins tried, logins
accepted per protocol) on stdout and resets them; SIGTERM/SIGINT stop the fleet.
Only loopback addresses are ever bound; nothing connects out.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import csv
import ipaddress
import json
import random
import resource
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MODEL = "SIM-CAM-1"
MIRAI_TELNET = ("root", "xc3511")
MIRAI_HTTP = ("admin", "admin")
IDLE_S = 20.0  # a client that says nothing this long is dropped
MAX_LINE = 512
MAX_HEAD = 8192
SHELL_COMMANDS = 20
LOGIN_TRIES = 3  # busybox login gives three tries per connection
EMPTY_USERNAMES = 10  # ... and asks again on an empty user name, ten times at most

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA, NAWS = 1, 3, 31
# what busybox telnetd sends first (networking/telnetd.c, iacs_to_send)
BUSYBOX_IACS = bytes([IAC, DO, ECHO, IAC, DO, NAWS, IAC, WILL, ECHO, IAC, WILL, SGA])
SHELL_BANNER = (
    b"\r\n\r\nBusyBox v1.31.1 (2020-03-05 10:12:44 CST) built-in shell (ash)\r\n"
    b"Enter 'help' for a list of built-in commands.\r\n\r\n\x1b[6n~ # "
)

STATS: Counter[str] = Counter()


@dataclass(frozen=True)
class Device:
    address: str
    vulnerable: bool
    telnet: tuple[str, str]
    http: tuple[str, str]


def address(index: int) -> str:
    return f"127.1.{index // 250}.{index % 250 + 1}"


def make_fleet(
    count: int,
    fraction: float,
    seed: int,
    telnet_default: tuple[str, str] = MIRAI_TELNET,
    http_default: tuple[str, str] = MIRAI_HTTP,
) -> list[Device]:
    rng = random.Random(seed)
    vulnerable = set(rng.sample(range(count), round(count * fraction)))
    fleet = []
    for i in range(count):
        host = address(i)
        assert ipaddress.ip_address(host).is_loopback
        if i in vulnerable:
            fleet.append(Device(host, True, telnet_default, http_default))
        else:
            secret = "".join(rng.choices("abcdefghjkmnpqrstuvwxyz23456789", k=12))
            fleet.append(Device(host, False, ("root", secret), ("admin", secret)))
    return fleet


# --- telnet ----------------------------------------------------------------------------


class TelnetLines:
    """Lines from a telnet client with IAC commands and subnegotiations removed."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.plain = bytearray()
        self.state = "data"  # data, iac, option, sb, sb_iac
        self.skip_lf = False  # a CR ended the last line: drop a LF or NUL after it

    def _feed(self, chunk: bytes) -> None:
        for byte in chunk:
            if self.state == "data":
                if byte == IAC:
                    self.state = "iac"
                else:
                    self.plain.append(byte)
            elif self.state == "iac":
                if byte == IAC:
                    self.plain.append(byte)
                    self.state = "data"
                elif byte in (WILL, WONT, DO, DONT):
                    self.state = "option"
                elif byte == SB:
                    self.state = "sb"
                else:
                    self.state = "data"
            elif self.state == "option":
                self.state = "data"  # busybox ignores the client's options
            elif self.state == "sb":
                if byte == IAC:
                    self.state = "sb_iac"
            elif self.state == "sb_iac":
                self.state = "data" if byte == SE else "sb"

    async def line(self) -> str | None:
        """The next line, or None when the client leaves, idles or floods us."""
        for _ in range(100):  # bounded: at most 100 reads per line
            if self.skip_lf and self.plain:
                if self.plain[0] in (0x0A, 0x00):
                    del self.plain[:1]
                self.skip_lf = False
            ends = [i for i in (self.plain.find(b"\r"), self.plain.find(b"\n")) if i >= 0]
            if ends:
                end = min(ends)
                text = bytes(self.plain[:end]).decode("latin-1")
                self.skip_lf = self.plain[end] == 0x0D
                del self.plain[: end + 1]
                return text
            if len(self.plain) > MAX_LINE:
                return None
            try:
                chunk = await asyncio.wait_for(self.reader.read(1024), IDLE_S)
            except (TimeoutError, ConnectionError):
                return None
            if not chunk:
                return None
            self._feed(chunk)
        return None


def telnet_handler(device: Device, fail_delay: float):
    hostname = f"cam-{device.address.replace('.', '-')}"

    async def shell(lines: TelnetLines, writer: asyncio.StreamWriter) -> None:
        writer.write(SHELL_BANNER)
        for _ in range(SHELL_COMMANDS):
            line = await lines.line()
            if line is None:
                return
            STATS["telnet_commands"] += 1
            out = line.encode("latin-1") + b"\r\n"  # the pty echoes what is typed
            command = line.strip()
            if command == "exit":
                writer.write(out)
                return
            if command.startswith("echo "):
                out += command[5:].replace('""', "").encode("latin-1") + b"\r\n"
            elif command:
                out += f"-sh: {command.split()[0]}: not found\r\n".encode("latin-1")
            writer.write(out + b"~ # ")
            await writer.drain()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        STATS["telnet_connections"] += 1
        lines = TelnetLines(reader)
        try:
            writer.write(BUSYBOX_IACS + f"\r\n{hostname} login: ".encode())
            tries = 0
            for _ in range(LOGIN_TRIES + EMPTY_USERNAMES):
                user = await lines.line()
                if user is None:
                    return
                if not user.strip():  # Enter at the prompt: busybox asks again
                    STATS["telnet_empty_usernames"] += 1
                    writer.write(f"\r\n{hostname} login: ".encode())
                    continue
                writer.write(user.encode("latin-1") + b"\r\nPassword: ")
                password = await lines.line()
                if password is None:
                    return
                writer.write(b"\r\n")
                STATS["telnet_logins"] += 1
                if (user.strip(), password) == device.telnet:
                    STATS["telnet_accepted"] += 1
                    await shell(lines, writer)
                    return
                await writer.drain()
                await asyncio.sleep(fail_delay)  # busybox: pause_after_failed_login()
                writer.write(f"\r\nLogin incorrect\r\n{hostname} login: ".encode())
                await writer.drain()
                tries += 1
                if tries == LOGIN_TRIES:
                    return
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return handle


# --- http ------------------------------------------------------------------------------


def http_handler(device: Device):
    realm = f'Basic realm="{MODEL}"'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        STATS["http_connections"] += 1
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_S)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        except (ConnectionError, OSError):
            writer.close()
            return
        lines = head[:MAX_HEAD].decode("latin-1").split("\r\n")
        method = lines[0].split(" ", 1)[0]
        given = None
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "authorization":
                scheme, _, token = value.strip().partition(" ")
                if scheme.lower() == "basic":
                    with contextlib.suppress(ValueError):
                        raw = base64.b64decode(token.strip(), validate=True).decode("latin-1")
                        user, _, password = raw.partition(":")
                        given = (user, password)
        if given is not None:
            STATS["http_logins"] += 1
        if given == device.http:
            STATS["http_accepted"] += 1
            status, extra = "200 OK", ""
            body = f"<html><head><title>{MODEL}</title></head><body>Status: OK</body></html>"
        else:
            status, extra = "401 Unauthorized", f"WWW-Authenticate: {realm}\r\n"
            body = "<html><body>401 Unauthorized</body></html>"
        data = body.encode()
        response = (
            f"HTTP/1.1 {status}\r\nServer: GoAhead-Webs\r\n{extra}"
            f"Content-Type: text/html\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + (b"" if method == "HEAD" else data)
        try:
            writer.write(response)
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    return handle


# --- the fleet -------------------------------------------------------------------------


def raise_nofile(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        print(f"simfleet: only {target} file descriptors (wanted {wanted})", file=sys.stderr)


def dump_stats() -> None:
    print(json.dumps(dict(STATS), sort_keys=True), flush=True)
    STATS.clear()


async def serve(args: argparse.Namespace) -> None:
    fleet = make_fleet(
        args.devices, args.vulnerable, args.seed, args.telnet_default, args.http_default
    )
    if args.manifest:
        with Path(args.manifest).open("w", newline="", encoding="utf-8") as sink:
            out = csv.writer(sink)
            out.writerow(["address", "vulnerable"])
            out.writerows([d.address, int(d.vulnerable)] for d in fleet)
    servers = []
    for device in fleet:
        for port, handler in (
            (23, telnet_handler(device, args.fail_delay)),
            (80, http_handler(device)),
        ):
            servers.append(
                await asyncio.start_server(
                    handler, device.address, port, reuse_address=True, backlog=args.backlog
                )
            )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, dump_stats)
    print("ready", flush=True)
    try:
        await asyncio.wait_for(stop.wait(), args.lifetime)
    except TimeoutError:
        print("simfleet: lifetime over, stopping", file=sys.stderr)
    for server in servers:
        server.close()


def pair(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise argparse.ArgumentTypeError("give USER:PASS")
    return user, password


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000, help="1-10000")
    parser.add_argument("--vulnerable", type=float, default=0.1, help="fraction, 0-1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fail-delay", type=float, default=0.05, help="s before a refusal")
    parser.add_argument(
        "--telnet-default", type=pair, default=MIRAI_TELNET, help="USER:PASS (root:xc3511)"
    )
    parser.add_argument(
        "--http-default", type=pair, default=MIRAI_HTTP, help="USER:PASS (admin:admin)"
    )
    parser.add_argument("--manifest", help="write address,vulnerable here")
    parser.add_argument("--backlog", type=int, default=128)
    parser.add_argument("--lifetime", type=float, default=3600, help="stop after this many s")
    args = parser.parse_args()
    if not 1 <= args.devices <= 10_000 or not 0 <= args.vulnerable <= 1:
        parser.error("--devices must be 1-10000 and --vulnerable 0-1")
    raise_nofile(2 * args.devices + 4096)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
