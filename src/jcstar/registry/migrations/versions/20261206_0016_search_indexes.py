"""An index on labels by (level, status) for the filtered searches (issue 14's performance).

A search filtered by level and status without words (the portal's filters alone) asks for the
first labels in id order with ``level = ? AND status = ?``. Only ``ix_labels_level`` and
``ix_labels_status_expires_on`` served it: SQLite read every valid label through the status
index and sorted them (a second at 200,000 labels for level 1 and valid). An index on (level,
status) yields its labels in id order (both databases keep the row id after the key columns),
so the page is its first entries, and a rare pair (level 4 and suspended) is read alone.

Plain ``create_index`` only: ``ix_labels_level`` stays (a level filter alone uses it).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_labels_level_status", "labels", ["level", "status"])


def downgrade() -> None:
    op.drop_index("ix_labels_level_status", table_name="labels")
