"""The application endpoints. Each change: take the write lock, change, commit, answer."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile

from jcstar.registry.applications import service
from jcstar.registry.applications.documents import DocumentKind
from jcstar.registry.applications.models import ApplicationState
from jcstar.registry.applications.schemas import (
    AcceptCreate,
    ApplicationCreate,
    ApplicationList,
    ApplicationPublic,
    ApplicationUpdate,
    DocumentPublic,
    FeePaidCreate,
    LabAssign,
)
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import (
    Applicant,
    ApplicantOrEvaluator,
    Config,
    Db,
    OperatorReviewer,
    Reviewer,
)
from jcstar.registry.issuance import service as issuance
from jcstar.registry.openapi import CONFLICT
from jcstar.registry.schemas import ReasonCreate

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])


@router.post("", status_code=201, responses=CONFLICT)
def create_application(
    body: ApplicationCreate, db: Db, settings: Config, caller: Applicant
) -> ApplicationPublic:
    lock_for_write(db)
    app = service.create(db, settings, caller, body, issuance.label_rules(db, settings))
    db.commit()
    return issuance.public(db, app, caller)


@router.get("")
def list_applications(
    db: Db, caller: Reviewer, state: ApplicationState | None = None
) -> ApplicationList:
    return ApplicationList(
        items=[issuance.public(db, app, caller) for app in service.listing(db, caller, state)]
    )


@router.get("/{app_id}")
def read_application(app_id: int, db: Db, caller: Reviewer) -> ApplicationPublic:
    return issuance.public(db, service.load(db, caller, app_id), caller)


@router.patch("/{app_id}", responses=CONFLICT)
def update_application(
    app_id: int, body: ApplicationUpdate, db: Db, settings: Config, caller: Applicant
) -> ApplicationPublic:
    lock_for_write(db)
    app = service.update(db, settings, caller, app_id, body)
    db.commit()
    return issuance.public(db, app, caller)


@router.post("/{app_id}/documents", status_code=201, responses=CONFLICT)
def upload_document(
    app_id: int,
    file: Annotated[UploadFile, File()],
    kind: Annotated[DocumentKind, Form()],
    db: Db,
    settings: Config,
    caller: ApplicantOrEvaluator,
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


@router.post("/{app_id}/submit", responses=CONFLICT)
def submit_application(
    app_id: int, db: Db, settings: Config, caller: Applicant
) -> ApplicationPublic:
    lock_for_write(db)
    app = service.submit(db, settings, caller, app_id, issuance.label_rules(db, settings))
    db.commit()
    return issuance.public(db, app, caller)


@router.post("/{app_id}/accept", responses=CONFLICT)
def accept_application(
    app_id: int,
    db: Db,
    settings: Config,
    caller: OperatorReviewer,
    body: AcceptCreate | None = None,
) -> ApplicationPublic:
    """Accept (受理): gives the acceptance number and invoices the fee (``fee_jpy`` only where
    the fee table has no amount)."""
    lock_for_write(db)
    app = service.accept(db, settings, caller, app_id, body.fee_jpy if body else None)
    db.commit()
    return issuance.public(db, app, caller)


@router.post("/{app_id}/fee-paid", responses=CONFLICT)
def record_fee_paid(
    app_id: int, body: FeePaidCreate, db: Db, settings: Config, caller: OperatorReviewer
) -> ApplicationPublic:
    """The invoiced fee is paid; review may start."""
    lock_for_write(db)
    app = service.record_fee_paid(db, settings, caller, app_id, body.reference.strip())
    db.commit()
    return issuance.public(db, app, caller)


@router.post("/{app_id}/lab", responses=CONFLICT)
def assign_lab(app_id: int, body: LabAssign, db: Db, caller: OperatorReviewer) -> ApplicationPublic:
    """Assign (or replace) the evaluation lab of a ★3/★4 application: the lab then sees it
    and attaches its evaluation report, which submission and approval need."""
    lock_for_write(db)
    app = service.assign_lab(db, caller, app_id, body.lab)
    db.commit()
    return issuance.public(db, app, caller)


@router.post("/{app_id}/start-review", responses=CONFLICT)
def start_review(app_id: int, db: Db, caller: OperatorReviewer) -> ApplicationPublic:
    lock_for_write(db)
    app = service.start_review(db, caller, app_id)
    db.commit()
    return issuance.public(db, app, caller)


@router.post("/{app_id}/return", responses=CONFLICT)
def return_application(
    app_id: int, body: ReasonCreate, db: Db, caller: OperatorReviewer
) -> ApplicationPublic:
    lock_for_write(db)
    service.decide(db, caller, app_id, "returned", body.reason)
    db.commit()
    return issuance.public(db, service.load(db, caller, app_id), caller)


@router.post("/{app_id}/reject", responses=CONFLICT)
def reject_application(
    app_id: int, body: ReasonCreate, db: Db, caller: OperatorReviewer
) -> ApplicationPublic:
    lock_for_write(db)
    service.decide(db, caller, app_id, "rejected", body.reason)
    db.commit()
    return issuance.public(db, service.load(db, caller, app_id), caller)
