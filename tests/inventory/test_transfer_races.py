"""Transfers racing allocations for the same units never oversell.

Half the workers allocate orders, half plan, dispatch and receive transfers out of the same
warehouse, all at once. Runs on SQLite and, with LINKSTAR_TEST_DB=postgres, on PostgreSQL,
where only the conditional UPDATEs stand between the transactions and an oversell.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from linkstar.inventory import allocation, transfers
from linkstar.inventory.core import AllocationPolicy, AllocationRequest, RequestLine, Strategy
from linkstar.inventory.models import Allocation, LedgerEntry, StockLevel, Transfer, TransferLine
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import TransferCreate, TransferLineIn
from linkstar.inventory.transactions import in_transaction
from linkstar.kit.errors import LinkStarError
from tests.inventory.seed import add_skus, add_warehouses, receive

WORKERS = 8
SKU = "HP-RACE"
POLICY = AllocationPolicy(Strategy.priority)


_tenants = itertools.count()


def _state(sessions, org: str):
    with sessions() as s:
        levels = {
            r.warehouse_id: (r.on_hand, r.allocated)
            for r in s.scalars(select(StockLevel).where(StockLevel.organisation_id == org))
        }
        reserved = s.scalar(
            select(func.coalesce(func.sum(Allocation.quantity), 0)).where(
                Allocation.state == "reserved", Allocation.organisation_id == org
            )
        )
        on_the_way = s.scalar(
            select(
                func.coalesce(func.sum(TransferLine.quantity - TransferLine.received_quantity), 0)
            )
            .join(Transfer, Transfer.id == TransferLine.transfer_id)
            .where(Transfer.status == "in_transit", Transfer.organisation_id == org)
        )
        moved_out = s.scalar(
            select(func.coalesce(func.sum(-LedgerEntry.on_hand_delta), 0)).where(
                LedgerEntry.kind == "transfer_out", LedgerEntry.organisation_id == org
            )
        )
    return levels, int(reserved or 0), int(on_the_way or 0), int(moved_out or 0)


def _race(sessions, actor, stock: int, order_sizes: list[int], transfer_sizes: list[int]):
    counter = itertools.count()
    lock = threading.Lock()
    start = threading.Barrier(WORKERS)

    def next_ref(prefix: str) -> str:
        with lock:
            return f"{prefix}-{next(counter)}"

    def allocator(n: int) -> int:
        start.wait()
        got = 0
        for qty in order_sizes:
            ref = next_ref(f"O{n}")
            request = AllocationRequest(ref, "US", "91761", (RequestLine(SKU, qty, "L1"),))
            decisions = in_transaction(
                sessions,
                lambda s, r=request: allocation.allocate(s, actor.organisation_id, [r], POLICY),
            )
            got += decisions[0].lines[0].allocated
        return got

    def mover(n: int) -> int:
        start.wait()
        moved = 0
        for i, qty in enumerate(transfer_sizes):
            data = TransferCreate(
                reference=next_ref(f"T{n}"),
                from_warehouse="US-CA-ONT",
                to_warehouse="US-NJ-EDI",
                lines=[TransferLineIn(sku=SKU, quantity=qty)],
            )

            def work(s, data=data, receive_now=i % 2 == 0):
                row = transfers.create(s, actor, data)
                transfers.dispatch(s, actor, row.id)
                if receive_now:
                    transfers.receive(s, actor, row.id)
                return qty

            # A refusal (not enough free units at the origin) writes nothing.
            with contextlib.suppress(LinkStarError):
                moved += in_transaction(sessions, work)
        return moved

    with ThreadPoolExecutor(WORKERS) as pool:
        allocating = [pool.submit(allocator, n) for n in range(WORKERS // 2)]
        moving = [pool.submit(mover, n) for n in range(WORKERS // 2, WORKERS)]
        allocated = sum(f.result() for f in allocating)
        moved = sum(f.result() for f in moving)
    return allocated, moved


@settings(max_examples=3, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stock=st.integers(5, 30),
    order_sizes=st.lists(st.integers(1, 3), min_size=2, max_size=5),
    transfer_sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
)
def test_transfers_racing_allocations_never_oversell(
    sessions, make_tenant, stock, order_sizes, transfer_sizes
):
    actor = make_tenant(f"Race {next(_tenants)}").principal
    sites = add_warehouses(sessions, actor)
    add_skus(sessions, actor, SKU)
    receive(sessions, actor, SKU, "US-CA-ONT", stock)
    allocated, moved = _race(sessions, actor, stock, order_sizes, transfer_sizes)
    levels, reserved, on_the_way, moved_out = _state(sessions, actor.organisation_id)
    ont, edi = levels[sites["US-CA-ONT"]], levels.get(sites["US-NJ-EDI"], (0, 0))
    assert reserved == allocated == ont[1] + edi[1]  # every reservation is in a counter, once
    assert moved == moved_out  # every dispatch that committed, and only those, left the origin
    assert ont[0] + edi[0] + on_the_way == stock  # no unit created or lost
    assert all(0 <= a <= h for h, a in levels.values())  # never below what is reserved
    assert ont[1] + moved <= stock  # what left the origin was never reserved there
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []


@pytest.mark.parametrize("stock", [12])
def test_a_contested_last_batch_goes_to_exactly_one_side(sessions, tenant, stock):
    """Everything wanted at once: what the orders reserved and what the transfers took from
    the origin add up to at most what was there."""
    actor = tenant.principal
    sites = add_warehouses(sessions, actor)
    add_skus(sessions, actor, SKU)
    receive(sessions, actor, SKU, "US-CA-ONT", stock)
    allocated, moved = _race(sessions, actor, stock, [2, 2, 2], [3, 3])
    levels, reserved, _on_the_way, _moved_out = _state(sessions, actor.organisation_id)
    ont = levels[sites["US-CA-ONT"]]
    assert ont[1] <= ont[0] and ont[1] + moved <= stock
    assert reserved == allocated
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []
