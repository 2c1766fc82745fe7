"""Disputed labels answered from the transparency log, as the single lookup answers them.

A label whose tables disagree with the log (``log.crosscheck.Disputes``: found at start-up or
by ``/log/verify``) may have been changed by someone with the database's password and not the
signing key: a revoked label flipped to valid by SQL. The bulk status and the snapshot must
not serve the tables' story for it. Its record keeps the tables' descriptive fields (maker,
product, model numbers, notices) but takes its status history, expiry and successor from the
log entries the log check trusted (up to the entry its state comes from), and names the
disagreement in ``log_disagreement``. A label the log does not know at all gets an empty
history: ``standing_on`` then reads ``not_issued`` on every day, never ``valid``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from jcstar.registry.log.crosscheck import Disputes
from jcstar.registry.log.models import LogEntry
from jcstar.registry.log.replay import LabelState

#: values per ``IN (...)``: within SQLite's oldest bound-parameter limit (999)
_CHUNK = 900


def _chunks(values: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def logged_histories(
    session: Session | Connection, disputes: Disputes, numbers: Collection[str]
) -> dict[str, list[dict[str, Any]]]:
    """The status history (``LabelRecord.history`` JSON form) the log holds for each disputed
    label of ``numbers`` that the log knows: its ``label.*`` entries up to the one its
    trusted state comes from (later ones were not signed, or were refused by the replay)."""
    states: dict[str, LabelState] = {}
    for number in numbers:
        found = disputes.get(number)
        if found is not None and found[0] is not None:
            states[number] = found[0]
    histories: dict[str, list[dict[str, Any]]] = {number: [] for number in states}
    for chunk in _chunks(states.keys()):
        rows = session.execute(
            select(LogEntry.seq, LogEntry.at, LogEntry.kind, LogEntry.subject, LogEntry.payload)
            .where(LogEntry.subject.in_(chunk), LogEntry.kind.startswith("label."))
            .order_by(LogEntry.seq)
        )
        for seq, at, kind, subject, payload in rows:
            if seq > states[subject].seq:
                continue
            change = json.loads(payload)
            if change.get("registration_no") != subject or not isinstance(
                change.get("status"), str
            ):
                continue  # the replay skipped it too
            histories[subject].append(
                {
                    "event": kind.removeprefix("label."),
                    "status": change["status"],
                    "at": at,
                    "expires_on": change.get("expires_on"),
                    "reason": change.get("reason"),
                }
            )
    return histories


def as_logged(
    data: dict[str, Any], disputes: Disputes, histories: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """``data`` (a record's JSON form, from the tables) as the log tells it when the label is
    disputed; unchanged otherwise."""
    number = data["registration_no"]
    found = disputes.get(number)
    if found is None:
        return data
    state, problem = found
    if state is None:
        return {**data, "history": [], "log_disagreement": problem}
    return {
        **data,
        "history": histories.get(number, []),
        "expires_on": state.expires_on or data["expires_on"],
        "superseded_by": state.superseded_by,
        "log_disagreement": problem,
    }
