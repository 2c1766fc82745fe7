"""Request and response bodies for applications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from jcstar.assessment.application_rules import Route

ModelNumbers = list[str] | None


class ApplicationCreate(BaseModel):
    #: the JSON report ``jcstar assess`` wrote; checked on creation and again on submission
    report: dict[str, Any]
    #: the model numbers this application covers; the report's when left out
    model_numbers: ModelNumbers = Field(default=None, min_length=1, max_length=1000)
    route: Route = "standard"
    #: the evaluation lab (organisation name) for ★3/★4
    lab: str | None = None
    #: a renewal: the registration number of the maker's label it renews
    renews: str | None = Field(default=None, min_length=1, max_length=40)


class AcceptCreate(BaseModel):
    """Acceptance (受理): the fee to invoice, only where the fee table has no amount."""

    fee_jpy: int | None = Field(default=None, ge=0, le=100_000_000)


class LabAssign(BaseModel):
    """The operator assigns a ★3/★4 application's evaluation lab (an organisation of kind
    ``lab``, by name)."""

    lab: str = Field(min_length=1, max_length=200, pattern=r"\S")


class FeePaidCreate(BaseModel):
    #: the payment's reference (bank transfer, receipt number), kept in the history
    reference: str = Field(min_length=1, max_length=200, pattern=r"\S")


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
    #: the person (e-mail) or token that made the change: shown to the operator and to the
    #: person's own organisation; null for others and for events from before 0008
    by_person: str | None = None
    reason: str | None


class ApplicationPublic(BaseModel):
    id: int
    #: the application number (申請番号), given on the first submission; null for a draft
    application_no: str | None
    #: a draft's reference until then (null once the application is numbered)
    draft_no: str | None = None
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
    #: the fee the table gives until acceptance; from acceptance the amount invoiced
    fee_jpy: int | None
    #: the acceptance number (受理番号), given on acceptance; null before
    acceptance_no: str | None = None
    #: when the operator recorded the fee paid, and its reference; review waits for it
    fee_paid_at: dt.datetime | None = None
    fee_reference: str | None = None
    #: a renewal: the registration number of the label it renews
    renews: str | None = None
    lab: str | None
    report_sha256: str
    documents: list[DocumentPublic]
    history: list[EventPublic]
    registration_no: str | None


class ApplicationList(BaseModel):
    items: list[ApplicationPublic]
