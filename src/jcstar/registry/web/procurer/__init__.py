"""A procurer's pages (``/procurer/…``): check a model list against a procurement policy on a
day, in process against the registry's own database; follow model and registration numbers;
the notification channels and the deliveries made to them. Reading is for any procurer; each
change goes through ``registry.watch``/``registry.outbox`` with the API's role guards."""

from __future__ import annotations

from fastapi import APIRouter

from jcstar.registry.web import nav
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.procurer import check, notifications, watches

PROCURER = frozenset({"procurer"})
nav.add(nav.NavEntry("/procurer", N_("Check a model list"), kinds=PROCURER, order=20))
nav.add(nav.NavEntry("/procurer/watches", N_("Watch list"), kinds=PROCURER, order=21))
nav.add(nav.NavEntry("/procurer/notifications", N_("Notifications"), kinds=PROCURER, order=22))

router = APIRouter(include_in_schema=False)
for pages in (check, watches, notifications):
    router.include_router(pages.router)
