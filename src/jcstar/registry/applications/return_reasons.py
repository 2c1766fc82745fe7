"""A return's reasons, per requirement: the one reason text the API stores for a return
(``POST /applications/{id}/return``, ``{"reason": …}``) read as a general part and one part
per requirement, so the vendor's page can show each beside its requirement.

The convention (our own, no scheme rule): a line that starts with a requirement id and a
colon (``S1.1-03: the manual does not say …``) begins that requirement's reason; the lines
after it belong to it until the next such line; lines before the first are the general
reason. Plain text stays readable where it is shown as it is (the API, the log's digest, the
CLI), and a reason written without ids is all general.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

_LEADING_ID = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9.\-]{0,39})\s*[:：]\s?(.*)$")


@dataclass(frozen=True)
class ReturnReasons:
    general: str = ""
    #: requirement id -> its reason, in the order written
    by_requirement: Mapping[str, str] = field(default_factory=dict)


def compose(general: str, by_requirement: Mapping[str, str]) -> str:
    """The one reason text for a return: the general part, then ``ID: reason`` per
    requirement with a reason (blank ones left out)."""
    parts = [general.strip()] if general.strip() else []
    parts += [f"{req}: {text.strip()}" for req, text in by_requirement.items() if text.strip()]
    return "\n".join(parts)


def split(reason: str | None, requirements: Collection[str]) -> ReturnReasons:
    """``reason`` read back per requirement; only ids in ``requirements`` start a part."""
    general: list[str] = []
    parts: dict[str, list[str]] = {}
    current: list[str] = general
    for line in (reason or "").splitlines():
        found = _LEADING_ID.match(line)
        if found and found.group(1) in requirements:
            current = parts.setdefault(found.group(1), [])
            current.append(found.group(2))
        else:
            current.append(line)
    return ReturnReasons(
        "\n".join(general).strip(),
        {req: "\n".join(lines).strip() for req, lines in parts.items()},
    )


def latest_return(history: Sequence[tuple[str, str | None]]) -> str | None:
    """The reason of the latest return in a history of ``(state, reason)`` steps, if the
    application has not been submitted again since (then it is answered)."""
    for state, reason in reversed(history):
        if state == "returned":
            return reason
        if state == "submitted":
            return None
    return None
