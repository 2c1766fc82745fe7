"""Status keys: every label model number in the registry's normal form, indexed.

``label_models.model_key`` is ``labels.standing.model_key(model_number)`` (NFKC, case folded,
whitespace runs as one space), so the bulk status endpoint finds the labels of 10,000 model
numbers with indexed ``IN`` lookups instead of comparing every row in Python. Existing rows are
filled here, in batches; new rows get theirs from the model's column default.

The column is added NOT NULL with an empty-text server default (SQLite adds a NOT NULL column
only with a default; a plain ``add_column`` keeps SQLite from rebuilding a table others
reference); every row is then filled, so no stored key stays empty.

Downgrade: the index and the column are dropped (derived data).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_BATCH = 10_000


def model_key(model_number: str) -> str:
    """``labels.standing.model_key`` as it was when this migration was written: a migration
    must write the same keys whenever it runs, so it keeps its own copy (a later change of
    the normal form comes with a migration of its own that rewrites the keys)."""
    folded = unicodedata.normalize("NFKC", model_number).casefold()
    return " ".join("".join(c for c in folded if c.isprintable() or c.isspace()).split())


def upgrade() -> None:
    op.add_column(
        "label_models",
        sa.Column("model_key", sa.Text(), nullable=False, server_default=""),
    )
    connection = op.get_bind()
    rows = sa.table(
        "label_models",
        sa.column("label_id", sa.Integer()),
        sa.column("position", sa.Integer()),
        sa.column("model_number", sa.String()),
        sa.column("model_key", sa.Text()),
    )
    update = (
        sa.update(rows)
        .where(rows.c.label_id == sa.bindparam("id"), rows.c.position == sa.bindparam("pos"))
        .values(model_key=sa.bindparam("key"))
    )
    # keyset pages: the table may hold millions of rows, and is not read whole into memory
    after = (-1, -1)
    while True:
        page = connection.execute(
            sa.select(rows.c.label_id, rows.c.position, rows.c.model_number)
            .where(sa.tuple_(rows.c.label_id, rows.c.position) > sa.tuple_(*after))
            .order_by(rows.c.label_id, rows.c.position)
            .limit(_BATCH)
        ).all()
        if not page:
            break
        connection.execute(
            update, [{"id": i, "pos": p, "key": model_key(number)} for i, p, number in page]
        )
        after = (page[-1][0], page[-1][1])
    op.create_index(op.f("ix_label_models_model_key"), "label_models", ["model_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_label_models_model_key"), table_name="label_models")
    op.drop_column("label_models", "model_key")
