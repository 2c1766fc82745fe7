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
