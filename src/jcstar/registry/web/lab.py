"""An evaluation lab's pages (``/lab/…``): the applications the lab is assigned to evaluate,
and uploading its evaluation report to one of them.

A ★3/★4 application's lab is named by the vendor when it applies or assigned by the operator
(``applications.service.assign_lab``, the operator's review page); the lab's people see the
applications assigned to it (``applications.service.listing``) and its evaluators attach an
``evaluation_report`` document while the application is open (``add_document``, which records
the person and the file's SHA-256 in the application's history). Submission and approval need
the report of the lab assigned now (``applications.lab_assignment``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from jcstar.registry.applications import service as applications
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db, may, require_signed_in, role
from jcstar.registry.errors import RegistryError
from jcstar.registry.issuance import service as issuance
from jcstar.registry.web import forms, nav
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.operator.common import day, done, minute
from jcstar.registry.web.operator.names import DOCUMENT_NAMES, STATE_NAMES
from jcstar.registry.web.render import Page, PageRequest

router = APIRouter(include_in_schema=False)

nav.add(nav.NavEntry("/lab", N_("Applications to evaluate"), kinds=frozenset({"lab"}), order=30))

#: while the lab may attach its report (``applications.service.add_document``)
OPEN = ("draft", "returned", *applications.IN_REVIEW)
NOTES = {"uploaded": N_("The evaluation report is attached.")}


@router.get("/lab", response_class=HTMLResponse)
def lab_applications(page: PageRequest, db: Db) -> HTMLResponse:
    caller = role("lab")(require_signed_in(page.caller))
    apps = applications.listing(db, caller, None)
    return page.render(
        "lab/applications.html", {"apps": apps, "state_names": STATE_NAMES, "day": day}
    )


def _application_page(
    page: Page, db: Db, app_id: int, problem: str | None = None, status_code: int = 200
) -> HTMLResponse:
    caller = role("lab")(require_signed_in(page.caller))
    app = applications.load(db, caller, app_id)
    note = page.request.query_params.get("done")
    return page.render(
        "lab/application.html",
        {
            "app": issuance.public(db, app, caller),
            "may_upload": caller.holds("evaluator") and app.state in OPEN,
            "evaluator": caller.holds("evaluator"),
            "state_names": STATE_NAMES,
            "document_names": DOCUMENT_NAMES,
            "problem": problem,
            "note": NOTES.get(note or ""),
            "minute": minute,
        },
        status_code=status_code,
    )


@router.get("/lab/applications/{app_id}", response_class=HTMLResponse)
def lab_application(page: PageRequest, db: Db, app_id: int) -> HTMLResponse:
    return _application_page(page, db, app_id)


@router.post("/lab/applications/{app_id}/evaluation-report")
def upload_evaluation_report(
    page: PageRequest,
    db: Db,
    app_id: int,
    report: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The same step as ``POST /api/v1/applications/{id}/documents`` with
    ``kind=evaluation_report``, by the named lab's evaluator."""
    forms.check(page.request, page.settings, csrf)
    caller = may(lab=("evaluator",))(require_signed_in(page.caller))
    # one byte past the limit: enough to know it is too large, never the whole of it
    content = report.file.read(page.settings.max_upload_bytes + 1)
    try:
        lock_for_write(db)
        applications.add_document(
            db,
            page.settings,
            caller,
            app_id,
            "evaluation_report",
            report.filename or "evaluation-report",
            content,
        )
        db.commit()
    except RegistryError as exc:
        db.rollback()
        if exc.status in (401, 403, 404):
            raise
        return _application_page(page, db, app_id, exc.detail, exc.status)
    return done(f"/lab/applications/{app_id}", "uploaded")
