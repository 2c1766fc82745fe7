"""A join SQLite must run in the order written: ``left CROSS JOIN right``.

SQLite's planner, without statistics, priced "labels with level 1" (600,000 rows through an
index) below "labels whose full-text entry holds the word" and ran the full-text match once per
label row: a common word with a status filter took 61 s at a million labels. A ``CROSS JOIN``
is SQLite's documented way to keep the left table as the outer loop
(https://www.sqlite.org/optoverview.html#manual_control_of_join_order_using_cross_join), so the
full-text table yields candidates in id order and each is checked against its label row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join


class CrossJoin(Join):
    """An inner join rendered as ``CROSS JOIN ... ON`` (same rows, fixed order)."""

    inherit_cache = True


@compiles(CrossJoin)
def _cross_join(element: CrossJoin, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    assert element.onclause is not None  # built with its ON clause
    on = compiler.process(element.onclause, **kw)
    return f"{left} CROSS JOIN {right} ON {on}"
