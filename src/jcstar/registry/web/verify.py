"""Verify a label: paste its QR text or upload a photo of it. The same verification as
``jcstar label verify --registry``: the signature offline against this registry's own keys
(``labels.verify``), then the registry's listing of the label (``client.verify``), read here
from the registry's own records rather than over HTTP.

The answer is one of a few outcomes a reader understands (valid, suspended, revoked,
expired, forged …) with the verifier's one-line reason. An upload is limited as the CLI
limits an image (``client.verify.MAX_IMAGE_BYTES`` and ``MAX_IMAGE_PIXELS``), and by the
registry's upload limit (``max_upload_bytes``) before that.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse

from jcstar.client.verify import (
    MAX_IMAGE_BYTES,
    LabelInputError,
    checked_label_text,
    judged_with_listing,
    read_image_bytes,
)
from jcstar.labels.qr import MAX_INPUT_CHARS
from jcstar.labels.verify import TrustedKeys, Verification, VerifyCode, verify_offline
from jcstar.registry.deps import Db
from jcstar.registry.errors import NotFound
from jcstar.registry.labels import service as labels
from jcstar.registry.web import forms, nav, verify_reasons
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.render import PageRequest

router = APIRouter(include_in_schema=False)

nav.add(nav.NavEntry("/verify", N_("Verify a label"), order=10))

#: the verifier's codes as a reader's outcome: a label not made by this registry, or
#: altered, is "forged" whatever check caught it
FORGED = {
    VerifyCode.BAD_HEADER,
    VerifyCode.BAD_ALGORITHM,
    VerifyCode.UNKNOWN_KEY,
    VerifyCode.BAD_SIGNATURE,
    VerifyCode.BAD_CLAIMS,
    VerifyCode.URL_MISMATCH,
    VerifyCode.MODEL_LIST_MISMATCH,
}
OUTCOMES = {
    "valid": N_("Valid: a genuine label, currently valid"),
    "suspended": N_("Suspended: a genuine label, but suspended by the operator"),
    "revoked": N_("Revoked: a genuine label, but revoked by the operator"),
    "expired": N_("Expired: a genuine label whose validity has ended"),
    "superseded": N_("Superseded: a genuine label replaced by a newer one"),
    "lapsed": N_("Lapsed: a genuine label whose criteria have been superseded"),
    "not_yet_valid": N_("Not yet valid: the label is dated in the future"),
    "unknown": N_("Not listed: this registry does not list the label"),
    "forged": N_("Forged: not a label this registry signed, or altered"),
    "malformed": N_("Not a label: no JC-STAR label could be read"),
}

UNREADABLE_IMAGE = N_(
    "No label could be read from the image: choose a PNG or JPEG photo of at most "
    "%(megabytes)s MB with the whole QR code in view."
)
NOT_LABEL_TEXT = N_(
    "This is not a label's QR text: paste the whole text a QR reader shows, a web address "
    "with the signed label after it."
)


def outcome(result: Verification) -> str:
    """Which of ``OUTCOMES`` a verification is."""
    if result.valid:
        return "valid"
    if result.code in FORGED:
        return "forged"
    if result.code == VerifyCode.EXPIRED:
        return "expired"
    if result.code == VerifyCode.NOT_YET_VALID:
        return "not_yet_valid"
    if result.code == VerifyCode.NOT_CURRENT and result.status in OUTCOMES:
        return result.status
    return "malformed"


def verify_text(text: str, keys: TrustedKeys, db: Db) -> tuple[Verification, dict[str, Any] | None]:
    """A label's QR text checked against the keys, then against the registry's listing; with
    that listing (the label's public record) when the registry has one."""
    result = verify_offline(text, keys, labels.today())
    if not result.valid or result.claims is None:
        return result, None
    try:
        listed = labels.public(labels.find(db, result.claims.registration_no))
    except NotFound:
        return judged_with_listing(result, None, labels.today()), None
    record = listed.model_dump(mode="json")
    return judged_with_listing(result, record, labels.today()), record


@router.get("/verify", response_class=HTMLResponse)
def verify_form(page: PageRequest) -> HTMLResponse:
    return page.render("verify.html", {"max_chars": MAX_INPUT_CHARS})


@router.post("/verify", response_class=HTMLResponse)
async def verify_submitted(
    page: PageRequest,
    db: Db,
    csrf: Annotated[str, Form(max_length=200)] = "",
    qr_text: Annotated[str, Form(max_length=MAX_INPUT_CHARS)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    forms.check(page.request, page.settings, csrf)
    text, problem = qr_text.strip(), None
    if photo is not None and photo.filename:
        data = await photo.read(MAX_IMAGE_BYTES + 1)
        try:
            text = read_image_bytes(data, photo.filename)
        except LabelInputError:  # the reader's language, not the verifier's English sentence
            problem = page.gettext(UNREADABLE_IMAGE) % {"megabytes": MAX_IMAGE_BYTES // 2**20}
    if not text and problem is None:
        problem = page.gettext("Paste the label's QR text or choose a photo of the label.")
    result, why = None, []
    if problem is None:
        try:
            checked = checked_label_text(text)
        except LabelInputError:
            problem = page.gettext(NOT_LABEL_TEXT)
        else:
            keys = TrustedKeys.from_jwks(page.request.app.state.keyring.jwks())
            result, listed = verify_text(checked, keys, db)
            why = verify_reasons.reasons(page, result, listed)
    context = {
        "max_chars": MAX_INPUT_CHARS,
        "qr_text": qr_text,
        "problem": problem,
        "result": result,
        "why": why,
        "outcome": outcome(result) if result is not None else None,
        "outcomes": OUTCOMES,
    }
    return page.render("verify.html", context, status_code=422 if problem else 200)
