"""Label search on either database.

Japanese has no spaces between words, so word tokenizers find nothing inside
「スマートホームゲートウェイ」. Both databases therefore match character trigrams:
SQLite through an FTS5 table with the ``trigram`` tokenizer (kept in step with ``labels`` by
triggers; terms under three characters fall back to LIKE, which trigrams cannot serve), and
PostgreSQL through a ``pg_trgm`` GIN index that serves ``ILIKE '%term%'``. Every
whitespace-separated term must match (AND).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, column, func, select, table
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from jcstar.registry.errors import Unprocessable
from jcstar.registry.labels.models import Label, LabelModel

STATUSES = ("valid", "expired", "suspended", "revoked")
_fts = table("label_fts", column("rowid"), column("search_text"))


@dataclass(frozen=True)
class LabelQuery:
    q: str | None = None
    vendor: str | None = None
    product: str | None = None
    model: str | None = None
    registration_no: str | None = None
    level: int | None = None
    status: str | None = None


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(col: InstrumentedAttribute[str], term: str, sqlite: bool) -> ColumnElement[bool]:
    # SQLite's LIKE already ignores ASCII case; its ILIKE would add lower() on every row
    if sqlite:
        return col.like(_like_pattern(term), escape="\\")
    return col.ilike(_like_pattern(term), escape="\\")


def _text_match(term: str, sqlite: bool) -> ColumnElement[bool]:
    if sqlite and len(term) >= 3:
        phrase = '"' + term.replace('"', '""') + '"'
        return Label.id.in_(select(_fts.c.rowid).where(_fts.c.search_text.op("MATCH")(phrase)))
    return _contains(Label.search_text, term, sqlite)


def _status(status: str, on: dt.date) -> ColumnElement[bool]:
    if status == "valid":
        return and_(Label.status == "valid", Label.expires_on >= on)
    if status == "expired":
        return and_(Label.status == "valid", Label.expires_on < on)
    return Label.status == status


def _conditions(query: LabelQuery, sqlite: bool, on: dt.date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.q:
        where += [_text_match(term, sqlite) for term in query.q.split()]
    if query.vendor:
        where.append(_contains(Label.vendor, query.vendor.strip(), sqlite))
    if query.product:
        where.append(_contains(Label.product, query.product.strip(), sqlite))
    if query.model:
        models = select(LabelModel.label_id).where(LabelModel.model_number == query.model.strip())
        where.append(Label.id.in_(models))
    if query.registration_no:
        where.append(Label.registration_no == query.registration_no.strip())
    if query.level is not None:
        where.append(Label.level == query.level)
    if query.status:
        if query.status not in STATUSES:
            raise Unprocessable(f"unknown status {query.status!r} (one of {', '.join(STATUSES)})")
        where.append(_status(query.status, on))
    return where


def filtered(session: Session, query: LabelQuery, on: dt.date) -> Select[Label]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    return select(Label).where(*_conditions(query, sqlite, on))


def search(
    session: Session, query: LabelQuery, on: dt.date, limit: int, offset: int
) -> tuple[list[Label], int]:
    base = filtered(session, query, on)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = base.order_by(Label.id).limit(limit).offset(offset).options(selectinload(Label.models))
    return list(session.scalars(page)), total
