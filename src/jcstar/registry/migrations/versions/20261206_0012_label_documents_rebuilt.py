"""Label documents rebuilt in their current shape.

0006-0011 added what a label's public JSON carries (consumer fields, ``renews``, the acting
organisation in its history, the compact seal's QR text, the criteria version). The stored
documents (``label_documents``, served by the label lookup) are derived data, so they are
emptied here and ``migrate.upgrade`` stores each again from the label's rows
(``labels/backfill.fill_missing``), in batches, under the write lock. A later migration that
changes what a document holds does the same.

Downgrade: nothing to undo (the documents of the older shape were derived too).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM label_documents")


def downgrade() -> None:
    pass
