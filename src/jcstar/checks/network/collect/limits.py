"""How a device says it is limiting login attempts, read from a login result's detail.

Shared by the default-credential sweep (which waits a limit out) and the brute-force
burst (which counts it as protection)."""

from __future__ import annotations

import re

#: the device answered that it limits us for now (HTTP 429, "too many", an MQTT CONNACK
#: "server busy"/"quota exceeded"): the sweep waits and asks the same pair again
RATE_LIMITED = re.compile(
    r"HTTP 429|too many|try again later|rate[- ]limit|server busy|quota exceeded|"
    r"connection rate exceeded",
    re.I,
)
#: ... and, for the burst, any answer that it protects the login: also a lockout, a block
#: or an unavailable server (SSH "too many authentication failures" included above)
LIMITED = re.compile(
    r"too many|locked|lockout|try again later|rate[- ]limit|blocked|HTTP 429|"
    r"server busy|server unavailable|quota exceeded|connection rate exceeded",
    re.I,
)
_RETRY_AFTER = re.compile(r"Retry-After: (\d+(?:\.\d+)?)", re.I)


def retry_after_s(detail: str) -> float | None:
    """The seconds a ``Retry-After`` in the detail asks for, if any."""
    found = _RETRY_AFTER.search(detail)
    return float(found.group(1)) if found else None
