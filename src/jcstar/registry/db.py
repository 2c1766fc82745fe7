"""Database plumbing: the declarative base, engines with durable SQLite settings, sessions.

Durability (a crash loses no acknowledged change): every handler commits before it answers,
and SQLite runs in WAL mode with ``synchronous=FULL``, so a commit has reached the disk (the
WAL is fsynced) before the client hears of it. ``NORMAL`` would be faster but may lose the last
commits on power loss, which an issuing authority cannot afford. PostgreSQL's defaults
(``fsync``, ``synchronous_commit=on``) already give the same promise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from jcstar.registry.search_keys import gram_text

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A UTC instant: stored without zone (SQLite keeps none), always read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if not is_sqlite(url):
        engine = create_engine(url, pool_pre_ping=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _postgresql_settings(dbapi_connection: Any, _record: Any) -> None:
            # parallel workers take ~10 ms to start, more than any registry query they speed up
            cursor = dbapi_connection.cursor()
            cursor.execute("SET max_parallel_workers_per_gather = 0")
            cursor.close()
            dbapi_connection.commit()

        return engine
    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=10000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
        # the gram index's triggers (migration 0003) call it on every label written
        dbapi_connection.create_function("jcstar_grams", 1, gram_text, deterministic=True)

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def sessions(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session per request; anything not committed by the handler is rolled back."""
    with factory() as session:
        yield session


def lock_for_write(session: Session) -> None:
    """Take the database's write lock as the transaction's first statement.

    Every change goes through here, so writers queue instead of failing: SQLite cannot upgrade
    a read transaction to a write once another writer has committed, and on PostgreSQL the row
    lock orders the transparency log's appends (each needs the previous entry's hash).
    """
    # end the read-only transaction the caller's authentication opened: SQLite cannot turn a
    # snapshot that another writer has since moved past into a write transaction
    session.commit()
    session.execute(text("UPDATE write_lock SET n = n + 1 WHERE id = 1"))
