"""Four-eyes: with ``Settings.four_eyes`` on, approving an application and suspending or
revoking a label need two different operator people.

``gate`` is the one call a router makes. Its rules, in the order it applies them:

1. four-eyes off, or an action it does not cover: the action is carried out at once;
2. nothing pending for this action on this subject: the action is tried and undone (so a
   request that could not be carried out is refused now, as it would be without four-eyes),
   then recorded as pending and logged; the caller answers 202;
3. pending, asked for by this same caller: refused (409), nothing changes;
4. pending, with another reason than the one given: refused (409); withdraw it first;
5. pending, asked for by someone else: the pending decision is confirmed (logged with both
   people) and the action carried out with the first request's reason.

One pending decision per action and subject: another action on the same subject waits apart
and never confirms this one. A caller is identified by ``Principal.actor``: a person by their
user, a machine by its token. A token is its own actor (tokens are not tied to the person who
had them made), so an operator that turns four-eyes on should give ``approver`` to people, not
to tokens, or to one token per machine it trusts as a second pair of eyes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from jcstar.registry.accounts.service import Principal
from jcstar.registry.approvals.models import PendingDecision
from jcstar.registry.db import utcnow
from jcstar.registry.errors import Conflict, NotFound
from jcstar.registry.log import service as log
from jcstar.registry.settings import Settings

T = TypeVar("T")

#: the actions four-eyes covers (the router's names for them)
FOUR_EYES_ACTIONS = ("approve", "suspend", "revoke")


def gate(
    session: Session,
    settings: Settings,
    caller: Principal,
    action: str,
    subject: str,
    reason: str | None,
    carry_out: Callable[[str | None], T],
) -> T | PendingDecision:
    """The action's result, or the pending decision this call recorded (see the module's
    rules). The caller holds the write lock and commits either way."""
    if not settings.four_eyes or action not in FOUR_EYES_ACTIONS:
        return carry_out(reason)
    pending = find(session, action, subject)
    if pending is None:
        savepoint = session.begin_nested()
        try:
            carry_out(reason)  # refuses now what could not be carried out later
        finally:
            savepoint.rollback()
        return _request(session, caller, action, subject, reason)
    if pending.actor == caller.actor:
        raise Conflict(
            f"you asked to {action} {subject} already; four-eyes needs another approver to "
            "confirm it"
        )
    if reason is not None and reason != pending.reason:
        raise Conflict(
            f"the pending {action} of {subject} gives another reason ({pending.reason!r}); "
            "confirm it with the same reason or withdraw it first"
        )
    log.append(
        session,
        "decision.confirmed",
        subject,
        {"action": action, "requested_by": pending.actor, "by": caller.by()},
    )
    agreed = pending.reason
    session.delete(pending)
    session.flush()
    return carry_out(agreed)


def _request(
    session: Session, caller: Principal, action: str, subject: str, reason: str | None
) -> PendingDecision:
    pending = PendingDecision(
        action=action,
        subject=subject,
        reason=reason,
        org_id=caller.org_id,
        actor=caller.actor,
        person=caller.person,
        requested_at=utcnow(),
    )
    session.add(pending)
    session.flush()
    log.append(
        session,
        "decision.requested",
        subject,
        {"action": action, "reason": reason, "by": caller.by()},
    )
    return pending


def find(session: Session, action: str, subject: str) -> PendingDecision | None:
    return session.scalar(
        select(PendingDecision).where(
            PendingDecision.action == action, PendingDecision.subject == subject
        )
    )


def pending_list(session: Session) -> list[PendingDecision]:
    return list(session.scalars(select(PendingDecision).order_by(PendingDecision.id)))


def withdraw(session: Session, caller: Principal, decision_id: int) -> PendingDecision:
    """Withdraw a pending decision (its requester changed their mind, or another approver
    says no); logged."""
    pending = session.get(PendingDecision, decision_id)
    if pending is None:
        raise NotFound(f"no pending decision {decision_id}")
    log.append(
        session,
        "decision.withdrawn",
        pending.subject,
        {"action": pending.action, "requested_by": pending.actor, "by": caller.by()},
    )
    session.delete(pending)
    session.flush()
    return pending
