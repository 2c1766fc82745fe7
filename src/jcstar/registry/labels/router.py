"""Label endpoints: public reads and artwork; status changes for the operator; notices."""

from __future__ import annotations

from fastapi import APIRouter, Response

from jcstar.registry.approvals import service as approvals
from jcstar.registry.approvals.schemas import PENDING_RESPONSE, PendingDecisionPublic, answer
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Config, Db, NoticeAuthor, Operator, OperatorApprover
from jcstar.registry.errors import Conflict
from jcstar.registry.labels import service
from jcstar.registry.labels.schemas import LabelPublic, NoticeCreate, NoticePublic
from jcstar.registry.openapi import CONFLICT
from jcstar.registry.schemas import ReasonCreate

router = APIRouter(prefix="/api/v1/labels", tags=["labels"])


@router.get("/{registration_no}")
def read_label(registration_no: str, db: Db) -> LabelPublic:
    """A label with its status history and notices. Served from the stored document by
    ``labels.lookup`` in front of the routing; this builds the same from the label's rows."""
    return service.public(service.find(db, registration_no))


@router.get("/{registration_no}/label.svg", response_class=Response)
def label_artwork_svg(registration_no: str, db: Db) -> Response:
    label = service.find(db, registration_no)
    artwork = service.artwork_svg(label.jws, service.qr_of(label))
    return Response(artwork, media_type="image/svg+xml")


@router.get("/{registration_no}/label.png", response_class=Response)
def label_artwork_png(registration_no: str, db: Db) -> Response:
    label = service.find(db, registration_no)
    return Response(service.artwork_png(label.jws, service.qr_of(label)), media_type="image/png")


def _change(
    db: Db,
    settings: Config,
    response: Response,
    registration_no: str,
    action: str,
    caller: OperatorApprover,
    reason: str,
) -> LabelPublic | PendingDecisionPublic:
    """Change a label's status; with four-eyes on, suspension and revocation wait (202) for a
    second approver's same call."""
    lock_for_write(db)
    label = service.find(db, registration_no)
    outcome = approvals.gate(
        db,
        settings,
        caller,
        action,
        registration_no,
        reason,
        lambda why: service.change_status(db, label, action, caller, why or reason),
    )
    db.commit()
    return answer(outcome, response, lambda _: service.public(label))


@router.post("/{registration_no}/suspend", responses=PENDING_RESPONSE | CONFLICT)
def suspend_label(
    registration_no: str,
    body: ReasonCreate,
    db: Db,
    settings: Config,
    response: Response,
    caller: OperatorApprover,
) -> LabelPublic | PendingDecisionPublic:
    return _change(db, settings, response, registration_no, "suspend", caller, body.reason)


@router.post("/{registration_no}/revoke", responses=PENDING_RESPONSE | CONFLICT)
def revoke_label(
    registration_no: str,
    body: ReasonCreate,
    db: Db,
    settings: Config,
    response: Response,
    caller: OperatorApprover,
) -> LabelPublic | PendingDecisionPublic:
    return _change(db, settings, response, registration_no, "revoke", caller, body.reason)


@router.post("/{registration_no}/reinstate", responses=CONFLICT)
def reinstate_label(
    registration_no: str,
    body: ReasonCreate,
    db: Db,
    settings: Config,
    response: Response,
    caller: OperatorApprover,
) -> LabelPublic | PendingDecisionPublic:
    return _change(db, settings, response, registration_no, "reinstate", caller, body.reason)


@router.post("/{registration_no}/renew", response_model=None, responses=CONFLICT)
def renew_label(registration_no: str, db: Db, caller: Operator) -> None:
    """Gone: re-signing a label for two more years without a new report is no renewal. A
    label is renewed by its maker's renewal application (``renews``), reviewed like any
    other; this answers 409 saying so, and changes nothing."""
    label = service.find(db, registration_no)
    raise Conflict(
        f"labels are renewed by a renewal application, not re-signed: the maker applies with "
        f'renews "{label.registration_no}" and a current report (jcstar apply REPORT.json '
        f"--renews {label.registration_no}), which the operator reviews like any application"
    )


@router.post("/{registration_no}/notices", status_code=201)
def post_notice(
    registration_no: str, body: NoticeCreate, db: Db, caller: NoticeAuthor
) -> NoticePublic:
    lock_for_write(db)
    label = service.find(db, registration_no)
    notice = service.add_notice(db, label, caller, body.title, body.body, body.url)
    db.commit()
    return NoticePublic(
        id=notice.id,
        title=notice.title,
        body=notice.body,
        url=notice.url,
        at=notice.at,
        by=caller.org_name,
    )
