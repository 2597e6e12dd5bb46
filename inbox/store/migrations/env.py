"""Alembic environment: uses the engine the app hands over (with its SQLite pragmas)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from inbox.store.schema import metadata

cfg = context.config
engine = cfg.attributes.get("engine") or create_engine(cfg.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
