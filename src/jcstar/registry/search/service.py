"""Label search on either database.

Japanese has no spaces between words, so word tokenizers find nothing inside
「スマートホームゲートウェイ」. Both databases therefore match characters: terms of three
characters or more through trigrams (SQLite: an FTS5 table with the ``trigram`` tokenizer,
PostgreSQL: a ``pg_trgm`` GIN index serving ``LIKE '%term%'``), shorter terms through an index
of each label's one- and two-character substrings (migration 0003). Both sides are in the
normal form of ``search_keys`` (NFKC, case-folded). Every whitespace-separated term must match
(AND).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload
from sqlalchemy.sql.expression import TableClause

from jcstar.registry.errors import Unprocessable
from jcstar.registry.labels.documents import LabelDocument, status_on, support_ended_in
from jcstar.registry.labels.models import Label, LabelModel
from jcstar.registry.labels.schemas import LabelSummary
from jcstar.registry.search import postgresql_paths, statistics
from jcstar.registry.search.sqlite_join import CrossJoin
from jcstar.registry.search_keys import is_short, query_terms

#: what a reader sees: the stored statuses, and ``expired`` derived from the date
LabelStatus = Literal["valid", "expired", "suspended", "revoked", "superseded"]
STATUSES: tuple[str, ...] = get_args(LabelStatus)
#: matches counted at most; beyond it a search reports "at least COUNT_CAP" (our judgement:
#: as many as the search page shows; counting to 1,000 cost PostgreSQL 10-40 ms a query)
COUNT_CAP = 100
#: full-text matches a filtered search walks on SQLite before it reads the labels a filter's
#: index picks instead (our judgement from the 1M bench: 10,000 kept every filtered search we
#: measured at 35 ms p50 or less; 50,000 let a rare status with a common word take 40-70 ms)
CANDIDATES = 10_000
_fts = table("label_fts", column("rowid"), column("search_text"))
# detail=none allows no column filter: the match is on the table's own hidden column
_grams = table("label_grams", column("rowid"), column("label_grams"))


@dataclass(frozen=True)
class LabelQuery:
    q: str | None = None
    vendor: str | None = None
    product: str | None = None
    model: str | None = None
    registration_no: str | None = None
    level: int | None = None
    status: str | None = None
    #: one of ``assessment.consumer.CATEGORIES`` (the portal's "product type" filter)
    product_category: str | None = None


@dataclass(frozen=True)
class _Match:
    """How one query is matched: on SQLite, the full-text table (and its condition) that
    yields the matching ids in order, if one serves the query; and the conditions on label
    rows."""

    driver: TableClause | None
    match: ColumnElement[bool] | None
    where: list[ColumnElement[bool]]
    #: the words as LIKE conditions on the search key: what the full-text match finds, checked
    #: on a label row (when a few labels picked by an index drive the query instead)
    words: list[ColumnElement[bool]] = field(default_factory=list)
    #: the conditions a label index serves (level, status, model, registration number), also
    #: in ``where``
    indexed: list[ColumnElement[bool]] = field(default_factory=list)
    #: the conditions on display columns (vendor, product, product type), also in ``where``:
    #: PostgreSQL's walk index does not hold them, so its walk checks them only on the labels
    #: the other conditions let through
    rechecked: list[ColumnElement[bool]] = field(default_factory=list)

    @property
    def covered(self) -> list[ColumnElement[bool]]:
        """``where`` without ``rechecked``."""
        return [c for c in self.where if all(c is not r for r in self.rechecked)]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _holds(term: str) -> ColumnElement[bool]:
    """The search key holds the term: both are in normal form, so plain LIKE (SQLite's also
    ignores ASCII case, which changes nothing here)."""
    return Label.search_text.like(_like_pattern(term), escape="\\")


def _contains(col: InstrumentedAttribute[Any], term: str, sqlite: bool) -> ColumnElement[bool]:
    """A display column (vendor, product) holds the term, in any ASCII letter case."""
    if sqlite or term.lower() == term.upper():
        # a term without letter case (kana, kanji, digits) needs no ILIKE on PostgreSQL,
        # whose per-row case folding made a scan for 東京 about twice as slow as LIKE
        return col.like(_like_pattern(term), escape="\\")
    return col.ilike(_like_pattern(term), escape="\\")


def _fts_match(terms: list[str]) -> str:
    """One FTS5 query for the terms: each a quoted phrase, all required."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _tokenized(term: str) -> bool:
    """Whether SQLite's gram table (tokenizer ``unicode61``: letters and digits) can look the
    term up; a term of nothing but punctuation is only found by a scan."""
    return any(char.isalnum() for char in term)


