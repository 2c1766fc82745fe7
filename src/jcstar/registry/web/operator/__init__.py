"""The scheme operator's pages (``/operator/…``): the review queue, an application's review,
labels and their status, the signing keys, the operator's people and the organisations.
Every page is for operator organisations only; each change needs the role the API asks."""

from __future__ import annotations

from fastapi import APIRouter

from jcstar.registry.web import nav
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.operator import accounts, keys, labels, queue, review

OPERATOR = frozenset({"operator"})
nav.add(nav.NavEntry("/operator", N_("Review queue"), kinds=OPERATOR, order=30))
nav.add(nav.NavEntry("/operator/labels", N_("Labels"), kinds=OPERATOR, order=31))
nav.add(nav.NavEntry("/operator/keys", N_("Signing keys"), kinds=OPERATOR, order=32))
nav.add(nav.NavEntry("/operator/accounts", N_("Accounts"), kinds=OPERATOR, order=33))

router = APIRouter(include_in_schema=False)
for pages in (queue.router, review.router, labels.router, keys.router, accounts.router):
    router.include_router(pages)
