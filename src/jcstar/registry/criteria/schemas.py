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
    #: for ★2 and above, the category profile (its catalog id) these are the criteria of;
    #: its category and whether it is a draft come from the registry's catalog
    scheme: str | None = Field(default=None, min_length=1, max_length=60)


class CriteriaVersionPublic(BaseModel):
    level: int
    id: str
    title: str
    published_on: str
    effective_on: dt.date
    #: labels on this level's earlier versions lapse on this day (null: they stay valid)
    earlier_lapse_on: dt.date | None
    #: the category profile, its product category, and whether the criteria are a draft
    #: nobody official has published (null, null, false: the level's own scheme, ★1)
    scheme: str | None = None
    category: str | None = None
    draft: bool = False


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
    #: the category profile the label was issued on and its product category (★2 and above;
    #: null: the level's own scheme), and whether its criteria are a draft nobody official
    #: has published (the label's page says so)
    scheme: str | None = None
    category: str | None = None
    draft: bool = False
