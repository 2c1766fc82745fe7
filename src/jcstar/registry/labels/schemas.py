"""Request and response bodies for labels and notices."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from jcstar.registry.criteria.schemas import CriteriaStanding


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
    #: the support period is over ("no longer supported"); the label stays valid until it
    #: expires. Worked out on the day it is read, like ``status``
    support_ended: bool = False
    vulnerability_contact: str | None
    product_url: str
    # what a consumer needs (the profile's ``consumer:``); null when the vendor did not say
    # and on labels issued before these were recorded
    product_name_ja: str | None = None
    product_name_en: str | None = None
    #: one of ``assessment.consumer.CATEGORIES``
    product_category: str | None = None
    #: ``automatic``, ``automatic_with_consent`` or ``manual``
    update_mode: str | None = None
    #: how to change the default password: a short instruction and/or a page
    password_change_text: str | None = None
    password_change_url: str | None = None


class LabelPublic(LabelSummary):
    """A label as its lookup and product page show it: the summary, the signed label and
    its QR text, the status history and the notices."""

    qr: str
    jws: str
    #: the registration number of the label that replaced this one (status ``superseded``)
    superseded_by: str | None = None
    #: the label this one renews (issued on a renewal application)
    renews: str | None = None
    #: the criteria version the label signed and what it means now (superseded, lapsing);
    #: null only in a document stored before criteria versions were recorded
    criteria: CriteriaStanding | None = None
    status_history: list[StatusEventPublic]
    notices: list[NoticePublic]


class LabelPage(BaseModel):
    items: list[LabelSummary]
    #: matches, counted up to the registry's cap (``search.service.COUNT_CAP``)
    total: int
    #: false when more than ``total`` labels match
    total_exact: bool = True
