"""The device a network check probes, and the work all network checks share."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jcstar.checks.base import CheckInput, SkipCheck
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.scan import ScanResult, scan
from jcstar.checks.network.collect.target import DEFAULT_TCP_PORTS, parse_host, parse_ports

TARGET = "device"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeviceCredential(Frozen):
    """A credential the tester set on the device (never a default): used to see a
    lockout after a brute-force burst and that credentials survive a power cycle."""

    service: str
    username: str
    password: str


class NeededPort(Frozen):
    """A port the product needs open, with the reason (declared in the profile)."""

    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    reason: str = Field(min_length=1)


class DeviceParams(Frozen):
    address: str
    ports: str | None = None
    credentials: tuple[DeviceCredential, ...] = ()
    power_cycle_command: str | None = None
    #: seconds to wait for the device to answer again after a power cycle
    restart_wait_s: float = Field(default=60.0, gt=0, le=900)
    timeout_s: float = Field(default=3.0, gt=0, le=60)
    #: one whole login attempt; devices pause seconds after a wrong password
    login_timeout_s: float = Field(default=12.0, gt=0, le=120)
    #: login attempts per surface in the brute-force burst (bounded)
    burst: int = Field(default=10, ge=3, le=20)
    #: default credentials tried per login surface
    max_defaults: int = Field(default=40, ge=1, le=200)
    #: default-credential attempts in flight at once per login surface, each on its own
    #: connection. A politeness limit: a device that pauses seconds after a wrong
    #: password (busybox: 3 s) takes minutes with one; 1 is the gentlest setting
    parallel_logins: int = Field(default=2, ge=1, le=4)
    #: default-credential tries per telnet connection, where the device shows a new
    #: login prompt after "Login incorrect" (busybox login allows three); 1 = one each
    tries_per_connection: int = Field(default=3, ge=1, le=3)

    @field_validator("address")
    @classmethod
    def _one_host(cls, value: str) -> str:
        return parse_host(value)

    @field_validator("ports")
    @classmethod
    def _ports(cls, value: str | None) -> str | None:
        if value is not None:
            parse_ports(value)
        return value

    @property
    def port_list(self) -> tuple[int, ...]:
        return parse_ports(self.ports) if self.ports else DEFAULT_TCP_PORTS

    def credential_for(self, service: str) -> DeviceCredential | None:
        return next((c for c in self.credentials if c.service == service), None)


def device_params(given: CheckInput) -> DeviceParams:
    raw = given.params.get(TARGET)
    if raw is None:
        raise SkipCheck("profile names no device address (device.address)")
    return raw if isinstance(raw, DeviceParams) else DeviceParams.model_validate(raw)


def needed_ports(given: CheckInput) -> dict[tuple[int, str], str]:
    declared: list[Any] = given.params.get("needed_ports", [])
    ports = [p if isinstance(p, NeededPort) else NeededPort.model_validate(p) for p in declared]
    return {(p.port, p.protocol): p.reason for p in ports}


def pacer(given: CheckInput) -> Pacer:
    found = given.params.get("pacer")
    return found if isinstance(found, Pacer) else Pacer()


async def device_scan(given: CheckInput) -> ScanResult:
    device = device_params(given)
    return await given.shared.once(
        "network.scan",
        lambda: scan(device.address, device.port_list, device.timeout_s, pacer=pacer(given)),
    )
