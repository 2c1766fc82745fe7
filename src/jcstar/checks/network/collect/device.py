"""The device a network check probes, and the work all network checks share."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jcstar.checks.base import ABSENT, DEVICE, CheckInput, SkipCheck
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.scan import ScanResult, scan
from jcstar.checks.network.collect.target import DEFAULT_TCP_PORTS, parse_host, parse_ports

TARGET = DEVICE


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeviceCredential(Frozen):
    """A credential the tester set on the device (never a default): used to see a
    lockout after a brute-force burst and that credentials survive a power cycle."""

    service: str
    username: str
    password: str


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


@dataclass(frozen=True)
class DeviceTarget:
    """The device a run probes: its parameters and the pace of new connections (shared by
    every device of a fleet run)."""

    params: DeviceParams
    pacer: Pacer = field(default_factory=Pacer)


def device_params(given: CheckInput) -> DeviceParams:
    target = given.device_target()
    if target is None:
        raise SkipCheck(ABSENT[DEVICE])
    return target.params


def pacer(given: CheckInput) -> Pacer:
    target = given.device_target()
    return target.pacer if target is not None else Pacer()


async def device_scan(given: CheckInput) -> ScanResult:
    device = device_params(given)
    return await given.shared.once(
        "network.scan",
        lambda: scan(device.address, device.port_list, device.timeout_s, pacer=pacer(given)),
    )
