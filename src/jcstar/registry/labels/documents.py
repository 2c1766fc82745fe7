"""Each label's public JSON, stored, so that a lookup is one indexed read.

Building ``GET /api/v1/labels/{registration_no}`` from the label, its model numbers, status
history and notices costs four ORM queries and a Pydantic model per request (~5 ms). Instead,
every change to a label stores the finished JSON in the same transaction (``labels.service``
calls ``store``), and a lookup reads it with one Core SELECT on the primary key and returns it
as it is. The parts not stored are ``status`` and ``support_ended``: a valid label turns
``expired``, and its support period ends, with the calendar, not with a write, so ``read`` puts
them in from the label's status and expiry and the stored support period end.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sqlalchemy import Engine, ForeignKey, Select, Text, bindparam, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.pool import PoolProxiedConnection

from jcstar.registry.db import Base
from jcstar.registry.labels.models import Label
from jcstar.registry.labels.schemas import LabelPublic


class LabelDocument(Base):
    """The public JSON of one label, without ``status`` (see the module docstring)."""

    __tablename__ = "label_documents"

    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"), primary_key=True)
    #: ``LabelPublic`` as JSON without its ``status`` key
    body: Mapped[str] = mapped_column(Text)


#: the fields worked out on the day of reading, never stored
READ_TIME = frozenset({"status", "support_ended"})


def body_of(label: LabelPublic) -> str:
    return label.model_dump_json(exclude=set(READ_TIME))


def store(session: Session, label_id: int, label: LabelPublic) -> None:
    """Write (or rewrite) a label's document in the caller's transaction."""
    doc = session.get(LabelDocument, label_id)
    if doc is None:
        doc = LabelDocument(label_id=label_id)
        session.add(doc)
    doc.body = body_of(label)
    session.flush()


def lookup_rows(*leading: Any) -> Select[Any]:
    """Labels' status, expiry and stored document (after any ``leading`` columns), what a
    lookup body is made of. Status and expiry come from the label row itself (one join on the
    primary key): they are what the status reads everywhere else use, so the two cannot
    disagree."""
    return select(*leading, Label.status, Label.expires_on, LabelDocument.body).join(
        LabelDocument, LabelDocument.label_id == Label.id
    )


_LOOKUP = lookup_rows().where(Label.registration_no == bindparam("no"))


def status_on(status: str, expires_on: object, on: dt.date) -> str:
    """The status a reader sees, from a label row read by the driver: a valid label past its
    expiry is ``expired``."""
    # the driver gives a date (psycopg) or its ISO text (SQLite): both compare as ISO text
    if status == "valid" and str(expires_on) < on.isoformat():
        return "expired"
    return status


#: the stored support period end (the summary's own field comes before any notice text,
#: where a quote would be escaped and so never match)
_SUPPORT_END = re.compile(r'"support_period_end":"(\d{4}-\d{2}-\d{2})"')


def support_ended_in(body: str, on: dt.date) -> bool:
    """Whether the stored document's support period ended before ``on``."""
    end = _SUPPORT_END.search(body)
    return end is not None and end.group(1) < on.isoformat()


def body_with_status(row: Any, on: dt.date) -> bytes:
    """The lookup response body from a row of ``_LOOKUP``: the stored JSON with ``status``
    and ``support_ended``."""
    status, expires_on, body = row
    assert isinstance(body, str)
    status = status_on(status, expires_on, on)
    ended = "true" if support_ended_in(body, on) else "false"
    return (
        '{"status":' + json.dumps(status) + ',"support_ended":' + ended + "," + body[1:]
    ).encode()


class Reader:
    """Reads lookup bodies on one database connection of its own, in autocommit mode.

    A lookup is nothing but this read, so it goes to the driver directly: SQLAlchemy's
    Connection and result objects cost ~80 µs a lookup (SQLite), and on PostgreSQL a pooled
    connection costs three more round trips (the pre-ping, BEGIN, and the ROLLBACK on its
    return). One reader per process, used from the event loop's thread only; a connection
    the database dropped is replaced once, then the error is raised. It blocks while it reads:
    for a local SQLite file that is microseconds (PostgreSQL lookups use ``AsyncReader``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        compiled = _LOOKUP.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        #: SQLite's ``?`` takes a tuple, psycopg's ``%(no)s`` a mapping
        self.positional = bool(compiled.positional)
        self._connection: PoolProxiedConnection | None = None

    def _connect(self) -> PoolProxiedConnection:
        if self._connection is None:
            connection = self.engine.raw_connection()
            driver = connection.driver_connection
            if self.engine.dialect.name == "sqlite":
                # each SELECT its own read transaction: it sees every commit before it
                driver.isolation_level = None  # type: ignore[union-attr]
            else:
                driver.autocommit = True  # type: ignore[union-attr]
            self._connection = connection
        return self._connection

    def _row(self, registration_no: str) -> Any:
        params = (registration_no,) if self.positional else {"no": registration_no}
        for attempt in (1, 2):
            connection = self._connect()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(self.sql, params)
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except self.engine.dialect.loaded_dbapi.Error:
                connection.invalidate()
                self._connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def read(self, registration_no: str, on: dt.date) -> bytes | None:
        """The lookup response body, or None when there is no such label (or no document)."""
        row = self._row(registration_no)
        return None if row is None else body_with_status(row, on)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()
            self._connection = None


def missing(engine: Engine) -> bool:
    """Whether some label has no document (a database from before documents were stored)."""
    with engine.connect() as connection:
        labels = connection.scalar(select(func.count()).select_from(Label)) or 0
        docs = connection.scalar(select(func.count()).select_from(LabelDocument)) or 0
    return labels != docs
