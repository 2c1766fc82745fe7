"""The label's compact seal: ``labels.seal_qr``, the text of the QR code printed on labels
issued from now on (``<registry URL>/L/<digits>``, a COSE_Sign1 seal; ``labels.seal``).

Existing labels get null: a seal must be signed with the registry's key, which a migration
does not hold, so they keep their JWS QR code (``<product page>#<JWS>``, which still
verifies) until they are renewed, when the renewal signs a seal.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


# A plain add_column: on SQLite a batch rebuild of ``labels`` fails while other tables'
# rows reference it.


def upgrade() -> None:
    op.add_column("labels", sa.Column("seal_qr", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("labels", "seal_qr")
