"""A digest of what a file import writes, to show that a speed-up changed no result.

Imports an Amazon order report of N orders (orders_file_parse.py's generator, the same file as
`orders_ingest.py --file`) into a fresh SQLite database with `import_large_file`, then hashes
every row it wrote — orders, lines, payloads, timeline events, address reviews — with ids and
clock times replaced by stable keys (order external id, position, event sequence), so two runs
of the same code print the same digest and a change that alters any stored value does not.
Usage: python benchmarks/orders_import_digest.py [--orders N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from orders_ingest import DATA, workspace
from sqlalchemy import select

from linkstar.addresses.models import AddressReview
from linkstar.db.uow import unit_of_work
from linkstar.orders.files import import_large_file
from linkstar.orders.models import Order, OrderEvent, OrderLine, OrderPayload
from linkstar.workspace.core import system_principal

_VOLATILE = {"id", "organisation_id", "store_id", "created_at", "updated_at", "received_at"}


def _row(obj: Any, refs: dict[str, str]) -> dict[str, Any]:
    out = {}
    for column in obj.__table__.columns:
        if column.key in _VOLATILE:
            continue
        value = getattr(obj, column.key)
        if column.key in {"order_id", "subject_ref", "merge_group"} and value is not None:
            value = refs.get(value, value)
        elif column.key == "original" and isinstance(value, dict) and "id" in value:
            value = {**value, "id": refs.get(value["id"], value["id"])}  # a review's subject
        out[column.key] = value
    return out


def _stable(value: Any, reviews: dict[str, str]) -> Any:
    """An event detail or holds list with review ids and hold times made stable."""
    if isinstance(value, dict):
        return {
            k: reviews.get(v, v) if k == "review_id" else _stable(v, reviews)
            for k, v in value.items()
            if k != "since"
        }
    if isinstance(value, list):
        return [_stable(v, reviews) for v in value]
    return value


def digest(sessions: Any) -> dict[str, str]:
    """One SHA-256 per table over its rows in a stable order."""
    with unit_of_work(sessions) as s:
        orders = list(s.scalars(select(Order)))
        refs = {o.id: o.external_id for o in orders}
        reviews = {r.id: refs[r.subject_ref] for r in s.scalars(select(AddressReview))}
        tables: dict[str, list[Any]] = {
            "orders": sorted(
                ({**_row(o, refs), "holds": _stable(o.holds, reviews)} for o in orders),
                key=lambda r: r["external_id"],
            ),
            "order_lines": sorted(
                (_row(x, refs) for x in s.scalars(select(OrderLine))),
                key=lambda r: (r["order_id"], r["position"]),
            ),
            "order_payloads": sorted(
                ({**_row(p, refs), "raw": p.raw} for p in s.scalars(select(OrderPayload))),
                key=lambda r: r["sha256"],
            ),
            "address_reviews": sorted(
                (_row(r, refs) for r in s.scalars(select(AddressReview))),
                key=lambda r: r["subject_ref"],
            ),
        }
        events = s.scalars(select(OrderEvent).order_by(OrderEvent.order_id, OrderEvent.at))
        timeline = [
            {**_row(e, refs), "at": None, "detail": _stable(e.detail, reviews)} for e in events
        ]
        tables["order_events"] = sorted(timeline, key=lambda r: r["order_id"])  # stable sort
    return {
        name: f"{len(rows)} rows "
        + hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()[:16]
        for name, rows in tables.items()
    }


def main() -> None:
    from orders_file_parse import amazon_file, catalogue

    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sessions, org_id, store_id = workspace(f"sqlite:///{Path(tmp) / 'digest.db'}")
        data = amazon_file(args.orders, catalogue(DATA), random.Random(7))
        actor = system_principal(org_id, "bench")
        result = import_large_file(sessions, actor, store_id, data, "report.txt", "amazon")
        print(json.dumps(result.as_json() | {"row_errors": len(result.row_errors)})[:300])
        for name, value in digest(sessions).items():
            print(f"{name:16} {value}")


if __name__ == "__main__":
    main()
