"""Power-sector control protocols a device answers without authentication (S1.1-13).

For ERAB gateways and controllers, DR-ready devices and the monitors and PCS of distributed
generation (``catalog/data/sectors/power.yaml`` names this check for them): Modbus/TCP,
DNP3, IEC 60870-5-104 and ECHONET Lite (UDP and TCP), each asked one read-only question
(``collect/industrial.py``, ``collect/echonet.py``). None of them authenticates a client, so
a port that answers is an exposed control interface: a finding unless the product profile
declares it needed (``needed_ports``, with the reason), then a note for review, as
``network.services`` treats a needed risky port. A protocol that is not there (the port
refuses connections, or answers in another protocol) is not a finding. A port that accepts a
connection and then says nothing, or hangs up without a word, cannot be judged: a DNP3
outstation answers only its own address and master, a Modbus server only its unit id, so
silence may be a station we did not address. Each protocol is asked at a bounded list of
addresses (``collect/industrial.py``); a sector profile may name its own (``params:``).
When nothing answers and some port stayed silent, the attempt cannot judge (INCONCLUSIVE,
kind ``timed_out`` for silence, ``refused`` for a hang-up), never a pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, ClassVar

from pydantic import Field

from jcstar.checks.base import CannotJudge, CannotJudgeKind, Check, CheckInput, Observation
from jcstar.checks.network.collect.conversation import Heard
from jcstar.checks.network.collect.device import TARGET, device_params, pacer
from jcstar.checks.network.collect.echonet import echonet_tcp, echonet_udp
from jcstar.checks.network.collect.industrial import (
    DNP3_MASTERS,
    DNP3_OUTSTATIONS,
    MODBUS_UNITS,
    dnp3_link_status,
    iec104_startdt,
    modbus_holding_read,
)
from jcstar.checks.network.collect.pacing import Pacer
from jcstar.checks.network.collect.scan import risky_ports
from jcstar.checks.params import CheckParams

Port = Annotated[int, Field(ge=1, le=65535)]
Dnp3Address = Annotated[int, Field(ge=0, le=0xFFFC)]  # 0xFFFD-0xFFFF: broadcast, never asked
ModbusUnit = Annotated[int, Field(ge=0, le=255)]
Ask = Callable[[str, int, float, Pacer], Awaitable[Heard]]
TOPIC = "sector_exposure"

#: protocol -> (name in reports, how it is asked over TCP)
TCP_ASKS: dict[str, tuple[str, Ask]] = {
    "modbus": ("Modbus/TCP", modbus_holding_read),
    "dnp3": ("DNP3", dnp3_link_status),
    "iec-104": ("IEC 60870-5-104", iec104_startdt),
    "echonet-lite": ("ECHONET Lite", echonet_tcp),
}


class SectorProtocolsParams(CheckParams):
    """The ports each protocol is asked on (the registered ports by default), and the
    addresses asked there: bounded, so a device is sent a few dozen short reads at most."""

    modbus_ports: tuple[Port, ...] = (502,)
    modbus_units: tuple[ModbusUnit, ...] = Field(default=MODBUS_UNITS, min_length=1, max_length=8)
    dnp3_ports: tuple[Port, ...] = (20000,)
    dnp3_outstations: tuple[Dnp3Address, ...] = Field(
        default=DNP3_OUTSTATIONS, min_length=1, max_length=16
    )
    dnp3_masters: tuple[Dnp3Address, ...] = Field(default=DNP3_MASTERS, min_length=1, max_length=4)
    iec104_ports: tuple[Port, ...] = (2404,)
    #: asked over UDP and TCP
    echonet_ports: tuple[Port, ...] = (3610,)

    def tcp(self) -> list[tuple[str, int]]:
        return [
            *(("modbus", p) for p in self.modbus_ports),
            *(("dnp3", p) for p in self.dnp3_ports),
            *(("iec-104", p) for p in self.iec104_ports),
            *(("echonet-lite", p) for p in self.echonet_ports),
        ]


def _risk(protocol: str, transport: str) -> str:
    """Why the protocol is high-risk, from the shared list of risky ports."""
    return next(
        (
            entry.risk
            for entry in risky_ports().values()
            if entry.service == protocol and entry.protocol == transport
        ),
        "no authentication in the protocol",
    )


def _name(heard: Heard) -> str:
    return TCP_ASKS[heard.protocol][0]


def unjudged_kind(heard: Heard) -> CannotJudgeKind:
    """Why a silent port cannot be judged: it hung up on us (``refused``) or said nothing in
    time (``timed_out``); ``collect/industrial.py`` words a hang-up so."""
    return "refused" if heard.detail.startswith("closed the connection") else "timed_out"


def exposure_observations(
    heard: list[Heard], needed: dict[tuple[int, str], str]
) -> tuple[Observation, ...]:
    """One observation per protocol that answered or could not be judged; a pass when none
    of them is there. A port the vendor declares needed is noted, not failed."""
    found: list[Observation] = []
    for h in heard:
        line = f"{h.key} {_name(h)} {h.detail}"
        details = {"port": h.port, "transport": h.transport, "protocol": h.protocol}
        if h.state == "answers":
            reason = needed.get((h.port, h.transport))
            if reason:
                found.append(
                    Observation(
                        topic=TOPIC,
                        outcome="info",
                        message=f"{line} without authentication (needed: {reason})",
                        details={**details, "needed": reason},
                    )
                )
            else:
                found.append(
                    Observation(
                        topic=TOPIC,
                        outcome="fail",
                        message=f"{line} without authentication: {_risk(h.protocol, h.transport)}",
                        details=details,
                    )
                )
        elif h.state == "silent":
            found.append(
                Observation(
                    topic=TOPIC,
                    outcome="inconclusive",
                    message=f"{line}: cannot tell whether {_name(h)} is exposed there",
                    details={**details, "kind": unjudged_kind(h)},
                )
            )
    if any(o.outcome != "inconclusive" for o in found):
        return tuple(found)  # what answered settles it; the silent ports are shown beside it
    silent = [h for h in heard if h.state == "silent"]
    if silent:
        kinds = [unjudged_kind(h) for h in silent]
        lines = "; ".join(f"{h.key} {_name(h)} {h.detail}" for h in silent)
        raise CannotJudge(
            f"cannot tell whether power-sector control protocols are exposed: {lines}",
            "timed_out" if "timed_out" in kinds else "refused",
        )
    asked = ", ".join(sorted({f"{_name(h)} {h.key}" for h in heard}))
    return (
        Observation(
            topic=TOPIC,
            outcome="pass",
            message=f"no power-sector control protocol answers ({asked})",
            details={"asked": [h.key for h in heard]},
        ),
    )


class SectorProtocolsCheck(Check):
    id: ClassVar[str] = "network.sector_protocols"
    version: ClassVar[str] = "1.2"
    title: ClassVar[str] = "Power-sector control protocols exposed without authentication"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = (TOPIC,)
    data_files: ClassVar[tuple[str, ...]] = ("risky-ports.yaml",)
    parameters: ClassVar[type[SectorProtocolsParams]] = SectorProtocolsParams
    budget_s = 60

    @staticmethod
    def _ask(
        protocol: str, host: str, port: int, timeout_s: float, pace: Pacer,
        ports: SectorProtocolsParams,
    ) -> Awaitable[Heard]:  # fmt: skip
        if protocol == "modbus":
            return modbus_holding_read(host, port, timeout_s, pace, ports.modbus_units)
        if protocol == "dnp3":
            return dnp3_link_status(
                host, port, timeout_s, pace, ports.dnp3_outstations, ports.dnp3_masters
            )
        return TCP_ASKS[protocol][1](host, port, timeout_s, pace)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device = device_params(given)
        ports = SectorProtocolsParams.read(given)
        pace = pacer(given)
        # only the ports the user named, when they named any (``--ports``)
        allowed = set(device.port_list) if device.ports else None
        tcp = [(proto, p) for proto, p in ports.tcp() if allowed is None or p in allowed]
        asks = [
            self._ask(proto, device.address, p, device.timeout_s, pace, ports) for proto, p in tcp
        ]
        asks += [
            echonet_udp(device.address, p, device.timeout_s, pace) for p in ports.echonet_ports
        ]
        heard = list(await asyncio.gather(*asks))
        # a refused TCP port shows the device is there; UDP silence shows nothing
        responsive = [h for h in heard if h.state != "absent" or h.transport == "tcp"]
        responsive = [h for h in responsive if h.state not in ("filtered", "unreachable")]
        if tcp and not responsive:  # every TCP port timed out or failed, no UDP answer
            kinds = {h.state for h in heard if h.transport == "tcp"}
            keys = ", ".join(h.key for h in heard if h.transport == "tcp")
            if "unreachable" in kinds:
                raise CannotJudge(f"{device.address} is unreachable ({keys})", "unreachable")
            raise CannotJudge(
                f"{device.address} answered on none of {keys} (all timed out): "
                "cannot tell whether its control protocols are exposed",
                "timed_out",
            )
        return exposure_observations(heard, given.product.needed())
