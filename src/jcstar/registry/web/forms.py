"""Cross-site request forgery on the portal's forms: a form token, checked with the origin.

Every form carries a token in a hidden field (``csrf``) that must equal the value of the
``jcstar_form`` cookie (double submit): a page on another site cannot read the cookie, so it
cannot write the field. The cookie is ``HttpOnly`` and ``SameSite=Strict`` (and ``Secure``
when the registry is served over HTTPS, where it is also ``__Host-`` prefixed, so a sibling
subdomain cannot plant one). On top, a form post must come from one of the registry's own
origins (``Origin``, or ``Referer`` where a browser leaves it out), as ``registry.csrf``
already asks of any change made with the session cookie: here it is asked of every form,
signed in or not (signing in is a change too: login CSRF).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from jcstar.registry.errors import Forbidden
from jcstar.registry.settings import Settings, origin_of

FIELD = "csrf"


def cookie_name(settings: Settings) -> str:
    return "__Host-jcstar_form" if _secure(settings) else "jcstar_form"


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def token_of(request: Request, settings: Settings) -> tuple[str, bool]:
    """The form token for this visitor, and whether it is new (to be set as the cookie)."""
    held = request.cookies.get(cookie_name(settings))
    if held and 20 <= len(held) <= 100:
        return held, False
    return secrets.token_urlsafe(32), True


def remember(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        cookie_name(settings),
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(settings),
        path="/",
    )


def check(request: Request, settings: Settings, sent: str | None) -> None:
    """``Forbidden`` unless the post came from our own pages with this visitor's token."""
    came_from = request.headers.get("origin") or request.headers.get("referer")
    if not came_from or origin_of(came_from) not in settings.origins:
        raise Forbidden("the form did not come from this registry's own pages", code="foreign_form")
    held = request.cookies.get(cookie_name(settings)) or ""
    if not sent or not held or not hmac.compare_digest(sent.encode(), held.encode()):
        raise Forbidden(
            "the form's security token is missing or out of date; reload the page",
            code="stale_form",
        )
