"""The delivery worker: claims due outbox rows, sends them, records what the receivers said.

At least once, never lost:

1. *claim*: in one short transaction, due ``pending`` rows are taken (PostgreSQL: ``FOR
   UPDATE SKIP LOCKED``, so several server processes share the work; SQLite: under the
   registry's write lock) and their lease set: ``next_attempt_at`` moves ``outbox_lease_s``
   ahead and ``attempts`` counts one more. A worker that dies (``kill -9``) leaves its rows
   pending; they come due again when the lease ends, and the next worker sends them.
2. *send*: webhooks concurrently (``outbox_concurrency`` in flight), e-mail through the SMTP
   server a few at a time.
3. *record*: a row is ``delivered`` only after the receiver acknowledged (HTTP 2xx, SMTP
   accepted), recorded in small groups as answers arrive; otherwise it is retried after an
   exponential back-off with jitter, and after ``outbox_max_attempts`` it is ``failed``
   (``GET /api/v1/deliveries?state=failed``; ``POST …/retry`` sends it again).

A crash between a receiver's acknowledgement and step 3's commit sends that row again after
the lease: with the same ``Webhook-Id`` (e-mail: ``X-JCSTAR-Delivery-Id``), so the receiver
drops the repeat. No row the registry recorded as delivered is ever sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.outbox import reminders, send
from jcstar.registry.outbox.destinations import refusal_async
from jcstar.registry.outbox.models import Delivery
from jcstar.registry.outbox.send import Claimed
from jcstar.registry.settings import Settings
from jcstar.registry.watch.models import Channel

logger = logging.getLogger("jcstar.registry.outbox")

#: outcomes recorded together (fewer commits; a crash re-sends at most this many acknowledged)
RECORD_GROUP = 50
#: e-mails sent at once (each holds an SMTP connection)
EMAIL_CONCURRENCY = 4
#: connections per HTTP client: httpcore's pool scans every connection for every request
#: (measured: 2,000 webhooks took 4.5 s through one pool of 10 connections, 15.5 s through
#: one of 100), so wider concurrency is spread over several small pools
CONNECTIONS_PER_CLIENT = 8


def now() -> dt.datetime:
    """To the microsecond: when a row was delivered is compared with when a server died."""
    return dt.datetime.now(tz=dt.UTC)


def _write(session: Session) -> None:
    """SQLite writes one at a time under the registry's write lock; PostgreSQL's row locks
    (``SKIP LOCKED``) keep workers apart without holding up label changes."""
    if session.get_bind().dialect.name == "sqlite":
        lock_for_write(session)


def claim(sessions: sessionmaker[Session], settings: Settings) -> list[Claimed]:
    """Take up to ``outbox_batch`` due rows, leased to this worker."""
    with sessions() as session:
        at = now()
        due = (Delivery.state == "pending") & (Delivery.next_attempt_at <= at)
        if session.scalar(select(Delivery.id).where(due).limit(1)) is None:
            return []
        _write(session)
        rows = session.execute(
            select(
                Delivery.id,
                Delivery.delivery_id,
                Delivery.event,
                Delivery.payload,
                Delivery.attempts,
                Channel.kind,
                Channel.target,
                Channel.secret,
                Channel.removed_at,
            )
            .join(Channel, Channel.id == Delivery.channel_id)
            .where(due)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(settings.outbox_batch)
            .with_for_update(skip_locked=True, of=Delivery)
        ).all()
        if rows:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_([r.id for r in rows]))
                .values(
                    next_attempt_at=at + dt.timedelta(seconds=settings.outbox_lease_s),
                    attempts=Delivery.attempts + 1,
                )
            )
        session.commit()
    return [
        Claimed(
            id=r.id,
            delivery_id=r.delivery_id,
            event=r.event,
            payload=r.payload,
            attempts=r.attempts + 1,
            channel_kind=r.kind,
            target=r.target,
            secret=r.secret,
            channel_removed=r.removed_at is not None,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Outcome:
    item: Claimed
    #: None: acknowledged
    error: str | None
    #: no point in trying again (the channel is gone)
    final: bool = False


def backoff_s(settings: Settings, attempts: int, rng: random.Random) -> float:
    """Seconds before the next try after ``attempts`` tries: doubling, capped, ±20% jitter
    (so receivers that failed together are not all retried in the same second)."""
    delay = min(settings.outbox_backoff_max_s, settings.outbox_backoff_s * 2.0 ** (attempts - 1))
    return delay * rng.uniform(0.8, 1.2)


def record(
    sessions: sessionmaker[Session],
    settings: Settings,
    outcomes: Sequence[Outcome],
    rng: random.Random,
) -> None:
    if not outcomes:
        return
    at = now()
    changes: list[dict[str, Any]] = []
    for outcome in outcomes:
        item = outcome.item
        if outcome.error is None:
            change = {"state": "delivered", "delivered_at": at, "last_error": None}
        elif outcome.final or item.attempts >= settings.outbox_max_attempts:
            change = {"state": "failed", "last_error": outcome.error}
        else:
            wait = dt.timedelta(seconds=backoff_s(settings, item.attempts, rng))
            change = {"state": "pending", "next_attempt_at": at + wait, "last_error": outcome.error}
        changes.append({"id": item.id, **change})
    with sessions() as session:
        _write(session)
        for state in ("delivered", "failed", "pending"):  # one statement per shape of change
            same = [c for c in changes if c["state"] == state]
            if same:
                session.execute(update(Delivery), same)
        session.commit()


class Worker:
    """The outbox worker and the reminder scan, as two tasks on the server's event loop."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._rng = random.Random()

    def start(self) -> Worker:
        self._tasks = [
            asyncio.create_task(self._deliver_loop(), name="jcstar-outbox"),
            asyncio.create_task(self._remind_loop(), name="jcstar-reminders"),
        ]
        return self

    async def stop(self, grace_s: float = 15.0) -> None:
        """Let the batch in hand finish (its rows recorded), then end; a batch still running
        after ``grace_s`` is cancelled (its rows come back when their lease ends)."""
        self._stopping.set()
        _done, running = await asyncio.wait(self._tasks, timeout=grace_s)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _deliver_loop(self) -> None:
        lanes = -(-self.settings.outbox_concurrency // CONNECTIONS_PER_CLIENT)
        limits = httpx.Limits(max_connections=CONNECTIONS_PER_CLIENT)
        async with contextlib.AsyncExitStack() as stack:
            # trust_env off: a proxy named in the environment must not see receivers' traffic
            clients = [
                await stack.enter_async_context(httpx.AsyncClient(limits=limits, trust_env=False))
                for _ in range(lanes)
            ]
            while not self._stopping.is_set():
                try:
                    sent = await self.deliver_batch(clients)
                except Exception:  # the database went away…: log, wait, go on
                    logger.exception("outbox delivery failed; trying again")
                    sent = 0
                if not sent:
                    await self._pause(self.settings.outbox_poll_s)

    async def _remind_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await asyncio.to_thread(self.remind)
            except Exception:
                logger.exception("reminder scan failed; trying again at the next interval")
            await self._pause(self.settings.reminder_interval_s)

    def remind(self) -> int:
        with self.sessions() as session:
            return reminders.scan(session, self.settings, utcnow().date())

    async def deliver_batch(self, clients: Sequence[httpx.AsyncClient]) -> int:
        """Claim one batch, send it, record every answer; how many rows it held."""
        items = await asyncio.to_thread(claim, self.sessions, self.settings)
        if not items:
            return 0
        sending = asyncio.Semaphore(self.settings.outbox_concurrency)
        mailing = asyncio.Semaphore(EMAIL_CONCURRENCY)
        # checked again before sending (a name may have been re-pointed inward since the
        # channel was added); once per URL per batch: 10,000 deliveries share a few receivers
        inward: dict[str, asyncio.Task[str | None]] = {}
        allow = self.settings.webhook_allow_private

        async def one(n: int, item: Claimed) -> Outcome:
            if item.channel_removed:
                return Outcome(item, "the channel was removed", final=True)
            if item.channel_kind == "email":
                async with mailing:
                    return Outcome(item, await asyncio.to_thread(send.email, self.settings, item))
            if item.target not in inward:
                inward[item.target] = asyncio.ensure_future(refusal_async(item.target, allow))
            if why := await inward[item.target]:
                return Outcome(item, why)
            async with sending:
                timeout = self.settings.webhook_timeout_s
                http = clients[n % len(clients)]
                return Outcome(item, await send.webhook(http, item, timeout))

        answered: list[Outcome] = []
        for next_answer in asyncio.as_completed([one(n, item) for n, item in enumerate(items)]):
            answered.append(await next_answer)
            if len(answered) >= RECORD_GROUP:
                group, answered = answered, []
                await asyncio.to_thread(record, self.sessions, self.settings, group, self._rng)
        await asyncio.to_thread(record, self.sessions, self.settings, answered, self._rng)
        return len(items)
