"""Append to the log inside the caller's transaction, read it, verify it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jcstar.registry.db import utcnow
from jcstar.registry.log.chain import (
    GENESIS,
    ChainCheck,
    ChainEntry,
    canonical,
    check_chain,
    entry_hash,
    sha256_hex,
)
from jcstar.registry.log.checkpoints import APPENDED
from jcstar.registry.log.models import LogEntry


def append(session: Session, kind: str, subject: str, payload: dict[str, Any]) -> LogEntry:
    """Chain a new entry to the head. The caller holds the write lock (``lock_for_write``)
    and commits it together with the change it records."""
    last = session.scalar(select(LogEntry).order_by(LogEntry.seq.desc()).limit(1))
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    at = utcnow().isoformat().replace("+00:00", "Z")
    body = canonical(payload).decode()
    payload_sha = sha256_hex(body.encode())
    entry = LogEntry(
        seq=seq,
        at=at,
        kind=kind,
        subject=subject,
        payload=body,
        payload_sha256=payload_sha,
        prev_hash=prev,
        hash=entry_hash(seq, at, kind, subject, payload_sha, prev),
    )
    session.add(entry)
    session.flush()
    # signed with the head before this transaction commits (``checkpoints.sign_on_commit``)
    session.info[APPENDED] = True
    return entry


def entries(session: Session, after: int = 0, limit: int | None = None) -> list[LogEntry]:
    query = select(LogEntry).where(LogEntry.seq > after).order_by(LogEntry.seq)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def stream(session: Session) -> Iterator[ChainEntry]:
    rows = session.execute(
        select(LogEntry).order_by(LogEntry.seq).execution_options(yield_per=1000)
    )
    for (row,) in rows:
        yield ChainEntry(
            row.seq,
            row.at,
            row.kind,
            row.subject,
            row.payload,
            row.payload_sha256,
            row.prev_hash,
            row.hash,
        )


def verify(session: Session) -> ChainCheck:
    return check_chain(stream(session))
