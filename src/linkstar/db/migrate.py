"""Alembic, driven from code: upgrade, current revision, pending check."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
# Schema objects that migrations create by hand and the models cannot express: the inbox's
# FTS5 search table (and its shadow tables) on SQLite, its trigram index on PostgreSQL.
UNMANAGED_PREFIXES = ("inbox_threads_fts", "ix_inbox_threads_search_trgm")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate filter: leave the hand-made search objects out of model comparisons."""
    return not (name or "").startswith(UNMANAGED_PREFIXES)


def alembic_config(engine: Engine) -> Config:
    """A configuration pointing at the packaged migrations and the given engine."""
    config = Config()
    config.set_main_option("script_location", "linkstar.db:migrations")
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)
