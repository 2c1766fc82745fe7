"""Write notifications into the outbox, in the caller's transaction: a change that rolls back
leaves no notification behind, and one that commits cannot lose its notifications.

Who is told about a label: every organisation following one of its model numbers or its
registration number (``watch.models.Watch``), and its vendor (about its own labels). Each of
their live channels gets a row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from jcstar.labels.standing import model_key
from jcstar.registry.db import utcnow
from jcstar.registry.labels.models import Label
from jcstar.registry.outbox import events
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.watch.models import Channel, Watch

#: label events that only those following the label's registration number hear of (a
#: superseded label's model numbers live on in the new label, whose watchers hear ``issued``)
_REGISTRATION_ONLY = {"superseded"}
#: label events its vendor is not told about (it caused them)
_NOT_TO_VENDOR = {"issued", "superseded"}
#: ``session.info`` key: label events held back while an approval runs; it writes one
#: notification for the whole change afterwards (``outbox.replacement``)
HELD = "jcstar.outbox.held_events"


def enqueue_label_event(
    session: Session, label: Label, event: str, extra: dict[str, Any] | None = None
) -> int:
    """Rows for ``event`` (a label history event, or ``notice``) of ``label``; how many."""
    kind = events.CHANGE_EVENTS.get(event)
    if kind is None or event in session.info.get(HELD, ()):
        return 0
    numbers = [label.registration_no] + ([label.renews] if label.renews else [])
    models = () if event in _REGISTRATION_ONLY else [m.model_number for m in label.models]
    matched = watchers(session, models, numbers)
    if event not in _NOT_TO_VENDOR:
        matched.setdefault(label.vendor_org_id, [])
    data = events.label_data(label) | (extra or {})
    at = utcnow()
    channels = live_channels(session, matched)
    rows = [
        row(org, channel, label.id, kind, events.body(kind, at, data | {"watched": found}), at)
        for org, found in matched.items()
        for channel in channels.get(org, [])
    ]
    return insert_rows(session, rows)


def watchers(
    session: Session, models: Iterable[str], registrations: Iterable[str]
) -> dict[int, list[str]]:
    """Organisation → the numbers it follows among these (as it gave them)."""
    model_keys = sorted({model_key(m) for m in models})
    registration_keys = sorted({model_key(r) for r in registrations})
    query = select(Watch.org_id, Watch.number).where(
        or_(
            and_(Watch.kind == "model", Watch.key.in_(model_keys)),
            and_(Watch.kind == "registration", Watch.key.in_(registration_keys)),
        )
    )
    found: dict[int, list[str]] = defaultdict(list)
    for org_id, number in session.execute(query.order_by(Watch.id)):
        found[org_id].append(number)
    return dict(found)


#: ids per ``IN (…)``: well under SQLite's and PostgreSQL's limits on bound parameters
_CHUNK = 1000


def live_channels(session: Session, org_ids: Iterable[int]) -> dict[int, list[Channel]]:
    """Organisation → its channels that are not removed."""
    ids = sorted(set(org_ids))
    found: dict[int, list[Channel]] = defaultdict(list)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = select(Channel).where(Channel.org_id.in_(chunk), Channel.removed_at.is_(None))
        for channel in session.scalars(query.order_by(Channel.id)):
            found[channel.org_id].append(channel)
    return dict(found)


def row(
    org_id: int,
    channel: Channel,
    label_id: int | None,
    kind: str,
    payload: str,
    at: dt.datetime,
    dedupe_key: str | None = None,
) -> dict[str, Any]:
    return {
        "delivery_id": str(uuid.uuid4()),
        "org_id": org_id,
        "channel_id": channel.id,
        "label_id": label_id,
        "event": kind,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
        "dedupe_key": dedupe_key,
    }


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)
