"""Request and response bodies for labels and notices."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class NoticeCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")


class NoticePublic(BaseModel):
    id: int
    title: str
    body: str
    url: str | None
    at: dt.datetime
    by: str


class StatusEventPublic(BaseModel):
    status: str
    event: str
    at: dt.datetime
    reason: str | None
    expires_on: dt.date


class LabelSummary(BaseModel):
    """A label in search results and exports: no history, no notices."""

    registration_no: str
    level: int
    status: str
    issued_on: dt.date
    expires_on: dt.date
    vendor: str
    product: str
    model_numbers: list[str]
    support_period_end: dt.date | None
    vulnerability_contact: str | None
    product_url: str


class LabelPublic(LabelSummary):
    """A label as its lookup and product page show it: the summary, the signed label and
    its QR text, the status history and the notices."""

    qr: str
    jws: str
    #: the registration number of the label that replaced this one (status ``superseded``)
    superseded_by: str | None = None
    status_history: list[StatusEventPublic]
    notices: list[NoticePublic]


class LabelPage(BaseModel):
    items: list[LabelSummary]
    #: matches, counted up to the registry's cap (``search.service.COUNT_CAP``)
    total: int
    #: false when more than ``total`` labels match
    total_exact: bool = True
