"""Application lifecycle: acceptance numbers, fees paid before review, renewal applications.

- ``applications.acceptance_no``: the acceptance number (受理番号) the operator gives on
  accepting (unique); null until then, and for every existing application (accepted ones
  before this revision carry none: their history still shows the acceptance).
- ``applications.fee_paid_at`` / ``fee_reference``: when the operator recorded the invoiced
  fee paid, and the payment's reference; review waits for both. Null for existing rows.
- ``applications.renews``: the registration number of the label a renewal application renews.
- ``labels.renews``: on a label issued by a renewal, the label it renews.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain column operations only: on SQLite a batch rebuild of ``applications`` or ``labels``
# fails while other tables' rows reference them.


def upgrade() -> None:
    op.add_column("applications", sa.Column("acceptance_no", sa.String(length=40), nullable=True))
    op.create_index(
        op.f("ix_applications_acceptance_no"), "applications", ["acceptance_no"], unique=True
    )
    op.add_column("applications", sa.Column("fee_paid_at", sa.DateTime(), nullable=True))
    op.add_column("applications", sa.Column("fee_reference", sa.String(length=200), nullable=True))
    op.add_column("applications", sa.Column("renews", sa.String(length=40), nullable=True))
    op.add_column("labels", sa.Column("renews", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("labels", "renews")
    op.drop_column("applications", "renews")
    op.drop_column("applications", "fee_reference")
    op.drop_column("applications", "fee_paid_at")
    op.drop_index(op.f("ix_applications_acceptance_no"), table_name="applications")
    op.drop_column("applications", "acceptance_no")
