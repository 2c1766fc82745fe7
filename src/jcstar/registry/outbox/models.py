"""The outbox: one row per notification × channel, from enqueued to delivered (or failed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jcstar.registry.db import Base, UTCDateTime

STATES = ("pending", "delivered", "failed")


class Delivery(Base):
    """A notification for one channel. ``delivery_id`` goes out with every attempt
    (``Webhook-Id``, the e-mail's ``X-JCSTAR-Delivery-Id``) so a receiver drops a repeat."""

    __tablename__ = "outbox"
    __table_args__ = (
        # the worker's question: which pending rows are due
        Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_outbox_org_id_state", "org_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: a UUID, the same on every attempt
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("notification_channels.id"), index=True)
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"))
    #: ``label.revoked``, ``label.expiring``…
    event: Mapped[str] = mapped_column(String(40))
    #: the JSON body sent (Standard Webhooks envelope: type, timestamp, data)
    payload: Mapped[str] = mapped_column(Text)
    #: ``pending``, ``delivered`` or ``failed``
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: when a pending row is due; a claimed row's lease ends here (a crashed worker's rows
    #: come due again then)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: a reminder's identity (event, label, expiry, threshold, channel): a second scan adds
    #: nothing; null for notifications of a change, which happen once by nature
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
