"""Reminders: a label about to expire, expired, or past its support period end.

``scan`` finds, for every live label near its expiry (or past its support end), who should be
reminded and through which channel, and writes the reminders not written before. Each has a
key naming the label, the date it is about, the threshold and the channel, unique in the
outbox: a second scan on the same day writes nothing, and a scan that runs late (the server
was down) still writes the reminder once. When a label is reached late, past several
thresholds at once, only the nearest one is sent (30 days before expiry: "expires within 42
days", not also "within 90").

Its vendor is reminded at ``Settings.reminder_days``; a watcher at its watch's own number of
days, or those defaults.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from jcstar.labels.standing import model_key
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.labels.models import Label
from jcstar.registry.outbox import events
from jcstar.registry.outbox.enqueue import insert_rows, live_channels, row
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Watch

_CHUNK = 1000


def scan(session: Session, settings: Settings, on: dt.date) -> int:
    """Write the reminders due on ``on`` that are not in the outbox yet and commit; how many.
    Reads first and takes the write lock only when there is something to write."""
    if not _missing(session, settings, on):
        session.rollback()
        return 0
    lock_for_write(session)  # another scan may have written them meanwhile: ask again
    rows = _missing(session, settings, on)
    insert_rows(session, rows)
    session.commit()
    return len(rows)


def _missing(session: Session, settings: Settings, on: dt.date) -> list[dict[str, Any]]:
    due = _due(session, settings, on)
    known: set[str] = set()
    keys = sorted(due)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        known.update(
            k
            for k in session.scalars(
                select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(chunk))
            )
            if k
        )
    return [r for k, r in due.items() if k not in known]


def _due(session: Session, settings: Settings, on: dt.date) -> dict[str, dict[str, Any]]:
    """Every reminder due on ``on``, by its key."""
    # the furthest any receiver wants to hear ahead: the defaults, or a watch's own number
    furthest = session.scalar(select(func.max(Watch.remind_days))) or 0
    horizon = on + dt.timedelta(days=max((*settings.reminder_days, furthest)))
    labels = session.scalars(
        select(Label)
        .where(
            Label.status == "valid",
            or_(Label.expires_on <= horizon, Label.support_period_end < on),
        )
        .options(selectinload(Label.models), selectinload(Label.events))
        .order_by(Label.id)
    )
    at = utcnow()
    due: dict[str, dict[str, Any]] = {}
    for label in labels:
        thresholds = _thresholds(session, settings, label)
        channels = live_channels(session, thresholds)
        data = events.label_data(label)
        for org, days in thresholds.items():
            for kind, about, threshold in _reminders(label, days, on):
                payload = data | {"days_left": (label.expires_on - on).days}
                if threshold is not None:
                    payload["threshold_days"] = threshold
                for channel in channels.get(org, []):
                    key = f"{kind}:{label.registration_no}:{about}:{threshold}:{channel.id}"
                    body = events.body(kind, at, payload)
                    due[key] = row(org, channel, label.id, kind, body, at, key)
    return due


def _thresholds(session: Session, settings: Settings, label: Label) -> dict[int, set[int]]:
    """Organisation → the days before expiry it is reminded at."""
    found: dict[int, set[int]] = defaultdict(set)
    found[label.vendor_org_id].update(settings.reminder_days)
    model_keys = [model_key(m.model_number) for m in label.models]
    query = select(Watch.org_id, Watch.remind_days).where(
        or_(
            (Watch.kind == "model") & Watch.key.in_(model_keys),
            (Watch.kind == "registration") & (Watch.key == model_key(label.registration_no)),
        )
    )
    for org_id, remind_days in session.execute(query):
        found[org_id].update([remind_days] if remind_days is not None else settings.reminder_days)
    return dict(found)


def _reminders(label: Label, days: set[int], on: dt.date) -> list[tuple[str, dt.date, int | None]]:
    """(type, the date it is about, threshold) of each reminder due for one receiver."""
    due: list[tuple[str, dt.date, int | None]] = []
    left = (label.expires_on - on).days
    if left < 0:
        due.append((events.EXPIRED, label.expires_on, None))
    elif crossed := [d for d in days if left <= d]:
        due.append((events.EXPIRING, label.expires_on, min(crossed)))
    if label.support_period_end is not None and label.support_period_end < on:
        due.append((events.SUPPORT_ENDED, label.support_period_end, None))
    return due
