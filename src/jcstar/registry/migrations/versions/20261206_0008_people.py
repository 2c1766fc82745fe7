"""People inside organisations: roles, removed users, named tokens, four-eyes, the person on
each event.

- ``user_roles``, ``api_token_roles``: the roles a user or a token holds (``accounts.roles``).
  Every existing user and token gets **every role of its organisation's kind**: before this
  revision any of them could do everything its organisation could, so nothing stored becomes
  unusable and no one is locked out of an operator. Narrowing them is the organisation
  administrator's first task after the upgrade (``PUT /api/v1/orgs/me/users/{id}/roles``;
  tokens: make new ones with ``jcstar admin create-token --role`` and let the old ones
  expire). The operator guide says so.
- ``users.removed_at``: null for every existing user (all stay able to log in).
- ``api_tokens.name``: null for every existing token.
- ``pending_decisions``: four-eyes decisions waiting for a second approver; starts empty.
- ``application_events``, ``label_events``: ``by_user_id`` / ``by_token_id``, the person or
  machine that made the change; null for every existing event (who it was is not known; the
  organisation still is).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Plain column operations and new tables only: on SQLite a batch rebuild of a table that
# others reference fails. SQLite adds a column's foreign key only inline (ADD COLUMN …
# REFERENCES); PostgreSQL adds it as a named constraint, as the models name it.

_ROLES_BY_KIND = {
    # accounts.roles.ROLES_BY_KIND as it was when this revision was written
    "operator": ("reviewer", "approver", "administrator"),
    "vendor": ("applicant", "administrator"),
    "lab": ("evaluator", "administrator"),
    "procurer": ("administrator",),
}


def _person_columns(table: str) -> None:
    inline = op.get_context().dialect.name == "sqlite"
    for column, target in (("by_user_id", "users.id"), ("by_token_id", "api_tokens.id")):
        referred = target.split(".")[0]
        op.add_column(
            table,
            sa.Column(
                column,
                sa.Integer(),
                sa.ForeignKey(target, name=op.f(f"fk_{table}_{column}_{referred}")),
                nullable=True,
            ),
            inline_references=inline,
        )


def upgrade() -> None:
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_roles")),
    )
    op.create_table(
        "api_token_roles",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_api_token_roles_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("token_id", "role", name=op.f("pk_api_token_roles")),
    )
    op.add_column("users", sa.Column("removed_at", sa.DateTime(), nullable=True))
    op.add_column("api_tokens", sa.Column("name", sa.String(length=100), nullable=True))
    op.create_table(
        "pending_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_pending_decisions_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_decisions")),
    )
    op.create_index(
        "ix_pending_decisions_action_subject",
        "pending_decisions",
        ["action", "subject"],
        unique=True,
    )
    _person_columns("application_events")
    _person_columns("label_events")

    # every existing user and token keeps what it could do: every role of its org's kind
    for kind, roles in _ROLES_BY_KIND.items():
        for role in roles:
            params = {"kind": kind, "role": role}
            op.execute(
                sa.text(
                    "INSERT INTO user_roles (user_id, role) SELECT users.id, :role FROM users "
                    "JOIN orgs ON orgs.id = users.org_id WHERE orgs.kind = :kind"
                ).bindparams(**params)
            )
            op.execute(
                sa.text(
                    "INSERT INTO api_token_roles (token_id, role) SELECT api_tokens.id, :role "
                    "FROM api_tokens JOIN orgs ON orgs.id = api_tokens.org_id "
                    "WHERE orgs.kind = :kind"
                ).bindparams(**params)
            )


def downgrade() -> None:
    for table in ("label_events", "application_events"):
        if op.get_context().dialect.name != "sqlite":
            for column, referred in (("by_token_id", "api_tokens"), ("by_user_id", "users")):
                op.drop_constraint(
                    op.f(f"fk_{table}_{column}_{referred}"), table, type_="foreignkey"
                )
        op.drop_column(table, "by_token_id")
        op.drop_column(table, "by_user_id")
    op.drop_index("ix_pending_decisions_action_subject", table_name="pending_decisions")
    op.drop_table("pending_decisions")
    op.drop_column("api_tokens", "name")
    op.drop_column("users", "removed_at")
    op.drop_table("api_token_roles")
    op.drop_table("user_roles")
