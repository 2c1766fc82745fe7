"""The watch list: the model and registration numbers a procurer follows, each with its
labels as they stand today; follow more (typed, from a model list file, or the list a check
just read) and stop following one. Changes go through ``registry.watch.service`` as the API's
``POST /api/v1/watches`` and ``DELETE /api/v1/watches/{id}`` do, with its role guard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jcstar.labels.standing import standing_on
from jcstar.registry.db import lock_for_write
from jcstar.registry.deps import Db
from jcstar.registry.errors import RegistryError, Unprocessable
from jcstar.registry.labels.service import today
from jcstar.registry.status.source import DatabaseStatusSource
from jcstar.registry.watch import service
from jcstar.registry.watch.models import Watch
from jcstar.registry.watch.schemas import MAX_NUMBERS, WatchCreate
from jcstar.registry.web import forms
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.procurer import inputs
from jcstar.registry.web.procurer.common import (
    WATCH_ROLES,
    Procurer,
    Token,
    WatchManager,
    done,
    names,
    read_upload,
    refused,
)
from jcstar.registry.web.render import Page, PageRequest

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
DONE = {
    "added": N_("Numbers newly followed: %(added)s; followed already: %(already)s."),
    "removed": N_("The number is no longer followed."),
}


def _labels_today(db: Db, page: Page, watches: list[Watch]) -> dict[int, list[Any]]:
    """Each watch's labels as they stand today (what a notification would be about)."""
    source = DatabaseStatusSource(db, page.settings.base_url, page.request.app.state.disputes)
    models = [w.number for w in watches if w.kind == "model"]
    numbers = [w.number for w in watches if w.kind == "registration"]
    found = source.lookup(models, numbers)
    day = today()
    by_watch: dict[int, list[Any]] = {}
    for watch in watches:
        if watch.kind == "model":
            records = list(found.by_model.get(watch.number, ()))
        else:
            one = found.by_registration.get(watch.number)
            records = [one] if one is not None else []
        by_watch[watch.id] = [standing_on(r, day) for r in records]
    return by_watch


def _page(
    page: Page,
    db: Db,
    caller: Procurer,
    offset: int = 0,
    number: str = "",
    typed: str = "",
    kind: str = "model",
    remind_days: str = "",
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items, total = service.list_watches(db, caller, number or None, offset, PAGE_SIZE)
    query = page.request.query_params
    note = query.get("done")
    counts = {k: int(v) for k in ("added", "already") if (v := query.get(k, "")).isdigit()}
    context = {
        "watches": items,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "number": number,
        "labels": _labels_today(db, page, items),
        "may_change": caller.holds(*WATCH_ROLES),
        "typed": typed,
        "kind": kind,
        "remind_days": remind_days,
        "problem": problem,
        "done": DONE[note] if note in DONE and (note != "added" or len(counts) == 2) else None,
        "counts": counts,
        "previous": page.with_query(offset=max(offset - PAGE_SIZE, 0) or None, done=None),
        "next": page.with_query(offset=offset + PAGE_SIZE, done=None),
        **names(),
    }
    return page.render("procurer/watches.html", context, status_code=status_code)


@router.get("/procurer/watches", response_class=HTMLResponse)
def watches_page(
    page: PageRequest,
    db: Db,
    caller: Procurer,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    number: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    return _page(page, db, caller, offset, number.strip())


def _numbers(typed: str, upload: tuple[str, bytes] | None, carried: str) -> list[str]:
    """The numbers to follow: typed one per line (commas also separate), a model list file's
    model column, and the list a check carried."""
    numbers = [n.strip() for line in typed.splitlines() for n in line.split(",")]
    if upload is not None:
        numbers += [line.model for line in inputs.model_list(*upload)]
    if carried:
        numbers += [line.model for line in inputs.unpack(carried)]
    numbers = list(dict.fromkeys(n for n in numbers if n))
    if not numbers:
        raise Unprocessable(
            "numbers: give at least one number, or a model list file", code="no_numbers"
        )
    if len(numbers) > MAX_NUMBERS:
        raise Unprocessable(
            f"numbers: at most {MAX_NUMBERS:,} at once; got {len(numbers):,}",
            code="too_many_numbers",
            params={"limit": f"{MAX_NUMBERS:,}", "count": f"{len(numbers):,}"},
        )
    return numbers


@router.post("/procurer/watches", response_class=HTMLResponse)
def add_watches(
    page: PageRequest,
    db: Db,
    caller: WatchManager,
    csrf: Token = "",
    numbers: Annotated[str, Form(max_length=500_000)] = "",
    kind: Annotated[str, Form(max_length=20)] = "model",
    remind_days: Annotated[str, Form(max_length=10)] = "",
    model_list: Annotated[UploadFile | None, File()] = None,
    lines: Annotated[str, Form(max_length=900_000)] = "",
) -> Response:
    """As ``POST /api/v1/watches``: numbers already followed are counted, not added twice."""
    forms.check(page.request, page.settings, csrf)
    try:
        days = remind_days.strip()
        if days and not days.isdigit():
            raise Unprocessable(
                f"remind_days: {remind_days!r} is not a whole number of days",
                code="not_whole_days",
                params={"value": repr(remind_days)},
            )
        wanted = _numbers(numbers, read_upload(page, model_list, "model list"), lines)
        try:
            body = WatchCreate(
                numbers=wanted,
                kind=kind,  # checked by the model
                remind_days=int(days) if days else None,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = first["loc"][0]
            raise Unprocessable(
                f"{field}: {first['msg']}",
                code="invalid_field",
                params={"field": field, "detail": first["msg"]},
            ) from None
        lock_for_write(db)
        added = service.add_watches(db, caller, body)
        db.commit()
    except RegistryError as exc:
        problem = refused(db, exc, page)
        return _page(
            page,
            db,
            caller,
            typed=numbers,
            kind=kind,
            remind_days=remind_days,
            problem=problem,
            status_code=exc.status,
        )
    return done("/procurer/watches", "added", added=added.added, already=added.already_watched)


@router.post("/procurer/watches/{watch_id}/remove", response_class=HTMLResponse)
def remove_watch(
    page: PageRequest, db: Db, caller: WatchManager, watch_id: int, csrf: Token = ""
) -> Response:
    """As ``DELETE /api/v1/watches/{id}``: another organisation's watch is unknown (404)."""
    forms.check(page.request, page.settings, csrf)
    try:
        lock_for_write(db)
        service.remove_watch(db, caller, watch_id)
        db.commit()
    except RegistryError:
        db.rollback()
        raise
    return done("/procurer/watches", "removed")
