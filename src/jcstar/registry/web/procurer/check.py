"""Check a model list: upload it, choose the policy (shipped, or a sector body's file), the
system's importance, the product type and the day; see each line's verdict with its reason,
the summary, and download the report (XLSX, PDF with the ``[pdf]`` extra, JSON).

The check is ``procurement.check.run_check`` over ``status.source.DatabaseStatusSource``: the
bulk status endpoint's queries, in process. A check changes nothing, so its result is the
answer to the form's post (there is nothing to redirect to); the downloads and "watch these
models" carry the list back in a hidden field (``inputs.pack``) rather than storing it."""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from jcstar.procurement.check import run_check
from jcstar.procurement.evaluate import CheckResult, LineResult, ModelLine
from jcstar.procurement.loader import load_policy, shipped_policy_names
from jcstar.procurement.models import IMPORTANCES, Importance, Policy
from jcstar.procurement.render_text import shown_labels
from jcstar.registry.deps import Db
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.labels.service import today
from jcstar.registry.status.source import DatabaseStatusSource
from jcstar.registry.web import forms
from jcstar.registry.web.messages import procurement as said_in_page
from jcstar.registry.web.messages.refusals import refusal
from jcstar.registry.web.procurer import inputs, reasons
from jcstar.registry.web.procurer.common import (
    WATCH_ROLES,
    Procurer,
    Token,
    names,
    read_upload,
)
from jcstar.registry.web.render import Page, PageRequest

router = APIRouter(include_in_schema=False)

#: lines shown on the result page (every line is in the downloads): a page of 10,000 rows
#: would be megabytes of HTML
SHOWN_LINES = 1_000
#: format → file name ending and media type
DOWNLOADS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("pdf", "application/pdf"),
    "json": ("json", "application/json"),
}
Text = Annotated[str, Form(max_length=40)]


def pdf_available() -> bool:
    """PDF reports need WeasyPrint (the ``[pdf]`` extra)."""
    return importlib.util.find_spec("weasyprint") is not None


@dataclass(frozen=True)
class Asked:
    """What the form asked, as typed: shown again beside a problem, carried to downloads."""

    policy: str = "government"
    importance: str = ""
    product_type: str = ""
    on: str = ""


class Problems:
    """A form's problems, one line per field (the first found), and the status to answer."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.by_field: dict[str, str] = {}
        self.status = 422

    def add(self, field: str, exc: RegistryError) -> None:
        if not self.by_field:
            self.status = exc.status
        self.by_field.setdefault(field, refusal(self.page, exc))


def _shipped() -> list[Policy]:
    return [load_policy(name) for name in shipped_policy_names()]


def _form(
    page: Page, asked: Asked, problems: Problems | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {
        "policies": _shipped(),
        "asked": asked,
        "today": today().isoformat(),
        "importances": IMPORTANCES,
        "problems": problems.by_field if problems else {},
        **names(),
    }
    return page.render("procurer/check.html", context, status_code=status_code)


@router.get("/procurer", response_class=HTMLResponse)
def check_page(page: PageRequest, caller: Procurer) -> HTMLResponse:
    return _form(page, Asked())


def _day(text: str) -> dt.date:
    if not text.strip():
        return today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Unprocessable(
            f"on: {text!r} is not a date (YYYY-MM-DD)",
            code="not_a_date",
            params={"value": repr(text)},
        ) from None


def _importance(text: str) -> Importance | None:
    if not text:
        return None
    found = next((i for i in IMPORTANCES if i == text), None)
    if found is None:
        allowed = ", ".join(IMPORTANCES)
        raise Unprocessable(
            f"importance: {text!r} is not one of {allowed}",
            code="unknown_importance",
            params={"value": repr(text), "allowed": allowed},
        )
    return found


@dataclass(frozen=True)
class Checked:
    result: CheckResult
    policy: Policy
    lines: tuple[ModelLine, ...]
    #: an uploaded policy's file name and text (carried to the downloads); empty if shipped
    policy_file: tuple[str, str]


def _run(
    db: Db,
    page: Page,
    asked: Asked,
    problems: Problems,
    lines: tuple[ModelLine, ...] | None,
    policy_upload: tuple[str, bytes] | None,
) -> Checked | None:
    """The check, or None with ``problems`` filled (one line beside each field)."""
    found: Policy | None = None
    day = importance = None
    try:
        day = _day(asked.on)
    except RegistryError as exc:
        problems.add("on", exc)
    try:
        importance = _importance(asked.importance)
    except RegistryError as exc:
        problems.add("importance", exc)
    try:
        found = inputs.policy(asked.policy, policy_upload)
    except RegistryError as exc:
        problems.add("policy", exc)
    product_type = asked.product_type or None
    if found is not None:
        try:
            inputs.check_product_types(found, product_type, ())
        except RegistryError as exc:
            problems.add("product_type", exc)
        if lines is not None:
            try:
                inputs.check_product_types(found, None, lines)
            except RegistryError as exc:
                problems.add("models", exc)
    if problems.by_field or found is None or day is None or lines is None:
        return None
    source = DatabaseStatusSource(db, page.settings.base_url, page.request.app.state.disputes)
    result = run_check(lines, source, found, day, importance, product_type)
    text = ""
    if policy_upload is not None and asked.policy == "file":
        text = policy_upload[1].decode("utf-8", errors="replace")
    name = policy_upload[0] if policy_upload and text else ""
    return Checked(result, found, lines, (name, text))


def _shown(result: CheckResult) -> list[tuple[int, LineResult]]:
    """The lines for the page: all of a list that fits, else those that need attention
    first (not met, ambiguous, unknown), each group in the list's order."""
    numbered = list(enumerate(result.lines, start=1))
    if len(numbered) <= SHOWN_LINES:
        return numbered
    ordered = sorted(numbered, key=lambda n: n[1].verdict == "met")
    return ordered[:SHOWN_LINES]


