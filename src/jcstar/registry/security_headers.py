"""Headers every response carries: a Content-Security-Policy, no framing, no referrer.

The pages are server-rendered with no script of their own: the policy allows nothing but
the one inline style block of ``web/templates/base.html`` (by its digest), images from the
registry itself and ``data:`` URIs, and forms that post to the registry. The API
documentation (``/docs``) runs Swagger UI from files the registry serves itself, so it gets
``script-src 'self'`` and the inline styles Swagger UI sets. No page may be framed
(``frame-ancestors 'none'``, ``X-Frame-Options: DENY``: clickjacking), and no address is
sent on to other sites (``Referrer-Policy: no-referrer``: a search's words stay here).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TEMPLATES = Path(__file__).resolve().parent / "web" / "templates"

_COMMON = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"


def _inline_style_hashes() -> str:
    found = re.findall(r"<style>(.*?)</style>", (TEMPLATES / "base.html").read_text(), re.S)
    digests = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in found]
    return " ".join(f"'sha256-{d}'" for d in digests)


def page_policy() -> str:
    return (
        f"default-src 'none'; style-src {_inline_style_hashes()}; img-src 'self' data:; {_COMMON}"
    )


DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data:; connect-src 'self'; font-src 'self'; {_COMMON}"
)

DOCS_PREFIX = "/docs"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.page = page_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] == DOCS_PREFIX or scope["path"].startswith(DOCS_PREFIX + "/")
        policy = DOCS_POLICY if docs else self.page

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, with_headers)
