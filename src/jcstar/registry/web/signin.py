"""Signing in and out with a form: the same steps, throttle and cookie as the JSON login
(``accounts.signin``); the form carries the portal's form token (``web.forms``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jcstar.registry.accounts import service as accounts
from jcstar.registry.accounts import signin
from jcstar.registry.accounts.service import Principal
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import SESSION_COOKIE, Db
from jcstar.registry.errors import TooManyRequests, Unauthorized
from jcstar.registry.web import forms, nav
from jcstar.registry.web.render import PageRequest

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/signin", response_class=HTMLResponse)
def signin_form(page: PageRequest, next: str = "/") -> HTMLResponse:
    return page.render("signin.html", {"next": _safe_next(next), "email": "", "problem": None})


@router.post("/signin", response_class=HTMLResponse)
def signin_submitted(
    page: PageRequest,
    db: Db,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    forms.check(page.request, page.settings, csrf)
    client = page.request.client
    try:
        _user, cookie = signin.sign_in(
            db, email, password, client.host if client else "unknown", page.settings.session_hours
        )
    except (Unauthorized, TooManyRequests) as exc:
        message = (
            page.gettext("Unknown e-mail address or wrong password.")
            if isinstance(exc, Unauthorized)
            else page.gettext("Too many failed sign-ins; wait a while and try again.")
        )
        context = {"next": _safe_next(next), "email": email, "problem": message}
        response = page.render("signin.html", context, status_code=exc.status)
        response.headers.update(exc.headers)
        return response
    target = _safe_next(next)
    if target == "/":  # no page asked for: the person's own area, not the public home
        target = _own_area(accounts.principal_of_user(_user))
    redirect = RedirectResponse(target, status_code=303)
    signin.set_session_cookie(redirect, cookie, page.settings)
    return redirect


def _own_area(caller: Principal) -> str:
    """The first navigation entry meant for the caller's kind of organisation (``/vendor``,
    ``/operator`` …, as each area's module registers it), else the home page."""
    own = [entry for entry in nav.visible_to(caller) if entry.kinds is not None]
    return own[0].path if own else "/"


@router.post("/signout")
def signout_submitted(
    page: PageRequest, db: Db, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    forms.check(page.request, page.settings, csrf)
    cookie = page.request.cookies.get(SESSION_COOKIE)
    if cookie:
        lock_for_write(db)
        accounts.logout(db, cookie)
        db.commit()
    redirect = RedirectResponse("/", status_code=303)
    redirect.delete_cookie(SESSION_COOKIE)
    return redirect
