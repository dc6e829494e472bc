"""Declarative base with a constraint naming convention and the common column mixins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from linkstar.kit.clock import as_utc, utcnow
from linkstar.kit.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes (SQLite too)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def bulk_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """For SQLite, the text its bind processing stores, built in one C call instead of
        two Python layers (db.bulk checks it against the bind processor); None elsewhere."""
        if dialect.name != "sqlite":
            return None

        last: tuple[datetime | None, str] = (None, "")

        def process(value: datetime | None) -> str | None:
            nonlocal last
            if value is None:
                return None
            seen = last  # one read: another thread may replace it
            if value is seen[0]:  # a batch's rows share their clock times (created_at, …)
                return seen[1]
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
            text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
            last = (value, text)
            return text

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class IdMixin:
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrgScoped:
    """Rows owned by one organisation; repositories filter every query on this column."""

    # False for a table whose other indexes start with organisation_id: its own index would
    # only cost every insert (shipments, migration 0037).
    organisation_indexed: ClassVar[bool] = True

    @declared_attr
    def organisation_id(cls) -> Mapped[str]:
        return mapped_column(
            String(32),
            ForeignKey("organisations.id", ondelete="CASCADE"),
            index=cls.organisation_indexed,
        )
