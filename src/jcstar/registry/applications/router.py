"""The application endpoints. Each change: take the write lock, change, commit, answer."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile

from jcstar.registry.applications import service
from jcstar.registry.applications.models import STATES
from jcstar.registry.applications.schemas import (
    ApplicationCreate,
    ApplicationList,
    ApplicationPublic,
    ApplicationUpdate,
    DocumentPublic,
)
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Config, Db, Operator, Reviewer, Signer, Vendor, VendorOrLab
from jcstar.registry.errors import Unprocessable
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.schemas import LabelPublic
from jcstar.registry.schemas import OptionalReasonCreate, ReasonCreate

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])


@router.post("", status_code=201)
def create_application(
    body: ApplicationCreate, db: Db, settings: Config, caller: Vendor
) -> ApplicationPublic:
    lock_for_write(db)
    app = service.create(db, settings, caller, body)
    db.commit()
    return service.public(db, app)


@router.get("")
def list_applications(db: Db, caller: Reviewer, state: str | None = None) -> ApplicationList:
    if state is not None and state not in STATES:
        raise Unprocessable(f"unknown state {state!r} (one of {', '.join(STATES)})")
    return ApplicationList(
        items=[service.public(db, app) for app in service.listing(db, caller, state)]
    )


@router.get("/{app_id}")
def read_application(app_id: int, db: Db, caller: Reviewer) -> ApplicationPublic:
    return service.public(db, service.load(db, caller, app_id))


@router.patch("/{app_id}")
def update_application(
    app_id: int, body: ApplicationUpdate, db: Db, settings: Config, caller: Vendor
) -> ApplicationPublic:
    lock_for_write(db)
    app = service.update(db, settings, caller, app_id, body)
    db.commit()
    return service.public(db, app)


@router.post("/{app_id}/documents", status_code=201)
def upload_document(
    app_id: int,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()],
    db: Db,
    settings: Config,
    caller: VendorOrLab,
) -> DocumentPublic:
    # read one byte past the limit: enough to know it is too large, never the whole of it
    content = file.file.read(settings.max_upload_bytes + 1)
    lock_for_write(db)
    doc = service.add_document(
        db, settings, caller, app_id, kind, file.filename or "document", content
    )
    db.commit()
    return DocumentPublic(
        id=doc.id,
        kind=doc.kind,
        filename=doc.filename,
        media_type=doc.media_type,
        sha256=doc.sha256,
        size=doc.size,
        uploaded_by=caller.org_name,
        uploaded_at=doc.uploaded_at,
    )


@router.get("/{app_id}/documents/{doc_id}", response_class=Response)
def download_document(app_id: int, doc_id: int, db: Db, caller: Reviewer) -> Response:
    doc = service.document(db, caller, app_id, doc_id)
    # always a download, never rendered in the registry's origin (an uploaded file is untrusted)
    return Response(
        doc.content,
        media_type=doc.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/{app_id}/report")
def read_report(app_id: int, db: Db, caller: Reviewer) -> dict[str, Any]:
    """The assessment report as the vendor sent it."""
    report: dict[str, Any] = json.loads(service.load(db, caller, app_id).report_json)
    return report


@router.post("/{app_id}/submit")
def submit_application(app_id: int, db: Db, settings: Config, caller: Vendor) -> ApplicationPublic:
    lock_for_write(db)
    app = service.submit(db, settings, caller, app_id)
    db.commit()
    return service.public(db, app)


@router.post("/{app_id}/accept")
def accept_application(app_id: int, db: Db, caller: Operator) -> ApplicationPublic:
    lock_for_write(db)
    app = service.accept(db, caller, app_id)
    db.commit()
    return service.public(db, app)


@router.post("/{app_id}/start-review")
def start_review(app_id: int, db: Db, caller: Operator) -> ApplicationPublic:
    lock_for_write(db)
    app = service.start_review(db, caller, app_id)
    db.commit()
    return service.public(db, app)


@router.post("/{app_id}/return")
def return_application(
    app_id: int, body: ReasonCreate, db: Db, caller: Operator
) -> ApplicationPublic:
    lock_for_write(db)
    service.decide(db, caller, app_id, "returned", body.reason)
    db.commit()
    return service.public(db, service.load(db, caller, app_id))


@router.post("/{app_id}/reject")
def reject_application(
    app_id: int, body: ReasonCreate, db: Db, caller: Operator
) -> ApplicationPublic:
    lock_for_write(db)
    service.decide(db, caller, app_id, "rejected", body.reason)
    db.commit()
    return service.public(db, service.load(db, caller, app_id))


@router.post("/{app_id}/approve")
def approve_application(
    app_id: int,
    db: Db,
    settings: Config,
    keyring: Signer,
    caller: Operator,
    body: OptionalReasonCreate | None = None,
) -> LabelPublic:
    lock_for_write(db)
    label = service.approve(db, settings, keyring, caller, app_id, body.reason if body else None)
    db.commit()
    return labels.public(label)
