"""Log in to a device's services: one small, bounded attempt per call.

Every protocol uses a well-kept library (telnetlib3, asyncssh, httpx, aiomqtt,
stdlib ftplib); no protocol stack of our own. A call never raises and never
hangs past its timeout: the outcome is ``accepted``, ``rejected`` or ``error``
with a reason, and ``error`` is never read as a pass by the checks above.

INTERFACE (the checks rely on this; implementation in progress):

    LoginOutcome = Literal["accepted", "rejected", "error"]

    @dataclass(frozen=True)
    class LoginResult:
        outcome: LoginOutcome
        detail: str          # e.g. "shell prompt '#' after password", "HTTP 401", "timed out after 5 s"
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
"""
