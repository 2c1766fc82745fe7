"""Request and response bodies of the status endpoints."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from jcstar.labels.standing import LabelRecord, Standing, Status

#: numbers (model and registration together) one bulk request may ask for (issue 13)
MAX_NUMBERS = 10_000


class StatusQuery(BaseModel):
    """``POST /api/v1/public/status``: model numbers and registration numbers, and the day."""

    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(default_factory=list)
    registrations: list[str] = Field(default_factory=list)
    #: the day to answer for (UTC); today when left out
    at: dt.date | None = None


class StatusOn(BaseModel):
    """What ``standing_on(record, on)`` says that the record does not: the label's status on
    the day and why. The whole standing is ``labels.standing.standing_on(record, on)``."""

    model_config = ConfigDict(frozen=True)

    status: Status
    #: the expiry in force on the day; null when the label was not yet issued
    expires_on: dt.date | None
    support_ended: bool
    superseded_by: str | None
    #: the reason of the last status change on or before the day
    reason: str | None
    #: security notices published up to and including the day
    notices: int

    @classmethod
    def of(cls, standing: Standing) -> StatusOn:
        return cls(
            status=standing.status,
            expires_on=standing.expires_on,
            support_ended=standing.support_ended,
            superseded_by=standing.superseded_by,
            reason=standing.reason,
            notices=len(standing.notices),
        )


class LabelStatus(BaseModel):
    """A label's public record, with its whole history, and its status on the day asked."""

    record: LabelRecord
    standing: StatusOn


class BulkStatus(BaseModel):
    """The answer for every number as given: an unknown one maps to ``[]`` or null."""

    on: dt.date
    #: each model number as given → the registration numbers of every label listing it (in
    #: the registry's normal form: width and case do not matter); two makers' labels may share
    #: one model number, and both are listed
    models: dict[str, list[str]]
    #: each registration number as given → itself when the registry has it, else null
    registrations: dict[str, str | None]
    #: every label named above, by registration number
    labels: dict[str, LabelStatus]


class OneStatus(LabelStatus):
    """``GET /api/v1/public/status/{registration_no}``: one label on one day."""

    on: dt.date
