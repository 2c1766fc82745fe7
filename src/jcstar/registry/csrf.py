"""Cross-site request forgery: a change made with the session cookie must come from the
registry's own pages.

The session cookie is ``SameSite=Strict``, but "site" is the registrable domain: a page on
another port of the same host (or another subdomain) is the same site, and the browser sends
the cookie with its form posts and ``fetch`` calls. So every change (POST, PUT, PATCH,
DELETE) that carries the session cookie and no ``Authorization`` header must name, in its
``Origin`` header (or, where a browser leaves it out, its ``Referer``), exactly one of the
trusted origins: ``scheme://host:port`` of ``base_url``, or those of the
``trusted_origins`` setting. Otherwise 403, before anything is read or changed.

A request with a bearer token is not checked: a page cannot make a browser add an
``Authorization`` header to another origin's request without that origin's consent (CORS,
which the registry does not grant). Logging in and out are not checked either: neither acts
with the session (logging in takes a JSON body, which no cross-origin form can send).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from jcstar.registry.limits import UNSAFE_METHODS, session_cookie
from jcstar.registry.settings import origin_of

#: acting without the session: not checked (see the module's docstring)
UNCHECKED_PATHS = frozenset({"/api/v1/auth/login", "/api/v1/auth/logout"})


class OriginCheck:
    def __init__(self, app: ASGIApp, origins: frozenset[str]) -> None:
        self.app = app
        self.origins = origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE_METHODS
            and scope["path"] not in UNCHECKED_PATHS
        ):
            headers = Headers(scope=scope)
            if "authorization" not in headers and session_cookie(headers) is not None:
                sent = headers.get("origin") or headers.get("referer")
                origin = origin_of(sent) if sent else ""
                if origin not in self.origins:
                    shown = f"from {sent!r}" if sent else "with no Origin header"
                    detail = (
                        f"a change made with the session cookie must come from the registry's "
                        f"own pages; this request came {shown}"
                    )
                    await JSONResponse({"detail": detail}, status_code=403)(scope, receive, send)
                    return
        await self.app(scope, receive, send)
