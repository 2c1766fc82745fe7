"""The vendor's home: its organisation, its labels with status and expiry, its applications
with their state."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from jcstar.registry.accounts.models import Org
from jcstar.registry.applications import service as applications
from jcstar.registry.deps import Db, Vendor
from jcstar.registry.issuance import service as issuance
from jcstar.registry.labels import service as labels
from jcstar.registry.labels.models import Label
from jcstar.registry.search.service import summaries
from jcstar.registry.web.render import PageRequest
from jcstar.registry.web.vendor.common import names

router = APIRouter(include_in_schema=False)


@router.get("/vendor", response_class=HTMLResponse)
def dashboard(page: PageRequest, db: Db, caller: Vendor) -> HTMLResponse:
    org = db.get(Org, caller.org_id)
    # the labels issued in the organisation's name, newest first, as search shows them
    ids = list(
        db.scalars(
            select(Label.id).where(Label.vendor_org_id == caller.org_id).order_by(Label.id.desc())
        )
    )
    listed = applications.listing(db, caller, None)
    return page.render(
        "vendor/dashboard.html",
        {
            "org": org,
            "labels": summaries(db, ids, labels.today()),
            "applications": [issuance.public(db, app, caller) for app in reversed(listed)],
            "may_apply": caller.holds("applicant"),
            "may_manage": caller.holds("administrator"),
            **names(),
        },
    )
