"""The log's one table. Rows are only ever inserted."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jcstar.registry.db import Base


class LogEntry(Base):
    __tablename__ = "log_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: ISO 8601 UTC text, kept as text so the hashed form never depends on a driver
    at: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LogCheckpoint(Base):
    """A signed head of the log (``log.note``): one per transaction that appended entries,
    plus those made at start-up. Rows are only ever inserted."""

    __tablename__ = "log_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: the number of entries the checkpoint covers (its last entry's seq)
    size: Mapped[int] = mapped_column(Integer, index=True)
    head: Mapped[str] = mapped_column(String(64))
    #: ISO 8601 UTC text, signed as it is
    at: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(300))
    kid: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))
