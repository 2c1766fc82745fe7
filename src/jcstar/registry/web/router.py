"""The portal: server-rendered pages in Japanese and English (``web/``), one module per
domain of pages, each with its own router and navigation entries (``web.nav``); routes are
thin and call the same domain services as the API. The app includes this one router.

To add a domain of pages (``/vendor``…): a module with ``router`` and its ``nav.add(...)``,
its templates extending ``base.html``, listed in ``PAGES`` below.
"""

from __future__ import annotations

from fastapi import APIRouter

from jcstar.registry.web import public, signin, static, transparency, verify

PAGES = (static.router, public.router, verify.router, transparency.router, signin.router)

router = APIRouter(include_in_schema=False)
for pages in PAGES:
    # the routes themselves, not the routers: the app reads each route's rules (body limits,
    # sign-in, upload) from the routes of the routers it includes (``limits.route_rules``)
    router.routes.extend(pages.routes)
