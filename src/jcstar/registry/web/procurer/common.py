"""What the procurer's pages share: who may open them and change what (the API's guards),
the names they show, reading an upload within the registry's limit, and the redirect after a
change."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Form, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from jcstar.registry.accounts.service import Principal
from jcstar.registry.deps import may, role
from jcstar.registry.errors import RegistryError, TooLarge, Unprocessable
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages.refusals import refusal
from jcstar.registry.web.render import Page

#: any person of a procurer organisation: reading needs no role (roles gate changes only)
Procurer = Annotated[Principal, Depends(role("procurer"))]
#: who changes the watch list, the channels and retries deliveries: a procurer's roles of the
#: API's ``WatchManager`` (``registry/watch/router.py``; ``accounts/roles.py`` says why)
WATCH_ROLES = ("watcher", "administrator")
WatchManager = Annotated[Principal, Depends(may(procurer=WATCH_ROLES))]
Token = Annotated[str, Form(max_length=200)]

VERDICT_NAMES = {
    "met": N_("Meets the policy"),
    "not_met": N_("Does not meet the policy"),
    "ambiguous": N_("Ambiguous"),
    "unknown": N_("Unknown"),
}
IMPORTANCE_NAMES = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
WATCH_KIND_NAMES = {"model": N_("Model number"), "registration": N_("Registration number")}
CHANNEL_KIND_NAMES = {"webhook": N_("Webhook"), "email": N_("E-mail")}
DELIVERY_STATE_NAMES = {
    "pending": N_("Pending"),
    "delivered": N_("Delivered"),
    "failed": N_("Failed"),
}
#: what a notification is about (``docs/notifications.md``)
EVENT_NAMES = {
    "label.issued": N_("Label issued"),
    "label.suspended": N_("Label suspended"),
    "label.revoked": N_("Label revoked"),
    "label.reinstated": N_("Label reinstated"),
    "label.renewed": N_("Label renewed"),
    "label.superseded": N_("Label superseded"),
    "label.notice": N_("Security notice"),
    "label.expiring": N_("Label expires soon"),
    "label.expired": N_("Label expired"),
    "label.support_ended": N_("Support period ended"),
}


def names() -> dict[str, object]:
    return {
        "verdict_names": VERDICT_NAMES,
        "importance_names": IMPORTANCE_NAMES,
        "watch_kind_names": WATCH_KIND_NAMES,
        "channel_kind_names": CHANNEL_KIND_NAMES,
        "delivery_state_names": DELIVERY_STATE_NAMES,
        "event_names": EVENT_NAMES,
    }


def read_upload(page: Page, upload: UploadFile | None, what: str) -> tuple[str, bytes] | None:
    """An uploaded file's name and bytes (None when no file was chosen), refused in one line
    naming it when over the registry's upload limit or empty; one byte past the limit is
    read, never the whole of it."""
    if upload is None or not upload.filename:
        return None
    limit = page.settings.max_upload_bytes
    content = upload.file.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(
            f"{what}: {upload.filename} is larger than the limit of {limit} bytes",
            code="upload_too_large",
            params={"what": what, "filename": upload.filename, "limit": limit},
        )
    if not content:
        raise Unprocessable(
            f"{what}: {upload.filename} is empty",
            code="upload_empty",
            params={"what": what, "filename": upload.filename},
        )
    return upload.filename, content


def refused(db: Session, exc: RegistryError, page: Page) -> str:
    """A refused change: nothing of it is kept; the one line to show beside the field, in
    the page's language where the refusal has a code (``web/messages/refusals.py``)."""
    db.rollback()
    return refusal(page, exc)


def done(path: str, note: str, **counts: int) -> RedirectResponse:
    """Back to a page after a change (POST-redirect-GET); ``note`` is one of the page's own
    ``DONE`` keys, never free text (the address is not ours to fill), ``counts`` numbers."""
    query = urlencode({"done": note, **{k: str(v) for k, v in counts.items()}})
    return RedirectResponse(f"{path}?{query}", status_code=303)
