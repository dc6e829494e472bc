"""Address checks one batch ahead in a worker process: the same rows as in process, a clear
error and nothing written when the worker fails, no worker left behind, small files in process."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from linkstar.addresses.core import AddressInput, CheckedAddress, Policy
from linkstar.addresses.models import AddressReview
from linkstar.db.uow import unit_of_work
from linkstar.orders import lookahead
from linkstar.orders.connectors.files import parse_order_file
from linkstar.orders.files import import_large_file
from linkstar.orders.ingest import ingest_committing
from linkstar.orders.lookahead import AddressLookahead, WorkerFailed, address_worker
from linkstar.orders.models import Order, OrderDeadLetter, OrderEvent, OrderLine, OrderPayload
from linkstar.workspace.core import system_principal

HEADER = (
    "external_id,line_id,sku,quantity,unit_price,currency,status,placed_at,buyer_name,"
    "buyer_email,ship_name,ship_line1,ship_city,ship_state,ship_postcode,ship_country,ship_phone"
)
ADDRESSES = [
    "1600 Amphitheatre Pkwy,Mountain View,CA,94043,US,+1 650 253 0000",
    "1 Infinite Loop,Cupertino,CA,95014,US,",
    ",Nowhere,,00000,US,",  # held for review
    "10 Downing Street,London,,SW1A 2AA,GB,+44 20 7946 0000",
    "290 Bremner Blvd,Toronto,ON,M5V 3L9,CA,",
]


def export(orders: int) -> bytes:
    """A LinkStar-preset CSV: one or two rows per order, addresses repeating in a cycle."""
    rows = [HEADER]
    for n in range(orders):
        where = ADDRESSES[n % len(ADDRESSES)]
        for line in range(1 + n % 2):
            rows.append(
                f"W-{n:05d},{line + 1},SKU-{(n + line) % 7},{1 + line},12.50,USD,open,"
                f"2026-12-01T10:{n % 60:02d}:00+00:00,Buyer {n},b{n}@example.com,"
                f"Buyer {n},{where}"
            )
    return ("\n".join(rows) + "\n").encode()


def parsed_items(data: bytes) -> list[Any]:
    parsed = parse_order_file(data, "orders.csv", "linkstar")
    return [(order, {"rows": rows}) for order, rows in zip(parsed.orders, parsed.raw, strict=True)]


def written(sessions) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What an import stored, without ids and clock times."""
    with unit_of_work(sessions) as s:
        orders = {o.id: o.external_id for o in s.scalars(select(Order))}
        reviews = {r.id: orders[r.subject_ref] for r in s.scalars(select(AddressReview))}
        return {
            "orders": sorted(
                (
                    o.external_id,
                    o.state,
                    o.address_verdict,
                    tuple(o.address_flags or ()),
                    tuple(h["reason"] + h["detail"] for h in o.holds),
                    o.content_hash,
                )
                for o in s.scalars(select(Order))
            ),
            "lines": sorted(
                (orders[x.order_id], x.position, x.master_sku, x.quantity)
                for x in s.scalars(select(OrderLine))
            ),
            "payloads": sorted(
                (p.sha256, orders[p.order_id or ""], p.outcome)
                for p in s.scalars(select(OrderPayload))
            ),
            "events": sorted(
                (
                    orders[e.order_id],
                    e.kind,
                    repr(
                        sorted(
                            (
                                e.detail | {"review_id": reviews.get(e.detail.get("review_id"))}
                            ).items()
                        )
                    ),
                )
                for e in s.scalars(select(OrderEvent))
            ),
            "reviews": sorted(
                (orders[r.subject_ref], r.verdict, repr(r.reasons), repr(r.normalised))
                for r in s.scalars(select(AddressReview))
            ),
        }


def count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def ingest_ahead(sessions, tenant, store, data: bytes, batch: int = 40):  # type: ignore[no-untyped-def]
    """The large-file path with small transactions and a worker started whatever the size."""
    items = parsed_items(data)
    with address_worker(lookahead.MIN_ROWS) as worker, lookahead.lookahead(worker, items) as ahead:
        assert ahead is not None
        return ingest_committing(
            sessions, tenant.org.id, store, items, "file", batch_size=batch, lookahead=ahead
        )


def test_worker_writes_exactly_what_the_in_process_import_writes(sessions, tenant, store):  # type: ignore[no-untyped-def]
    data = export(230)
    ahead = ingest_ahead(sessions, tenant, store, data)
    with_worker = written(sessions)
    assert (ahead.created, ahead.held, len(with_worker["reviews"])) == (230, 46, 46)
    with unit_of_work(sessions) as s:  # the same file into an empty store, in process
        for model in (OrderEvent, OrderPayload, OrderLine, AddressReview, Order):
            s.execute(model.__table__.delete())
    items = parsed_items(data)
    plain = ingest_committing(sessions, tenant.org.id, store, items, "file", batch_size=40)
    assert (plain.created, plain.held) == (ahead.created, ahead.held)
    assert written(sessions) == with_worker
    again = ingest_ahead(sessions, tenant, store, data)  # re-import: nothing new
    assert (again.created, again.unchanged) == (0, 230)
    assert written(sessions) == with_worker
    assert multiprocessing.active_children() == []


