"""How PostgreSQL reads a search: a short walk in label order first, the indexes after.

A page of results is the first matches in label (id) order, and the total is counted up to a
cap. For a common word both are found fastest by walking the labels in id order until the cap
is passed: migration 0003 gives that walk an index of its own (``id`` with the search key
included), so it reads no table rows, ~0.2-0.5 µs a label. For a rare word the walk would read
every label, and the trigram and gram indexes are fast instead (few matches to collect and
sort). The planner cannot tell the two apart: its cost model prices building the bitmap of a
common word (30,000 matches, ~10 ms) as cheap, and its estimate for several words multiplies
their shares as if they were unrelated ("air conditioner": 601 labels estimated, 20,000 found),
which led it to collect and sort every match (145 ms).

So a search first walks a window of ``WINDOW`` labels in id order (at most a few
milliseconds). If the window holds more matches than the cap, that is the page and the count.
Otherwise the match is rare (under cap/``WINDOW`` of the labels) and the planner's indexed
plan is cheap; the window still gives the page when it holds it. Numbers measured at a million
labels; ``WINDOW`` is our own judgement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from jcstar.registry.labels.models import Label

#: labels walked in id order before the indexes are asked
WINDOW = 20_000


def search_page(
    session: Session, walk: Select[Any], indexed: Select[Any], limit: int, offset: int, cap: int
) -> tuple[list[int], int, bool]:
    """The page of ids, the count (at most ``cap``) and whether it is exact.

    ``walk`` and ``indexed`` select the same labels' ids: ``walk`` with conditions cheap to test
    on one label (it runs on the walk's index), ``indexed`` with those the search indexes
    serve. ``cap`` is at least ``offset + limit``."""
    first, last = session.execute(select(func.min(Label.id), func.max(Label.id))).one()
    if first is None:
        return [], 0, True
    bound = first + WINDOW
    with planned(session, bitmap=False, sequential=False):  # the walk's index, in id order
        window = list(
            session.scalars(walk.where(Label.id < bound).order_by(Label.id).limit(cap + 1))
        )
    if len(window) > cap:
        return window[offset : offset + limit], cap, False
    if last < bound:  # the window held every label
        return window[offset : offset + limit], len(window), True
    counted = select(func.count()).select_from(indexed.limit(cap + 1).subquery())
    total = session.scalar(counted) or 0
    if len(window) >= offset + limit:
        page = window[offset : offset + limit]
    else:
        page = list(session.scalars(indexed.order_by(Label.id).offset(offset).limit(limit)))
    return page, min(total, cap), total <= cap


@contextmanager
def planned(session: Session, *, bitmap: bool = True, sequential: bool = True) -> Iterator[None]:
    """Run the block with the planner's bitmap or sequential scans turned off for this
    transaction only (a failed query ends the transaction, which undoes ``SET LOCAL`` too)."""
    off = [
        name
        for name, allowed in (("enable_bitmapscan", bitmap), ("enable_seqscan", sequential))
        if not allowed
    ]
    if off:
        session.execute(text("; ".join(f"SET LOCAL {name} = off" for name in off)))
    try:
        yield
    finally:
        if off:
            session.execute(text("; ".join(f"RESET {name}" for name in off)))
