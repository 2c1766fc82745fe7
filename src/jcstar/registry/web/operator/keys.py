"""The registry's signing keys: the active one, those still published, the retired; an
operator administrator rotates the active key after a confirmation step (``keys.service``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db, Signer
from jcstar.registry.keys import service as keys
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.operator.common import done, guard, operator
from jcstar.registry.web.render import PageRequest

router = APIRouter(include_in_schema=False)

ADMINISTRATOR = {"operator": ("administrator",)}
STATE_NAMES = {
    "active": N_("Active: signs new labels"),
    "published": N_("Published: labels it signed still verify"),
    "retired": N_("Retired: labels it signed no longer verify"),
}
NOTES = {"rotated": N_("A new signing key is active; the previous one stays published.")}


@router.get("/operator/keys", response_class=HTMLResponse)
def keys_page(page: PageRequest, keyring: Signer) -> HTMLResponse:
    caller = operator(page)
    note = page.request.query_params.get("done")
    return page.render(
        "operator/keys.html",
        {
            "keys": keys.keys(keyring),
            "state_names": STATE_NAMES,
            "may_rotate": keys.may_rotate(caller),
            "note": NOTES.get(note or ""),
        },
    )


@router.get("/operator/keys/rotate", response_class=HTMLResponse)
def rotate_confirm(page: PageRequest, keyring: Signer) -> HTMLResponse:
    guard(page, **ADMINISTRATOR)
    return page.render("operator/keys_rotate.html", {"active": keyring.active_kid})


@router.post("/operator/keys/rotate")
def rotate(
    page: PageRequest,
    db: Db,
    keyring: Signer,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    forms.check(page.request, page.settings, csrf)
    caller = guard(page, **ADMINISTRATOR)
    lock_for_write(db)
    keys.rotate(db, keyring, caller)
    db.commit()
    return done("/operator/keys", "rotated")
