"""One application under review: its verdicts and evidence beside the vendor's statements
and documents, its history, and the actions its state allows the caller, each a form.

Every action goes through the service the API's endpoint calls, with the same role guard
(reviewer: accept, fee paid, start review, return, reject; approver: approve, through the
four-eyes gate). A refused action changes nothing and shows the service's sentence beside
its form, with what was typed kept."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jcstar.assessment.decision import ReportFormatError, parse_report
from jcstar.assessment.models import AssessmentReport, EvidenceItem, RequirementVerdict
from jcstar.registry.accounts.service import Principal
from jcstar.registry.applications import lab_assignment
from jcstar.registry.applications import service as applications
from jcstar.registry.applications.models import Application
from jcstar.registry.applications.return_reasons import compose
from jcstar.registry.approvals import service as approvals
from jcstar.registry.approvals.models import PendingDecision
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db, Signer
from jcstar.registry.errors import Conflict, RegistryError, Unprocessable
from jcstar.registry.issuance import service as issuance
from jcstar.registry.schemas import OptionalReasonCreate, ReasonCreate
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages.reasons import reason as said_reason
from jcstar.registry.web.messages.refusals import refusal
from jcstar.registry.web.operator.common import day, done, guard, minute, operator
from jcstar.registry.web.operator.names import (
    DOCUMENT_NAMES,
    ROUTE_NAMES,
    STATE_NAMES,
    VERDICT_NAMES,
)
from jcstar.registry.web.render import Page, PageRequest

router = APIRouter(include_in_schema=False)

REVIEWER = {"operator": ("reviewer",)}
APPROVER = {"operator": ("approver",)}
Text = Annotated[str, Form(max_length=4000)]
Csrf = Annotated[str, Form(max_length=200)]

#: what the page says after a change (``?done=``)
NOTES = {
    "accepted": N_("The application is accepted and its fee invoiced."),
    "fee_paid": N_("The fee is recorded paid."),
    "under_review": N_("The review has started."),
    "returned": N_("The application is returned to the vendor."),
    "rejected": N_("The application is rejected."),
    "approved": N_("The application is approved and its label issued."),
    "pending": N_("Your approval is recorded; it waits for a second approver."),
    "withdrawn": N_("The pending decision is withdrawn."),
    "lab_assigned": N_("The evaluation lab is assigned."),
}


@dataclass(frozen=True)
class Row:
    """One requirement: what the checks found beside what the vendor states."""

    verdict: RequirementVerdict
    checks: list[EvidenceItem]
    vendor: list[EvidenceItem]


@dataclass
class Problems:
    """What was refused, by form, and what was typed in it (shown again)."""

    by_form: dict[str, str] = field(default_factory=dict)
    typed: dict[str, Any] = field(default_factory=dict)


def _report(app: Application) -> tuple[AssessmentReport | None, str | None]:
    try:
        return parse_report(json.loads(app.report_json)), None
    except (ReportFormatError, ValueError) as exc:
        return None, str(exc)


def _rows(report: AssessmentReport | None) -> list[Row]:
    if report is None:
        return []
    return [
        Row(
            verdict,
            [e for e in verdict.evidence if e.source == "check"],
            [e for e in verdict.evidence if e.source == "vendor"],
        )
        for verdict in report.verdicts
    ]


def actions(app: Application, caller: Principal, pending: PendingDecision | None) -> set[str]:
    """The forms the page offers: those the service would take in this state from this
    caller (the service still decides; this only leaves out what it would refuse)."""
    offered: set[str] = set()
    reviewer, approver = caller.holds("reviewer"), caller.holds("approver")
    paid = app.fee_paid_at is not None
    if reviewer:
        if app.state == "submitted":
            offered.add("accept")
        if app.state in ("accepted", "under_review") and not paid:
            offered.add("fee_paid")
        if app.state == "accepted" and paid:
            offered.add("start_review")
        if app.state in applications.IN_REVIEW:
            offered |= {"return", "reject"}
        if lab_assignment.needs_lab(app) and app.state in lab_assignment.ASSIGNABLE:
            offered.add("assign_lab")
    if approver and app.state in applications.APPROVABLE and paid:
        offered.add("approve")
    if approver and pending is not None:
        offered.add("withdraw")
    return offered


def _pending(db: Db, app: Application) -> PendingDecision | None:
    return approvals.find(db, "approve", f"application:{app.id}")


def render_review(
    page: Page,
    db: Db,
    app_id: int,
    problems: Problems | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    caller = operator(page)
    app = applications.load(db, caller, app_id)
    report, report_problem = _report(app)
    pending = _pending(db, app)
    offered = actions(app, caller, pending)
    note = page.request.query_params.get("done")
    return page.render(
        "operator/review.html",
        {
            "app": issuance.public(db, app, caller),
            "report": report,
            "report_problem": report_problem,
            "rows": _rows(report),
            "actions": offered,
            "has_actions": bool(offered - {"withdraw"}),
            "labs": [o.name for o in lab_assignment.labs(db)] if "assign_lab" in offered else [],
            "lab_missing": lab_assignment.missing_evaluation(app),
            "pending": pending,
            "pending_mine": pending is not None and pending.actor == caller.actor,
            "problems": (problems or Problems()).by_form,
            "typed": (problems or Problems()).typed,
            "note": NOTES.get(note or ""),
            "state_names": STATE_NAMES,
            "verdict_names": VERDICT_NAMES,
            "route_names": ROUTE_NAMES,
            "document_names": DOCUMENT_NAMES,
            "day": day,
            "minute": minute,
            # a verdict's reasons in the page's language (the report keeps the English)
            "said_reason": lambda text: said_reason(page, text),
        },
        status_code=status_code,
    )


@router.get("/operator/applications/{app_id}", response_class=HTMLResponse)
def review_page(page: PageRequest, db: Db, app_id: int) -> HTMLResponse:
    return render_review(page, db, app_id)


def _act(
    page: Page,
    db: Db,
    app_id: int,
    form: str,
    change: Callable[[], str],
    typed: Mapping[str, Any] | None = None,
) -> Response:
    """Carry out ``change`` (which names the note to show) under the write lock and commit;
    a refusal the form can be corrected for is shown beside it and nothing is stored."""
    try:
        lock_for_write(db)
        note = change()
        db.commit()
    except RegistryError as exc:
        db.rollback()
        if exc.status in (401, 403, 404):
            raise
        refused = Problems({form: refusal(page, exc)}, dict(typed or {}))
        return render_review(page, db, app_id, refused, status_code=exc.status)
    return done(f"/operator/applications/{app_id}", note)


def _reason(given: str, optional: bool = False) -> str | None:
    """The reason as the API takes it (``ReasonCreate``): the same limits, the same sentence."""
    try:
        if optional:
            return OptionalReasonCreate(reason=given.strip() or None).reason
        return ReasonCreate(reason=given.strip()).reason
    except ValidationError as exc:
        error = exc.errors()[0]
        raise Unprocessable(f"reason: {error['msg']}") from None


@router.post("/operator/applications/{app_id}/accept")
def accept(page: PageRequest, db: Db, app_id: int, csrf: Csrf = "", fee_jpy: Text = "") -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **REVIEWER)

    def change() -> str:
        fee = fee_jpy.strip().replace(",", "").lstrip("¥")
        if fee and (not fee.isdigit() or int(fee) > 100_000_000):
            raise Unprocessable("fee_jpy: a whole number of yen from 0 to 100,000,000")
        applications.accept(db, page.settings, caller, app_id, int(fee) if fee else None)
        return "accepted"

    return _act(page, db, app_id, "accept", change, {"fee_jpy": fee_jpy})


@router.post("/operator/applications/{app_id}/fee-paid")
def fee_paid(
    page: PageRequest, db: Db, app_id: int, csrf: Csrf = "", reference: Text = ""
) -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **REVIEWER)

    def change() -> str:
        given = reference.strip()
        if not given or len(given) > 200:
            raise Unprocessable("reference: the payment's reference, 1 to 200 characters")
        applications.record_fee_paid(db, page.settings, caller, app_id, given)
        return "fee_paid"

    return _act(page, db, app_id, "fee_paid", change, {"reference": reference})


@router.post("/operator/applications/{app_id}/start-review")
def start_review(page: PageRequest, db: Db, app_id: int, csrf: Csrf = "") -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **REVIEWER)

    def change() -> str:
        applications.start_review(db, caller, app_id)
        return "under_review"

    return _act(page, db, app_id, "start_review", change)


@router.post("/operator/applications/{app_id}/return")
def return_application(
    page: PageRequest,
    db: Db,
    app_id: int,
    csrf: Csrf = "",
    note: Text = "",
    requirement: Annotated[list[str] | None, Form(max_length=100)] = None,
    requirement_reason: Annotated[list[str] | None, Form(max_length=100)] = None,
) -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **REVIEWER)
    ids, given = requirement or [], requirement_reason or []
    per_requirement = dict(zip(ids, given, strict=False))

    def change() -> str:
        if len(ids) != len(given):
            raise Unprocessable("each requirement's reason must come with its requirement")
        text = compose(note, per_requirement, ids)
        if not text:
            raise Unprocessable("reason: give a note or a reason for at least one requirement")
        reason = _reason(text)
        assert reason is not None
        applications.decide(db, caller, app_id, "returned", reason)
        return "returned"

    return _act(
        page, db, app_id, "return", change, {"note": note, "per_requirement": per_requirement}
    )


@router.post("/operator/applications/{app_id}/reject")
def reject(page: PageRequest, db: Db, app_id: int, csrf: Csrf = "", reason: Text = "") -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **REVIEWER)

    def change() -> str:
        checked = _reason(reason)
        assert checked is not None
        applications.decide(db, caller, app_id, "rejected", checked)
        return "rejected"

    return _act(page, db, app_id, "reject", change, {"reject_reason": reason})


@router.post("/operator/applications/{app_id}/lab")
def assign_lab(page: PageRequest, db: Db, app_id: int, csrf: Csrf = "", lab: Text = "") -> Response:
    """Assign the ★3/★4 evaluation lab (``POST /api/v1/applications/{id}/lab``)."""
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **REVIEWER)

    def change() -> str:
        if not lab.strip():
            raise Unprocessable("lab: choose the evaluation lab to assign")
        applications.assign_lab(db, caller, app_id, lab)
        return "lab_assigned"

    return _act(page, db, app_id, "assign_lab", change, {"lab": lab})


@router.post("/operator/applications/{app_id}/approve")
def approve(
    page: PageRequest, db: Db, keyring: Signer, app_id: int, csrf: Csrf = "", reason: Text = ""
) -> Response:
    """Approve and issue; with four-eyes on, the first approver's approval waits for a second
    (the same gate as ``POST /api/v1/applications/{id}/approve``)."""
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **APPROVER)

    def change() -> str:
        outcome = approvals.gate(
            db,
            page.settings,
            caller,
            "approve",
            f"application:{app_id}",
            _reason(reason, optional=True),
            lambda why: issuance.approve(db, page.settings, keyring, caller, app_id, why),
        )
        return "pending" if isinstance(outcome, PendingDecision) else "approved"

    return _act(page, db, app_id, "approve", change, {"approve_reason": reason})


@router.post("/operator/applications/{app_id}/withdraw-approval")
def withdraw_approval(page: PageRequest, db: Db, app_id: int, csrf: Csrf = "") -> Response:
    """Withdraw the application's pending approval (``DELETE /api/v1/decisions/{id}``)."""
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **APPROVER)

    def change() -> str:
        app = applications.load(db, caller, app_id)
        pending = _pending(db, app)
        if pending is None:
            raise Conflict(f"application {app_id} has no pending approval")
        approvals.withdraw(db, caller, pending.id)
        return "withdrawn"

    return _act(page, db, app_id, "withdraw", change)
