"""Declarations for other markets from an application's report, downloaded from the "other
markets" page: the UK PSTI statement of compliance, the EU CRA pack and the ETSI EN 303 645
implementation conformance statement, each as PDF or HTML (``declarations`` and
``declarations.render``, what ``jcstar declare`` writes).

Only those who may see the application get them (its vendor, its applying proxy, the
operator: ``applications.service.load``); another vendor's is as unknown as a missing one.
The PSTI statement takes the application's label, when one was issued, as it stands today.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from jcstar.assessment.models import AssessmentReport
from jcstar.catalog.loader import load_catalog
from jcstar.declarations.cra import cra_pack
from jcstar.declarations.etsi_ics import etsi_ics
from jcstar.declarations.psti import psti_statement
from jcstar.declarations.render import Declaration, render_declaration
from jcstar.labels.standing import LabelRecord
from jcstar.registry.applications import service
from jcstar.registry.deps import Db, VendorOrOperator
from jcstar.registry.errors import NotFound
from jcstar.registry.issuance import service as issuance
from jcstar.registry.labels import service as labels
from jcstar.registry.status.records import record_of

router = APIRouter(include_in_schema=False)

#: the declarations offered, by the name their download carries
KINDS = ("psti", "cra", "etsi-ics")
#: how each format is downloaded: media type
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def declaration_of(
    kind: str, report: AssessmentReport, label: LabelRecord | None, on: dt.date
) -> Declaration:
    catalog = load_catalog()
    if kind == "psti":
        return psti_statement(catalog, report, label, on)
    if kind == "cra":
        return cra_pack(catalog, report)
    return etsi_ics(catalog, report)


def label_record(db: Db, registration_no: str | None) -> LabelRecord | None:
    """The public record of the application's label, if one was issued."""
    if registration_no is None:
        return None
    public = labels.public(labels.find(db, registration_no))
    return record_of(public.model_dump_json())


@router.get("/vendor/applications/{app_id}/declarations/{kind}.{fmt}")
def download_declaration(
    db: Db, caller: VendorOrOperator, app_id: int, kind: str, fmt: str
) -> Response:
    """A declaration, always as a download (the HTML holds the vendor's text and is never
    shown in the registry's origin)."""
    if kind not in KINDS:
        raise NotFound(f"no declaration {kind!r} (one of {', '.join(KINDS)})")
    if fmt not in MEDIA_TYPES:
        raise NotFound(f"no declaration format {fmt!r} (one of {', '.join(MEDIA_TYPES)})")
    app = service.load(db, caller, app_id)
    shown = issuance.public(db, app, caller)
    label = label_record(db, shown.registration_no)
    declaration = declaration_of(kind, service.stored_report(app), label, labels.today())
    number = shown.application_no or shown.draft_no
    filename = quote(f"{number}-{kind}.{fmt}")
    return Response(
        render_declaration(declaration, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
            "X-Content-Type-Options": "nosniff",
        },
    )
