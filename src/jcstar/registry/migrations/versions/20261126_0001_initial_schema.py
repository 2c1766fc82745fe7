"""Initial schema: accounts, applications, labels, the transparency log, search indexes.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_log_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_log_entries_hash")),
    )
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_log_entries_subject"), ["subject"], unique=False)

    op.create_table(
        "orgs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
        sa.UniqueConstraint("name", name=op.f("uq_orgs_name")),
    )
    op.create_table(
        "write_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_lock")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_api_tokens_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("digest", name=op.f("uq_api_tokens_digest")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_org_id"), ["org_id"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_no", sa.String(length=40), nullable=False),
        sa.Column("vendor_org_id", sa.Integer(), nullable=False),
        sa.Column("lab_org_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("model_numbers", sa.Text(), nullable=False),
        sa.Column("support_period_end", sa.Date(), nullable=True),
        sa.Column("vulnerability_contact", sa.String(length=200), nullable=True),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.Column("report_sha256", sa.String(length=64), nullable=False),
        sa.Column("fee_jpy", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lab_org_id"], ["orgs.id"], name=op.f("fk_applications_lab_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"], ["orgs.id"], name=op.f("fk_applications_vendor_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("application_no", name=op.f("uq_applications_application_no")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applications_lab_org_id"), ["lab_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_applications_vendor_org_id"), ["vendor_org_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_users_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_org_id"), ["org_id"], unique=False)

    op.create_table(
        "application_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_org_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_events_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["by_org_id"], ["orgs.id"], name=op.f("fk_application_events_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_events_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_org_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_documents_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_org_id"], ["orgs.id"], name=op.f("fk_documents_uploaded_by_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_documents_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_no", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("vendor_org_id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=200), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("support_period_end", sa.Date(), nullable=True),
        sa.Column("vulnerability_contact", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("product_url", sa.String(length=300), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_labels_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"], ["orgs.id"], name=op.f("fk_labels_vendor_org_id_orgs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("registration_no", name=op.f("uq_labels_registration_no")),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labels_level"), ["level"], unique=False)
        batch_op.create_index("ix_labels_status_expires_on", ["status", "expires_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_labels_vendor"), ["vendor"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_labels_vendor_org_id"), ["vendor_org_id"], unique=False
        )

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_login_sessions_digest")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "label_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_org_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_org_id"], ["orgs.id"], name=op.f("fk_label_events_by_org_id_orgs")
        ),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_label_events_label_id_labels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_events")),
    )
    with op.batch_alter_table("label_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_events_label_id"), ["label_id"], unique=False)

    op.create_table(
        "label_models",
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("model_number", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_label_models_label_id_labels")
        ),
        sa.PrimaryKeyConstraint("label_id", "position", name=op.f("pk_label_models")),
    )
    with op.batch_alter_table("label_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_label_models_model_number"), ["model_number"], unique=False
        )

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["by_org_id"], ["orgs.id"], name=op.f("fk_notices_by_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_notices_label_id_labels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_label_id"), ["label_id"], unique=False)
    op.execute("INSERT INTO write_lock (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search()
        _sqlite_append_only()
    else:
        _postgresql_search()
        _postgresql_append_only()


def _sqlite_search() -> None:
    # an FTS5 index over labels.search_text with character trigrams (Japanese has no spaces),
    # kept in step by triggers so no code path can forget it
    op.execute(
        "CREATE VIRTUAL TABLE label_fts USING fts5(search_text, content='labels', "
        "content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER labels_fts_insert AFTER INSERT ON labels BEGIN "
        "INSERT INTO label_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER labels_fts_delete AFTER DELETE ON labels BEGIN "
        "INSERT INTO label_fts(label_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER labels_fts_update AFTER UPDATE OF search_text ON labels BEGIN "
        "INSERT INTO label_fts(label_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO label_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    # terms under three characters cannot use the trigram index and scan instead: this index
    # holds only the search text, so the scan reads it rather than whole label rows (with JWS)
    op.execute("CREATE INDEX ix_labels_search_text_scan ON labels (search_text)")


def _postgresql_search() -> None:
    # pg_trgm's GIN index serves ILIKE '%term%' for any script (the database must be UTF-8)
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_labels_search_text_trgm ON labels USING gin (search_text gin_trgm_ops)"
    )


# The log is append-only in the database itself, not only by convention in the code: an
# UPDATE or DELETE on it fails. (Someone who owns the database can drop these triggers; the
# hash chain is what catches that.)
_APPEND_ONLY = "log_entries is append-only"


def _sqlite_append_only() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER log_entries_no_{event.lower()} BEFORE {event} ON log_entries "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        )


def _postgresql_append_only() -> None:
    op.execute(
        "CREATE FUNCTION log_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries "
        "FOR EACH ROW EXECUTE FUNCTION log_entries_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS log_entries_no_update")
        op.execute("DROP TRIGGER IF EXISTS log_entries_no_delete")
        for trigger in ("labels_fts_insert", "labels_fts_delete", "labels_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS label_fts")
        op.execute("DROP INDEX IF EXISTS ix_labels_search_text_scan")
    else:
        op.execute("DROP INDEX IF EXISTS ix_labels_search_text_trgm")
        op.execute("DROP TRIGGER IF EXISTS log_entries_append_only ON log_entries")
        op.execute("DROP FUNCTION IF EXISTS log_entries_append_only()")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_label_id"))

    op.drop_table("notices")
    with op.batch_alter_table("label_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_label_models_model_number"))

    op.drop_table("label_models")
    with op.batch_alter_table("label_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_label_events_label_id"))

    op.drop_table("label_events")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labels_vendor_org_id"))
        batch_op.drop_index(batch_op.f("ix_labels_vendor"))
        batch_op.drop_index("ix_labels_status_expires_on")
        batch_op.drop_index(batch_op.f("ix_labels_level"))

    op.drop_table("labels")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_application_id"))

    op.drop_table("documents")
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_events_application_id"))

    op.drop_table("application_events")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_org_id"))

    op.drop_table("users")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_vendor_org_id"))
        batch_op.drop_index(batch_op.f("ix_applications_state"))
        batch_op.drop_index(batch_op.f("ix_applications_lab_org_id"))

    op.drop_table("applications")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_org_id"))

    op.drop_table("api_tokens")
    op.drop_table("write_lock")
    op.drop_table("orgs")
    with op.batch_alter_table("log_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_entries_subject"))

    op.drop_table("log_entries")
