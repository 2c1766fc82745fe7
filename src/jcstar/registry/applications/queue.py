"""The operator's review queue: applications filtered by state, level and vendor, each with
how long it has waited, oldest first, a page at a time.

Waiting is counted from the application's latest submission (the day the operator received
it, as fees count it in ``service._received_on``); a draft never submitted counts from its
creation. The queue is the operator's: other organisations list their own applications
(``service.listing``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.models import Org
from jcstar.registry.accounts.service import Principal
from jcstar.registry.applications.models import Application, ApplicationEvent
from jcstar.registry.db import utcnow
from jcstar.registry.errors import Forbidden

#: what the queue shows unless asked for a state: the applications waiting for the operator
WAITING = ("submitted", "accepted", "under_review")


@dataclass(frozen=True)
class QueueFilter:
    #: one state; None: the waiting ones (``WAITING``)
    state: str | None = None
    level: int | None = None
    #: part of the maker's name (case-insensitive)
    vendor: str | None = None


@dataclass(frozen=True)
class QueueItem:
    application: Application
    received_at: dt.datetime
    #: whole days since ``received_at``
    age_days: int


def _received() -> Select[int, dt.datetime]:
    """Each application's latest submission."""
    return (
        select(ApplicationEvent.application_id, func.max(ApplicationEvent.at).label("at"))
        .where(ApplicationEvent.state == "submitted")
        .group_by(ApplicationEvent.application_id)
    )


def review_queue(
    session: Session, caller: Principal, wanted: QueueFilter, limit: int, offset: int
) -> tuple[list[QueueItem], int]:
    """One page of the queue, oldest first, and how many applications match in all."""
    if caller.kind != "operator":
        raise Forbidden("only operator organisations may do this")
    received = _received().subquery()
    since = func.coalesce(received.c.at, Application.created_at)
    query = (
        select(Application, since.label("since"))
        .outerjoin(received, received.c.application_id == Application.id)
        .join(Org, Org.id == Application.vendor_org_id)
    )
    query = query.where(
        Application.state == wanted.state if wanted.state else Application.state.in_(WAITING)
    )
    if wanted.level is not None:
        query = query.where(Application.level == wanted.level)
    if wanted.vendor:
        words = f"%{wanted.vendor.lower()}%"
        query = query.where(func.lower(Org.name).like(words))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(since, Application.id).limit(limit).offset(offset)).all()
    now = utcnow()
    items = []
    for app, at in rows:
        at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
        items.append(QueueItem(app, at, max(0, (now - at).days)))
    return items, total
