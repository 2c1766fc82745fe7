"""Request and response bodies for watch lists, notification channels and deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

#: numbers in one request (a procurer's whole catalogue of models at once)
MAX_NUMBERS = 10_000

Number = Field(min_length=1, max_length=100)


class WatchCreate(BaseModel):
    numbers: list[str] = Field(min_length=1, max_length=MAX_NUMBERS)
    #: what the numbers are: product model numbers, or label registration numbers
    kind: Literal["model", "registration"] = "model"
    #: remind this many days before a followed label expires (null: the registry's defaults)
    remind_days: int | None = Field(default=None, ge=1, le=730)


class WatchesAdded(BaseModel):
    added: int
    #: numbers the organisation already followed (in the registry's normal form)
    already_watched: int
    #: the organisation's watches now
    total: int


class WatchPublic(BaseModel):
    id: int
    kind: str
    number: str
    #: the number in the registry's normal form, as it is matched
    key: str
    remind_days: int | None
    created_at: dt.datetime
    created_by: str


class WatchList(BaseModel):
    items: list[WatchPublic]
    total: int


class ChannelCreate(BaseModel):
    """Exactly one of ``webhook_url`` and ``email``."""

    webhook_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://[^\s/]+\S*$")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @model_validator(mode="after")
    def _one_target(self) -> ChannelCreate:
        if (self.webhook_url is None) == (self.email is None):
            raise ValueError("give exactly one of webhook_url and email")
        return self


class ChannelPublic(BaseModel):
    id: int
    kind: str
    target: str
    created_at: dt.datetime
    created_by: str


class ChannelCreated(ChannelPublic):
    #: the webhook's signing secret (Standard Webhooks, ``whsec_…``): shown this once only
    secret: str | None


class ChannelList(BaseModel):
    items: list[ChannelPublic]


class DeliveryPublic(BaseModel):
    delivery_id: str
    event: str
    registration_no: str | None
    channel_id: int
    channel: str
    state: str
    attempts: int
    #: when a pending delivery is tried next
    next_attempt_at: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class DeliveryList(BaseModel):
    items: list[DeliveryPublic]
    total: int
