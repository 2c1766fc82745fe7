"""The portal: server-rendered pages in Japanese and English (``web/``), one module per
domain of pages, each with its own router and navigation entries (``web.nav``); routes are
thin and call the same domain services as the API. The app includes this one router.

To add a domain of pages (``/vendor``…): a module (or package) with ``router`` and its
``nav.add(...)``, its templates extending ``base.html``, listed in ``PAGES`` below.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import BaseRoute

from jcstar.registry.web import (
    lab,
    operator,
    procurer,
    public,
    signin,
    static,
    transparency,
    vendor,
    verify,
)

PAGES: tuple[APIRouter, ...] = (static.router, public.router, verify.router, transparency.router)
PAGES += (signin.router,)
PAGES += (vendor.router,)
PAGES += (operator.router, lab.router)
PAGES += (procurer.router,)


def routes_of(pages: APIRouter) -> list[BaseRoute]:
    """A router's routes, those of routers it includes too (FastAPI keeps an included router
    apart, as one entry): the app reads each route's rules (body limits, sign-in, uploads:
    ``limits.route_rules``) from the routes themselves."""
    found: list[BaseRoute] = []
    for route in pages.routes:
        inner = getattr(route, "original_router", None)
        if not isinstance(inner, APIRouter):
            found.append(route)
            continue
        context = getattr(route, "include_context", None)
        if getattr(context, "prefix", "") or getattr(context, "dependencies", []):
            # flattening would drop them: page modules give their routes full paths
            raise RuntimeError(f"include page routers without a prefix or dependencies ({inner})")
        found.extend(routes_of(inner))
    return found


router = APIRouter(include_in_schema=False)
for pages in PAGES:
    router.routes.extend(routes_of(pages))
