"""What the operator's pages share: who may open them, the redirect after a change (with a
one-line note of what was done), and dates as the pages show them."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse

from jcstar.registry.accounts.service import Principal
from jcstar.registry.deps import may, require_signed_in, role
from jcstar.registry.web.render import Page


def operator(page: Page) -> Principal:
    """The caller, if of an operator organisation (401 signed out, 403 otherwise), as the
    API's ``Operator`` dependency decides."""
    return role("operator")(require_signed_in(page.caller))


def guard(page: Page, **roles_by_kind: tuple[str, ...]) -> Principal:
    """The caller if it holds one of the roles (the API's ``may``), else 401/403."""
    return may(**roles_by_kind)(require_signed_in(page.caller))


def done(path: str, note: str) -> RedirectResponse:
    """Back to a page after a change (POST-redirect-GET); ``note`` names what was done, one of
    the page's own ``NOTES`` keys (never free text: the address is not ours to fill)."""
    return RedirectResponse(f"{path}?{urlencode({'done': note})}", status_code=303)


def day(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at else ""


def minute(at: dt.datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else ""
