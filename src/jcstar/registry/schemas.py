"""Bodies several domains share."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReasonCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class OptionalReasonCreate(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
