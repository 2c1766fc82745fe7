"""Search keys: labels' search text in one normal form, and an index for short terms.

- ``labels.search_text`` is rewritten in NFKC, case-folded form (``search.keys.search_key``),
  so that a search matches whatever width and letter case was typed.
- Terms of one or two characters get an index of each label's one- and two-character
  substrings (the trigram indexes cannot serve them, and a scan of every label took up to
  5 s at a million labels): on SQLite a contentless FTS5 table ``label_grams`` filled by
  triggers through the ``jcstar_grams`` function every registry connection registers; on
  PostgreSQL a GIN index over the SQL function ``jcstar_grams(search_text)``.
- PostgreSQL gets an index that lets a search walk the labels in id order without reading
  their rows (``id`` with the search key, level, status and expiry included;
  ``search.postgresql_paths``).
- PostgreSQL keeps a larger sample of ``search_text`` (statistics target 2,000), from which
  the planner estimates how many labels a ``LIKE '%term%'`` matches: with the default sample
  it guessed a few hundred for any Japanese word and sorted 30,000 matches for a page.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from jcstar.registry.search_keys import search_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 10_000

_labels = sa.table(
    "labels",
    sa.column("id", sa.Integer),
    sa.column("vendor", sa.Text),
    sa.column("product", sa.Text),
    sa.column("registration_no", sa.Text),
    sa.column("search_text", sa.Text),
)
_models = sa.table(
    "label_models",
    sa.column("label_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("model_number", sa.Text),
)

_SQLITE_SEARCH = (
    # detail=none: a gram is found or not, no positions needed; contentless: the grams are
    # derived from search_text, so nothing is stored twice
    "CREATE VIRTUAL TABLE label_grams USING fts5(grams, content='', detail='none', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER labels_grams_insert AFTER INSERT ON labels BEGIN "
    "INSERT INTO label_grams(rowid, grams) VALUES (new.id, jcstar_grams(new.search_text)); END",
    "CREATE TRIGGER labels_grams_delete AFTER DELETE ON labels BEGIN "
    "INSERT INTO label_grams(label_grams, rowid, grams) "
    "VALUES ('delete', old.id, jcstar_grams(old.search_text)); END",
    "CREATE TRIGGER labels_grams_update AFTER UPDATE OF search_text ON labels BEGIN "
    "INSERT INTO label_grams(label_grams, rowid, grams) "
    "VALUES ('delete', old.id, jcstar_grams(old.search_text)); "
    "INSERT INTO label_grams(rowid, grams) VALUES (new.id, jcstar_grams(new.search_text)); END",
    "INSERT INTO label_grams(rowid, grams) SELECT id, jcstar_grams(search_text) FROM labels",
    # every label's trigrams were just replaced: merged into one b-tree again, a query reads
    # one segment instead of hundreds (at a million labels: 12 s, median search 3.4 → 1.9 ms)
    "INSERT INTO label_fts(label_fts) VALUES ('optimize')",
    "INSERT INTO label_grams(label_grams) VALUES ('optimize')",
)

# every character and every pair of neighbours, built by C functions (a generate_series over
# substr took 180 µs a label, this 53 µs); pairs holding the space are kept (no term holds
# one, so they are never looked up) and GIN drops repeated grams itself
_POSTGRESQL_SEARCH = (
    "CREATE FUNCTION jcstar_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT string_to_array(t, NULL) "
    "|| array(SELECT m[1] FROM regexp_matches(t, '(..)', 'g') AS m) "
    "|| array(SELECT m[1] FROM regexp_matches(substr(t, 2), '(..)', 'g') AS m) $$",
    "CREATE INDEX ix_labels_search_text_grams ON labels USING gin (jcstar_grams(search_text))",
    # a common word's first matches are found by walking the labels in id order: this index
    # lets the walk test each label without reading its row (0.2 against 2 µs a label)
    "CREATE INDEX ix_labels_search_text_walk ON labels (id) "
    "INCLUDE (search_text, level, status, expires_on)",
    "ALTER TABLE labels ALTER COLUMN search_text SET STATISTICS 2000",
    "ANALYZE labels",
)


def _rewrite_search_text() -> None:
    """Every label's search text in normal form, a batch of labels at a time."""
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_labels.c.id, _labels.c.vendor, _labels.c.product, _labels.c.registration_no)
            .where(_labels.c.id > last)
            .order_by(_labels.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        models: defaultdict[int, list[str]] = defaultdict(list)
        for label_id, _, model in bind.execute(
            sa.select(_models.c.label_id, _models.c.position, _models.c.model_number)
            .where(_models.c.label_id.between(rows[0].id, rows[-1].id))
            .order_by(_models.c.label_id, _models.c.position)
        ):
            models[label_id].append(model)
        bind.execute(
            _labels.update()
            .where(_labels.c.id == sa.bindparam("label_id"))
            .values(search_text=sa.bindparam("key")),
            [
                {
                    "label_id": row.id,
                    "key": search_key(row.vendor, row.product, models[row.id], row.registration_no),
                }
                for row in rows
            ],
        )
        last = rows[-1].id


def upgrade() -> None:
    _rewrite_search_text()
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_SEARCH if sqlite else _POSTGRESQL_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    # search_text stays in normal form: the searches of 0002 find it all the same
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("labels_grams_insert", "labels_grams_delete", "labels_grams_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS label_grams")
    else:
        op.execute("ALTER TABLE labels ALTER COLUMN search_text SET STATISTICS -1")
        op.execute("DROP INDEX IF EXISTS ix_labels_search_text_grams")
        op.execute("DROP INDEX IF EXISTS ix_labels_search_text_walk")
        op.execute("DROP FUNCTION IF EXISTS jcstar_grams(text)")
