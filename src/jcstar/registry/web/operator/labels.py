"""The operator's labels: find one, see its status and history, and suspend, revoke or
reinstate it with a reason, after a confirmation step. The same role (approver), transitions
(``labels.service.TRANSITIONS``) and four-eyes gate as ``POST /api/v1/labels/{no}/{action}``;
a pending suspension or revocation is shown to the second approver, who confirms it with the
same action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, Response

from jcstar.registry.approvals import service as approvals
from jcstar.registry.approvals.models import PendingDecision
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db
from jcstar.registry.errors import NotFound, RegistryError
from jcstar.registry.labels import service as labels
from jcstar.registry.search.service import LabelQuery, recent_ids, search_ids, summaries
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.operator.common import day, done, guard, minute, operator
from jcstar.registry.web.operator.review import APPROVER, _reason
from jcstar.registry.web.public import EVENT_NAMES
from jcstar.registry.web.render import Page, PageRequest

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
#: the deepest page (the search API's deepest offset)
MAX_PAGE = 1_000_000 // PAGE_SIZE

ACTION_NAMES = {
    "suspend": N_("Suspend"),
    "revoke": N_("Revoke"),
    "reinstate": N_("Reinstate"),
}
#: what the page says after a change (``?done=``)
NOTES = {
    "suspend": N_("The label is suspended."),
    "revoke": N_("The label is revoked."),
    "reinstate": N_("The label is reinstated."),
    "pending": N_("Your request is recorded; it waits for a second approver."),
}
Csrf = Annotated[str, Form(max_length=200)]


@router.get("/operator/labels", response_class=HTMLResponse)
def labels_page(
    page: PageRequest,
    db: Db,
    q: Annotated[str | None, Query(max_length=200)] = None,
    p: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """The labels matching ``q``, or without one the most recently issued, a page at a time."""
    operator(page)
    words = (q or "").strip()
    on, offset = labels.today(), (p - 1) * PAGE_SIZE
    if words:
        ids, total, exact = search_ids(db, LabelQuery(q=words), on, PAGE_SIZE, offset)
        more = offset + len(ids) < total or not exact
    else:  # newest first; one label past the page says whether another page follows
        ids = recent_ids(db, PAGE_SIZE + 1, offset)
        more, ids = len(ids) > PAGE_SIZE, ids[:PAGE_SIZE]
        total, exact = offset + len(ids), not more
    return page.render(
        "operator/labels.html",
        {
            "q": words,
            "items": summaries(db, ids, on),
            "total": total,
            "exact": exact,
            "pending": approvals.pending_list(db),
            "previous": page.with_query(p=p - 1 if p > 2 else None) if p > 1 else None,
            "next": page.with_query(p=p + 1) if more and ids else None,
            "page_no": p,
        },
    )


def _label_page(
    page: Page,
    db: Db,
    registration_no: str,
    problem: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    caller = operator(page)
    label = labels.find(db, registration_no)
    status = labels.current_status(label, labels.today())
    allowed = [
        action
        for action, transition in labels.TRANSITIONS.items()
        if status in transition.from_statuses
    ]
    pending = [
        found
        for action in ("suspend", "revoke")
        if (found := approvals.find(db, action, registration_no)) is not None
    ]
    note = page.request.query_params.get("done")
    return page.render(
        "operator/label.html",
        {
            "label": labels.public(label),
            "status": status,
            "allowed": allowed if caller.holds("approver") else [],
            "approver": caller.holds("approver"),
            "pending": pending,
            "caller_actor": caller.actor,
            "action_names": ACTION_NAMES,
            "events": EVENT_NAMES,
            "problem": problem,
            "typed": typed or {},
            "note": NOTES.get(note or ""),
            "day": day,
            "minute": minute,
        },
        status_code=status_code,
    )


@router.get("/operator/labels/{registration_no}", response_class=HTMLResponse)
def label_page(page: PageRequest, db: Db, registration_no: str) -> HTMLResponse:
    return _label_page(page, db, registration_no)


@router.post("/operator/labels/{registration_no}/{action}")
def change_label(
    page: PageRequest,
    db: Db,
    registration_no: str,
    action: str,
    csrf: Csrf = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    confirmed: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """First post: the confirmation page (nothing changes). Second, with ``confirmed``: the
    change, through the four-eyes gate."""
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **APPROVER)
    if action not in labels.TRANSITIONS:
        raise NotFound(f"no label action {action!r}")
    label = labels.find(db, registration_no)
    try:
        checked = _reason(reason)
        assert checked is not None
        if confirmed != "yes":
            status = labels.current_status(label, labels.today())
            if status not in labels.TRANSITIONS[action].from_statuses:
                labels.change_status(db, label, action, caller, checked)  # raises its Conflict
            return page.render(
                "operator/label_confirm.html",
                {
                    "label": labels.public(label),
                    "action": action,
                    "action_names": ACTION_NAMES,
                    "reason": checked,
                },
            )
        lock_for_write(db)
        outcome = approvals.gate(
            db,
            page.settings,
            caller,
            action,
            registration_no,
            checked,
            lambda why: labels.change_status(db, label, action, caller, why or checked),
        )
        db.commit()
    except RegistryError as exc:
        db.rollback()
        if exc.status in (401, 403, 404):
            raise
        typed = {"action": action, "reason": reason}
        return _label_page(page, db, registration_no, exc.detail, typed, exc.status)
    note = "pending" if isinstance(outcome, PendingDecision) else action
    return done(f"/operator/labels/{registration_no}", note)
