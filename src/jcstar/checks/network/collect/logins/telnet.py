"""Telnet logins (telnetlib3): prompts, failure messages, several tries per connection."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import telnetlib3

from jcstar.checks.network.collect.logins.base import (
    MAX_READ_BYTES,
    LoginResult,
    OutputLimitExceeded,
    T,
    Verdict,
    bounded,
    quote,
)

# --- telnet ------------------------------------------------------------------------

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
_LOGIN_PROMPT = re.compile(r"(?:login|user ?name|user)\s*:\s*$", re.IGNORECASE)
_PASSWORD_PROMPT = re.compile(r"pass(?:word)?\s*:\s*$", re.IGNORECASE)
_SHELL_PROMPT = re.compile(r"[#$>%]\s*$")
_LOGIN_FAILURE = re.compile(
    r"login incorrect|incorrect|failed|denied|invalid|bad password|wrong password",
    re.IGNORECASE,
)
PromptKind = Literal["login", "password", "shell"]


def _clean(text: str) -> str:
    # busybox telnetd sends ESC[6n (cursor position request) after login
    return _ANSI_ESCAPE.sub("", text).replace("\x00", "")


def _prompt_kind(text: str) -> PromptKind | None:
    """What the output is waiting for, judged from its end."""
    text = _clean(text).rstrip("\r\n\t ") + " "
    if _PASSWORD_PROMPT.search(text):
        return "password"
    if _LOGIN_PROMPT.search(text):
        return "login"
    if _SHELL_PROMPT.search(text):
        return "shell"
    return None


def _judge_after_credentials(text: str, sent: str) -> Verdict | None:
    """Accepted on a shell prompt, rejected on a new login prompt or failure message."""
    kind = _prompt_kind(text)
    last = quote(_clean(text), 30)
    if kind == "login":
        return "rejected", f"login prompt again after the {sent} ({last})"
    if kind == "password" and sent == "password":
        return "rejected", f"password prompt again after the password ({last})"
    if kind == "shell":
        return "accepted", f"shell prompt {last} after the {sent}"
    failure = _failure_line(text)
    if failure:
        return "rejected", f"{failure!r} after the {sent}"
    return None


def _failure_line(text: str) -> str | None:
    """The line with a login failure message ("Login incorrect"), if any."""
    for line in _clean(text).splitlines():
        if _LOGIN_FAILURE.search(line):
            return line.strip()[:80]
    return None


class _TelnetSession:
    """Reads telnet output in chunks, with a byte cap and a settle time.

    A verdict is only returned once the output has been quiet for ``settle_s``,
    so a prompt-like character in the middle of a banner is not taken for a prompt.
    Output the caller marks as unambiguous (``quick``: e.g. ``Password:`` right after
    the user name) settles after ``quick_settle_s`` instead.
    """

    def __init__(
        self,
        reader: telnetlib3.TelnetReader | telnetlib3.TelnetReaderUnicode,
        writer: telnetlib3.TelnetWriter | telnetlib3.TelnetWriterUnicode,
        settle_s: float,
        quick_settle_s: float,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.settle_s = settle_s
        self.quick_settle_s = min(quick_settle_s, settle_s)
        self.text = ""  # output since the last send
        self.total = 0
        self.closed = False

    def send_line(self, line: str) -> None:
        self.text = ""
        self.writer.write(line + "\r\n")  # type: ignore[arg-type]

    async def _read(self, wait_s: float | None) -> str | None:
        """The next chunk; "" at end of stream, None when quiet for ``wait_s``."""
        try:
            async with asyncio.timeout(wait_s):  # no task per read, unlike wait_for
                chunk: str | bytes = await self.reader.read(4096)
        except TimeoutError:
            return None
        if isinstance(chunk, bytes):
            chunk = chunk.decode("latin-1")
        self.total += len(chunk)
        if self.total > MAX_READ_BYTES:
            raise OutputLimitExceeded(f"more than {MAX_READ_BYTES} bytes without a decision")
        return chunk

    async def expect(
        self,
        decide: Callable[[str], T],
        idle_s: float | None = None,
        quick: Callable[[str], bool] | None = None,
    ) -> T | None:
        """Read until ``decide`` gives a settled answer, the stream ends or output idles."""
        verdict = decide(self.text) if self.text else None
        while True:
            if verdict is None:
                wait = idle_s
            elif quick is not None and quick(self.text):
                wait = self.quick_settle_s
            else:
                wait = self.settle_s
            chunk = await self._read(wait)
            if chunk is None:
                return verdict
            if not chunk:
                self.closed = True
                return decide(self.text)
            self.text += chunk
            verdict = decide(self.text)

    async def command_echo(self) -> bool:
        """Run ``echo`` with a random marker the typed line itself cannot show."""
        token = secrets.token_hex(4)
        self.send_line(f'echo jc""{token}')
        found = await self.expect(lambda text: True if f"jc{token}" in text else None, 2.0)
        return bool(found)

    def close(self) -> None:
        self.writer.close()


@dataclass
class TelnetSurface:
    service: str = field(default="telnet", init=False)
    settle_s: float = 0.4
    #: settle time for a reply that cannot be a banner fragment: ``Password:`` right
    #: after the user name, or a failure message followed by a new login prompt
    quick_settle_s: float = 0.05
    #: silence after which we press Enter once (some devices print nothing until then)
    nudge_after_s: float = 2.0
    #: how long a device may stay silent after a password: busybox login sleeps 3 s
    #: before "Login incorrect", PAM's faildelay 2-4 s
    fail_delay_s: float = 5.0

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await bounded(self._login(host, port, username, password), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(self._open_access(host, port), timeout_s)

    async def _connect(self, host: str, port: int) -> _TelnetSession:
        # bounded's timeout covers the connect: telnetlib3 has no connect timeout of its own
        # connect_minwait: busybox-style telnetd sends its options at once and never
        # answers ours, so waiting longer for the negotiation only adds latency
        reader, writer = await telnetlib3.open_connection(
            host, port, connect_minwait=0.05, connect_maxwait=1.0
        )
        return _TelnetSession(reader, writer, self.settle_s, self.quick_settle_s)

    async def _first_prompt(self, session: _TelnetSession) -> PromptKind:
        kind = await session.expect(_prompt_kind, self.nudge_after_s)
        if kind is None and not session.closed:
            session.send_line("")
            kind = await session.expect(_prompt_kind)
        if kind is None:
            raise ConnectionError(f"no prompt before the connection closed ({quote(session.text)})")
        return kind

    async def _open_access(self, host: str, port: int) -> Verdict:
        session = await self._connect(host, port)
        try:
            kind = await self._first_prompt(session)
        finally:
            session.close()
        if kind == "shell":
            return "accepted", f"shell prompt {quote(_clean(session.text), 30)} with no login"
        return "rejected", f"{kind} prompt {quote(_clean(session.text), 30)}"

    async def _login(self, host: str, port: int, username: str, password: str) -> Verdict:
        session = await self._connect(host, port)
        try:
            return await self._dialogue(session, username, password)
        finally:
            session.close()

    def session(self, host: str, port: int, timeout_s: float, tries: int) -> TelnetLoginSession:
        """Several logins over as few connections as the device allows (``tries`` each)."""
        return TelnetLoginSession(self, host, port, timeout_s, tries)

    async def _dialogue(self, session: _TelnetSession, username: str, password: str) -> Verdict:
        kind = await self._first_prompt(session)
        return await self._credentials(session, kind, username, password)

    async def _credentials(
        self, session: _TelnetSession, kind: PromptKind, username: str, password: str
    ) -> Verdict:
        """Answer the prompt ``kind`` the session is at with one credential pair."""
        if kind == "shell":
            return "accepted", "shell prompt before any login prompt: no credentials were asked"
        if kind == "login":
            session.send_line(username)
            after_user = await session.expect(_after_username, quick=_asks_password)
            if after_user is None:
                return "error", _silent("username", session)
            if after_user != "password":
                return after_user
        session.send_line(password)
        verdict = await session.expect(
            _after_password, idle_s=self.fail_delay_s, quick=_refused_with_new_prompt
        )
        if verdict is None:
            return await self._unrecognised_reply(session)
        if verdict[0] != "accepted":
            return verdict
        failure = _failure_line(session.text)
        if await session.command_echo():
            return "accepted", verdict[1] + "; command echo confirmed"
        if failure:
            # "Access denied" then ">" could be a refusal followed by a pre-login menu
            return "error", f"prompt after {failure!r}; command echo not confirmed"
        return verdict

    async def _unrecognised_reply(self, session: _TelnetSession) -> Verdict:
        """No prompt or message we know after the password: accept only a command echo."""
        if session.closed:
            return "error", _silent("password", session)
        text = session.text
        if await session.command_echo():
            return "accepted", "command echo after the password (no recognised prompt)"
        session.text = text
        return "error", _silent("password", session)


class TelnetLoginSession:
    """Logins on one device, up to ``tries`` per telnet connection (busybox login gives
    three). The next user name is only sent after a recognised failure followed by a
    new login prompt; anything else (an error, a timeout, an unclear reply, a closed
    connection) ends the connection and the next try starts a fresh one."""

    def __init__(
        self, surface: TelnetSurface, host: str, port: int, timeout_s: float, tries: int
    ) -> None:
        self.surface = surface
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.tries = max(1, tries)
        self._session: _TelnetSession | None = None
        self._used = 0
        self.connections = 0

    async def try_login(self, username: str, password: str) -> LoginResult:
        if self._session is not None and not self._reusable(self._session):
            self._drop()
        result = await bounded(self._attempt(username, password), self.timeout_s)
        self._used += 1
        if result.outcome != "rejected":
            self._drop()  # accepted: done; error: the dialogue's state is unknown
        return result

    def _reusable(self, session: _TelnetSession) -> bool:
        return (
            self._used < self.tries
            and not session.closed
            and _refused_with_new_prompt(session.text)
        )

    async def _attempt(self, username: str, password: str) -> Verdict:
        if self._session is None:
            self._used = 0
            self.connections += 1
            self._session = await self.surface._connect(self.host, self.port)
            kind = await self.surface._first_prompt(self._session)
        else:
            kind = "login"
        return await self.surface._credentials(self._session, kind, username, password)

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    async def aclose(self) -> None:
        self._drop()


def _asks_password(text: str) -> bool:
    return _prompt_kind(text) == "password"


def _refused_with_new_prompt(text: str) -> bool:
    """A failure message, then a login prompt: the device offers another try."""
    return _prompt_kind(text) == "login" and _failure_line(text) is not None


def _after_username(text: str) -> Literal["password"] | Verdict | None:
    if _prompt_kind(text) == "password":
        return "password"
    return _judge_after_credentials(text, "username")


def _after_password(text: str) -> Verdict | None:
    return _judge_after_credentials(text, "password")


def _silent(sent: str, session: _TelnetSession) -> str:
    state = "connection closed" if session.closed else "no recognised prompt or message"
    return f"{state} after the {sent} ({quote(_clean(session.text))})"
