"""What the device exposes: risky interfaces (S1.1-13), plaintext login surfaces
(S1.1-12) and the model number it shows (S1.1-10)."""

from __future__ import annotations

import re
from typing import ClassVar

from jcstar.checks.base import CheckInput, Observation
from jcstar.checks.network.device import TARGET, device_params, device_scan, needed_ports
from jcstar.checks.network.services import ScanResult, Service, risky_ports
from jcstar.checks.network.surfaces import login_surfaces

# services where a user logs in; offered without TLS they expose credentials in transit
PLAINTEXT_LOGIN = {"telnet": "telnet", "ftp": "FTP", "http": "HTTP", "mqtt": "MQTT", "rtsp": "RTSP"}


def _service_list(services: list[Service]) -> list[dict[str, object]]:
    return [
        {
            "port": s.port,
            "protocol": s.protocol,
            "service": s.name,
            "tls": s.tls,
            "detail": s.detail,
        }
        for s in services
    ]


def risky_observation(
    result: ScanResult, needed: dict[tuple[int, str], str], open_ports: set[str]
) -> Observation:
    """``open_ports``: services that let a client in with no credentials (``1883/tcp``)."""
    risky = risky_ports()
    flagged: list[str] = []
    accepted: list[str] = []
    for service in result.services:
        entry = risky.get((service.port, service.protocol))
        if entry is None and service.name in ("telnet", "ftp", "adb"):
            entry = next((r for r in risky.values() if r.service == service.name), None)
        if entry is None or (entry.only_if_open and service.key not in open_ports):
            continue
        reason = needed.get((service.port, service.protocol))
        line = f"{service.key} {entry.service}: {entry.risk}"
        if reason:
            accepted.append(f"{line} (needed: {reason})")
        else:
            flagged.append(line)
    silent = [s.key for s in result.services if s.silent]
    details = {
        "scanned_tcp_ports": result.scanned_tcp,
        "silent": silent,
        "open": _service_list(result.services),
        "flagged": flagged,
        "declared_needed": accepted,
    }
    if flagged:
        return Observation(
            topic="risky_interfaces",
            outcome="fail",
            message=f"{len(flagged)} high-risk service(s) answer: " + "; ".join(flagged),
            details=details,
        )
    return Observation(
        topic="risky_interfaces",
        outcome="pass",
        message=f"no undeclared high-risk service among {result.scanned_tcp} TCP ports scanned"
        + (f"; {len(silent)} open port(s) said nothing: {', '.join(silent)}" if silent else ""),
        details=details,
    )


def redirects_to_tls(service: Service) -> bool:
    """Plain HTTP that only sends the browser to HTTPS carries no login or data."""
    lines = service.banner.splitlines()
    status = lines[0].split() if lines else []
    moved = len(status) > 1 and status[1] in ("301", "302", "303", "307", "308")
    return moved and any(
        ln.lower().startswith("location:") and "https://" in ln.lower() for ln in lines
    )


def plaintext_observation(result: ScanResult) -> Observation:
    offered = [
        s
        for s in result.services
        if s.name in PLAINTEXT_LOGIN and not s.tls and not redirects_to_tls(s)
    ]
    lines = [f"{s.key} {PLAINTEXT_LOGIN[s.name]} without TLS" for s in offered]
    if lines:
        return Observation(
            topic="plaintext",
            outcome="fail",
            message="login or data surfaces in plaintext: " + "; ".join(lines),
            details={"plaintext": lines},
        )
    return Observation(
        topic="plaintext", outcome="pass", message="no plaintext login or data surface found"
    )


def model_observation(result: ScanResult, model_numbers: list[str]) -> Observation:
    # whole-word matches of model numbers long enough not to match by chance
    patterns = {m: re.compile(rf"(?<![\w-]){re.escape(m)}(?![\w-])", re.I) for m in model_numbers}
    shown = sorted(
        m
        for m, pattern in patterns.items()
        if len(m) >= 3 and any(pattern.search(s.banner) for s in result.services)
    )
    if shown:
        return Observation(
            topic="model_number",
            outcome="pass",
            message=f"the device shows its model number {', '.join(shown)} in a service banner",
            details={"model_numbers": shown},
        )
    return Observation(
        topic="model_number",
        outcome="info",
        message="no model number seen in service banners (it may be on the label or in the UI)",
    )


class ExposedServicesCheck:
    id: ClassVar[str] = "network.services"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "Open services, high-risk interfaces and plaintext surfaces"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("risky_interfaces", "plaintext", "model_number")
    sequence: ClassVar[int] = 10
    budget_s: ClassVar[float] = 300

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device_params(given)
        result = await device_scan(given)
        models = list(given.params.get("model_numbers", []))
        open_ports = {
            s.service.key
            for s in await login_surfaces(given)
            if s.open_result.outcome == "accepted"
        }
        return (
            risky_observation(result, needed_ports(given), open_ports),
            plaintext_observation(result),
            model_observation(result, models),
        )
