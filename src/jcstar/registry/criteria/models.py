"""The criteria versions the operator has published, per level."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from jcstar.registry.db import Base


class CriteriaVersion(Base):
    __tablename__ = "criteria_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(Integer, index=True)
    #: the version's id as the operator numbers it (e.g. ``JST-CR-01-01-2024R1``)
    criteria_id: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: as precise as the source gives it: ``2024-12`` or ``2024-12-20``
    published_on: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[dt.date]
    #: the day labels on this level's earlier versions lapse (fixed at publication by the
    #: lapse rule then in force; null: the rule was off and they stay valid)
    earlier_lapse_on: Mapped[dt.date | None]
    #: the category profile (a catalog scheme id) these criteria are of, for ★2 and above,
    #: which are set per product category; null: the level's own scheme (★1) (migration 0015)
    scheme: Mapped[str | None] = mapped_column(String(60), index=True)
    #: the profile's product category (``smart-home``), shown on its labels' pages
    category: Mapped[str | None] = mapped_column(String(40))
    #: criteria nobody official has published (a draft of our own or a sector body's): the
    #: labels issued on them say so on their public pages
    draft: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
