"""MQTT logins (aiomqtt): CONNECT with or without credentials, plain or over TLS
(MQTT over TLS, usually 8883, is the same login inside TLS; the certificate is observed,
not trusted)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import aiomqtt
from paho.mqtt.reasoncodes import ReasonCode

from jcstar.checks.network.collect.logins.base import (
    LoginResult,
    Verdict,
    bounded,
)
from jcstar.checks.network.collect.tlsctx import shared_observing_context

# --- mqtt --------------------------------------------------------------------------

# CONNACK return codes for bad credentials: MQTT 3.1.1 (4, 5) and MQTT 5 (134, 135)
_MQTT_REFUSED = {4, 5, 134, 135}
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def _reason_value(rc: int | ReasonCode | None) -> int | None:
    return rc.value if isinstance(rc, ReasonCode) else rc


async def _mqtt_attempt(
    host: str,
    port: int,
    username: str | None,
    password: str | None,
    timeout_s: float,
    tls: bool = False,
) -> Verdict:
    how = f"user {username!r}" if username is not None else "no credentials"
    if tls:
        how += " over TLS"
    client = aiomqtt.Client(
        host,
        port,
        username=username,
        password=password,
        identifier="jcstar-" + secrets.token_hex(4),
        timeout=timeout_s,
        tls_context=shared_observing_context() if tls else None,
    )
    try:
        async with client:
            pass
    except aiomqtt.MqttCodeError as exc:
        if _reason_value(exc.rc) in _MQTT_REFUSED:
            return "rejected", f"CONNACK refused with {how}: {exc}"
        return "error", f"CONNACK error with {how}: {exc}"
    except aiomqtt.MqttError as exc:
        # aiomqtt words a socket error as "[Errno 111] Connection refused"
        text = _ERRNO.sub("", str(exc)).strip()
        return "error", (text[:1].lower() + text[1:]) if text else "MQTT connection failed"
    return "accepted", f"CONNACK accepted with {how}"


@dataclass
class MqttSurface:
    service: str = field(default="mqtt", init=False)
    tls: bool = False

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        attempt = _mqtt_attempt(host, port, username, password, timeout_s, self.tls)
        return await bounded(attempt, timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_mqtt_attempt(host, port, None, None, timeout_s, self.tls), timeout_s)
