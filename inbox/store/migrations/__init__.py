"""Alembic migrations, run programmatically so the app upgrades itself on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


def config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if engine is not None:
        cfg.attributes["engine"] = engine
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to `revision`; at heads already, only read (a read-only database still opens)."""
    if revision == "heads" and is_current(engine):
        return
    command.upgrade(config(engine), revision)


def is_current(engine: Engine) -> bool:
    """Every revision applied? (The version table omits one another revision `depends_on`.)"""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(config())
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    try:
        return _applied(script, current) == _applied(script, script.get_heads())
    except (CommandError, RevisionError):  # a revision this version does not know: let the upgrade say so
        return False


def _applied(script, heads) -> set[str]:  # type: ignore[no-untyped-def]
    """The revisions a set of heads stands for: themselves, their ancestors and dependencies."""
    seen: set[str] = set()
    todo = list(heads)
    while todo:
        for rev in script.get_revisions(todo.pop()):
            if rev is None or rev.revision in seen:
                continue
            seen.add(rev.revision)
            for linked in (rev.down_revision, rev.dependencies):
                if linked:
                    todo.extend([linked] if isinstance(linked, str) else linked)
    return seen


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ", ".join(sorted(heads)) or None
