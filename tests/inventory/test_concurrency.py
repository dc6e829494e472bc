"""Many workers race for the last units: exactly the available quantity is allocated.

Runs on SQLite and, with LINKSTAR_TEST_DB=postgres, on PostgreSQL, where the conditional UPDATE
is what stands between concurrent transactions and an oversell.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from linkstar.inventory import allocation, service
from linkstar.inventory.core import AllocationPolicy, AllocationRequest, RequestLine, Strategy
from linkstar.inventory.models import Allocation, StockLevel
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import AdjustmentCreate
from linkstar.inventory.transactions import in_transaction
from tests.inventory.seed import add_skus, add_warehouses, receive

WORKERS = 16
POLICY = AllocationPolicy(Strategy.closest)


def _order(ref: str, sku: str, qty: int, postcode: str = "10001") -> AllocationRequest:
    return AllocationRequest(ref, "US", postcode, (RequestLine(sku, qty, f"{ref}-1"),))


def _totals(sessions):
    with sessions() as s:
        levels = [(r.on_hand, r.allocated) for r in s.scalars(select(StockLevel))]
        reserved = s.scalar(
            select(func.coalesce(func.sum(Allocation.quantity), 0)).where(
                Allocation.state == "reserved"
            )
        )
    return levels, int(reserved or 0)


def test_racing_workers_take_exactly_the_last_units(sessions, tenant):
    actor = tenant.principal
    add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-LAST")
    receive(sessions, actor, "HP-LAST", "US-NJ-EDI", 17)
    receive(sessions, actor, "HP-LAST", "US-CA-ONT", 13)
    start = threading.Barrier(WORKERS)
    refs = itertools.count()
    lock = threading.Lock()

    def worker(n: int) -> int:
        start.wait()
        got = 0
        for _ in range(6):  # 16 x 6 orders of 1-2 units = ~140 units wanted, 30 exist
            with lock:
                ref = f"W{n}-{next(refs)}"
            qty = 1 + n % 2
            decisions = in_transaction(
                sessions,
                lambda s, ref=ref, qty=qty: allocation.allocate(
                    s, actor.organisation_id, [_order(ref, "HP-LAST", qty)], POLICY
                ),
            )
            got += decisions[0].lines[0].allocated
        return got

    with ThreadPoolExecutor(WORKERS) as pool:
        allocated = sum(pool.map(worker, range(WORKERS)))
    levels, reserved = _totals(sessions)
    assert allocated == 30 == reserved
    assert sorted(levels) == [(13, 13), (17, 17)]  # every unit reserved, none twice
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []


def test_allocations_racing_releases_ships_and_adjustments_stay_consistent(sessions, tenant):
    actor = tenant.principal
    add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-A", "HP-B")
    for code in ("US-NJ-EDI", "US-CA-ONT"):
        receive(sessions, actor, "HP-A", code, 20)
        receive(sessions, actor, "HP-B", code, 10)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        start.wait()
        for i in range(8):
            ref = f"M{n}-{i}"
            sku = "HP-A" if (n + i) % 2 else "HP-B"
            try:
                in_transaction(
                    sessions,
                    lambda s, ref=ref, sku=sku: allocation.allocate(
                        s,
                        actor.organisation_id,
                        [_order(ref, sku, 3, "90210" if n % 2 else "10001")],
                        POLICY,
                    ),
                )
                if i % 3 == 0:
                    in_transaction(
                        sessions,
                        lambda s, ref=ref: allocation.release(s, actor.organisation_id, ref),
                    )
                elif i % 3 == 1:
                    in_transaction(
                        sessions, lambda s, ref=ref: allocation.ship(s, actor.organisation_id, ref)
                    )
                else:
                    data = AdjustmentCreate(
                        sku=sku, warehouse="US-NJ-EDI", quantity=-1, reason="damage"
                    )
                    in_transaction(sessions, lambda s, data=data: service.adjust(s, actor, data))
            except Exception as exc:  # an adjustment may be refused (would undercut reservations)
                if "below what is reserved" not in str(exc) and "negative" not in str(exc):
                    errors.append(exc)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, range(8)))
    assert errors == []
    levels, reserved = _totals(sessions)
    assert all(0 <= a <= h for h, a in levels)
    assert sum(a for _, a in levels) == reserved
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []


_ops = st.lists(
    st.tuples(
        st.sampled_from(["receive", "allocate", "release", "ship", "adjust"]),
        st.sampled_from(["HP-A", "HP-B"]),
        st.integers(1, 6),
        st.booleans(),
    ),
    min_size=1,
    max_size=14,
)
_tenants = itertools.count()


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_any_sequence_of_moves_keeps_stock_valid_and_equal_to_the_ledger(
    sessions, make_tenant, ops
):
    """Property: whatever is attempted, counters never go negative, never oversell, and the
    ledger replays to them; refused moves change nothing."""
    actor = make_tenant(f"Prop {next(_tenants)}").principal
    add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-A", "HP-B")
    site = ["US-NJ-EDI", "US-CA-ONT"]
    orders: list[str] = []
    for i, (op, sku, qty, flag) in enumerate(ops):
        wid = site[int(flag)]
        try:
            if op == "receive":
                receive(sessions, actor, sku, wid, qty)
            elif op == "allocate":
                orders.append(f"P{i}")
                request = AllocationRequest(
                    f"P{i}", "US", "10001", (RequestLine(sku, qty, "1"),), allow_split=flag
                )
                policy = AllocationPolicy(Strategy.priority, all_or_nothing=not flag)
                in_transaction(
                    sessions,
                    lambda s, r=request, p=policy: allocation.allocate(
                        s, actor.organisation_id, [r], p
                    ),
                )
            elif op in {"release", "ship"} and orders:
                ref = orders[qty % len(orders)]
                fn = allocation.release if op == "release" else allocation.ship
                in_transaction(
                    sessions, lambda s, ref=ref, fn=fn: fn(s, actor.organisation_id, ref)
                )
            elif op == "adjust":
                data = AdjustmentCreate(sku=sku, warehouse=wid, quantity=-qty, reason="count")
                in_transaction(sessions, lambda s, data=data: service.adjust(s, actor, data))
        except Exception as exc:
            assert "negative or below what is reserved" in str(exc) or "SKU" in str(exc)
        with sessions() as s:
            rows = s.scalars(
                select(StockLevel).where(StockLevel.organisation_id == actor.organisation_id)
            ).all()
            assert all(0 <= r.allocated <= r.on_hand for r in rows)
            assert reconcile(s, actor.organisation_id).drifts == []


def test_racing_batches_fall_back_to_one_by_one_and_never_oversell(sessions, tenant):
    """Batches whose per-level UPDATE loses the race re-plan their orders one by one."""
    actor = tenant.principal
    add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-X", "HP-Y")
    receive(sessions, actor, "HP-X", "US-NJ-EDI", 9)
    receive(sessions, actor, "HP-Y", "US-NJ-EDI", 6)
    receive(sessions, actor, "HP-Y", "UK-NN-DAV", 5)
    start = threading.Barrier(8)

    def worker(n: int) -> int:
        start.wait()
        got = 0
        for b in range(3):
            batch = [
                AllocationRequest(
                    f"B{n}-{b}-{i}",
                    "US",
                    "10001",
                    (RequestLine("HP-X", 1, "1"), RequestLine("HP-Y", 1 + i % 2, "2")),
                )
                for i in range(4)
            ]
            decisions = in_transaction(
                sessions,
                lambda s, batch=batch: allocation.allocate(s, actor.organisation_id, batch, POLICY),
            )
            got += sum(line.allocated for d in decisions for line in d.lines)
        return got

    with ThreadPoolExecutor(8) as pool:
        allocated = sum(pool.map(worker, range(8)))
    levels, reserved = _totals(sessions)
    assert allocated == reserved == 20  # 9 + 6 + 5: everything, nothing twice
    assert sorted(levels) == [(5, 5), (6, 6), (9, 9)]
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []
