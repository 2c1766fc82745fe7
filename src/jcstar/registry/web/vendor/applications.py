"""A vendor's applications: start one from a report (``report.json``), see it with what the
registry would refuse per requirement and the operator's reasons on a return, attach
documents, replace the report, submit, and download the report in each format."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from jcstar.registry.applications import service
from jcstar.registry.applications.documents import DOCUMENT_KINDS
from jcstar.registry.applications.return_reasons import split
from jcstar.registry.applications.schemas import ApplicationCreate, ApplicationUpdate
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Applicant, Db, Vendor
from jcstar.registry.errors import NotFound, RegistryError, Unprocessable
from jcstar.registry.issuance import service as issuance
from jcstar.registry.web.render import Page, PageRequest
from jcstar.registry.web.vendor.common import (
    DONE,
    check_form,
    model_lines,
    names,
    read_upload,
    refused,
    report_data,
)
from jcstar.registry.web.vendor.requirements import latest_return, requirement_ids, requirements
from jcstar.reports import FORMATS, render, report_format

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Form(max_length=200)]
#: how each report format is downloaded: file name ending and media type
DOWNLOADS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "html": ("html", "text/html; charset=utf-8"),
    "md": ("md", "text/markdown; charset=utf-8"),
    "json": ("json", "application/json"),
    "sarif": ("sarif", "application/sarif+json"),
    "oscal": ("oscal.json", "application/json"),
}


def _new_form(
    page: Page,
    *,
    renews: str = "",
    models: str = "",
    route: str = "standard",
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"renews": renews, "models": models, "route": route, "problem": problem}
    return page.render("vendor/new.html", {**context, **names()}, status_code=status_code)


@router.get("/vendor/applications/new", response_class=HTMLResponse)
def new_application(page: PageRequest, caller: Vendor) -> HTMLResponse:
    return _new_form(page)


@router.post("/vendor/applications/new", response_class=HTMLResponse)
async def create_application(
    page: PageRequest,
    db: Db,
    caller: Applicant,
    csrf: Token = "",
    report: Annotated[UploadFile | None, File()] = None,
    model_numbers: Annotated[str, Form(max_length=100_000)] = "",
    route: Annotated[str, Form(max_length=20)] = "standard",
    renews: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    check_form(page, csrf)
    try:
        content = await read_upload(page, report, "report.json")
        data = report_data(content, (report.filename if report else None) or "report.json")
        try:
            body = ApplicationCreate(
                report=data,
                model_numbers=model_lines(model_numbers),
                route=route,  # checked by the model
                renews=renews.strip() or None,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            raise Unprocessable(f"{first['loc'][0]}: {first['msg']}") from exc
        lock_for_write(db)
        app = service.create(
            db, page.settings, caller, body, issuance.label_rules(db, page.settings)
        )
        db.commit()
    except RegistryError as exc:
        return _new_form(
            page,
            renews=renews,
            models=model_numbers,
            route=route,
            problem=refused(db, exc, page),
            status_code=exc.status,
        )
    return RedirectResponse(f"/vendor/applications/{app.id}?done=created", status_code=303)


def _detail(
    page: Page,
    db: Db,
    caller: Vendor,
    app_id: int,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    app = service.load(db, caller, app_id)
    report = service.stored_report(app)
    decision = service.decision_for(db, page.settings, app, report)
    returned = latest_return([(e.state, e.reason) for e in app.events])
    general, by_requirement = split(returned or "", set(requirement_ids(report)))
    done = page.request.query_params.get("done")
    context: dict[str, Any] = {
        "app": issuance.public(db, app, caller),
        "report": report,
        "requirements": requirements(report, decision, by_requirement, page),
        "returned": returned,
        "return_general": general,
        "editable": app.state in service.EDITABLE,
        # only the maker (or its proxy) that applied changes an application, with the role
        "may_change": app.applicant_org_id == caller.org_id and caller.holds("applicant"),
        "document_kinds": DOCUMENT_KINDS[:2] + DOCUMENT_KINDS[3:],  # a lab attaches its own
        "formats": FORMATS,
        "problems": problems or {},
        "done": done if done in DONE else None,
        **names(),
    }
    return page.render("vendor/application.html", context, status_code=status_code)


@router.get("/vendor/applications/{app_id}", response_class=HTMLResponse)
def application_page(page: PageRequest, db: Db, caller: Vendor, app_id: int) -> HTMLResponse:
    return _detail(page, db, caller, app_id)


@router.post("/vendor/applications/{app_id}/documents", response_class=HTMLResponse)
async def attach_document(
    page: PageRequest,
    db: Db,
    caller: Applicant,
    app_id: int,
    csrf: Token = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_form(page, csrf)
    try:
        content = await read_upload(page, document, "document")
        lock_for_write(db)
        filename = (document.filename if document else None) or "document"
        service.add_document(db, page.settings, caller, app_id, kind, filename, content)
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _detail(page, db, caller, app_id, {"document": problem}, exc.status)
    return RedirectResponse(f"/vendor/applications/{app_id}?done=document", status_code=303)


@router.post("/vendor/applications/{app_id}/report", response_class=HTMLResponse)
async def replace_report(
    page: PageRequest,
    db: Db,
    caller: Applicant,
    app_id: int,
    csrf: Token = "",
    report: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_form(page, csrf)
    try:
        content = await read_upload(page, report, "report.json")
        data = report_data(content, (report.filename if report else None) or "report.json")
        lock_for_write(db)
        service.update(db, page.settings, caller, app_id, ApplicationUpdate(report=data))
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _detail(page, db, caller, app_id, {"report": problem}, exc.status)
    return RedirectResponse(f"/vendor/applications/{app_id}?done=report", status_code=303)


@router.post("/vendor/applications/{app_id}/submit", response_class=HTMLResponse)
def submit_application(
    page: PageRequest, db: Db, caller: Applicant, app_id: int, csrf: Token = ""
) -> Response:
    check_form(page, csrf)
    try:
        lock_for_write(db)
        service.submit(db, page.settings, caller, app_id, issuance.label_rules(db, page.settings))
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _detail(page, db, caller, app_id, {"submit": problem}, exc.status)
    return RedirectResponse(f"/vendor/applications/{app_id}?done=submitted", status_code=303)


@router.get("/vendor/applications/{app_id}/report.{fmt}")
def download_report(db: Db, caller: Vendor, app_id: int, fmt: str) -> Response:
    """The application's report in a format (the checklist workbook is ``xlsx``): always a
    download, never shown in the registry's origin (the report holds the vendor's text)."""
    if fmt not in FORMATS:
        raise NotFound(f"no report format {fmt!r} (one of {', '.join(FORMATS)})")
    app = service.load(db, caller, app_id)
    report = service.stored_report(app)
    ending, media_type = DOWNLOADS[report_format(fmt).name]
    number = app.application_no
    return Response(
        render(report, fmt),
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(number)}-report.{ending}",
            "X-Content-Type-Options": "nosniff",
        },
    )