def test_an_order_ingestion_refuses_is_a_dead_letter_with_the_workers_too(sessions, tenant, store):  # type: ignore[no-untyped-def]
    data = export(60).replace(b"W-00007,1,SKU-0,1,12.50", b"W-00007,1,SKU-0,2000000,12.50")
    ahead = ingest_ahead(sessions, tenant, store, data)
    errors = [(e.index, e.external_id, e.message) for e in ahead.errors]
    assert errors == [(7, "W-00007", "line 1: quantity or SKU out of range")]
    assert (ahead.created, count(sessions, OrderDeadLetter), count(sessions, Order)) == (59, 1, 59)
    plain = ingest_committing(sessions, tenant.org.id, store, parsed_items(data), "file")
    assert [(e.index, e.external_id, e.message) for e in plain.errors] == errors


def test_the_worker_only_gets_addresses_of_payloads_not_yet_stored(
    sessions, tenant, store, monkeypatch
):  # type: ignore[no-untyped-def]
    sent: list[int] = []
    real = AddressLookahead._send

    def spy(self, start, count, stored, policy):  # type: ignore[no-untyped-def]
        before = len(self._sent)
        real(self, start, count, stored, policy)
        sent.append(len(self._sent) - before)

    monkeypatch.setattr(AddressLookahead, "_send", spy)
    ingest_ahead(sessions, tenant, store, export(100))
    assert sum(sent) == 3  # 100 orders in batches of 40, each batch's addresses sent once
    sent.clear()
    ingest_ahead(sessions, tenant, store, export(100))
    assert sum(sent) == 0  # a re-import sends nothing


def fail_in_worker(addresses: list[AddressInput], policy: Policy) -> list[CheckedAddress]:
    if addresses:  # the start-up call (no addresses) passes
        raise ValueError("checker broke")
    return []


def die_in_worker(addresses: list[AddressInput], policy: Policy) -> list[CheckedAddress]:
    if addresses:
        os._exit(3)
    return []


def fail_hashing(start: int, count: int) -> list[str | None]:
    raise ValueError("hasher broke")


def die_hashing(start: int, count: int) -> list[str | None]:
    os._exit(3)


def die_detailing(indices: list[int]) -> lookahead.Details:
    os._exit(3)


@pytest.mark.parametrize(
    ("target", "broken", "reason"),
    [
        ("check_all", fail_in_worker, "address-check worker process failed (ValueError: checker"),
        ("check_all", die_in_worker, "address-check worker process failed (BrokenProcessPool"),
        ("hashes", fail_hashing, "hashing worker process failed (ValueError: hasher broke"),
        ("hashes", die_hashing, "hashing worker process failed (BrokenProcessPool"),
        ("details", die_detailing, "hashing worker process failed (BrokenProcessPool"),
    ],
)
def test_a_failing_worker_is_a_clear_error_and_writes_nothing(
    sessions, tenant, store, monkeypatch, target, broken, reason
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(lookahead, target, broken)
    monkeypatch.setattr(lookahead, "MIN_ROWS", 10)
    actor = system_principal(tenant.org.id, "test")
    with pytest.raises(WorkerFailed) as failed:
        import_large_file(sessions, actor, store, export(50), "orders.csv", "linkstar")
    assert failed.value.status == 503 and failed.value.code == "worker_failed"
    assert reason in failed.value.message and "this batch was not written" in failed.value.message
    for model in (Order, OrderLine, OrderPayload, OrderEvent, AddressReview):
        assert count(sessions, model) == 0
    assert multiprocessing.active_children() == []


def test_an_xlsx_file_gets_the_lookahead_once_parsed(sessions, tenant, store, monkeypatch):  # type: ignore[no-untyped-def]
    book = Workbook()
    sheet = book.active
    for line in export(30).decode().splitlines():
        sheet.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    taken: list[int] = []
    real = AddressLookahead.take

    def spy(self, count, stored, policy):  # type: ignore[no-untyped-def]
        taken.append(count)
        return real(self, count, stored, policy)

    monkeypatch.setattr(AddressLookahead, "take", spy)
    monkeypatch.setattr(lookahead, "MIN_ROWS", 30)  # orders, counted once the file is parsed
    actor = system_principal(tenant.org.id, "test")
    result = import_large_file(sessions, actor, store, data.getvalue(), "o.xlsx", "linkstar")
    assert (result.report.created, result.report.held, taken) == (30, 6, [30])
    assert multiprocessing.active_children() == []


def test_small_files_stay_in_process(sessions, tenant, store, monkeypatch):  # type: ignore[no-untyped-def]
    with address_worker(lookahead.MIN_ROWS - 1) as worker:
        assert worker is None
    monkeypatch.setattr(AddressLookahead, "take", None)  # would fail if used
    actor = system_principal(tenant.org.id, "test")
    result = import_large_file(sessions, actor, store, export(20), "orders.csv", "linkstar")
    assert result.report.created == 20


ORPHAN = """
import os, sys, time
from linkstar.orders.lookahead import MIN_ROWS, address_worker
with address_worker(MIN_ROWS) as worker:
    worker.submit(time.sleep, 0).result()
    print(*[p.pid for p in worker._processes.values()], flush=True)
    os._exit(0)  # the importing process dies without stopping its worker
"""


def test_the_worker_exits_when_the_importing_process_dies() -> None:
    done = subprocess.run(
        [sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=60, check=True
    )
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
