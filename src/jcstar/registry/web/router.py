"""HTML pages, Japanese and English, rendered with Jinja2 (autoescaped)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from jcstar.assessment.consumer import CATEGORIES, UPDATE_MODES
from jcstar.labels import seal
from jcstar.registry.deps import Db
from jcstar.registry.errors import NotFound
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import Label
from jcstar.registry.search.service import LabelQuery, search

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")

STATUS_NAMES = {
    "valid": "有効 / Valid",
    "expired": "期限切れ / Expired",
    "suspended": "一時停止 / Suspended",
    "revoked": "取消し / Revoked",
    "superseded": "後継ラベルに置換え / Superseded",
}


#: results shown on the search page (more: "N+", refine the words)
PAGE = 100


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request, db: Db, q: Annotated[str | None, Query(max_length=200)] = None
) -> HTMLResponse:
    found: list[Label] = []
    total, exact = 0, True
    if q and q.strip():
        found, total, exact = search(db, LabelQuery(q=q), labels.today(), PAGE, 0)
    on = labels.today()
    items = [labels.summary(lb, on, [m.model_number for m in lb.models]) for lb in found]
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "q": q or "",
            "items": items,
            "total": f"{total}" if exact else f"{total}+",
            "status_names": STATUS_NAMES,
        },
    )


@router.get("/L/{digits}", response_class=HTMLResponse)
def seal_link(request: Request, digits: str) -> Response:
    """The link in a compact seal's QR code (``labels.seal``): a phone that opens it is sent
    on to the product page of the registration number the seal names."""
    number = seal.registration_no_in(digits)
    if number is None:
        return templates.TemplateResponse(
            request, "not_found.html", {"registration_no": "(unreadable seal)"}, status_code=404
        )
    page = request.url_for("product_page", registration_no=number)
    return RedirectResponse(str(page), status_code=303)


@router.get("/p/{registration_no}", response_class=HTMLResponse)
def product_page(request: Request, registration_no: str, db: Db) -> HTMLResponse:
    try:
        label = labels.find(db, registration_no)
    except NotFound:
        return templates.TemplateResponse(
            request, "not_found.html", {"registration_no": registration_no}, status_code=404
        )
    record = labels.public(label)
    artwork = labels.artwork_svg(label.jws, labels.qr_of(label))
    return templates.TemplateResponse(
        request,
        "product.html",
        {
            "label": record,
            # the SVG is made by our own label library from our own data
            "artwork": Markup(artwork),
            "status_names": STATUS_NAMES,
            "categories": CATEGORIES,
            "update_modes": UPDATE_MODES,
        },
    )
