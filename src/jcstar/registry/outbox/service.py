"""An organisation's deliveries: what was sent where, what failed, and sending one again."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import utcnow
from jcstar.registry.errors import Conflict, NotFound
from jcstar.registry.labels.models import Label
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.watch.models import Channel
from jcstar.registry.watch.schemas import DeliveryPublic


def _public(delivery: Delivery, channel: Channel, registration_no: str | None) -> DeliveryPublic:
    return DeliveryPublic(
        delivery_id=delivery.delivery_id,
        event=delivery.event,
        registration_no=registration_no,
        channel_id=channel.id,
        channel=channel.target,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if delivery.state == "pending" else None,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
    )


def _query(caller: Principal) -> Select[Delivery, Channel, str]:
    return (
        select(Delivery, Channel, Label.registration_no)
        .join(Channel, Channel.id == Delivery.channel_id)
        .outerjoin(Label, Label.id == Delivery.label_id)
        .where(Delivery.org_id == caller.org_id)
    )


def list_deliveries(
    session: Session, caller: Principal, state: str | None, offset: int, limit: int
) -> tuple[list[DeliveryPublic], int]:
    mine = Delivery.org_id == caller.org_id
    count = select(func.count()).select_from(Delivery).where(mine)
    query = _query(caller)
    if state is not None:
        count = count.where(Delivery.state == state)
        query = query.where(Delivery.state == state)
    rows = session.execute(query.order_by(Delivery.id.desc()).offset(offset).limit(limit))
    return [_public(d, c, no) for d, c, no in rows], session.scalar(count) or 0


def retry(session: Session, caller: Principal, delivery_id: str) -> DeliveryPublic:
    """A failed delivery, due again now with a fresh count of attempts."""
    row = session.execute(_query(caller).where(Delivery.delivery_id == delivery_id)).first()
    if row is None:
        raise NotFound(f"no delivery {delivery_id}")
    delivery, channel, registration_no = row
    if delivery.state != "failed":
        raise Conflict(f"delivery {delivery_id} is {delivery.state}; only a failed one is retried")
    if channel.removed_at is not None:
        raise Conflict(f"delivery {delivery_id}: its channel {channel.id} was removed")
    delivery.state = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.flush()
    return _public(delivery, channel, registration_no)
