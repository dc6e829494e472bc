"""The ingestion's fast multi-row insert stores exactly what a SQLAlchemy Core insert stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table, insert, select, text

from linkstar.db import bulk
from linkstar.db.bulk import Encoded, insert_rows
from linkstar.db.engine import json_text
from linkstar.db.uow import unit_of_work
from linkstar.kit.ids import new_id
from linkstar.orders.models import Order, OrderEvent, OrderLine, OrderPayload

T = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=UTC)


def order_row(org: str, store: str, **extra: Any) -> dict[str, Any]:
    return {
        "organisation_id": org,
        "store_id": store,
        "channel": "amazon",
        "external_id": new_id(),
        "external_number": None,
        "state": "checked",
        "channel_status": "open",
        "version": T,
        "content_hash": "c" * 64,
        "placed_at": T - timedelta(hours=3),
        "buyer_name": "Zoë O'Brien",
        "buyer_email": None,
        "buyer_phone": None,
        "ship_name": "Zoë O'Brien",
        "ship_company": None,
        "ship_line1": "1 Main St",
        "ship_line2": None,
        "ship_city": "Boston",
        "ship_state": "MA",
        "ship_postcode": "02139",
        "ship_country": "US",
        "ship_phone": None,
        "ship_email": None,
        "address_verdict": "valid",
        "address_flags": ["residential"],
        "currency": "USD",
        "subtotal": Decimal("59.98"),
        "shipping": Decimal("0"),
        "tax": Decimal("4.1234"),
        "discount": Decimal("-1.5"),
        "total": Decimal("62.6034"),
        "ship_by": None,
        "deliver_by": T + timedelta(days=3),
        "ship_service_level": "Standard",
        "tax_terms": None,
        "priority": "normal",
        "tags": ["vip", "ünïcode"],
        "holds": [],
        "is_held": False,
        "warehouse_code": None,
        "excluded_warehouses": [],
        "split_plan": None,
        "merge_group": None,
        "created_at": T,
        "updated_at": T,
    } | extra


def payload_row(org: str, store: str, order_id: str, raw: Any, sha: str, **extra: Any) -> Any:
    return {
        "organisation_id": org,
        "store_id": store,
        "external_id": "X-1",
        "order_id": order_id,
        "source": "file",
        "version": T,
        "received_at": T,
        "sha256": sha,
        "outcome": "created",
        "raw": raw,
    } | extra


def stored(session: Any, table: Table, row_id: str) -> tuple[Any, ...]:
    """The row as the driver returns it (no type processing), without its id."""
    columns = ", ".join(c.name for c in table.columns if c.name != "id")
    sql = text(f"SELECT {columns} FROM {table.name} WHERE id = :id")
    return tuple(session.execute(sql, {"id": row_id}).one())


@pytest.mark.parametrize("model", [Order, OrderLine, OrderEvent, OrderPayload])
def test_fast_insert_stores_what_a_core_insert_stores(sessions, tenant, store, model) -> None:  # type: ignore[no-untyped-def]
    org = tenant.org.id
    with unit_of_work(sessions) as s:
        conn = s.connection()
        order_id = new_id()
        insert_rows(conn, Order.__table__, [order_row(org, store, id=order_id)])
        if model is Order:
            row = order_row(org, store, external_id="X-1")
        elif model is OrderLine:
            row = {
                "organisation_id": org,
                "order_id": order_id,
                "position": 1,
                "external_line_id": "L-1",
                "channel_sku": "AMZ-MUG",
                "master_sku": "MUG",
                "title": None,
                "quantity": 2,
                "unit_price": Decimal("29.99"),
                "component_of": None,
            }
        elif model is OrderEvent:
            row = {
                "organisation_id": org,
                "order_id": order_id,
                "at": T,
                "kind": "imported",
                "actor": "system",
                "detail": {"source": "file", "nested": {"a": [1, 2.5, None]}, "é": "ü"},
            }
        else:
            row = payload_row(org, store, order_id, {"rows": [["a", "b"]], "n": None}, "a" * 64)
        table = model.__table__
        core_id, fast_id = new_id(), new_id()
        second = dict(row, id=fast_id)
        unique = {Order: "external_id", OrderPayload: "sha256"}.get(model)
        if unique:  # a column unique per store has to differ
            second[unique] = "b" * 64
        conn.execute(insert(table), [dict(row, id=core_id)])
        insert_rows(conn, table, [second])
        a, b = stored(s, table, core_id), stored(s, table, fast_id)
        if unique:
            at = [c.name for c in table.columns if c.name != "id"].index(unique)
            a, b = a[:at] + a[at + 1 :], b[:at] + b[at + 1 :]
        assert a == b
        # And the ORM reads it back as the same values.
        loaded = s.get(model, fast_id)
        assert loaded is not None
        for key, value in second.items():
            assert getattr(loaded, key) == value, key


def test_rows_with_other_keys_or_python_defaults_fall_back_to_sqlalchemy(
    sessions, tenant, store
) -> None:  # type: ignore[no-untyped-def]
    org = tenant.org.id
    with unit_of_work(sessions) as s:
        conn = s.connection()
        order_id = new_id()
        # No id and no created_at/updated_at: SQLAlchemy's Python-side defaults fill them.
        row = order_row(org, store, id=order_id)
        del row["created_at"], row["updated_at"]
        insert_rows(conn, Order.__table__, [row])
        loaded = s.scalars(select(Order).where(Order.id == order_id)).one()
        assert loaded.created_at is not None and loaded.total == Decimal("62.6034")
        insert_rows(conn, Order.__table__, [])  # nothing to do
        events = [
            {"id": new_id(), "organisation_id": org, "order_id": order_id, "at": T, "kind": "a"},
            {"id": new_id(), "organisation_id": org, "order_id": order_id, "at": T, "actor": "x"},
        ]
        with pytest.raises(Exception, match=r"actor|kind"):  # reported by SQLAlchemy
            insert_rows(conn, OrderEvent.__table__, events)


def test_fast_times_and_empty_json_store_what_a_core_insert_stores(sessions, tenant, store) -> None:  # type: ignore[no-untyped-def]
    """The quick paths (times built in one call on SQLite, None and [] as constants for JSON)
    on the values they special-case: other zones, whole seconds, empty and None."""
    org = tenant.org.id
    east = timezone(timedelta(hours=-5))
    odd = {
        "version": datetime(2026, 3, 8, 1, 59, 59, tzinfo=east),
        "placed_at": datetime(1999, 12, 31, 23, 0, 0, 1, tzinfo=UTC),
        "ship_by": None,
        "tags": [],
        "address_flags": [],
        "holds": [{"reason": "x", "since": None}],
        "excluded_warehouses": [[]],
        "split_plan": None,
    }
    with unit_of_work(sessions) as s:
        conn = s.connection()
        core_id, fast_id = new_id(), new_id()
        conn.execute(insert(Order.__table__), [order_row(org, store, id=core_id, **odd)])
        insert_rows(conn, Order.__table__, [order_row(org, store, id=fast_id, **odd)])
        at = [c.name for c in Order.__table__.columns if c.name != "id"].index("external_id")
        a, b = stored(s, Order.__table__, core_id), stored(s, Order.__table__, fast_id)
        assert a[:at] + a[at + 1 :] == b[:at] + b[at + 1 :]
        quick = bulk._processor(Order.__table__.c.version.type, conn.dialect)
        used = quick is not None and quick.__qualname__.startswith("UTCDateTime.bulk_processor")
        assert used is (conn.dialect.name == "sqlite")  # the quick path is the one taken
        with pytest.raises(ValueError, match="naive"):
            naive = order_row(org, store, id=new_id(), version=datetime(2026, 1, 1))
            insert_rows(conn, Order.__table__, [naive])


def test_encoded_json_stores_what_its_value_stores(sessions, tenant, store) -> None:  # type: ignore[no-untyped-def]
    """A payload encoded by the lookahead's worker: its text as is (SQLite), or its value
    processed (PostgreSQL), also when SQLAlchemy inserts the rows itself."""
    org = tenant.org.id
    raw = {"rows": [{"Ship City": "Zürich", "Qty": "2", "Note": 'a "b"\u2028'}]}
    with unit_of_work(sessions) as s:
        conn = s.connection()
        order_id = new_id()
        insert_rows(conn, Order.__table__, [order_row(org, store, id=order_id)])
        ids = [new_id() for _ in range(3)]
        encoded = Encoded(json_text(raw), raw)
        table = OrderPayload.__table__
        conn.execute(insert(table), [payload_row(org, store, order_id, raw, "a" * 64, id=ids[0])])
        insert_rows(conn, table, [payload_row(org, store, order_id, encoded, "b" * 64, id=ids[1])])
        fallback = payload_row(org, store, order_id, encoded, "c" * 64, id=ids[2])
        del fallback["received_at"]  # a Python-side default: SQLAlchemy inserts it
        insert_rows(conn, table, [fallback])
        at = [c.name for c in table.columns if c.name != "id"].index("raw")
        texts = [stored(s, table, i)[at] for i in ids]
        assert texts[0] == texts[1] == texts[2]
        assert [s.get(OrderPayload, i).raw for i in ids] == [raw] * 3  # type: ignore[union-attr]
