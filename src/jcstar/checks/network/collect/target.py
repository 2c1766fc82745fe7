"""What may be probed: exactly the hosts and ports the user named, nothing wider."""

from __future__ import annotations

import ipaddress
import re
import socket

MAX_PORTS = 65535
# the ports a ★1 probe looks at when the user names none: every risky port, the usual
# login surfaces and the web UI ports
DEFAULT_TCP_PORTS: tuple[int, ...] = (
    21, 22, 23, 80, 81, 102, 443, 502, 554, 1883, 2323, 2404, 5060, 5555, 7547, 8000,
    8080, 8081, 8443, 8883, 9000, 20000, 37215,
)  # fmt: skip
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?$")


class TargetError(ValueError):
    """The target is not one host, or the ports are malformed."""


def parse_host(text: str) -> str:
    """One host: an IP address or a DNS name. Ranges and networks are refused."""
    host = text.strip().strip("[]")
    if not host:
        raise TargetError("empty host")
    if "/" in host or "*" in host or ("-" in host and _looks_numeric(host)):
        raise TargetError(f"{text!r} is a range; give one host (use --inventory for many)")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if _looks_numeric(host) or not _HOSTNAME.match(host):
        raise TargetError(f"{text!r} is not an IP address or host name")
    return host


def _looks_numeric(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.\-*]+", host))


def parse_ports(text: str) -> tuple[int, ...]:
    """``"22,23,8000-8100"`` → sorted unique ports; ``"all"`` → 1-65535."""
    if text.strip() == "all":
        return tuple(range(1, MAX_PORTS + 1))
    ports: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise TargetError(f"bad port {part!r} (use e.g. 22,23,8000-8100)") from None
        if not (1 <= first <= MAX_PORTS and 1 <= last <= MAX_PORTS):
            raise TargetError(f"port range {part!r} is outside 1-65535")
        if first > last:
            raise TargetError(f"port range {part!r} is reversed (write {last}-{first})")
        ports.update(range(first, last + 1))
    if not ports:
        raise TargetError("no ports given")
    return tuple(sorted(ports))


def resolve_host(host: str) -> str:
    """``host`` if it is an address; else the name, once it is known to resolve (so a typo
    is a usage error before any probe, not sixteen INCONCLUSIVE verdicts)."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        raise TargetError(f"{host!r} does not resolve ({reason})") from None
    return host
