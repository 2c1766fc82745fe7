"""The SQLite planner's statistics for the labels table (``ANALYZE labels``), kept current.

SQLite keeps no statistics unless ``ANALYZE`` writes them, and without them its planner priced
"labels of level 1 that are valid" through the status index and sorted every valid label (a
second at 200,000 labels) where the (level, status) index yields the page in id order. With
them it sees that a level or a status alone picks many labels. The statistics (``sqlite_stat1``,
averages per index: Debian's SQLite has no ``STAT4`` histograms) cannot tell a rare status from a
common one, so the search gives each status's share of the labels, measured here
(``status_shares``), as a ``likelihood()`` hint (``search/service.py``).

Only ``labels`` is analysed: its plans are the ones measured (bench/bench_portal.py); other
tables keep the planner's defaults their queries were written for. A registry under
``MIN_LABELS`` labels is left alone (every plan is fast there, and statistics of a few rows
would mislead it as it grows). PostgreSQL's autovacuum analyses tables itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from jcstar.registry.labels.models import Label

logger = logging.getLogger("jcstar.registry.search")

#: fewer labels than this are not analysed (our judgement: at 10,000 labels the slowest
#: filtered search took under 10 ms without statistics)
MIN_LABELS = 10_000
#: statistics are refreshed once the labels grew by this factor since they were taken (our
#: judgement; ANALYZE labels takes ~0.6 s at 200,000 labels)
GROWTH = 1.25
#: how often a running server checks whether the statistics are stale, and how long a
#: process keeps the status shares it measured
INTERVAL_S = 3600.0
#: the share given a status no label has: the planner reads such a filter through its index
UNSEEN_SHARE = 1e-6
#: the stored statuses other than ``valid``, counted one by one (each an index range)
_EXCEPTIONS = ("suspended", "revoked", "superseded")
#: status shares per database, with when they were measured (``time.monotonic``)
_shares: dict[str, tuple[float, dict[str, float]]] = {}


def status_shares(session: Session, on: dt.date) -> dict[str, float]:
    """Each stored status's share of the labels, and ``expired`` (stored valid, expired by
    ``on``), measured at most every ``INTERVAL_S`` per process: counted through the status
    index (as many rows as they hold), ``valid`` the rest."""
    key = session.get_bind().engine.url.render_as_string()
    measured = _shares.get(key)
    if measured is not None and time.monotonic() - measured[0] < INTERVAL_S:
        return measured[1]
    labels = session.scalar(select(func.max(Label.id))) or 0
    counts = {
        status: session.scalar(select(func.count()).where(Label.status == status)) or 0
        for status in _EXCEPTIONS
    }
    past = (Label.status == "valid") & (Label.expires_on < on)
    expired = session.scalar(select(func.count()).where(past)) or 0
    total = max(labels, sum(counts.values()) + expired, 1)
    shares = {status: count / total for status, count in counts.items()}
    shares["valid"] = 1 - sum(counts.values()) / total
    shares["expired"] = expired / total
    _shares[key] = (time.monotonic(), shares)
    return shares


def _analysed_rows(connection: Connection) -> int | None:
    """How many labels the stored statistics counted, or None when there are none."""
    exists = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
    ).first()
    if exists is None:
        return None
    stat = connection.execute(
        text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'labels' AND stat IS NOT NULL LIMIT 1")
    ).scalar()
    return int(str(stat).split()[0]) if stat else None


def stale(connection: Connection, min_labels: int | None = None) -> bool:
    """Whether ``labels`` should be analysed: ``min_labels`` (default ``MIN_LABELS``) or more,
    and never analysed or grown by ``GROWTH`` since (labels are never deleted, so the highest
    id counts them cheaply)."""
    labels = connection.execute(select(func.max(Label.id))).scalar() or 0
    if labels < (MIN_LABELS if min_labels is None else min_labels):
        return False
    counted = _analysed_rows(connection)
    return counted is None or labels > counted * GROWTH


def refresh(engine: Engine, min_labels: int | None = None) -> bool:
    """Analyse ``labels`` on SQLite if its statistics are stale; whether it did."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        if not stale(connection, min_labels):
            return False
        connection.execute(text("ANALYZE labels"))
        connection.commit()
    logger.info("analysed the labels table for the search planner")
    return True


@contextlib.asynccontextmanager
async def kept_current(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, check the statistics every ``INTERVAL_S`` (the search router's
    lifespan; a refresh runs in a thread, off the event loop). At start ``migrate.upgrade``
    has refreshed them."""
    engine: Engine = app.state.engine

    async def every_interval() -> None:
        while True:
            await asyncio.sleep(INTERVAL_S)
            try:
                await asyncio.to_thread(refresh, engine)
            except Exception:  # a locked or vanished database: try at the next interval
                logger.exception("refreshing the search statistics failed")

    task = asyncio.create_task(every_interval(), name="jcstar-search-statistics")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