def _sqlite_terms(terms: list[str]) -> _Match:
    long_terms = [t for t in terms if not is_short(t)]
    short = [t for t in terms if is_short(t)]
    # a term of letters and digits is one token of the gram table, found exactly; the label
    # rows confirm any other (the tokenizer drops punctuation: "-1" finds every "1")
    where = [_holds(t) for t in short if not t.isalnum()]
    words = [_holds(t) for t in terms]
    if long_terms:
        match = _fts.c.search_text.op("MATCH")(_fts_match(long_terms))
        return _Match(_fts, match, where, words)
    looked_up = [t for t in short if _tokenized(t)]
    if looked_up:
        match = _grams.c.label_grams.op("MATCH")(_fts_match(looked_up))
        return _Match(_grams, match, where, words)
    return _Match(None, None, where, words)


def _postgresql_term(term: str, walking: bool) -> ColumnElement[bool]:
    """LIKE, served by the trigram index; a short term also through the gram index, except
    on a walk, where LIKE alone is exact and computing each label's grams would cost ~50 µs."""
    if walking or not is_short(term):
        return _holds(term)
    grams = func.jcstar_grams(Label.search_text, type_=ARRAY(Text))
    return and_(_holds(term), grams.contains(literal([term], ARRAY(Text))))


def _hinted(condition: ColumnElement[bool], share: float | None) -> ColumnElement[bool]:
    """The condition, with the share of labels it holds for as SQLite's planner's hint.

    SQLite's statistics (``search.statistics``) average the statuses: 4,000 suspended labels
    and none revoked were both "100,000 a status" at 200,000 labels, and a revoked filter then
    walked every label in id order (0.3 -> 67 ms). ``likelihood()`` gives the planner the
    share measured (https://www.sqlite.org/lang_corefunc.html#likelihood)."""
    if share is None:
        return condition
    # a constant, not a bound parameter: SQLite takes no other; untyped: typed Boolean,
    # SQLAlchemy would compare it with 1 on SQLite, and the planner takes only a bare hint
    likely: ColumnElement[float] = literal_column(repr(max(share, statistics.UNSEEN_SHARE)))
    hinted: ColumnElement[bool] = func.likelihood(condition, likely)
    return hinted


def _status(status: str, on: dt.date, shares: dict[str, float] | None) -> ColumnElement[bool]:
    """A status filter; ``shares`` (SQLite) the statuses' shares of the labels."""

    def share(name: str) -> float | None:
        return None if shares is None else shares.get(name, 0.0)

    if status not in ("valid", "expired"):
        return _hinted(Label.status == status, share(status))
    stored = _hinted(Label.status == "valid", share("valid"))
    # the expiry's hint is the share of stored-valid labels past it
    expired = None if shares is None else shares["expired"] / max(shares["valid"], 1e-9)
    if status == "valid":
        lasting = None if expired is None else 1 - min(expired, 1.0)
        return and_(stored, _hinted(Label.expires_on >= on, lasting))
    return and_(stored, _hinted(Label.expires_on < on, expired))


