"""The vendor's pages (``/vendor/…``): its organisation, labels and applications; starting an
application from a report or from the questionnaire; what the registry would refuse, per
requirement; documents, submission, answering a return; renewal and security notices; the
report downloads; its people, for its administrators. Each change goes through the service
the API's router calls, with the API's role guards (``registry.deps``)."""

from __future__ import annotations

from fastapi import APIRouter

from jcstar.registry.web import nav
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.vendor import (
    applications,
    dashboard,
    declarations,
    labels,
    markets,
    people,
    questionnaire,
)

nav.add(nav.NavEntry("/vendor", N_("My organisation"), kinds=frozenset({"vendor"}), order=20))

router = APIRouter(include_in_schema=False)
for pages in (dashboard, applications, labels, questionnaire, people, markets, declarations):
    router.include_router(pages.router)
