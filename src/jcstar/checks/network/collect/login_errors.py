"""The cannot-judge kind of a login attempt that ended in an error, read from its detail.

A login probe never raises (``logins/base.py``): a failure comes back as ``error`` with a
plain reason (``connection refused``, ``timed out after 5 s``, ``TLS handshake failed
(...)``, ``HTTP 429 Too Many Requests ...``). The checks that sweep or burst logins
(``network.default_credentials``, ``network.bruteforce``) turn an attempt they could not
finish into a :class:`~jcstar.checks.base.CannotJudge` whose kind must be the true one, so a
report says "refused" for a device that locked us out and "timed out" for one that stalled.
"""

from __future__ import annotations

import re

from jcstar.checks.base import CannotJudgeKind
from jcstar.checks.network.collect.limits import LIMITED

#: in order: the first that matches names the kind
_KINDS: tuple[tuple[CannotJudgeKind, re.Pattern[str]], ...] = (
    # the device said it limits or locks us out, or turned us away (HTTP 403/503 included)
    ("refused", LIMITED),
    ("refused", re.compile(r"\bHTTP (403|503)\b", re.I)),
    ("timed_out", re.compile(r"timed out|timeout|did not answer|no answer|no reply", re.I)),
    # TLS that cannot be agreed on is a form the probe cannot use, not a refusal
    ("unsupported", re.compile(r"TLS|SSL|certificate", re.I)),
    (
        "refused",
        re.compile(
            r"refused|reset|closed|EOF|disconnect|broken pipe|connection aborted|"
            r"RemoteProtocolError|ReadError|WriteError|"
            # httpx/anyio's words when every connect failed: on a login the scan reached
            # moments before, a refusal (a host gone shows as timeouts or no route)
            r"connection attempts failed",
            re.I,
        ),
    ),
    (
        "unreachable",
        re.compile(
            r"no route|unreachable|host is down|name or service not known|"
            r"nodename nor servname|could not connect",
            re.I,
        ),
    ),
    # the service answered, but not in a dialogue the probe knows how to judge
    (
        "unsupported",
        re.compile(
            r"\bHTTP \d{3}\b|RTSP \d{3}|CONNACK|not a Modbus|has no login|cannot tell|"
            r"prompt|no auth|no HTTP auth|challenge|unfamiliar|not recognised|unrecognised",
            re.I,
        ),
    ),
)
#: which kind names an attempt of several surfaces: the one a user can act on first
PRECEDENCE: tuple[CannotJudgeKind, ...] = (
    "refused",
    "timed_out",
    "unreachable",
    "unsupported",
    "cut_short",
    "undetermined",
)


def login_error_kind(detail: str) -> CannotJudgeKind:
    """The kind of a login error from its detail; ``undetermined`` when none fits."""
    return next((kind for kind, pattern in _KINDS if pattern.search(detail)), "undetermined")


def first_kind(kinds: list[CannotJudgeKind]) -> CannotJudgeKind:
    """The kind an attempt reports when its surfaces failed in several ways."""
    return min(kinds, key=PRECEDENCE.index) if kinds else "undetermined"