def _matching(
    query: LabelQuery,
    sqlite: bool,
    on: dt.date,
    walking: bool = False,
    shares: dict[str, float] | None = None,
) -> _Match:
    # a vendor or product filter's words are in the search key too: looked up in the
    # full-text/trigram index they narrow the labels to a few, which the filter's own LIKE
    # then checks (alone, the LIKE read every label: 1.2 s at a million)
    terms = query_terms(query.q) + query_terms(query.vendor) + query_terms(query.product)
    if sqlite:
        found = _sqlite_terms(terms)
    else:
        found = _Match(None, None, [_postgresql_term(t, walking) for t in terms])
    indexed, rechecked = found.indexed, found.rechecked
    if query.vendor:
        rechecked.append(_contains(Label.vendor, query.vendor.strip(), sqlite))
    if query.product:
        # the product's name as registered, or its Japanese or English name
        names = (Label.product, Label.product_name_ja, Label.product_name_en)
        rechecked.append(or_(*(_contains(col, query.product.strip(), sqlite) for col in names)))
    if query.model:
        models = select(LabelModel.label_id).where(LabelModel.model_number == query.model.strip())
        indexed.append(Label.id.in_(models))
    if query.registration_no:
        indexed.append(Label.registration_no == query.registration_no.strip())
    if query.level is not None:
        # on SQLite (no statistics) the level index is kept out of a query for words and a
        # status (read label by label when the words' matches are many and the status rare):
        # every level is common (level 1: 60% of labels), a status can be rare (suspended),
        # and SQLite otherwise read the level's labels to find a status's few (0.3 s).
        # PostgreSQL with words: the word's index finds fewer labels than any level holds,
        # but the planner ANDed both bitmaps, reading a level's every entry (東京 at level 3:
        # 7.5 ms of 20,000 entries at 200,000 labels); its labels are checked one by one
        unindexed = (sqlite and query.status) or not sqlite
        level = Label.level + 0 if terms and unindexed else Label.level
        indexed.append(level == query.level)
    if query.product_category:
        rechecked.append(Label.product_category == query.product_category)
    if query.status:
        if query.status not in STATUSES:
            raise Unprocessable(f"unknown status {query.status!r} (one of {', '.join(STATUSES)})")
        indexed.append(_status(query.status, on, shares))
    found.where.extend(rechecked)
    found.where.extend(indexed)
    return found


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _ids(found: _Match) -> Select[Any]:
    """The matching ids, to count or to order into a page.

    On SQLite a full-text table drives the query (``CROSS JOIN``, ordered by its rowid): FTS5
    then yields matches in order and each is checked against its label row until the LIMIT,
    where ``id IN (full-text matches)`` first collected every match (34 ms against 4 ms for a
    count of 1,001 at a million labels) and a plain join let the planner run the match once
    per label of a level or status (61 s). When nothing else narrows the query the ids come
    from the full-text table alone (a count of 1,001 then takes 0.5 ms: no label row is
    read)."""
    if found.driver is None or found.match is None:
        return select(Label.id).where(*found.where)
    rowid = found.driver.c.rowid
    if not found.where:
        return select(rowid).where(found.match)
    candidates = CrossJoin(found.driver, Label.__table__, rowid == Label.id)
    return select(rowid).select_from(candidates).where(found.match, *found.where)


def _nth_match(session: Session, found: _Match, n: int) -> int | None:
    """The id of the full-text table's ``n``-th match in id order (FTS5 alone: ~1 ms for
    30,000 matches), or None when there are no more than ``n``."""
    assert found.driver is not None and found.match is not None
    rowid = found.driver.c.rowid
    nth = select(rowid).where(found.match).order_by(rowid).offset(n).limit(1)
    return session.scalar(nth)


def _sqlite_page(
    session: Session, found: _Match, limit: int, offset: int, cap: int
) -> tuple[list[int], int, bool]:
    """Page and capped count on SQLite, with the full-text matches driving the query.

    When a label filter (a level, a status) keeps few of a common word's matches, walking
    them all cost 0.4 s at a million labels ("株式会社" with no expired label). So only the
    first ``CANDIDATES`` matches are walked; if they hold more than the cap, that is the
    page and the count, and otherwise the filter is rare among them and the labels its index
    picks are read instead, each checked against the words (``found.words``)."""
    matching = _ids(found)
    driver, bound = found.driver, None
    if driver is not None and found.indexed:
        bound = _nth_match(session, found, CANDIDATES)
    if driver is not None and bound is not None:
        first = _first_ids(session, matching.where(driver.c.rowid < bound), cap + 1)
        if len(first) > cap:
            return first[offset : offset + limit], cap, False
        matching = select(Label.id).where(*found.where, *found.words)
    # FTS5 yields matches in id order and stops at the LIMIT; the ids up to the cap are one
    # query for both the page and the count (a count and a page query read them twice)
    ids = _first_ids(session, matching, cap + 1)
    return ids[offset : offset + limit], min(len(ids), cap), len(ids) <= cap


def _first_ids(session: Session, ids: Select[Any], n: int) -> list[int]:
    return list(session.scalars(ids.order_by(ids.selected_columns[0]).limit(n)))


