"""A label's public record and its standing on a given day, worked out from the status history.

One pure function, ``standing_on``, answers "what was this label's status on day D?" for the
registry's bulk status endpoint, for a signed snapshot read offline and for the buyer's-side
checks (``procurement``), so the three can never disagree. A UK importer needs the answer for
the date of supply, not for today.

Days are UTC days, as everywhere in the registry (``registry.labels.service.today``). An event
counts on the day it happened: a label revoked at 15:00 on 1 March stands revoked on 1 March
(the cautious reading for a buyer asking "was it valid that day?").
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: what ``standing_on`` can answer: the stored statuses, ``expired`` (a valid label past its
#: expiry) and ``not_issued`` (the day is before the label's first event)
Status = Literal["valid", "expired", "suspended", "revoked", "superseded", "not_issued"]
#: the statuses the registry stores (``registry.labels.models.STORED_STATUSES``)
StoredStatus = Literal["valid", "suspended", "revoked", "superseded"]


def model_key(model_number: str) -> str:
    """A model number in the registry's normal form: NFKC (full and half width meet), case
    folded, runs of whitespace as one space. ``ＦＤ－６１０１`` and ``fd-6101`` are one key.
    The registry stores these keys (``label_models.model_key``, migration 0013): changing the
    form needs a migration that rewrites them."""
    folded = unicodedata.normalize("NFKC", model_number).casefold()
    return " ".join("".join(c for c in folded if c.isprintable() or c.isspace()).split())


class HistoryEvent(BaseModel):
    """One entry of a label's status history, as the public record carries it."""

    model_config = ConfigDict(frozen=True)

    event: str
    #: the stored status the event left (a record with any other is refused when read)
    status: StoredStatus
    at: dt.datetime
    #: the expiry in force after the event (a renewal or reinstatement may move it)
    expires_on: dt.date
    reason: str | None = None


class NoticeRef(BaseModel):
    """A security notice's headline: enough for a buyer to know there is one and where."""

    model_config = ConfigDict(frozen=True)

    title: str
    at: dt.datetime
    url: str | None = None


class LabelRecord(BaseModel):
    """A label's public record: what the registry publishes about it, with its whole status
    history, so that its standing on any day can be worked out without asking again. The
    records of a signed snapshot and of the bulk status endpoint have this shape."""

    model_config = ConfigDict(frozen=True)

    registration_no: str
    level: int
    vendor: str
    product: str
    model_numbers: tuple[str, ...]
    issued_on: dt.date
    #: the expiry in force now (the last event's)
    expires_on: dt.date
    support_period_end: dt.date | None = None
    criteria_version: str | None = None
    superseded_by: str | None = None
    history: tuple[HistoryEvent, ...]
    notices: tuple[NoticeRef, ...] = ()
    #: the firmware versions the label names, where it names any; the registry's labels name
    #: model numbers only (its application asks for no version), so its records leave it empty
    firmware_versions: tuple[str, ...] = ()
    #: set when the registry's tables disagree with its transparency log about this label:
    #: the disagreement named, and the record (history, expiry) is the log's, not the tables'
    log_disagreement: str | None = None


class Standing(BaseModel):
    """A label as it stood on day ``on``."""

    model_config = ConfigDict(frozen=True)

    registration_no: str
    on: dt.date
    status: Status
    level: int
    vendor: str
    product: str
    model_numbers: tuple[str, ...]
    issued_on: dt.date
    #: the expiry in force on the day (null when the label was not yet issued)
    expires_on: dt.date | None
    support_period_end: dt.date | None
    #: the support period was over on the day; the label's status does not change with it
    support_ended: bool
    criteria_version: str | None
    superseded_by: str | None
    #: the notices published up to and including the day
    notices: tuple[NoticeRef, ...]
    #: the reason of the last event on or before the day (why it was suspended or revoked)
    reason: str | None


def standing_on(record: LabelRecord, on: dt.date) -> Standing:
    """The label's standing at the end of day ``on`` (UTC), from its history alone."""
    last: HistoryEvent | None = None
    # the latest event on or before the day; of events in the same second (the registry
    # records whole seconds: a label issued and superseded at once) the later in the history
    for event in record.history:
        if event.at.date() <= on and (last is None or event.at >= last.at):
            last = event
    status: Status
    if last is None:
        status = "not_issued"
    elif last.status == "valid" and last.expires_on < on:
        status = "expired"
    else:
        status = last.status
    return Standing(
        registration_no=record.registration_no,
        on=on,
        status=status,
        level=record.level,
        vendor=record.vendor,
        product=record.product,
        model_numbers=record.model_numbers,
        issued_on=record.issued_on,
        expires_on=last.expires_on if last else None,
        support_period_end=record.support_period_end,
        support_ended=record.support_period_end is not None and record.support_period_end < on,
        criteria_version=record.criteria_version,
        superseded_by=record.superseded_by if status == "superseded" else None,
        notices=tuple(n for n in record.notices if n.at.date() <= on),
        reason=last.reason if last else None,
    )


def status_since(record: LabelRecord, on: dt.date) -> dt.date | None:
    """The day the label's standing on day ``on`` took effect: its last event on or before
    that day (when it was revoked or suspended; None before it was issued)."""
    return max((e.at.date() for e in record.history if e.at.date() <= on), default=None)
