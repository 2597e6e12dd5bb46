"""Alembic environment: uses the engine the app hands over (with its SQLite pragmas).

Two processes may upgrade the same database at once (two `inbox db upgrade`, or two daemons starting
on a new release). Each takes the database's migration lock before it reads the schema revision, so
the second waits for the first and then finds nothing left to do: on PostgreSQL a transaction-level
advisory lock keyed by the schema, on SQLite a write transaction begun IMMEDIATE. The whole upgrade is
that one transaction (DDL is transactional on both backends).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from inbox.store.schema import metadata

# Any constant will do: it only has to be the same in every Inbox process.
MIGRATION_LOCK_CLASS = 0x1B0C

cfg = context.config
engine = cfg.attributes.get("engine") or create_engine(cfg.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.execution_options(sqlite_begin="IMMEDIATE")
    connection.begin()
    if dialect == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(current_schema()))"), {"cls": MIGRATION_LOCK_CLASS}
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=dialect == "sqlite",
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
