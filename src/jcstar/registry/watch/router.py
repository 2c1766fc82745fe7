"""Watch lists, notification channels and deliveries: a procurer's or a vendor's own, never
another organisation's (theirs answer 404, as missing ones do). Private data: none of it is
written to the public log."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.deps import Config, Db, may, role
from jcstar.registry.openapi import CONFLICT
from jcstar.registry.outbox import service as outbox
from jcstar.registry.watch import service
from jcstar.registry.watch.models import Channel, Watch
from jcstar.registry.watch.schemas import (
    ChannelCreate,
    ChannelCreated,
    ChannelList,
    ChannelPublic,
    DeliveryList,
    DeliveryPublic,
    WatchCreate,
    WatchesAdded,
    WatchList,
    WatchPublic,
)

router = APIRouter(prefix="/api/v1", tags=["watch lists"])

#: reading needs no role (roles gate changes only), but only organisations that follow labels
Follower = Annotated[Principal, Depends(role("procurer", "vendor"))]
#: who changes the watch list and its channels (accounts/roles.py says why these roles)
WatchManager = Annotated[
    Principal,
    Depends(may(procurer=("watcher", "administrator"), vendor=("applicant", "administrator"))),
]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


def _watch(watch: Watch) -> WatchPublic:
    return WatchPublic(
        id=watch.id,
        kind=watch.kind,
        number=watch.number,
        key=watch.key,
        remind_days=watch.remind_days,
        created_at=watch.created_at,
        created_by=watch.created_by,
    )


def _channel(channel: Channel) -> ChannelPublic:
    return ChannelPublic(
        id=channel.id,
        kind=channel.kind,
        target=channel.target,
        created_at=channel.created_at,
        created_by=channel.created_by,
    )


@router.post("/watches", status_code=201, responses=CONFLICT)
def add_watches(body: WatchCreate, db: Db, caller: WatchManager) -> WatchesAdded:
    """Follow up to 10,000 model (or registration) numbers at once; numbers already followed
    (in the registry's normal form) are counted, not added twice."""
    lock_for_write(db)
    added = service.add_watches(db, caller, body)
    db.commit()
    return added


@router.get("/watches")
def list_watches(
    db: Db,
    caller: Follower,
    number: Annotated[str | None, Query(max_length=100)] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> WatchList:
    """The organisation's watches; ``number``: only the one matching it (normal form)."""
    items, total = service.list_watches(db, caller, number, offset, limit)
    return WatchList(items=[_watch(w) for w in items], total=total)


@router.delete("/watches/{watch_id}", status_code=204)
def remove_watch(watch_id: int, db: Db, caller: WatchManager) -> None:
    lock_for_write(db)
    service.remove_watch(db, caller, watch_id)
    db.commit()


@router.post("/notification-channels", status_code=201, responses=CONFLICT)
def add_channel(
    body: ChannelCreate, db: Db, settings: Config, caller: WatchManager
) -> ChannelCreated:
    """A webhook (its signing secret is in this answer only) or an e-mail address. A webhook
    on a loopback, private or link-local address is refused (422) unless the registry allows
    them (``JCSTAR_WEBHOOK_ALLOW_PRIVATE=1``)."""
    channel = service.add_channel(db, caller, body, allow_private=settings.webhook_allow_private)
    db.commit()
    return ChannelCreated(**_channel(channel).model_dump(), secret=channel.secret)


@router.get("/notification-channels")
def list_channels(db: Db, caller: Follower) -> ChannelList:
    return ChannelList(items=[_channel(c) for c in service.live_channels(db, caller)])


@router.delete("/notification-channels/{channel_id}", status_code=204)
def remove_channel(channel_id: int, db: Db, caller: WatchManager) -> None:
    lock_for_write(db)
    service.remove_channel(db, caller, channel_id, utcnow())
    db.commit()


@router.get("/deliveries")
def list_deliveries(
    db: Db,
    caller: Follower,
    state: Literal["pending", "delivered", "failed"] | None = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryList:
    """The organisation's notifications, newest first: where each went and how it went."""
    items, total = outbox.list_deliveries(db, caller, state, offset, limit)
    return DeliveryList(items=items, total=total)


@router.post("/deliveries/{delivery_id}/retry", responses=CONFLICT)
def retry_delivery(delivery_id: str, db: Db, caller: WatchManager) -> DeliveryPublic:
    """Send a failed delivery again (same delivery id), starting a fresh count of attempts."""
    lock_for_write(db)
    retried = outbox.retry(db, caller, delivery_id)
    db.commit()
    return retried
