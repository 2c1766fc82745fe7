"""Follow numbers and choose channels, for the caller's own organisation only (another
organisation's watches and channels are as unknown as missing ones). Callers hold the write
lock for changes and commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from jcstar.labels.standing import model_key
from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.errors import Conflict, NotFound, Unprocessable
from jcstar.registry.outbox.destinations import refusal
from jcstar.registry.outbox.signing import new_secret
from jcstar.registry.watch.models import Channel, Watch
from jcstar.registry.watch.schemas import ChannelCreate, WatchCreate, WatchesAdded

#: our judgement: a large procurer's catalogue, with room; beyond it a list is a mistake
MAX_WATCHES_PER_ORG = 100_000
#: our judgement: a few webhooks and mailboxes per organisation
MAX_CHANNELS_PER_ORG = 20
_CHUNK = 1000


def add_watches(session: Session, caller: Principal, body: WatchCreate) -> WatchesAdded:
    wanted: dict[str, str] = {}
    for number in body.numbers:
        key = model_key(number)
        if not key:
            raise Unprocessable(
                f"number {number!r} is empty once normalised",
                code="watch_number_empty",
                params={"number": repr(number)},
            )
        if len(key) > 100:
            raise Unprocessable(
                f"number {number[:40]!r}… is longer than 100 characters",
                code="watch_number_long",
                params={"number": repr(number[:40])},
            )
        wanted.setdefault(key, number.strip())
    mine = (Watch.org_id == caller.org_id) & (Watch.kind == body.kind)
    keys = sorted(wanted)
    known: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        known.update(session.scalars(select(Watch.key).where(mine, Watch.key.in_(chunk))))
    new = [k for k in keys if k not in known]
    total = _count(session, caller.org_id)
    if total + len(new) > MAX_WATCHES_PER_ORG:
        raise Conflict(
            f"an organisation may follow at most {MAX_WATCHES_PER_ORG} numbers"
            f" ({total} now, {len(new)} more asked)",
            code="too_many_watches",
            params={"limit": MAX_WATCHES_PER_ORG, "total": total, "more": len(new)},
        )
    at = utcnow()
    if new:
        session.execute(
            insert(Watch),
            [
                {
                    "org_id": caller.org_id,
                    "kind": body.kind,
                    "number": wanted[k],
                    "key": k,
                    "remind_days": body.remind_days,
                    "created_at": at,
                    "created_by": caller.actor,
                }
                for k in new
            ],
        )
    return WatchesAdded(added=len(new), already_watched=len(known), total=total + len(new))


def _count(session: Session, org_id: int) -> int:
    return session.scalar(select(func.count()).where(Watch.org_id == org_id)) or 0


def list_watches(
    session: Session, caller: Principal, number: str | None, offset: int, limit: int
) -> tuple[list[Watch], int]:
    query = select(Watch).where(Watch.org_id == caller.org_id)
    if number is not None:
        query = query.where(Watch.key == model_key(number))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Watch.id).offset(offset).limit(limit))
    return list(items), total


def remove_watch(session: Session, caller: Principal, watch_id: int) -> None:
    watch = session.get(Watch, watch_id)
    if watch is None or watch.org_id != caller.org_id:
        raise NotFound(f"no watch {watch_id}", code="no_watch", params={"id": watch_id})
    session.delete(watch)


def add_channel(
    session: Session, caller: Principal, body: ChannelCreate, *, allow_private: bool
) -> Channel:
    """Add a channel in the caller's transaction, taking the write lock itself: a webhook's
    host is resolved first (``outbox.destinations``; ``allow_private`` is the registry's
    ``webhook_allow_private``), so a slow name server never holds the lock."""
    if body.webhook_url is not None and (why := refusal(body.webhook_url, allow_private)):
        raise Unprocessable(why, code="webhook_refused", params={"detail": why})
    lock_for_write(session)
    if len(live_channels(session, caller)) >= MAX_CHANNELS_PER_ORG:
        raise Conflict(
            f"an organisation may have at most {MAX_CHANNELS_PER_ORG} channels",
            code="too_many_channels",
            params={"limit": MAX_CHANNELS_PER_ORG},
        )
    webhook = body.webhook_url is not None
    channel = Channel(
        org_id=caller.org_id,
        kind="webhook" if webhook else "email",
        target=body.webhook_url if webhook else body.email,
        secret=new_secret() if webhook else None,
        created_at=utcnow(),
        created_by=caller.actor,
    )
    session.add(channel)
    session.flush()
    return channel


def live_channels(session: Session, caller: Principal) -> list[Channel]:
    query = select(Channel).where(Channel.org_id == caller.org_id, Channel.removed_at.is_(None))
    return list(session.scalars(query.order_by(Channel.id)))


def remove_channel(session: Session, caller: Principal, channel_id: int, at: dt.datetime) -> None:
    """Nothing more is sent there; its pending deliveries fail as "the channel was removed"
    when the worker reaches them."""
    channel = session.get(Channel, channel_id)
    if channel is None or channel.org_id != caller.org_id or channel.removed_at is not None:
        raise NotFound(
            f"no notification channel {channel_id}", code="no_channel", params={"id": channel_id}
        )
    channel.removed_at = at
