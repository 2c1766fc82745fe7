"""Migrations: empty database → head → base → head on each database; models match them."""

from __future__ import annotations

from sqlalchemy import inspect

from jcstar.registry import migrate
from jcstar.registry.db import make_engine
from jcstar.registry.models import Base


def test_empty_to_head_matches_the_models_and_back(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert not set(inspect(engine).get_table_names()) & set(Base.metadata.tables)
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert migrate.drift(engine) == []  # like `alembic check`: nothing left to generate
        migrate.upgrade(engine)  # a second run is a no-op
        migrate.downgrade(engine, "base")
        assert not set(inspect(engine).get_table_names()) & set(Base.metadata.tables)
        migrate.upgrade(engine)
        assert migrate.drift(engine) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_stored_model_keys_are_the_normal_form_the_lookups_use() -> None:
    """Migration 0013 keeps its own copy of the normal form (a migration must write the same
    keys whenever it runs); while no later migration rewrites the keys, the copy and the live
    form must agree, or bulk lookups would miss labels stored before a change."""
    import importlib

    from jcstar.labels.standing import model_key

    migration = importlib.import_module(
        "jcstar.registry.migrations.versions.20261206_0013_status_keys"
    )
    samples = ["FD-6101", "ＦＤ－６１０１", "ｶﾒﾗ 100", "Router  X\t9", "ﬁ-Ⅻ", "A\x00B", "ß-ǅ"]
    assert [migration.model_key(s) for s in samples] == [model_key(s) for s in samples]
