"""What an organisation follows (``Watch``) and where it is told (``Channel``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jcstar.registry.db import Base, UTCDateTime

WATCH_KINDS = ("model", "registration")
CHANNEL_KINDS = ("webhook", "email")


class Watch(Base):
    """One followed number. ``key`` is the registry's normal form of it
    (``labels.standing.model_key``), so ``ＦＤ－６１０１`` follows ``fd-6101``."""

    __tablename__ = "watches"
    __table_args__ = (
        Index("ix_watches_org_id_kind_key", "org_id", "kind", "key", unique=True),
        Index("ix_watches_kind_key", "kind", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    #: ``model`` or ``registration``
    kind: Mapped[str] = mapped_column(String(20))
    #: the number as the organisation gave it
    number: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    #: remind this many days before a followed label expires; null: the registry's defaults
    #: (``Settings.reminder_days``)
    remind_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: who added it (``Principal.actor``: ``user:3``, ``token:7``)
    created_by: Mapped[str] = mapped_column(String(40))


class Channel(Base):
    """Where an organisation's notifications go: a webhook (signed with ``secret``, shown once
    when the channel is made) or an e-mail address. Removed channels are kept (``removed_at``)
    so past deliveries still name them."""

    __tablename__ = "notification_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    #: ``webhook`` or ``email``
    kind: Mapped[str] = mapped_column(String(20))
    #: the webhook URL or the e-mail address
    target: Mapped[str] = mapped_column(String(500))
    #: the Standard Webhooks signing secret (``whsec_…``); kept as is because every delivery
    #: is signed with it (an HMAC needs the key itself, not a hash of it); null for e-mail
    secret: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(40))
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
