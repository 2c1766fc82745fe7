"""Public search and bulk export of labels."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from jcstar.assessment.consumer import ProductCategory
from jcstar.registry.deps import Db
from jcstar.registry.labels.models import Label
from jcstar.registry.labels.schemas import LabelPage, LabelSummary
from jcstar.registry.labels.service import summary, today
from jcstar.registry.search.service import LabelQuery, LabelStatus, search_ids, summaries
from jcstar.registry.search.statistics import kept_current

# the lifespan keeps SQLite's planner statistics current while the server runs
router = APIRouter(prefix="/api/v1", tags=["search"], lifespan=kept_current)

CSV_COLUMNS = tuple(LabelSummary.model_fields)
#: the deepest page of a search (the exports give every label at once)
MAX_OFFSET = 1_000_000
#: a cell starting with one of these is run as a formula by spreadsheet programs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell a spreadsheet shows as text: a leading ``'`` before anything
    it would run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-1+cmd|...``)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@router.get("/labels", response_model=LabelPage)
def search_labels(
    db: Db,
    q: Annotated[str | None, Query(max_length=200)] = None,
    vendor: Annotated[str | None, Query(max_length=200)] = None,
    product: Annotated[str | None, Query(max_length=200)] = None,
    model: Annotated[str | None, Query(max_length=100)] = None,
    registration_no: Annotated[str | None, Query(max_length=40)] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    status: LabelStatus | None = None,
    product_category: ProductCategory | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    # bounded: an offset the database cannot hold would be a 500 (SQLite: 64 bits)
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JSONResponse:
    query = LabelQuery(q, vendor, product, model, registration_no, level, status, product_category)
    on = today()
    ids, total, exact = search_ids(db, query, on, limit, offset)
    # the page as JSON values straight from the stored documents: validating them into
    # ``LabelPage`` again would cost more than reading them (the documents are ``LabelPublic``)
    page = {"items": summaries(db, ids, on), "total": total, "total_exact": exact}
    return JSONResponse(page)


def _every_label(session: Session) -> Iterator[LabelSummary]:
    on = today()
    rows = session.scalars(
        select(Label)
        .order_by(Label.id)
        .options(selectinload(Label.models))
        .execution_options(yield_per=1000)
    )
    for label in rows:
        yield summary(label, on, [m.model_number for m in label.models])


def _export(request: Request, render: type[_Render]) -> StreamingResponse:
    """Stream every label; the export has its own session, open while it streams."""

    def body() -> Iterator[str]:
        with request.app.state.sessions() as session:
            yield from render(_every_label(session))

    return StreamingResponse(
        body(),
        media_type=render.media_type,
        headers={"Content-Disposition": f'attachment; filename="labels.{render.suffix}"'},
    )


class _Render:
    media_type = ""
    suffix = ""

    def __init__(self, items: Iterator[LabelSummary]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[str]:
        raise NotImplementedError


class _Csv(_Render):
    media_type = "text/csv; charset=utf-8"
    suffix = "csv"

    def __iter__(self) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # a byte order mark so that spreadsheet programs read the Japanese text as UTF-8
        buffer.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
        for item in self.items:
            row = item.model_dump(mode="json")
            row["model_numbers"] = ";".join(item.model_numbers)
            writer.writerow([csv_cell(row[c]) for c in CSV_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


class _Json(_Render):
    media_type = "application/json"
    suffix = "json"

    def __iter__(self) -> Iterator[str]:
        yield '{"labels": ['
        for n, item in enumerate(self.items):
            yield ("," if n else "") + json.dumps(item.model_dump(mode="json"), ensure_ascii=False)
        yield "]}"


@router.get("/export/labels.csv", response_class=StreamingResponse)
def export_csv(request: Request) -> StreamingResponse:
    return _export(request, _Csv)


@router.get("/export/labels.json", response_class=StreamingResponse)
def export_json(request: Request) -> StreamingResponse:
    return _export(request, _Json)
