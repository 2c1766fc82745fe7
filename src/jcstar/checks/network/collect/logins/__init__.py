"""Log in to a device's services: one small, bounded attempt per call.

Every protocol uses a well-kept library (telnetlib3, asyncssh, httpx, aiomqtt,
stdlib ftplib); no protocol stack of our own, except RTSP, where one DESCRIBE
request over asyncio streams is all we need. A call never raises and never
hangs past its timeout: the outcome is ``accepted``, ``rejected`` or ``error``
with a reason, and ``error`` is never read as a pass by the checks above.
When a probe cannot tell (an unfamiliar login dialogue or page) it says
``error``, never ``accepted`` and never ``rejected``: a wrong ``rejected``
would read as a pass.

INTERFACE (the checks rely on this):

    LoginOutcome = Literal["accepted", "rejected", "error"]

    @dataclass(frozen=True)
    class LoginResult:
        outcome: LoginOutcome
        detail: str          # e.g. "shell prompt '#' after the password", "HTTP 401",
                             #      "timed out after 5 s"
        elapsed_s: float

    class LoginSurface(Protocol):
        service: str         # "telnet", "ssh", "http-basic", "http-form", "ftp", "mqtt", "rtsp"
        async def try_login(self, host: str, port: int, username: str, password: str,
                            timeout_s: float) -> LoginResult: ...
        async def open_without_credentials(self, host: str, port: int,
                                           timeout_s: float) -> LoginResult: ...
            # "accepted" = the service gives access with no credentials at all
            # (telnet shell without login, HTTP 200 on an admin page, anonymous MQTT/FTP)

    SURFACES: dict[str, LoginSurface]   # by service name

    def login_session(surface, host, port, timeout_s, tries_per_connection) -> LoginSession
        # several tries in a row on one device: ``await session.try_login(user, password)``
        # then ``await session.aclose()``. Telnet keeps a connection for up to
        # ``tries_per_connection`` tries (only after a failure message and a new login
        # prompt); every other surface connects once per try. Each try has its own timeout.

Only the given host is ever contacted: HTTP redirects to another host are not
followed, and no proxy, netrc, SSH config, SSH agent or key of the tester is used.
"""

from __future__ import annotations

from jcstar.checks.network.collect.logins.base import (
    MAX_READ_BYTES,
    LoginOutcome,
    LoginResult,
    LoginSurface,
    host_in_url,
)
from jcstar.checks.network.collect.logins.ftp import FtpSurface
from jcstar.checks.network.collect.logins.http import HttpBasicSurface, HttpFormSurface
from jcstar.checks.network.collect.logins.modbus import ModbusSurface
from jcstar.checks.network.collect.logins.mqtt import MqttSurface
from jcstar.checks.network.collect.logins.rtsp import RtspSurface
from jcstar.checks.network.collect.logins.session import LoginSession, login_session
from jcstar.checks.network.collect.logins.ssh import SshSurface
from jcstar.checks.network.collect.logins.telnet import TelnetSurface
from jcstar.checks.network.collect.logins.tftp import TftpSurface

SURFACES: dict[str, LoginSurface] = {
    surface.service: surface
    for surface in (
        TelnetSurface(),
        SshSurface(),
        HttpBasicSurface(),
        HttpFormSurface(),
        FtpSurface(),
        MqttSurface(),
        RtspSurface(),
        ModbusSurface(),  # no login: open_without_credentials reads a register
        TftpSurface(),  # no login: open_without_credentials reads a known config file
    )
}

__all__ = [
    "MAX_READ_BYTES",
    "SURFACES",
    "FtpSurface",
    "HttpBasicSurface",
    "HttpFormSurface",
    "LoginOutcome",
    "LoginResult",
    "LoginSession",
    "LoginSurface",
    "ModbusSurface",
    "MqttSurface",
    "RtspSurface",
    "SshSurface",
    "TelnetSurface",
    "TftpSurface",
    "host_in_url",
    "login_session",
]
