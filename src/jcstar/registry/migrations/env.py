"""Alembic environment: runs on the engine ``jcstar.registry.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from jcstar.registry.migrate import include_object
from jcstar.registry.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
