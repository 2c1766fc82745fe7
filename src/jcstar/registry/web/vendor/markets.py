"""The "other markets" pages of an application: its report seen through each other scheme
(counts, and a page per scheme with every requirement's projected verdict), what ``--also``
would add, the recognition routes for the report's level, and the declarations to download
(``web.vendor.declarations``).

Readable by whoever may see the application (``applications.service.load``): its vendor, its
applying proxy and the operator; another vendor's is 404, as in the API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from jcstar.catalog.loader import load_catalog
from jcstar.registry.applications import service
from jcstar.registry.deps import Db, VendorOrOperator
from jcstar.registry.errors import NotFound
from jcstar.registry.issuance import service as issuance
from jcstar.registry.labels import service as labels
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.render import PageRequest
from jcstar.registry.web.vendor.common import names
from jcstar.registry.web.vendor.markets_view import (
    OTHER_SCHEMES,
    markets,
    projected_rows,
    scheme_name,
)

router = APIRouter(include_in_schema=False)

#: the declarations the page offers, with their names
DECLARATIONS = {
    "psti": N_("UK PSTI statement of compliance"),
    "cra": N_("EU Cyber Resilience Act pack (class, declaration of conformity, technical file)"),
    "etsi-ics": N_("ETSI EN 303 645 implementation conformance statement"),
}
#: a recognition route's kind, as the page names it
ROUTE_KINDS = {
    "deemed_compliance": N_("deemed compliance"),
    "waiver": N_("waiver of requirements"),
    "simplified_application": N_("simplified application"),
    "equivalent_criteria": N_("equivalent criteria"),
    "none": N_("no recognition arrangement"),
}
#: what a fact rests on, as the page names it
BASES = {
    "official": N_("official source"),
    "secondary": N_("secondary source"),
    "judgement": N_("our own judgement"),
}


def _back(caller: VendorOrOperator, app_id: int) -> str:
    """The application's own page for this reader."""
    side = "operator" if caller.kind == "operator" else "vendor"
    return f"/{side}/applications/{app_id}"


def _common(db: Db, caller: VendorOrOperator, app_id: int) -> dict[str, Any]:
    app = service.load(db, caller, app_id)
    return {
        "app": issuance.public(db, app, caller),
        "report": service.stored_report(app),
        "back": _back(caller, app_id),
        "route_kinds": ROUTE_KINDS,
        "bases": BASES,
        **names(),
    }


@router.get("/vendor/applications/{app_id}/markets", response_class=HTMLResponse)
def markets_page(page: PageRequest, db: Db, caller: VendorOrOperator, app_id: int) -> HTMLResponse:
    context = _common(db, caller, app_id)
    report = context["report"]
    catalog = load_catalog()
    context |= {
        "markets": markets(catalog, report, page.lang, labels.today()),
        "declarations": DECLARATIONS,
        "also": [scheme_name(catalog, s, page.lang) for s in report.catalog.also],
    }
    return page.render("vendor/markets.html", context)


@router.get("/vendor/applications/{app_id}/markets/{scheme}", response_class=HTMLResponse)
def market_page(
    page: PageRequest, db: Db, caller: VendorOrOperator, app_id: int, scheme: str
) -> HTMLResponse:
    if scheme not in OTHER_SCHEMES:
        raise NotFound(f"no market {scheme!r} (one of {', '.join(OTHER_SCHEMES)})")
    context = _common(db, caller, app_id)
    catalog = load_catalog()
    context |= {
        "scheme": scheme,
        "scheme_name": scheme_name(catalog, scheme, page.lang),
        "rows": projected_rows(catalog, context["report"], scheme, page.lang),
    }
    return page.render("vendor/market.html", context)