def _results(page: Page, caller: Procurer, asked: Asked, checked: Checked) -> HTMLResponse:
    result = checked.result
    context: dict[str, Any] = {
        "result": result,
        "policy": checked.policy,
        "rows": _shown(result),
        "shown_labels": shown_labels,
        "shown_limit": SHOWN_LINES,
        "packed": inputs.pack(checked.lines),
        "asked": asdict(asked),
        "policy_file": checked.policy_file,
        "pdf": pdf_available(),
        "may_watch": caller.holds(*WATCH_ROLES),
        "model_count": len({line.model for line in checked.lines}),
        "line_reason": lambda line: reasons.line_reason(page, line),
        "line_warnings": lambda line: said_in_page.warnings(page, line),
        "line_notes": lambda line: said_in_page.notes(page, line),
        **names(),
    }
    return page.render("procurer/result.html", context)


@router.post("/procurer/check", response_class=HTMLResponse)
def check_list(
    page: PageRequest,
    db: Db,
    caller: Procurer,
    csrf: Token = "",
    models: Annotated[UploadFile | None, File()] = None,
    policy: Text = "government",
    policy_file: Annotated[UploadFile | None, File()] = None,
    importance: Text = "",
    product_type: Annotated[str, Form(max_length=100)] = "",
    on: Text = "",
) -> HTMLResponse:
    forms.check(page.request, page.settings, csrf)
    asked = Asked(policy, importance, product_type, on)
    problems = Problems(page)
    lines: tuple[ModelLine, ...] | None = None
    policy_upload = None
    try:
        upload = read_upload(page, models, "model list")
        if upload is None:
            raise Unprocessable("model list: choose a CSV or XLSX file", code="choose_model_list")
        lines = inputs.model_list(*upload)
    except RegistryError as exc:
        problems.add("models", exc)
    try:
        policy_upload = read_upload(page, policy_file, "policy file")
    except RegistryError as exc:
        problems.add("policy", exc)
    checked = _run(db, page, asked, problems, lines, policy_upload)
    if checked is None:
        return _form(page, asked, problems, problems.status)
    return _results(page, caller, asked, checked)


@router.post("/procurer/check/report")
def download_report(
    page: PageRequest,
    db: Db,
    caller: Procurer,
    csrf: Token = "",
    format: Text = "xlsx",
    lines: Annotated[str, Form(max_length=900_000)] = "",
    policy: Text = "government",
    policy_text: Annotated[str, Form(max_length=inputs.MAX_POLICY_BYTES)] = "",
    policy_filename: Annotated[str, Form(max_length=200)] = "",
    importance: Text = "",
    product_type: Annotated[str, Form(max_length=100)] = "",
    on: Text = "",
) -> Response:
    """The report of the check the result page showed, run again now on the carried list
    (the registry may have changed since: the report says when it was made)."""
    forms.check(page.request, page.settings, csrf)
    asked = Asked(policy, importance, product_type, on)
    problems = Problems(page)
    if format not in DOWNLOADS or (format == "pdf" and not pdf_available()):
        problems.add("format", Unprocessable(f"format: {format!r} is not offered here"))
    carried: tuple[ModelLine, ...] | None = None
    try:
        carried = inputs.unpack(lines)
    except RegistryError as exc:
        problems.add("models", exc)
    upload = (
        (policy_filename or "policy.yaml", policy_text.encode("utf-8")) if policy_text else None
    )
    checked = _run(db, page, asked, problems, carried, upload)
    if checked is None:
        return _form(page, asked, problems, problems.status)
    ending, media_type = DOWNLOADS[format]
    body = _render(format, checked)
    name = f"procurement-check-{checked.result.policy}-{checked.result.on}.{ending}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _render(format: str, checked: Checked) -> bytes:
    if format == "json":
        from jcstar.procurement.render_json import render_json

        return render_json(checked.result)
    if format == "pdf":
        from jcstar.procurement.render_pdf import render_pdf

        return render_pdf(checked.result, checked.policy)
    from jcstar.procurement.render_xlsx import render_xlsx

    return render_xlsx(checked.result, checked.policy)
