"""The public's pages: home with search, search results with filters and paging, a label's
product page, and the link in a compact seal's QR code. Searching uses the API's search
(``search.service``); the product page shows the API's record of a label (``labels.public``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from jcstar.assessment.consumer import CATEGORIES, UPDATE_MODES
from jcstar.labels import seal
from jcstar.registry.deps import Db
from jcstar.registry.errors import NotFound, Unprocessable
from jcstar.registry.labels import service as labels
from jcstar.registry.search.service import (
    STATUSES,
    LabelQuery,
    recent_ids,
    search_ids,
    summaries,
)
from jcstar.registry.status.records import record_of
from jcstar.registry.web import nav
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.recognised import BASIS_NAMES, recognised
from jcstar.registry.web.render import PageRequest

router = APIRouter(include_in_schema=False)

nav.add(nav.NavEntry("/", N_("Search"), order=0))

#: results on one page of a search
PAGE_SIZE = 20
#: the deepest page: as deep as the API's search goes (``search.router.MAX_OFFSET``)
MAX_PAGE = 1_000_000 // PAGE_SIZE
#: labels on the home page
RECENT = 6
LEVELS = (1, 2, 3, 4)
Text = Annotated[str | None, Query(max_length=200)]


def _level(given: str | None) -> int | None:
    if not given:
        return None
    if given not in {str(level) for level in LEVELS}:
        raise Unprocessable(f"level must be one of 1, 2, 3, 4 (given: {given!r})")
    return int(given)


def _choice(name: str, given: str | None, allowed: tuple[str, ...]) -> str | None:
    if not given:
        return None
    if given not in allowed:
        raise Unprocessable(f"unknown {name} {given!r} (one of {', '.join(allowed)})")
    return given


@router.get("/", response_class=HTMLResponse)
def home(
    page: PageRequest,
    db: Db,
    q: Text = None,
    vendor: Text = None,
    level: Annotated[str | None, Query(max_length=2)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    p: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    query = LabelQuery(
        q=(q or "").strip() or None,
        vendor=(vendor or "").strip() or None,
        level=_level(level),
        status=_choice("status", status, STATUSES),
        product_category=_choice("product type", category, tuple(CATEGORIES)),
    )
    filters = {
        "q": q or "",
        "vendor": vendor or "",
        "level": level or "",
        "status": status or "",
        "category": category or "",
    }
    choices = {
        "levels": LEVELS,
        "statuses": STATUSES,
        "categories": [(key, page.named(named)) for key, named in CATEGORIES.items()],
    }
    on = labels.today()
    if query == LabelQuery():
        recent = summaries(db, recent_ids(db, RECENT), on)
        return page.render("home.html", {"filters": filters, "recent": recent, **choices})
    ids, total, exact = search_ids(db, query, on, PAGE_SIZE, (p - 1) * PAGE_SIZE)
    shown_to = (p - 1) * PAGE_SIZE + len(ids)
    return page.render(
        "search.html",
        {
            "filters": filters,
            **choices,
            "items": summaries(db, ids, on),
            "total": total,
            "exact": exact,
            "first": (p - 1) * PAGE_SIZE + 1 if ids else 0,
            "last": shown_to,
            "previous": page.with_query(p=p - 1 if p > 2 else None) if p > 1 else None,
            "next": page.with_query(p=p + 1) if shown_to < total or not exact else None,
            "page_no": p,
        },
    )


@router.get("/L/{digits}", response_class=HTMLResponse)
def seal_link(page: PageRequest, digits: str) -> Response:
    """The link in a compact seal's QR code (``labels.seal``): a phone that opens it is sent
    on to the product page of the registration number the seal names."""
    number = seal.registration_no_in(digits)
    if number is None:
        return page.render("not_found.html", {"registration_no": None}, status_code=404)
    target = page.request.url_for("product_page", registration_no=number)
    return RedirectResponse(str(target), status_code=303)


@router.get("/p/{registration_no}", response_class=HTMLResponse)
def product_page(page: PageRequest, registration_no: str, db: Db) -> HTMLResponse:
    try:
        label = labels.find(db, registration_no)
    except NotFound:
        return page.render("not_found.html", {"registration_no": registration_no}, status_code=404)
    record = labels.public(label)
    artwork = labels.artwork_svg(label.jws, labels.qr_of(label))
    category = CATEGORIES.get(record.product_category or "")
    update_mode = UPDATE_MODES.get(record.update_mode or "")
    # where the label counts abroad today (recognition.yaml's routes that rest on a label)
    abroad = recognised(record_of(record.model_dump_json()), labels.today(), page.lang)
    return page.render(
        "product.html",
        {
            "label": record,
            # the SVG is made by our own label library from our own data
            "artwork": Markup(artwork),
            "category": page.named(category) if category else None,
            "update_mode": page.named(update_mode) if update_mode else None,
            "events": EVENT_NAMES,
            "recognised": abroad,
            "basis_names": BASIS_NAMES,
        },
    )


#: a label's history as the product page names its events (``labels.service._record``)
EVENT_NAMES = {
    "issued": N_("Label issued"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "reinstated": N_("Reinstated"),
    "superseded": N_("Superseded"),
    "renews": N_("Renews an earlier label"),
}
