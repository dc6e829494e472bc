"""tracking_event_fingerprint: events de-duplicated by a 64-bit integer, not 40 hex characters

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 04:00:00

`tracking_events.dedup_key` (SHA-1 hex of the identity key) becomes `fingerprint`, the first
8 bytes of that same SHA-1 as a signed BIGINT (`linkstar.tracking.core.keys`), and the unique
index becomes (shipment_id, fingerprint): a third of the index entry, and integer comparisons.
Stored events are re-keyed from their old key in one UPDATE (its first 16 hex digits), so
nothing is re-read or re-hashed. The downgrade recomputes the full SHA-1 from the raw columns.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import linkstar.db.base

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_FINGERPRINT = "('x' || substr(dedup_key, 1, 16))::bit(64)::bigint"
_RAW = ("carrier", "code_source", "raw_code", "raw_description", "location", "city", "state",
        "postcode", "country")  # fmt: skip


def _fingerprint(key: str) -> int:
    return int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.BigInteger(), nullable=True))
    if bind.dialect.name == "sqlite":
        raw = bind.connection.driver_connection
        raw.create_function("linkstar_fingerprint", 1, _fingerprint, deterministic=True)  # type: ignore[union-attr]
        op.execute("UPDATE tracking_events SET fingerprint = linkstar_fingerprint(dedup_key)")
    else:
        op.execute(f"UPDATE tracking_events SET fingerprint = {_PG_FINGERPRINT}")  # noqa: S608
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tracking_events_shipment_id_dedup_key", type_="unique")
        batch_op.alter_column("fingerprint", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column("dedup_key")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_events_shipment_id_fingerprint"), ["shipment_id", "fingerprint"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=40), nullable=True))
    events = sa.table(
        "tracking_events",
        sa.column("id", sa.BigInteger()),
        sa.column("event_time", linkstar.db.base.UTCDateTime(timezone=True)),
        sa.column("dedup_key", sa.String()),
        *(sa.column(name, sa.Text()) for name in _RAW),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(events.c.id, events.c.event_time, *(events.c[n] for n in _RAW)))
    keys = [{"b_id": row[0], "key": _sha1(row[1], *row[2:])} for row in rows]
    if keys:
        bind.execute(
            events.update()
            .where(events.c.id == sa.bindparam("b_id"))
            .values(dedup_key=sa.bindparam("key")),
            keys,
        )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_tracking_events_shipment_id_fingerprint", type_="unique")
        batch_op.alter_column("dedup_key", existing_type=sa.String(length=40), nullable=False)
        batch_op.drop_column("fingerprint")
        batch_op.create_unique_constraint(
            batch_op.f("uq_tracking_events_shipment_id_dedup_key"), ["shipment_id", "dedup_key"]
        )


def _sha1(when, carrier, code_source, code, text, location, city, state, postcode, country):  # type: ignore[no-untyped-def]
    """The 0005 key: SHA-1 hex of the UTC time text and the raw fields, joined by U+001F."""
    parts = (when.isoformat(" ", "microseconds")[:26], carrier, code_source or carrier, code, text,
             location or "", city or "", state or "", postcode or "", country or "")  # fmt: skip
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()
