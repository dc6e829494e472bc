"""Repository base: every query a domain makes is scoped by organisation here, not in endpoints."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from linkstar.db.base import Base, UTCDateTime
from linkstar.kit.clock import as_utc
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.kit.pagination import Cursor, Page

IN_CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    """Consecutive slices of at most `size` items (for IN lists and batched writes)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


ModelT = TypeVar("ModelT", bound=Base)


class Repository(Generic[ModelT]):
    """Queries over one organisation's rows of `model` (which must have organisation_id)."""

    model: type[ModelT]
    order_column = "created_at"

    def __init__(self, session: Session, organisation_id: str) -> None:
        if not organisation_id:
            raise ValueError("a repository needs the organisation it is scoped to")
        self.session = session
        self.organisation_id = organisation_id

    def select(self) -> Select[Any]:
        """A SELECT over this organisation's rows; build every query from here."""
        column = self.model.organisation_id  # type: ignore[attr-defined]
        return select(self.model).where(column == self.organisation_id)

    def get(self, id_: str) -> ModelT:
        """The row with this id in this organisation, or NotFound (also for other tenants' ids)."""
        row = self.session.scalars(self.select().where(self.model.id == id_)).first()  # type: ignore[attr-defined]
        if row is None:
            raise NotFound(f"{self.model.__tablename__.rstrip('s')} {id_} not found")
        return row

    def find(self, **filters: Any) -> ModelT | None:
        """The first row matching equality filters, or None."""
        stmt = self.select().filter_by(**filters)
        return self.session.scalars(stmt).first()

    def list(self, **filters: Any) -> list[ModelT]:
        """All rows matching equality filters, oldest first."""
        stmt = self.select().filter_by(**filters).order_by(*self._order())
        return list(self.session.scalars(stmt))

    def count(self, **filters: Any) -> int:
        """How many rows match the equality filters."""
        stmt = select(func.count()).select_from(self.select().filter_by(**filters).subquery())
        return int(self.session.scalar(stmt) or 0)

    def page(self, limit: int, cursor: str | None = None, **filters: Any) -> Page[ModelT]:
        """Keyset pagination ordered by (order_column, id); the cursor is opaque to callers."""
        return self._keyset_page(limit, cursor, filters, descending=False)

    def page_newest_first(
        self, limit: int, cursor: str | None = None, **filters: Any
    ) -> Page[ModelT]:
        """Keyset pagination ordered by (order_column, id) descending: newest first."""
        return self._keyset_page(limit, cursor, filters, descending=True)

    def _keyset_page(
        self, limit: int, cursor: str | None, filters: dict[str, Any], *, descending: bool
    ) -> Page[ModelT]:
        key_col = getattr(self.model, self.order_column)
        id_col = self.model.id  # type: ignore[attr-defined]
        stmt = self.select().filter_by(**filters)
        if cursor:
            pos = Cursor.decode(cursor)
            key_value = _parse_key(key_col, pos.key)
            if descending:
                after = (key_col < key_value) | ((key_col == key_value) & (id_col < pos.id))
            else:
                after = (key_col > key_value) | ((key_col == key_value) & (id_col > pos.id))
            stmt = stmt.where(after)
        order = (key_col.desc(), id_col.desc()) if descending else (key_col, id_col)
        rows = list(self.session.scalars(stmt.order_by(*order).limit(limit + 1)))
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            last = rows[-1]
            key = getattr(last, self.order_column)
            raw = key.isoformat() if isinstance(key, datetime) else str(key)
            next_cursor = Cursor(raw, last.id).encode()
        return Page(rows, next_cursor)

    def add(self, row: ModelT) -> ModelT:
        """Insert a row into this organisation (its organisation_id is forced)."""
        row.organisation_id = self.organisation_id  # type: ignore[attr-defined]
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: ModelT) -> None:
        """Delete a row of this organisation."""
        if row.organisation_id != self.organisation_id:  # type: ignore[attr-defined]
            raise NotFound("row not found")
        self.session.delete(row)
        self.session.flush()

    def _order(self) -> builtins.list[Any]:
        return [getattr(self.model, self.order_column), self.model.id]  # type: ignore[attr-defined]


def _parse_key(column: Any, raw: str) -> Any:
    if isinstance(column.type, UTCDateTime):
        try:
            return as_utc(datetime.fromisoformat(raw))
        except ValueError as exc:
            raise InvalidInput("malformed cursor") from exc
    return raw
