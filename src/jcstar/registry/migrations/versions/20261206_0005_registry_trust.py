"""Registry trust: a vendor's identity, a maker's authorisation of a proxy, the proxy on an
application, and a label superseded by its successor.

- ``orgs``: legal names (Japanese, English), country, corporate or registration number
  (unique per country) and when the operator recorded them. Existing organisations get nulls:
  they can still log in, but a vendor cannot apply until its identity is recorded
  (``jcstar admin set-identity``).
- ``proxy_authorisations``: a maker's letter of authorisation (委任状) naming a proxy, for
  some model numbers or all, until a date; it starts empty.
- ``application_proxies``: who applied on the maker's behalf; empty (every existing
  application was filed by its vendor).
- ``labels.superseded_by``: the registration number of the label that replaced this one
  (status ``superseded``); null for every existing label.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain column operations and new tables only: on SQLite a batch rebuild of ``orgs``,
# ``applications`` or ``labels`` fails while other tables' rows reference them.


def upgrade() -> None:
    op.add_column("orgs", sa.Column("legal_name_ja", sa.String(length=200), nullable=True))
    op.add_column("orgs", sa.Column("legal_name_en", sa.String(length=200), nullable=True))
    op.add_column("orgs", sa.Column("country", sa.String(length=2), nullable=True))
    op.add_column("orgs", sa.Column("corporate_number", sa.String(length=40), nullable=True))
    op.add_column("orgs", sa.Column("identity_recorded_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_orgs_country_corporate_number", "orgs", ["country", "corporate_number"], unique=True
    )

    op.create_table(
        "proxy_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("maker_org_id", sa.Integer(), nullable=False),
        sa.Column("proxy_org_id", sa.Integer(), nullable=False),
        sa.Column("model_numbers", sa.Text(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["maker_org_id"], ["orgs.id"], name=op.f("fk_proxy_authorisations_maker_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["proxy_org_id"], ["orgs.id"], name=op.f("fk_proxy_authorisations_proxy_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_authorisations")),
    )
    op.create_index(
        op.f("ix_proxy_authorisations_maker_org_id"),
        "proxy_authorisations",
        ["maker_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_proxy_authorisations_proxy_org_id"),
        "proxy_authorisations",
        ["proxy_org_id"],
        unique=False,
    )

    op.create_table(
        "application_proxies",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("proxy_org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_proxies_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["proxy_org_id"], ["orgs.id"], name=op.f("fk_application_proxies_proxy_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_application_proxies")),
    )
    op.create_index(
        op.f("ix_application_proxies_proxy_org_id"),
        "application_proxies",
        ["proxy_org_id"],
        unique=False,
    )

    op.add_column("labels", sa.Column("superseded_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("labels", "superseded_by")

    op.drop_index(op.f("ix_application_proxies_proxy_org_id"), table_name="application_proxies")
    op.drop_table("application_proxies")

    op.drop_index(op.f("ix_proxy_authorisations_proxy_org_id"), table_name="proxy_authorisations")
    op.drop_index(op.f("ix_proxy_authorisations_maker_org_id"), table_name="proxy_authorisations")
    op.drop_table("proxy_authorisations")

    op.drop_index("ix_orgs_country_corporate_number", table_name="orgs")
    op.drop_column("orgs", "identity_recorded_at")
    op.drop_column("orgs", "corporate_number")
    op.drop_column("orgs", "country")
    op.drop_column("orgs", "legal_name_en")
    op.drop_column("orgs", "legal_name_ja")
