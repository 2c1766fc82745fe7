"""Run the registry's Alembic migrations from code (the scripts ship inside the package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from jcstar.registry.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: what the migrations make that no model maps: the search indexes of each database (SQLite's
#: full-text tables with their shadow tables and a scan index; PostgreSQL's trigram and gram
#: indexes)
UNMAPPED_PREFIXES = ("label_fts", "label_grams", "ix_labels_search_text_")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # env.py runs on this engine's connection instead of opening one from a URL
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)
    if revision == "head":
        # derived data the schema cannot make: documents of labels from before 0002
        from jcstar.registry.labels.backfill import fill_missing
        from jcstar.registry.search import statistics

        fill_missing(engine)
        # SQLite's planner statistics for the labels, when missing or stale (a big registry)
        statistics.refresh(engine)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ in ("table", "index") and name and name.startswith(UNMAPPED_PREFIXES))


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))
