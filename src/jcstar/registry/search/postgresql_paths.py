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

The walk's index holds the search key, level, status and expiry, not the vendor or product
names: a vendor filter tested label by label read every label of the window from the table
(16 ms at 200,000 labels). The window's labels are therefore found on the index alone and only
those read from the table to check such a filter (6 ms). A registration or model number is
looked up by its own index, without a walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, text
from sqlalchemy.orm import Session

from jcstar.registry.labels.models import Label

#: labels walked in id order before the indexes are asked
WINDOW = 20_000


def search_page(
    session: Session,
    covered: list[ColumnElement[bool]],
    rechecked: list[ColumnElement[bool]],
    indexed: Select[Any],
    limit: int,
    offset: int,
    cap: int,
) -> tuple[list[int], int, bool]:
    """The page of ids, the count (at most ``cap``) and whether it is exact.

    ``covered`` and ``rechecked`` together select the labels ``indexed`` selects: ``covered``
    with conditions cheap to test on the walk's index, ``rechecked`` on columns it does not
    hold, ``indexed`` with those the search indexes serve. ``cap`` is at least
    ``offset + limit``."""
    first, last = session.execute(select(func.min(Label.id), func.max(Label.id))).one()
    if first is None:
        return [], 0, True
    bound = first + WINDOW
    walk = _walk(select(Label.id).where(*covered, Label.id < bound), rechecked)
    with planned(session, bitmap=False, sequential=False):  # the walk's index, in id order
        window = list(session.scalars(walk.limit(cap + 1)))
    if len(window) > cap:
        return window[offset : offset + limit], cap, False
    if last < bound:  # the window held every label
        return window[offset : offset + limit], len(window), True
    if len(window) >= offset + limit:
        total = _count(session, indexed, cap)
        return window[offset : offset + limit], min(total, cap), total <= cap
    return indexed_page(session, indexed, limit, offset, cap)


def _walk(window: Select[Any], rechecked: list[ColumnElement[bool]]) -> Select[Any]:
    """The window's ids in order, with ``rechecked`` tested only on those ``window`` keeps
    (``OFFSET 0`` keeps PostgreSQL from merging the two queries back into one walk)."""
    if not rechecked:
        return window.order_by(Label.id)
    candidates = window.order_by(Label.id).offset(0).subquery("walked")
    joined = select(candidates.c.id).join(Label, Label.id == candidates.c.id)
    return joined.where(*rechecked).order_by(candidates.c.id)


def _count(session: Session, indexed: Select[Any], cap: int) -> int:
    """How many labels ``indexed`` selects, counted to ``cap + 1`` at most."""
    counted = select(func.count()).select_from(indexed.limit(cap + 1).subquery())
    return session.scalar(counted) or 0


def indexed_page(
    session: Session, indexed: Select[Any], limit: int, offset: int, cap: int
) -> tuple[list[int], int, bool]:
    """Page and capped count as the search indexes find them (a rare match), in one query:
    a page in id order collects and sorts every match anyway, so the first ``cap + 1`` cost
    it little more, where a count of its own read the matches again (2 ms of a 12 ms vendor
    search at 200,000 labels)."""
    ids = list(session.scalars(indexed.order_by(Label.id).limit(cap + 1)))
    return ids[offset : offset + limit], min(len(ids), cap), len(ids) <= cap


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
