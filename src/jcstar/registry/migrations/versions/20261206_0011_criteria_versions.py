"""Criteria versions: what each label was assessed and issued against.

- ``criteria_versions``: the versions of each level's criteria the operator has published
  (``jcstar admin publish-criteria`` / ``POST /api/v1/criteria``), seeded with the one the
  catalog names for ★1: JST-CR-01-01-2024R1 (cited by UK S.I. 2025/1267, read in a secondary
  source: that it is the ★1 document's id is our judgement, see catalog/data/levels.yaml),
  effective from 2025-03-25, the day IPA started taking ★1 applications (our judgement).
  ★2 and above: no version known, none seeded.
- ``labels.criteria_version``: the version the label signed; null for every existing label.
  They were not signed with one, so none is filled in afterwards: their pages say "not
  recorded".

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


# Plain column operations and new tables only: on SQLite a batch rebuild of ``labels``
# fails while other tables' rows reference it.


def upgrade() -> None:
    op.add_column("labels", sa.Column("criteria_version", sa.String(length=40), nullable=True))
    table = op.create_table(
        "criteria_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("criteria_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("published_on", sa.String(length=10), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("earlier_lapse_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria_versions")),
        sa.UniqueConstraint("criteria_id", name=op.f("uq_criteria_versions_criteria_id")),
    )
    op.create_index(
        op.f("ix_criteria_versions_level"), "criteria_versions", ["level"], unique=False
    )
    # the catalog's ★1 version as of this migration (a literal: later catalogs do not
    # rewrite history; newer versions are published by the operator)
    op.bulk_insert(
        table,
        [
            {
                "level": 1,
                "criteria_id": "JST-CR-01-01-2024R1",
                "title": "JC-STAR STAR-1 Conformance Requirements and Assessment Methods",
                "published_on": "2024-12",
                "effective_on": dt.date(2025, 3, 25),
                "earlier_lapse_on": None,
            }
        ],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_criteria_versions_level"), table_name="criteria_versions")
    op.drop_table("criteria_versions")
    op.drop_column("labels", "criteria_version")
