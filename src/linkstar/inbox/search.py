"""How the thread list finds threads fast with 100,000+ of them: the SLA filters and `q`.

- SLA filters read the partial index `ix_inbox_threads_open_activity` (open threads with a
  due time, in activity order). The query repeats the index predicate literally, since both
  databases only use a partial index when they can prove the query implies its predicate. For
  the overdue/ok filters SQLite must not pick the due-time index instead (without statistics
  it does, then sorts every overdue thread): see `due_at`.
- `q` is a case-insensitive substring of the subject, the buyer's name or address. From three
  characters on it is answered from an index: an FTS5 trigram table on SQLite
  (`inbox_threads_fts`, kept by triggers), a pg_trgm GIN index on PostgreSQL (migration 0023).
  Shorter terms scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text

from linkstar.inbox.models import OPEN_WITH_SLA, InboxThread

MIN_INDEXED = 3  # trigram indexes answer substrings of at least three characters
_SEARCH_TEXT = (
    "lower(inbox_threads.subject || ' ' || inbox_threads.buyer_name"
    " || ' ' || inbox_threads.buyer_address)"
)


def open_with_sla(stmt: Select[Any]) -> Select[Any]:
    """Restrict to open threads that have a due time, in the words of the partial index."""
    return stmt.where(text(OPEN_WITH_SLA))


def due_at(dialect: str) -> ColumnElement[Any]:
    """The due time to compare in filters that keep many threads. On SQLite the column is
    written `+sla_due_at`, which the planner cannot answer from the due-time index, so it walks
    the partial index in activity order and stops after one page instead of sorting every
    overdue thread."""
    if dialect == "sqlite":
        return literal_column("+inbox_threads.sla_due_at", type_=InboxThread.sla_due_at.type)
    return InboxThread.__table__.c.sla_due_at


def _like_pattern(term: str) -> str:
    escaped = term.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def matching(term: str, dialect: str) -> ColumnElement[bool]:
    """The condition 'the thread's subject, buyer name or address contains `term`'."""
    T = InboxThread
    term = term.strip()
    if len(term) >= MIN_INDEXED and dialect == "sqlite":
        phrase = 'body:"' + term.replace('"', '""') + '"'
        ids: Select[Any] = select(literal_column("thread_id")).select_from(
            text("inbox_threads_fts")
        )
        return T.id.in_(
            ids.where(text("inbox_threads_fts MATCH :phrase").bindparams(phrase=phrase))
        )
    pattern = _like_pattern(term)
    if dialect == "postgresql":
        return literal_column(_SEARCH_TEXT).like(pattern, escape="/")
    text_of = func.lower(T.subject + " " + T.buyer_name + " " + T.buyer_address)
    return text_of.like(pattern, escape="/")
