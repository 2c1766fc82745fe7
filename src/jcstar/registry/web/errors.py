"""Error pages (404, 403, 500 …) in the reader's language for the portal's addresses; the API
(``/api/…``, ``/openapi.json``, ``/.well-known/…``) keeps answering errors as JSON."""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response

from jcstar.registry import security_headers
from jcstar.registry.accounts.service import Principal, principal_for_session
from jcstar.registry.deps import SESSION_COOKIE
from jcstar.registry.errors import RegistryError
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import english
from jcstar.registry.web.messages.refusals import refusal
from jcstar.registry.web.render import page_for

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]

API_PREFIXES = ("/api/", "/openapi.json", "/.well-known/", "/docs/assets/")

TITLES = {
    400: N_("The request could not be understood"),
    401: N_("Please sign in"),
    403: N_("You may not do this"),
    404: N_("Page not found"),
    413: N_("What you sent is too large"),
    415: N_("What you sent is not in a form the registry reads"),
    422: N_("What you sent could not be used"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
}


def is_page(request: Request) -> bool:
    path = request.url.path
    return not any(path == p.rstrip("/") or path.startswith(p) for p in API_PREFIXES)


def _signed_in(request: Request) -> Principal | None:
    """Who holds the request's session cookie, looked up in a session of its own (the route's
    may have failed with the error), so the page's header shows them signed in rather than
    offering "Sign in"; None when the lookup itself fails (the database may be the error)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        with request.app.state.sessions() as session:
            return principal_for_session(session, cookie)
    except Exception:  # the page must still be shown, as if signed out
        log.warning("error page: the session could not be looked up", exc_info=True)
        return None


def error_page(
    request: Request, status: int, detail: str | None, refused: RegistryError | None = None
) -> Response:
    """The error page; its detail line in the reader's language when ``refused`` has a code
    (``web/messages/refusals.py``), else the sentence as given, marked English."""
    page = dataclasses.replace(page_for(request), caller=_signed_in(request))
    if refused is not None:
        detail = refusal(page, refused)
    elif detail is not None:
        detail = english(detail)
    title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    signin = None
    if status == 401:
        # a signed-out reader (e.g. one following a link make run printed) gets the way to sign
        # in and come back here, not the API's sentence about tokens
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        signin, detail = "/signin?" + urlencode({"next": here}), None
    context = {"status": status, "title": title, "detail": detail, "signin": signin}
    return page.render("error.html", context, status_code=status)


def _one_line(exc: RequestValidationError) -> str:
    """The first problem with what was sent, as ``where: what`` (the value is not repeated)."""
    for error in exc.errors():
        where = ".".join(
            str(part) for part in error.get("loc", ()) if part not in ("query", "body")
        )
        return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))
    return "invalid request"


async def _answer(handler: Handler, request: Request, exc: Exception) -> Response:
    """The app's own (JSON) answer."""
    answer = handler(request, exc)
    return await answer if inspect.isawaitable(answer) else answer


def install(app: FastAPI) -> None:
    """Answer errors on portal addresses with a page; keep the app's JSON answers for the API.
    Called after the app has installed its own handlers."""
    registry_json = app.exception_handlers[RegistryError]

    async def registry_error(request: Request, exc: Exception) -> Response:
        if is_page(request) and isinstance(exc, RegistryError):
            response = error_page(request, exc.status, exc.detail, exc)
            response.headers.update(exc.headers)
            return response
        return await _answer(registry_json, request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        if is_page(request) and isinstance(exc, HTTPException):
            # Starlette's own errors (no such address, wrong method) say nothing a reader needs
            return error_page(request, exc.status_code, None)
        return await http_exception_handler(request, exc)  # type: ignore[arg-type]

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        if is_page(request):
            # outside every middleware (Starlette's ServerErrorMiddleware): its own headers
            response = error_page(request, 500, None)
            security_headers.add_to(response.headers, security_headers.PAGE_POLICY)
            return response
        return PlainTextResponse("Internal Server Error", status_code=500)

    invalid_json = app.exception_handlers[RequestValidationError]

    async def invalid(request: Request, exc: Exception) -> Response:
        if is_page(request) and isinstance(exc, RequestValidationError):
            return error_page(request, 422, _one_line(exc))
        return await _answer(invalid_json, request, exc)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
