"""What consumers need on the label page: the product's names in Japanese and English, its
category, how its software updates arrive and how to change its default password.

Six nullable columns on ``labels``. Labels issued before keep null in each (their page says
"not stated") and keep their ``search_text`` as it is: nothing is rewritten, so they are found
exactly as before. Labels issued from now on put both names in their search key
(``search_keys.search_key``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("product_name_ja", 200),
    ("product_name_en", 200),
    ("product_category", 40),
    ("update_mode", 30),
    ("password_change_text", 500),
    ("password_change_url", 500),
)


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("labels", sa.Column(name, sa.String(length), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (no table rebuild: nothing references these)
    for name, _ in reversed(COLUMNS):
        op.drop_column("labels", name)
