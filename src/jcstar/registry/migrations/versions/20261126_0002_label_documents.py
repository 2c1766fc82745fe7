"""Label documents: each label's public JSON, stored so that a lookup is one indexed read.

The table starts empty; ``jcstar.registry.migrate.upgrade`` then stores the documents of
labels issued before it (``labels.backfill``), with the code of the running version.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_documents",
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_label_documents_label_id_labels")
        ),
        sa.PrimaryKeyConstraint("label_id", name=op.f("pk_label_documents")),
    )


def downgrade() -> None:
    op.drop_table("label_documents")
