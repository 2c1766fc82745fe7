"""Headers every response carries: a Content-Security-Policy, no framing, no referrer.

The portal's pages are server-rendered and work without script: the policy allows style
sheets and images from the registry itself (and ``data:`` images), no script at all, no
inline style, and forms that post to the registry only. The API documentation (``/docs``)
runs Swagger UI from files the registry serves itself, so it gets ``script-src 'self'`` and
the inline styles Swagger UI sets. No page may be framed (``frame-ancestors 'none'``,
``X-Frame-Options: DENY``: clickjacking), and no address is sent on to other sites
(``Referrer-Policy: same-origin``: a search's words stay here). Not ``no-referrer``: under
it a browser sends ``Origin: null`` with the portal's own form posts, and the origin checks
(``registry.csrf``, ``web.forms``) could no longer tell them from another site's.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

PAGE_POLICY = f"default-src 'none'; style-src 'self'; img-src 'self' data:; {_COMMON}"

DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data:; connect-src 'self'; font-src 'self'; {_COMMON}"
)

DOCS_PREFIX = "/docs"


def add_to(headers: MutableHeaders, policy: str) -> None:
    """The headers, unless the response set its own."""
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] == DOCS_PREFIX or scope["path"].startswith(DOCS_PREFIX + "/")
        policy = DOCS_POLICY if docs else PAGE_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_to(MutableHeaders(scope=message), policy)
            await send(message)

        await self.app(scope, receive, with_headers)
