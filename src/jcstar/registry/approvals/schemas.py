"""Response bodies for pending four-eyes decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from fastapi import Response
from pydantic import BaseModel

from jcstar.registry.approvals.models import PendingDecision


class PendingDecisionPublic(BaseModel):
    """A decision waiting for a second approver (only the operator sees these)."""

    id: int
    action: str
    subject: str
    reason: str | None
    #: who asked: an e-mail address or a token's id and name
    requested_by: str
    requested_at: dt.datetime
    detail: str = "waiting for a second approver to make the same request"


def public(pending: PendingDecision) -> PendingDecisionPublic:
    return PendingDecisionPublic(
        id=pending.id,
        action=pending.action,
        subject=pending.subject,
        reason=pending.reason,
        requested_by=pending.person,
        requested_at=pending.requested_at,
    )


T = TypeVar("T")
R = TypeVar("R")

#: the OpenAPI description of a four-eyes endpoint's 202
PENDING_RESPONSE: dict[int | str, dict[str, object]] = {
    202: {
        "model": PendingDecisionPublic,
        "description": "Four-eyes on: recorded as pending until a second approver makes the "
        "same request",
    }
}


def answer(
    outcome: T | PendingDecision, response: Response, done: Callable[[T], R]
) -> R | PendingDecisionPublic:
    """What a gated endpoint answers: 202 with the pending decision, or ``done(result)``."""
    if isinstance(outcome, PendingDecision):
        response.status_code = 202
        return public(outcome)
    return done(outcome)


class PendingDecisionList(BaseModel):
    items: list[PendingDecisionPublic]