def _scans(query: LabelQuery, sqlite: bool, found: _Match) -> bool:
    """Whether the query reads every label: a product category alone (no index), or on SQLite
    words of nothing but punctuation (no full-text table serves them). A vendor or product
    filter is looked up by its words first (``_matching``)."""
    if query.product_category and not (query.q or query.vendor or query.product):
        return True
    words = query_terms(query.q) + query_terms(query.vendor) + query_terms(query.product)
    return sqlite and bool(words) and found.driver is None


def search_ids(
    session: Session, query: LabelQuery, on: dt.date, limit: int, offset: int
) -> tuple[list[int], int, bool]:
    """One page of matching label ids in label order, how many matched, and whether that
    count is exact.

    Counting all matches of a common word (tens of thousands) cost more than finding the page,
    so the count stops at ``COUNT_CAP`` ("at least"). A query that has to scan the labels is not
    counted at all beyond its page: walking the labels in order stops once the page is full,
    but counting would walk ~``COUNT_CAP``/frequency more; its total is then what the pages so
    far hold, and ``exact`` says whether more follow."""
    sqlite = _sqlite(session)
    shares = statistics.status_shares(session, on) if sqlite and query.status else None
    found = _matching(query, sqlite, on, shares=shares)
    matching = _ids(found)
    page = matching.order_by(matching.selected_columns[0]).offset(offset)
    if _scans(query, sqlite, found):
        found_ids = list(session.scalars(page.limit(limit + 1)))
        if found_ids or not offset:
            return found_ids[:limit], offset + min(len(found_ids), limit), len(found_ids) <= limit
        # past the last match: only a count can say how many there were
    # a reader paging past the cap is told at least as many as the pages so far hold
    cap = max(COUNT_CAP, offset + limit)
    if not sqlite:
        if query.registration_no or query.model:  # a key's index picks a few labels: no walk
            return postgresql_paths.indexed_page(session, matching, limit, offset, cap)
        walking = _matching(query, False, on, walking=True)
        return postgresql_paths.search_page(
            session, walking.covered, walking.rechecked, matching, limit, offset, cap
        )
    return _sqlite_page(session, found, limit, offset, cap)


def search(
    session: Session, query: LabelQuery, on: dt.date, limit: int, offset: int
) -> tuple[list[Label], int, bool]:
    """``search_ids`` with the page's labels (and model numbers) loaded through the ORM."""
    ids, total, exact = search_ids(session, query, on, limit, offset)
    loaded = session.scalars(
        select(Label).where(Label.id.in_(ids)).options(selectinload(Label.models))
    )
    by_id = {label.id: label for label in loaded}
    return [by_id[i] for i in ids], total, exact


def recent_ids(session: Session, limit: int, offset: int = 0) -> list[int]:
    """The most recently issued labels, newest first (the portal's home page, the operator's
    labels page before a search): the primary key read backwards, no count."""
    newest = select(Label.id).order_by(Label.id.desc())
    return list(session.scalars(newest.offset(offset).limit(limit)))


SUMMARY_FIELDS = tuple(LabelSummary.model_fields)
_DOCUMENTS = (
    select(Label.id, Label.status, Label.expires_on, LabelDocument.body)
    .join(LabelDocument, LabelDocument.label_id == Label.id)
    .where(Label.id.in_(bindparam("ids", expanding=True)))
)


def summaries(session: Session, ids: list[int], on: dt.date) -> list[dict[str, Any]]:
    """The labels' search results (``LabelSummary`` as JSON values) in the order of ``ids``,
    taken from their stored public documents in one query rather than built through the ORM
    (labels, model numbers and a Pydantic model: a page of 20 took 2.4 ms, now 1.6, at a
    million labels on SQLite); ``status`` is filled in as a lookup fills it in. Every label
    has a document (written with each change, backfilled by migration 0002)."""
    if not ids:
        return []
    found: dict[int, dict[str, Any]] = {}
    for label_id, status, expires_on, body in session.execute(_DOCUMENTS, {"ids": ids}):
        document = json.loads(body)
        item = {name: document.get(name) for name in SUMMARY_FIELDS}
        item["status"] = status_on(status, expires_on, on)
        item["support_ended"] = support_ended_in(body, on)  # with the calendar, as status
        found[label_id] = item
    return [found[i] for i in ids]
