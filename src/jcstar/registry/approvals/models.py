"""A decision one approver asked for that waits for a second, distinct one (four-eyes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jcstar.registry.db import Base, UTCDateTime


class PendingDecision(Base):
    """One pending decision per action and subject: a second request for the same action on
    the same subject confirms it; another action on that subject waits apart."""

    __tablename__ = "pending_decisions"
    __table_args__ = (
        Index("ix_pending_decisions_action_subject", "action", "subject", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``approve`` (an application), ``suspend`` or ``revoke`` (a label)
    action: Mapped[str] = mapped_column(String(20))
    #: the application's id or the label's registration number
    subject: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    #: who asked (``user:12``, ``token:3``): the one who may not confirm it
    actor: Mapped[str] = mapped_column(String(40))
    #: who asked, as the operator's own staff see it (an e-mail address or a token's name)
    person: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
