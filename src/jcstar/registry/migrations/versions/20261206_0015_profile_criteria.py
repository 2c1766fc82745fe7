"""Criteria versions per category profile (★2 and above, issue 15).

★2 and above are set per product category: each category profile (``catalog/data/profiles``)
names its own criteria versions, so the registry holds them per (level, scheme):

- ``criteria_versions.scheme``: the category profile's id; null for the level's own scheme
  (every existing row: ★1's);
- ``criteria_versions.category``: the profile's product category, shown on its labels' pages;
- ``criteria_versions.draft``: criteria nobody official has published (our own draft, or a
  sector body's); the labels issued on them say so on their public pages.

Seeded with the criteria versions of the category profiles the catalog ships with as of this
migration (literals: later catalogs do not rewrite history; newer versions are published by
the operator). Both are drafts of our own judgement, not IPA's: IPA has published no ★2
criteria (jcstar-facts §7), and the ids are ours (see each profile's note). The ★3 category
profiles take their requirements from a file the operator supplies and name no version of
ours: the operator publishes theirs (``POST /api/v1/criteria`` with ``scheme``).

Plain column additions only: on SQLite a batch rebuild of ``criteria_versions`` is not needed
and of ``labels`` would fail while other tables reference it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: the shipped profiles' criteria versions at this migration (ids, titles and days as the
#: profile files give them)
SHIPPED = [
    {
        "level": 2,
        "criteria_id": "JCSTAR-DRAFT-2-SH-2026.12",
        "title": "jcstar draft STAR-2 profile for smart-home products (not an IPA document)",
        "published_on": "2026-12",
        "effective_on": dt.date(2026, 12, 1),
        "earlier_lapse_on": None,
        "scheme": "jcstar-2-smart-home",
        "category": "smart-home",
        "draft": True,
    },
    {
        "level": 2,
        "criteria_id": "JCSTAR-DRAFT-2-DER-2026.12",
        "title": "jcstar draft STAR-2 profile for ERAB/DER equipment (not an IPA document)",
        "published_on": "2026-12",
        "effective_on": dt.date(2026, 12, 1),
        "earlier_lapse_on": None,
        "scheme": "jcstar-2-power-der",
        "category": "power-der",
        "draft": True,
    },
]


def upgrade() -> None:
    op.add_column("criteria_versions", sa.Column("scheme", sa.String(length=60), nullable=True))
    op.add_column("criteria_versions", sa.Column("category", sa.String(length=40), nullable=True))
    op.add_column(
        "criteria_versions",
        sa.Column("draft", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(
        op.f("ix_criteria_versions_scheme"), "criteria_versions", ["scheme"], unique=False
    )
    table = sa.table(
        "criteria_versions",
        sa.column("level", sa.Integer()),
        sa.column("criteria_id", sa.String()),
        sa.column("title", sa.String()),
        sa.column("published_on", sa.String()),
        sa.column("effective_on", sa.Date()),
        sa.column("earlier_lapse_on", sa.Date()),
        sa.column("scheme", sa.String()),
        sa.column("category", sa.String()),
        sa.column("draft", sa.Boolean()),
    )
    op.bulk_insert(table, SHIPPED)


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM criteria_versions WHERE scheme IS NOT NULL")
    )  # no ★1 row names a scheme: what is left is exactly what was there before
    op.drop_index(op.f("ix_criteria_versions_scheme"), table_name="criteria_versions")
    op.drop_column("criteria_versions", "draft")
    op.drop_column("criteria_versions", "category")
    op.drop_column("criteria_versions", "scheme")
