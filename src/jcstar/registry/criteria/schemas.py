"""Request and response bodies for criteria versions."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jcstar.catalog.models import CRITERIA_ID_PATTERN


class CriteriaVersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=4)
    id: str = Field(pattern=CRITERIA_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    #: ``YYYY-MM`` or ``YYYY-MM-DD``, as precise as the operator's own document is dated
    published_on: str = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    effective_on: dt.date


class CriteriaVersionPublic(BaseModel):
    level: int
    id: str
    title: str
    published_on: str
    effective_on: dt.date
    #: labels on this level's earlier versions lapse on this day (null: they stay valid)
    earlier_lapse_on: dt.date | None


class CriteriaStanding(BaseModel):
    """A label's criteria version and what it means now (see ``criteria.rules``)."""

    #: the version the label was signed with; null: not recorded (issued before versions were)
    version: str | None
    #: the newest version published for the label's level, and the day it takes effect
    current: str | None
    current_since: dt.date | None
    #: true when a newer version than the label's has been published
    superseded: bool
    #: the day the label lapses under the lapse rule; null when it does not
    lapses_on: dt.date | None
