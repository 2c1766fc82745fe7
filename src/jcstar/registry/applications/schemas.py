"""Request and response bodies for applications."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

Route = Literal["standard", "psti"]
ModelNumbers = list[str] | None


class ApplicationCreate(BaseModel):
    #: the JSON report ``jcstar assess`` wrote; checked on creation and again on submission
    report: dict[str, Any]
    #: the model numbers this application covers; the report's when left out
    model_numbers: ModelNumbers = Field(default=None, min_length=1, max_length=1000)
    route: Route = "standard"
    #: the evaluation lab (organisation name) for ★3/★4
    lab: str | None = None


class ApplicationUpdate(BaseModel):
    """A correction to a draft or returned application; what is left out stays."""

    report: dict[str, Any] | None = None
    model_numbers: ModelNumbers = Field(default=None, min_length=1, max_length=1000)
    route: Route | None = None
    lab: str | None = None


class DocumentPublic(BaseModel):
    id: int
    kind: str
    filename: str
    media_type: str
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: dt.datetime


class EventPublic(BaseModel):
    state: str
    at: dt.datetime
    by: str
    reason: str | None


class ApplicationPublic(BaseModel):
    id: int
    application_no: str
    state: str
    #: the maker, in whose name the label is issued
    vendor: str
    #: who applies on the maker's behalf (代理申請), if not the maker itself
    proxy: str | None = None
    product: str
    level: int
    route: str
    model_numbers: list[str]
    support_period_end: dt.date | None
    vulnerability_contact: str | None
    fee_jpy: int | None
    lab: str | None
    report_sha256: str
    documents: list[DocumentPublic]
    history: list[EventPublic]
    registration_no: str | None


class ApplicationList(BaseModel):
    items: list[ApplicationPublic]
