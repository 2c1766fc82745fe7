"""Label endpoints: public reads and artwork; status changes for the operator; notices."""

from __future__ import annotations

from fastapi import APIRouter, Response

from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Config, Db, Operator, Signer, VendorOrOperator
from jcstar.registry.labels import service
from jcstar.registry.labels.schemas import LabelPublic, NoticeCreate, NoticePublic
from jcstar.registry.schemas import OptionalReasonCreate, ReasonCreate

router = APIRouter(prefix="/api/v1/labels", tags=["labels"])


@router.get("/{registration_no}")
def read_label(registration_no: str, db: Db) -> LabelPublic:
    """A label with its status history and notices. Served from the stored document by
    ``labels.lookup`` in front of the routing; this builds the same from the label's rows."""
    return service.public(service.find(db, registration_no))


@router.get("/{registration_no}/label.svg", response_class=Response)
def label_artwork_svg(registration_no: str, db: Db) -> Response:
    label = service.find(db, registration_no)
    return Response(service.artwork_svg(label.jws, label.product_url), media_type="image/svg+xml")


@router.get("/{registration_no}/label.png", response_class=Response)
def label_artwork_png(registration_no: str, db: Db) -> Response:
    label = service.find(db, registration_no)
    return Response(service.artwork_png(label.jws, label.product_url), media_type="image/png")


def _change(
    db: Db, registration_no: str, action: str, caller: Operator, reason: str
) -> LabelPublic:
    lock_for_write(db)
    label = service.find(db, registration_no)
    service.change_status(db, label, action, caller, reason)
    db.commit()
    return service.public(label)


@router.post("/{registration_no}/suspend")
def suspend_label(
    registration_no: str, body: ReasonCreate, db: Db, caller: Operator
) -> LabelPublic:
    return _change(db, registration_no, "suspend", caller, body.reason)


@router.post("/{registration_no}/revoke")
def revoke_label(registration_no: str, body: ReasonCreate, db: Db, caller: Operator) -> LabelPublic:
    return _change(db, registration_no, "revoke", caller, body.reason)


@router.post("/{registration_no}/reinstate")
def reinstate_label(
    registration_no: str, body: ReasonCreate, db: Db, caller: Operator
) -> LabelPublic:
    return _change(db, registration_no, "reinstate", caller, body.reason)


@router.post("/{registration_no}/renew")
def renew_label(
    registration_no: str,
    db: Db,
    settings: Config,
    keyring: Signer,
    caller: Operator,
    body: OptionalReasonCreate | None = None,
) -> LabelPublic:
    lock_for_write(db)
    label = service.find(db, registration_no)
    service.renew(db, settings, keyring, label, caller, body.reason if body else None)
    db.commit()
    return service.public(label)


@router.post("/{registration_no}/notices", status_code=201)
def post_notice(
    registration_no: str, body: NoticeCreate, db: Db, caller: VendorOrOperator
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
