"""inbox_search: open-thread activity index and substring search over threads

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:30:00

The thread list's SLA filters walk a partial index over open threads in activity order; the
`q` search uses an FTS5 trigram table on SQLite and a pg_trgm GIN index on PostgreSQL (both
answer case-insensitive substring queries of three characters or more from an index). See
linkstar.inbox.search.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('open', 'snoozed') AND sla_due_at IS NOT NULL"
SEARCH_TEXT = "lower(subject || ' ' || buyer_name || ' ' || buyer_address)"

SQLITE_FTS = [
    # thread_id is indexed too (trigrams of the id), so the triggers find a thread's row through
    # the index; rowids of inbox_threads are not used, since VACUUM may renumber them. Searches
    # name the body column, so ids never match a search.
    "CREATE VIRTUAL TABLE inbox_threads_fts USING fts5(thread_id, body, tokenize = 'trigram')",
    "INSERT INTO inbox_threads_fts (thread_id, body) SELECT id, "
    "subject || ' ' || buyer_name || ' ' || buyer_address FROM inbox_threads",
    "CREATE TRIGGER inbox_threads_fts_insert AFTER INSERT ON inbox_threads BEGIN "
    "INSERT INTO inbox_threads_fts (thread_id, body) VALUES "
    "(new.id, new.subject || ' ' || new.buyer_name || ' ' || new.buyer_address); END",
    "CREATE TRIGGER inbox_threads_fts_delete AFTER DELETE ON inbox_threads BEGIN "
    "DELETE FROM inbox_threads_fts WHERE inbox_threads_fts MATCH "
    "'thread_id:\"' || old.id || '\"'; END",
    "CREATE TRIGGER inbox_threads_fts_update AFTER UPDATE OF subject, buyer_name, buyer_address "
    "ON inbox_threads BEGIN "
    "DELETE FROM inbox_threads_fts WHERE inbox_threads_fts MATCH "
    "'thread_id:\"' || old.id || '\"'; "
    "INSERT INTO inbox_threads_fts (thread_id, body) VALUES "
    "(new.id, new.subject || ' ' || new.buyer_name || ' ' || new.buyer_address); END",
]


def upgrade() -> None:
    op.create_index(
        "ix_inbox_threads_open_activity",
        "inbox_threads",
        ["organisation_id", "last_activity_at", "id", "sla_due_at"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
        # Without it the search still works, as a sequential scan.
        has = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).first()
        if has is not None:
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute(
                f"CREATE INDEX ix_inbox_threads_search_trgm ON inbox_threads "
                f"USING gin (({SEARCH_TEXT}) gin_trgm_ops)"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS inbox_threads_fts_{name}")
        op.execute("DROP TABLE IF EXISTS inbox_threads_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_inbox_threads_search_trgm")
    op.drop_index("ix_inbox_threads_open_activity", table_name="inbox_threads")
