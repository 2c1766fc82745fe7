"""The review queue: applications waiting for the operator (or in a state asked for), with
level and vendor filters, how many days each has waited, oldest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from jcstar.registry.applications.models import STATES
from jcstar.registry.applications.queue import QueueFilter, review_queue
from jcstar.registry.deps import Db
from jcstar.registry.errors import Unprocessable
from jcstar.registry.web.operator.common import day, operator
from jcstar.registry.web.operator.names import STATE_NAMES
from jcstar.registry.web.render import PageRequest

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
LEVELS = (1, 2, 3, 4)


def _filter(state: str | None, level: str | None, vendor: str | None) -> QueueFilter:
    if state and state not in STATES:
        raise Unprocessable(f"unknown state {state!r} (one of {', '.join(STATES)})")
    if level and level not in {str(n) for n in LEVELS}:
        raise Unprocessable(f"level must be one of 1, 2, 3, 4 (given: {level!r})")
    return QueueFilter(
        state=state or None, level=int(level) if level else None, vendor=(vendor or "").strip()
    )


@router.get("/operator", response_class=HTMLResponse)
def queue_page(
    page: PageRequest,
    db: Db,
    state: Annotated[str | None, Query(max_length=20)] = None,
    level: Annotated[str | None, Query(max_length=2)] = None,
    vendor: Annotated[str | None, Query(max_length=200)] = None,
    p: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    caller = operator(page)
    wanted = _filter(state, level, vendor)
    items, total = review_queue(db, caller, wanted, PAGE_SIZE, (p - 1) * PAGE_SIZE)
    last = (p - 1) * PAGE_SIZE + len(items)
    return page.render(
        "operator/queue.html",
        {
            "items": items,
            "total": total,
            "first": (p - 1) * PAGE_SIZE + 1 if items else 0,
            "last": last,
            "filters": {"state": state or "", "level": level or "", "vendor": vendor or ""},
            "states": STATES,
            "levels": LEVELS,
            "state_names": STATE_NAMES,
            "day": day,
            "previous": page.with_query(p=p - 1 if p > 2 else None) if p > 1 else None,
            "next": page.with_query(p=p + 1) if last < total else None,
            "page_no": p,
        },
    )
