"""A vendor's labels: renew one (a new application naming it, as the API's ``renews``), and
post a security notice on its product page (``labels.service.add_notice``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Applicant, Db, Vendor
from jcstar.registry.errors import Forbidden, RegistryError, Unprocessable
from jcstar.registry.issuance import renewal
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import Label
from jcstar.registry.labels.schemas import NoticeCreate
from jcstar.registry.web.messages.refusals import refusal
from jcstar.registry.web.render import Page, PageRequest
from jcstar.registry.web.vendor.common import check_form, names, refused

router = APIRouter(include_in_schema=False)


def _own(db: Db, caller: Vendor, registration_no: str) -> Label:
    """The caller's own label (a label is public, but only its vendor renews it or posts
    notices on it: the same rule ``add_notice`` and ``renewal`` apply on the change)."""
    label = labels.find(db, registration_no)
    if label.vendor_org_id != caller.org_id:
        raise Forbidden("only the label's vendor may do this", code="not_the_labels_vendor")
    return label


@router.get("/vendor/labels/{registration_no}/renew", response_class=HTMLResponse)
def renew_form(page: PageRequest, db: Db, caller: Vendor, registration_no: str) -> HTMLResponse:
    label = _own(db, caller, registration_no)
    on = labels.today()
    context = {
        "label": labels.public(label),
        "opens": renewal.window_opens(label, page.settings),
        "open_now": on >= renewal.window_opens(label, page.settings),
        "renewable": labels.current_status(label, on) in renewal.RENEWABLE,
        "renews": label.registration_no,
        "models": "\n".join(m.model_number for m in label.models),
        "route": "standard",
        "problem": None,
        "max_age": page.settings.renewal_report_max_age_days,
    }
    return page.render("vendor/new.html", {**context, **names()})


def _notice_form(
    page: Page,
    label: Label,
    fields: dict[str, str],
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {"label": labels.public(label), "fields": fields, "problem": problem}
    return page.render("vendor/notice.html", context, status_code=status_code)


@router.get("/vendor/labels/{registration_no}/notice", response_class=HTMLResponse)
def notice_form(page: PageRequest, db: Db, caller: Vendor, registration_no: str) -> HTMLResponse:
    label = _own(db, caller, registration_no)
    return _notice_form(page, label, {"title": "", "body": "", "url": ""})


@router.post("/vendor/labels/{registration_no}/notice", response_class=HTMLResponse)
def post_notice(
    page: PageRequest,
    db: Db,
    caller: Applicant,
    registration_no: str,
    csrf: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=1000)] = "",
    body: Annotated[str, Form(max_length=100_000)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_form(page, csrf)
    fields = {"title": title, "body": body, "url": url}
    label = _own(db, caller, registration_no)
    try:
        notice = NoticeCreate(title=title.strip(), body=body.strip(), url=url.strip() or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        field, why = first["loc"][0], first["msg"]
        invalid = Unprocessable(
            f"{field}: {why}", code="invalid_field", params={"field": field, "detail": why}
        )
        return _notice_form(page, label, fields, refusal(page, invalid), 422)
    try:
        lock_for_write(db)
        label = labels.find(db, registration_no)
        labels.add_notice(db, label, caller, notice.title, notice.body, notice.url)
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _notice_form(page, _own(db, caller, registration_no), fields, problem, exc.status)
    return RedirectResponse(f"/p/{registration_no}", status_code=303)
