"""What the device exposes: risky interfaces (S1.1-13), plaintext login surfaces
(S1.1-12) and the model number it shows (S1.1-10)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from jcstar.checks.base import Check, CheckInput, Observation
from jcstar.checks.network.collect.device import TARGET, device_params, device_scan
from jcstar.checks.network.collect.scan import ScanResult, Service, risky_entry
from jcstar.checks.network.collect.surfaces import login_surfaces
from jcstar.checks.network.collect.web_pages import page_texts

# services where a user logs in; offered without TLS they expose credentials in transit
PLAINTEXT_LOGIN = {
    "telnet": "telnet",
    "ftp": "FTP",
    "http": "HTTP",
    "mqtt": "MQTT",
    "rtsp": "RTSP",
    # industrial protocols carry commands and data, with no login and no encryption
    "modbus": "Modbus/TCP",
    "dnp3": "DNP3",
    "iec-104": "IEC 60870-5-104",
}


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


QUESTION = "not declared needed (needed_ports): is this interface needed? why?"


def unidentified_services(result: ScanResult) -> list[tuple[Service, str]]:
    """Open TCP ports whose protocol could not be identified, each with what was seen."""
    return [
        (s, f"{s.key}: {s.detail}" if s.detail else s.key)
        for s in result.services
        if not s.identified and s.protocol == "tcp"
    ]


def risky_observation(
    result: ScanResult,
    needed: dict[tuple[int, str], str],
    open_ports: set[str],
    seen: dict[str, str] | None = None,
) -> Observation:
    """``open_ports``: services that let a client in with no credentials (``1883/tcp``);
    ``seen``: what each login surface showed when asked without credentials (by key).

    A service is flagged for what it is (identified by what it spoke), not for its port
    number. A hardened service of a kind that needs a reason (SSH that asks for
    credentials) and is not declared needed is a question to the vendor, not a failure;
    a port that could not be identified keeps the requirement from being met."""
    seen = seen or {}
    flagged: list[str] = []
    accepted: list[str] = []
    review: list[str] = []
    for service in result.services:
        entry = risky_entry(service)
        if entry is None:
            continue
        reason = needed.get((service.port, service.protocol))
        line = f"{service.key} {entry.service}: {entry.risk}"
        if reason:
            accepted.append(f"{line} (needed: {reason})")
        elif entry.only_if_open and service.key not in open_ports:
            if entry.otherwise == "review":
                shown = seen.get(service.key) or service.detail
                review.append(
                    f"{service.key} {entry.service}"
                    + (f" ({shown})" if shown else "")
                    + f": {QUESTION}"
                )
        else:
            flagged.append(line)
    silent = [s.key for s in result.services if s.silent]
    # a port the vendor declares needed (with its reason) is accounted for, known or not
    unknown = [
        line
        for service, line in unidentified_services(result)
        if (service.port, service.protocol) not in needed
    ]
    details = {
        "scanned_tcp_ports": result.scanned_tcp,
        "silent": silent,
        "unidentified": unknown,
        "open": _service_list(result.services),
        "flagged": flagged,
        "to_review": review,
        "declared_needed": accepted,
    }
    open_questions = [f"to the vendor: {q}" for q in review]
    if unknown:
        open_questions.append("could not identify " + "; ".join(unknown))
    if flagged:
        return Observation(
            topic="risky_interfaces",
            outcome="fail",
            message=f"{len(flagged)} high-risk service(s) answer: "
            + "; ".join(flagged)
            + (f" (also: {'; '.join(open_questions)})" if open_questions else ""),
            details=details,
        )
    if open_questions:
        return Observation(
            topic="risky_interfaces",
            # an open port we could not identify may be anything: INCONCLUSIVE; a hardened
            # service nobody declared is a question to the vendor: NEEDS_REVIEW
            outcome="inconclusive" if unknown else "info",
            message=f"no high-risk service shown open among {result.scanned_tcp} TCP ports "
            f"scanned, but not settled: {'; '.join(open_questions)}",
            details=details,
        )
    return Observation(
        topic="risky_interfaces",
        outcome="pass",
        message=f"no undeclared high-risk service among {result.scanned_tcp} TCP ports scanned",
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


def plaintext_observation(
    result: ScanResult, needed: dict[tuple[int, str], str] | None = None
) -> Observation:
    """A port we could not identify may carry anything in plaintext (INCONCLUSIVE); one
    the vendor declares needed is theirs to explain (a review)."""
    needed = needed or {}
    offered = [
        s
        for s in result.services
        if s.name in PLAINTEXT_LOGIN and not s.tls and not redirects_to_tls(s)
    ]
    lines = [f"{s.key} {PLAINTEXT_LOGIN[s.name]} without TLS" for s in offered]
    unknown_services = [
        (s, line) for s, line in unidentified_services(result) if s.name == "unknown"
    ]
    unknown = [line for _, line in unknown_services]
    undeclared = [line for s, line in unknown_services if (s.port, s.protocol) not in needed]
    if lines:
        return Observation(
            topic="plaintext",
            outcome="fail",
            message="login or data surfaces in plaintext: " + "; ".join(lines),
            details={"plaintext": lines, "unidentified": unknown},
        )
    if unknown:
        return Observation(
            topic="plaintext",
            outcome="inconclusive" if undeclared else "info",
            message="no plaintext login or data surface among the identified services; "
            "could not tell what these carry without TLS: " + "; ".join(unknown),
            details={"unidentified": unknown},
        )
    return Observation(
        topic="plaintext", outcome="pass", message="no plaintext login or data surface found"
    )


BANNER = "a service banner"


def model_observation(
    result: ScanResult, model_numbers: list[str], pages: Sequence[tuple[str, str]] = ()
) -> Observation:
    """``pages``: (where, text) of the web pages' titles and text (web_pages.page_texts)."""
    # whole-word matches of model numbers long enough not to match by chance
    patterns = {m: re.compile(rf"(?<![\w-]){re.escape(m)}(?![\w-])", re.I) for m in model_numbers}
    # the web UI first: where a user looks, and what settles S1.1-10
    places = [*pages, *((BANNER, s.banner) for s in result.services)]
    where: dict[str, str] = {}
    for m, pattern in patterns.items():
        if len(m) >= 3:
            hit = next((place for place, text in places if pattern.search(text)), None)
            if hit:
                where[m] = hit
    shown = sorted(where)
    if shown:
        spots = sorted(set(where.values()))
        return Observation(
            topic="model_number",
            outcome="pass",
            message=f"the device shows its model number {', '.join(shown)} in {', '.join(spots)}",
            # S1.1-10 asks that the model number be visible in the device's web UI (or on
            # the device): a web page that shows it settles it; a protocol banner is where
            # no user looks (our judgement), so it only supports the vendor's answer
            conclusive=any(place != BANNER for place in where.values()),
            details={"model_numbers": shown, "where": where},
        )
    return Observation(
        topic="model_number",
        outcome="info",
        message="no model number seen in service banners or web pages "
        "(it may be on the label or behind the login)",
    )


class ExposedServicesCheck(Check):
    id: ClassVar[str] = "network.services"
    version: ClassVar[str] = "1.3"
    data_files: ClassVar[tuple[str, ...]] = ("admin-paths.yaml", "risky-ports.yaml")
    title: ClassVar[str] = "Open services, high-risk interfaces and plaintext surfaces"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("risky_interfaces", "plaintext", "model_number")
    sequence = 10
    budget_s = 300

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device_params(given)
        result = await device_scan(given)
        models = list(given.product.model_numbers)
        surfaces = await login_surfaces(given)
        open_ports = {s.service.key for s in surfaces if s.open_result.outcome == "accepted"}
        seen = {s.service.key: s.open_result.detail for s in surfaces}
        needed = given.product.needed()
        return (
            risky_observation(result, needed, open_ports, seen),
            plaintext_observation(result, needed),
            model_observation(result, models, await page_texts(given)),
        )
