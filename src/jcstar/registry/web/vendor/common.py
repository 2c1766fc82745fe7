"""What the vendor's pages share: the names they show for states and verdicts, reading an
uploaded file within the registry's limit, and a form's problems kept by field."""

from __future__ import annotations

import json
from typing import Any

from fastapi import UploadFile
from sqlalchemy.orm import Session

from jcstar.registry.errors import RegistryError, TooLarge, Unprocessable
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages.refusals import refusal
from jcstar.registry.web.render import Page

#: an application's states and history steps as the vendor reads them
STATE_NAMES = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "accepted": N_("Accepted"),
    "under_review": N_("Under review"),
    "returned": N_("Returned for correction"),
    "rejected": N_("Rejected"),
    "approved": N_("Approved"),
    "fee_paid": N_("Fee recorded as paid"),
}
VERDICT_NAMES = {
    "MET": N_("Met"),
    "NOT_MET": N_("Not met"),
    "NOT_APPLICABLE": N_("Not applicable"),
    "INCONCLUSIVE": N_("Inconclusive"),
    "NEEDS_REVIEW": N_("Needs review"),
}
DOCUMENT_NAMES = {
    "checklist": N_("Checklist workbook"),
    "declaration": N_("Declaration"),
    "evaluation_report": N_("Evaluation report (lab)"),
    "psti_statement": N_("PSTI statement of compliance"),
    "other": N_("Other document"),
}
#: the questionnaire's answers
ANSWER_NAMES = {
    "implemented": N_("Implemented"),
    "not_implemented": N_("Not implemented"),
    "not_applicable": N_("Not applicable (say why in the statement)"),
}
ROUTE_NAMES = {
    "standard": N_("Standard"),
    "psti": N_("PSTI statement of compliance (UK)"),
}
#: what a page tells after a change went through (``?done=…`` after the redirect)
DONE = {
    "created": N_(
        "The draft application was created. Check what the registry would refuse, then submit."
    ),
    "document": N_("The document was attached."),
    "report": N_("The corrected report replaced the earlier one."),
    "submitted": N_("The application was submitted. The operator reviews it next."),
}


def names() -> dict[str, Any]:
    """The name tables every vendor template may use."""
    return {
        "state_names": STATE_NAMES,
        "verdict_names": VERDICT_NAMES,
        "document_names": DOCUMENT_NAMES,
        "route_names": ROUTE_NAMES,
        "answer_names": ANSWER_NAMES,
        "done_messages": DONE,
    }


def check_form(page: Page, csrf: str) -> None:
    forms.check(page.request, page.settings, csrf)


async def read_upload(page: Page, upload: UploadFile | None, what: str) -> bytes:
    """An uploaded file's bytes, refused (one line naming it) when missing or over the
    registry's upload limit; one byte past the limit is read, never the whole of it."""
    if upload is None or not upload.filename:
        raise Unprocessable(f"{what}: choose a file", code="choose_file", params={"what": what})
    limit = page.settings.max_upload_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(
            f"{upload.filename}: larger than the limit of {limit} bytes",
            code="too_large",
            params={"filename": upload.filename, "limit": limit},
        )
    if not content:
        raise Unprocessable(
            f"{upload.filename}: the file is empty",
            code="empty_file",
            params={"filename": upload.filename},
        )
    return content


def report_data(content: bytes, filename: str) -> dict[str, Any]:
    """An uploaded ``report.json`` as the API's request body takes it."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable(
            f"{filename}: not a JSON report ({exc})",
            code="not_json",
            params={"filename": filename, "detail": exc},
        ) from exc
    if not isinstance(data, dict):
        raise Unprocessable(
            f"{filename}: the report must be a JSON object (what jcstar assess writes)",
            code="not_object",
            params={"filename": filename},
        )
    return data


def refused(db: Session, exc: RegistryError, page: Page | None = None) -> str:
    """A refused change: nothing of it is kept; the one line to show beside the field (in
    ``page``'s language where the refusal has a code, ``web/messages/refusals.py``)."""
    db.rollback()
    return exc.detail if page is None else refusal(page, exc)


def model_lines(text: str) -> list[str] | None:
    """Model numbers typed one per line (commas also separate); None when none are given."""
    models = [m.strip() for line in text.splitlines() for m in line.split(",")]
    models = [m for m in models if m]
    return models or None
