"""MQTT logins (aiomqtt): CONNECT with or without credentials."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import aiomqtt
from paho.mqtt.reasoncodes import ReasonCode

from jcstar.checks.network.logins.base import (
    LoginResult,
    Verdict,
    bounded,
)

# --- mqtt --------------------------------------------------------------------------

# CONNACK return codes for bad credentials: MQTT 3.1.1 (4, 5) and MQTT 5 (134, 135)
_MQTT_REFUSED = {4, 5, 134, 135}


def _reason_value(rc: int | ReasonCode | None) -> int | None:
    return rc.value if isinstance(rc, ReasonCode) else rc


async def _mqtt_attempt(
    host: str, port: int, username: str | None, password: str | None, timeout_s: float
) -> Verdict:
    how = f"user {username!r}" if username is not None else "no credentials"
    client = aiomqtt.Client(
        host,
        port,
        username=username,
        password=password,
        identifier="jcstar-" + secrets.token_hex(4),
        timeout=timeout_s,
    )
    try:
        async with client:
            pass
    except aiomqtt.MqttCodeError as exc:
        if _reason_value(exc.rc) in _MQTT_REFUSED:
            return "rejected", f"CONNACK refused with {how}: {exc}"
        return "error", f"CONNACK error with {how}: {exc}"
    return "accepted", f"CONNACK accepted with {how}"


@dataclass
class MqttSurface:
    service: str = field(default="mqtt", init=False)

    async def try_login(
        self, host: str, port: int, username: str, password: str, timeout_s: float
    ) -> LoginResult:
        return await bounded(_mqtt_attempt(host, port, username, password, timeout_s), timeout_s)

    async def open_without_credentials(self, host: str, port: int, timeout_s: float) -> LoginResult:
        return await bounded(_mqtt_attempt(host, port, None, None, timeout_s), timeout_s)
