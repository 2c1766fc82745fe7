"""Whether a report's criteria version may still be submitted. Pure; the registry passes the
versions it has published, a client the catalog's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar


class Version(Protocol):
    """A published criteria version of one level (oldest first in every sequence here)."""

    @property
    def id(self) -> str: ...

    @property
    def effective_on(self) -> dt.date: ...


V = TypeVar("V", bound=Version)


def in_effect(versions: Sequence[V], on: dt.date) -> V | None:
    """The newest version in effect on ``on`` (one announced for a later day is not yet)."""
    effective = [v for v in versions if v.effective_on <= on]
    return effective[-1] if effective else None


#: each refusal of a report's criteria version, by code, with its English sentence (its
#: ``str.format`` fields are what ``submission_refusal`` gives; the portal says it by code)
CRITERIA_TEXTS = {
    "criteria_unnamed": (
        "the report names no criteria version; ★{level} is assessed against {known}; "
        "re-run jcstar assess"
    ),
    "criteria_unknown": (
        "the report was assessed against criteria version {version}, which this registry "
        "does not know for ★{level} (known: {known})"
    ),
    "criteria_superseded": (
        "the report was assessed against criteria version {version}, superseded by "
        "{current} since {since}; re-assess against {current}"
    ),
}


def submission_refusal(
    version: str | None,
    level: int,
    versions: Sequence[Version],
    on: dt.date,
    *,
    refuse_superseded: bool,
) -> tuple[str, dict[str, str]] | None:
    """Why a report naming ``version`` cannot be submitted for ``level`` on ``on``, as a code
    of ``CRITERIA_TEXTS`` with its values, or None.

    With the lapse rule on (``refuse_superseded``), a report against an earlier version is
    refused once a newer one is in effect: the label it would get would lapse soon after."""
    known = ", ".join(v.id for v in versions)
    if not versions:
        return None  # no version is known for this level: nothing to hold it to
    if version is None:
        return "criteria_unnamed", {"level": str(level), "known": known}
    if version not in {v.id for v in versions}:
        return "criteria_unknown", {"version": version, "level": str(level), "known": known}
    current = in_effect(versions, on)
    if refuse_superseded and current is not None and current.id != version:
        values = {"version": version, "current": current.id, "since": str(current.effective_on)}
        return "criteria_superseded", values
    return None


def submission_problem(
    version: str | None,
    level: int,
    versions: Sequence[Version],
    on: dt.date,
    *,
    refuse_superseded: bool,
) -> str | None:
    """``submission_refusal`` as its English sentence."""
    refusal = submission_refusal(version, level, versions, on, refuse_superseded=refuse_superseded)
    if refusal is None:
        return None
    code, values = refusal
    return CRITERIA_TEXTS[code].format(**values)
