"""The one-row table every change locks first (see ``db.lock_for_write``)."""

from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from jcstar.registry.db import Base


class WriteLock(Base):
    """One row; every change updates it first (see ``db.lock_for_write``)."""

    __tablename__ = "write_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
