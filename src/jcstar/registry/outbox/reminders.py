"""Reminders: a label about to expire, expired, or past its support period end.

``scan`` finds, for every live label near its expiry (or past it, or past its support end),
who should be reminded and through which channel, and writes the reminders not written
before. Each has a key naming the label, the date it is about, the threshold and the channel,
unique in the outbox: a second scan on the same day writes nothing, and a scan that runs late
(the server was down) still writes the reminder once. When a label is reached late, past
several thresholds at once, only the nearest one is sent (30 days before expiry: "expires
within 42 days", not also "within 90").

Its vendor is reminded at ``Settings.reminder_days``; a watcher at its watch's own number of
days, or those defaults.

Set-based, so that a million labels cost a few hundred statements, not one per label: the
labels are walked in ranges of ids (``span``), and for each range one statement joins the
labels due with their receivers that have a live channel (the vendor, model watches,
registration watches). A label nobody can be told about is never read; a receiver whose
reminder is already in the outbox (expired, support ended, or expiring at its nearest
threshold) is left out by the database, its key probed in the outbox's unique index, so the
hourly scan reads what became due since, not the whole past. The keys found are checked
against the outbox in one ``IN`` per thousand, and only the labels with a reminder still to
write are loaded for its body.

Never twice: a range with something to write is read again under the registry's write lock
and written in that transaction, so two server processes scanning at once write each
reminder once (the second finds the first's keys), and the unique key refuses a repeat
whatever happens. A crash before the commit writes nothing of that range; the next scan
writes it. Delivery is the outbox's (at least once, one delivery id per reminder).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from string import Formatter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.labels.models import Label, LabelModel
from jcstar.registry.outbox import events
from jcstar.registry.outbox.enqueue import insert_rows, row
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Channel, Watch

#: label ids per range: each range is one read of the labels due in it with their receivers
SPAN = 20_000
#: keys or ids per ``IN (…)``: well under SQLite's and PostgreSQL's limits on bound parameters
_CHUNK = 1000
#: distinct numbers of days (the defaults and the watches' own) up to which the database
#: leaves out the receivers already reminded at their nearest threshold; beyond, the query
#: would grow with each, and those keys are checked by ``IN`` instead
_MAX_THRESHOLDS = 16


@dataclass(frozen=True)
class Window:
    """What a scan on ``on`` asks of every range."""

    on: dt.date
    #: the registry's reminder days (a vendor's, and a watch's without its own)
    defaults: tuple[int, ...]
    #: every number of days anyone is reminded at: the defaults and the watches' own
    thresholds: tuple[int, ...]
    #: the registry's registration numbers have no lower-case letters
    upper_case_numbers: bool

    @property
    def horizon(self) -> dt.date:
        """The last expiry date anyone is reminded of."""
        return self.on + dt.timedelta(days=max(self.thresholds))

    def cutoff(self, days: int) -> dt.date:
        """A label expiring on or before this is within ``days`` of expiry."""
        return self.on + dt.timedelta(days=days)


@dataclass(frozen=True)
class Due:
    """One reminder for one channel."""

    key: str
    label_id: int
    org_id: int
    channel_id: int
    kind: str
    days_left: int
    threshold: int | None


def scan(session: Session, settings: Settings, on: dt.date, span: int = SPAN) -> int:
    """Write the reminders due on ``on`` that are not in the outbox yet, a range of label ids
    at a time, committing each; how many. A range is read again under the write lock only
    when it has something to write."""
    written = 0
    window = _window(session, settings, on)
    for low, high in _ranges(session, span):
        if not _unwritten(session, _due(session, window, low, high)):
            continue
        lock_for_write(session)  # another scan may have written them meanwhile: ask again
        rows = _rows(session, _unwritten(session, _due(session, window, low, high)))
        insert_rows(session, rows)
        session.commit()
        written += len(rows)
    session.rollback()
    return written


def _missing(session: Session, settings: Settings, on: dt.date) -> list[dict[str, Any]]:
    """Every reminder due on ``on`` and not written yet, as outbox rows (read only: what
    ``scan`` would write, for a benchmark or a dry run)."""
    found: list[dict[str, Any]] = []
    window = _window(session, settings, on)
    for low, high in _ranges(session, SPAN):
        found += _rows(session, _unwritten(session, _due(session, window, low, high)))
    return found


def _window(session: Session, settings: Settings, on: dt.date) -> Window:
    own = session.scalars(select(Watch.remind_days).where(Watch.remind_days.is_not(None)))
    thresholds = sorted({*settings.reminder_days, *(d for d in own.unique() if d is not None)})
    literal_text = "".join(text for text, *_ in Formatter().parse(settings.registration_format))
    upper = literal_text.isascii() and literal_text == literal_text.upper()
    return Window(on, tuple(sorted(settings.reminder_days)), tuple(thresholds), upper)


def _ranges(session: Session, span: int) -> Iterator[tuple[int, int]]:
    """Ranges of label ids to walk; none when no organisation has a live channel (there is
    no one to remind)."""
    if session.scalar(select(Channel.id).where(Channel.removed_at.is_(None)).limit(1)) is None:
        return
    first, last = session.execute(select(func.min(Label.id), func.max(Label.id))).one()
    if first is None:
        return
    for low in range(first, last + 1, span):
        yield low, low + span - 1


def _due(session: Session, window: Window, low: int, high: int) -> list[Due]:
    """The reminders due for the labels with ids ``low``…``high`` (most of those already
    written left out by the database; the rest are found by ``_unwritten``)."""
    on = window.on
    days: dict[tuple[int, int], set[int]] = defaultdict(set)
    channels: dict[tuple[int, int], set[int]] = defaultdict(set)
    facts: dict[int, tuple[str, dt.date, dt.date | None]] = {}
    query = _receivers(session, window, low, high)
    for label_id, number, expires_on, support_end, org_id, channel_id, remind in session.execute(
        query
    ):
        facts[label_id] = (number, expires_on, support_end)
        days[label_id, org_id].update(window.defaults if remind is None else (remind,))
        channels[label_id, org_id].add(channel_id)
    due: list[Due] = []
    for (label_id, org_id), wanted in days.items():
        number, expires_on, support_end = facts[label_id]
        left = (expires_on - on).days
        for kind, about, threshold in _reminders(expires_on, support_end, wanted, on):
            for channel_id in sorted(channels[label_id, org_id]):
                key = _key(kind, number, about, threshold, channel_id)
                due.append(Due(key, label_id, org_id, channel_id, kind, left, threshold))
    return due


def _key(kind: str, number: str, about: dt.date, threshold: int | None, channel: int) -> str:
    """A reminder's identity in the outbox (``Delivery.dedupe_key``); ``_written_sql`` builds
    the same text in SQL."""
    return f"{kind}:{number}:{about.isoformat()}:{threshold}:{channel}"


def _receivers(session: Session, window: Window, low: int, high: int) -> Select[Any]:
    """(label id, registration number, expiry, support end, organisation, channel, the
    watch's days or null) for each label due in the range and each live channel of each
    organisation to remind about it: its vendor, and whoever follows one of its model
    numbers or its registration number."""
    live = Channel.removed_at.is_(None)

    def due(org: Any, remind: Any | None) -> Select[Any]:
        return (
            select(
                Label.id,
                Label.registration_no,
                Label.expires_on,
                Label.support_period_end,
                org,
                Channel.id,
                cast(null(), Integer) if remind is None else remind,
            )
            # the status as an expression, not the bare column: SQLite would otherwise walk
            # the status index (every valid label, for every range) instead of the range
            # of ids, having no statistics to tell which is smaller
            .where(Label.id.between(low, high), Label.status + literal("", String) == "valid")
            .where(_still_due(session, window, remind))
        )

    vendor = due(Channel.org_id, None).join(
        Channel, and_(Channel.org_id == Label.vendor_org_id, live)
    )
    by_model = (
        due(Channel.org_id, Watch.remind_days)
        .join(LabelModel, LabelModel.label_id == Label.id)
        .join(Watch, and_(Watch.kind == "model", Watch.key == LabelModel.model_key))
        .join(Channel, and_(Channel.org_id == Watch.org_id, live))
    )
    # a registration number is the registry's own ASCII text (``registration_format``): its
    # ``model_key`` is its lower case. Numbers in upper case (the format's letters are) are
    # the upper case of a watch's key, found through the labels' unique index on the number
    if window.upper_case_numbers:
        same_number = Label.registration_no == func.upper(Watch.key)
    else:
        same_number = func.lower(Label.registration_no) == Watch.key
    by_registration = (
        due(Channel.org_id, Watch.remind_days)
        .join(Watch, and_(Watch.kind == "registration", same_number))
        .join(Channel, and_(Channel.org_id == Watch.org_id, live))
    )
    return select(union_all(vendor, by_model, by_registration).subquery())


def _still_due(session: Session, window: Window, remind: Any) -> ColumnElement[bool]:
    """A receiver of a label (a channel, and the days its watch asks for: ``remind``, a
    column that is null for the defaults, or None for the vendor, reminded at the defaults)
    that may have a reminder to write: expiring within the horizon and not yet reminded at
    this receiver's nearest threshold or a nearer one; or expired, or past its support end,
    without that reminder in the outbox.

    Why "or a nearer one" is exact: an organisation is reminded at the nearest threshold of
    all its receivers of the label (``_reminders``). If that key is written, every receiver's
    own threshold is at least as far, so all are left out; if not, the receiver giving it is
    kept, and the nearest threshold among those kept is that one."""
    on = window.on
    expiring: ColumnElement[bool] = Label.expires_on.between(on, window.horizon)
    if len(window.thresholds) <= _MAX_THRESHOLDS:
        nearest = _nearest_threshold(window, remind)
        reminded = or_(
            *(
                and_(
                    nearest >= days, _written_sql(session, events.EXPIRING, Label.expires_on, days)
                )
                for days in window.thresholds
            )
        )
        expiring = and_(expiring, ~reminded)
    expired = and_(
        Label.expires_on < on,
        ~_written_sql(session, events.EXPIRED, Label.expires_on, None),
    )
    support_ended = and_(
        Label.support_period_end < on,
        ~_written_sql(session, events.SUPPORT_ENDED, Label.support_period_end, None),
    )
    return or_(expiring, expired, support_ended)


def _nearest_threshold(window: Window, remind: Any) -> ColumnElement[int]:
    """The receiver's own nearest threshold already crossed (null: none crossed): the
    defaults' when ``remind`` is None or null, else ``remind`` itself."""
    defaults = [(Label.expires_on <= window.cutoff(d), d) for d in window.defaults]
    if remind is None:
        return case(*defaults, else_=None)
    return case(
        *[(and_(remind.is_(None), crossed), d) for crossed, d in defaults],
        *[(and_(remind == d, Label.expires_on <= window.cutoff(d)), d) for d in window.thresholds],
        else_=None,
    )


def _written_sql(
    session: Session, kind: str, about: Any, threshold: int | None
) -> ColumnElement[bool]:
    """The outbox holds the reminder ``kind`` at ``threshold`` about the date ``about`` for
    the label and channel of the enclosing query: ``_key`` in SQL, so the lookup is one probe
    of the outbox's unique index."""
    day: ColumnElement[str]
    if session.get_bind().dialect.name == "postgresql":
        day = func.to_char(about, "YYYY-MM-DD", type_=String)
    else:  # SQLite keeps a date as its ISO text
        day = cast(about, String)
    key = (
        literal(f"{kind}:", String)
        + Label.registration_no
        + literal(":", String)
        + day
        + literal(f":{threshold}:", String)
        + cast(Channel.id, String)
    )
    return exists().where(Delivery.dedupe_key == key)


def _reminders(
    expires_on: dt.date, support_end: dt.date | None, days: set[int], on: dt.date
) -> list[tuple[str, dt.date, int | None]]:
    """(type, the date it is about, threshold) of each reminder due for one receiver."""
    due: list[tuple[str, dt.date, int | None]] = []
    left = (expires_on - on).days
    if left < 0:
        due.append((events.EXPIRED, expires_on, None))
    elif crossed := [d for d in days if left <= d]:
        due.append((events.EXPIRING, expires_on, min(crossed)))
    if support_end is not None and support_end < on:
        due.append((events.SUPPORT_ENDED, support_end, None))
    return due


def _unwritten(session: Session, due: list[Due]) -> list[Due]:
    """Those of ``due`` whose key is not in the outbox."""
    known: set[str] = set()
    for chunk in _chunks(sorted({d.key for d in due})):
        known.update(
            k
            for k in session.scalars(
                select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(chunk))
            )
            if k
        )
    return [d for d in due if d.key not in known]


def _rows(session: Session, due: list[Due]) -> list[dict[str, Any]]:
    """Outbox rows for ``due``: each label loaded once, for the body its receivers get."""
    if not due:
        return []
    labels: dict[int, Label] = {}
    for chunk in _chunks(sorted({d.label_id for d in due})):
        query = (
            select(Label)
            .where(Label.id.in_(chunk))
            .options(selectinload(Label.models), selectinload(Label.events))
        )
        labels.update((label.id, label) for label in session.scalars(query))
    channels: dict[int, Channel] = {}
    for chunk in _chunks(sorted({d.channel_id for d in due})):
        channels.update(
            (c.id, c) for c in session.scalars(select(Channel).where(Channel.id.in_(chunk)))
        )
    at = utcnow()
    data = {label_id: events.label_data(label) for label_id, label in labels.items()}
    rows = []
    for d in due:
        payload = data[d.label_id] | {"days_left": d.days_left}
        if d.threshold is not None:
            payload["threshold_days"] = d.threshold
        body = events.body(d.kind, at, payload)
        rows.append(row(d.org_id, channels[d.channel_id], d.label_id, d.kind, body, at, d.key))
    return rows


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
