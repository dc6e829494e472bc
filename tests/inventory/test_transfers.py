"""Transfers between warehouses: dispatch, partial receipts, cancel, and what is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.inventory import allocation, service, transfers
from linkstar.inventory.core import (
    AllocationPolicy,
    AllocationRequest,
    RequestLine,
    Strategy,
    TransferStatus,
)
from linkstar.inventory.core.transfers import check_move, receipt_plan
from linkstar.inventory.models import LedgerEntry, Transfer
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import TransferCreate, TransferLineIn
from linkstar.kit.errors import Conflict, InvalidInput
from tests.inventory.seed import add_skus, add_warehouses, levels, receive

MUG, TEE = "HP-85123A", "TEE-BLK-M"


@pytest.fixture
def stocked(sessions, tenant):
    actor = tenant.principal
    sites = add_warehouses(sessions, actor)
    add_skus(sessions, actor, MUG, TEE)
    receive(sessions, actor, MUG, "US-CA-ONT", 10)
    receive(sessions, actor, TEE, "US-CA-ONT", 4)
    return actor, sites


def _create(sessions, actor, ref="TR-1", lines=((MUG, 6), (TEE, 4))) -> str:
    data = TransferCreate(
        reference=ref,
        from_warehouse="US-CA-ONT",
        to_warehouse="us-nj-edi",
        lines=[TransferLineIn(sku=s, quantity=q) for s, q in lines],
        carrier="Old Dominion",
        tracking_ref="OD-123",
    )
    with unit_of_work(sessions) as s:
        return transfers.create(s, actor, data).id


def _ledger(sessions) -> list[tuple[str, str, int]]:
    with sessions() as s:
        rows = s.execute(
            select(LedgerEntry.kind, LedgerEntry.warehouse_id, LedgerEntry.on_hand_delta)
            .where(LedgerEntry.kind.in_(["transfer_out", "transfer_in"]))
            .order_by(LedgerEntry.kind, LedgerEntry.on_hand_delta)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _ledger_count(sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def _stock(sessions, actor, sku: str, code: str) -> tuple[int, int, int]:
    with sessions() as s:
        site = service.warehouse_by_code(s, actor, code).id
        (row,) = service.stock_table(s, actor, sku, site)
        return row.on_hand, row.allocated, row.inbound


def test_a_transfer_moves_stock_through_dispatch_and_partial_receipts(sessions, stocked):
    actor, sites = stocked
    transfer_id = _create(sessions, actor)
    assert _ledger(sessions) == []  # a draft moves nothing
    with unit_of_work(sessions) as s:
        transfers.dispatch(s, actor, transfer_id)
    assert _stock(sessions, actor, MUG, "US-CA-ONT") == (4, 0, 0)
    assert _stock(sessions, actor, MUG, "US-NJ-EDI") == (0, 0, 6)  # inbound while in transit
    with unit_of_work(sessions) as s:
        view = transfers.read(s, actor, transfers.receive(s, actor, transfer_id, {MUG: 2}))
    assert view.status is TransferStatus.in_transit
    assert [(x.sku, x.received_quantity, x.outstanding) for x in view.lines] == [
        (MUG, 2, 4),
        (TEE, 0, 4),
    ]
    assert _stock(sessions, actor, MUG, "US-NJ-EDI") == (2, 0, 4)
    with unit_of_work(sessions) as s:
        view = transfers.read(s, actor, transfers.receive(s, actor, transfer_id))
    assert view.status is TransferStatus.received and view.received_at is not None
    assert _stock(sessions, actor, MUG, "US-NJ-EDI") == (6, 0, 0)
    assert _stock(sessions, actor, TEE, "US-NJ-EDI") == (4, 0, 0)
    ont, edi = sites["US-CA-ONT"], sites["US-NJ-EDI"]
    assert _ledger(sessions) == [
        ("transfer_in", edi, 2),
        ("transfer_in", edi, 4),
        ("transfer_in", edi, 4),
        ("transfer_out", ont, -6),
        ("transfer_out", ont, -4),
    ]
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []


def test_dispatch_never_takes_units_reserved_for_orders(sessions, stocked):
    actor, _sites = stocked
    request = AllocationRequest("O-1", "US", "90001", (RequestLine(MUG, 7, "L1"),))
    with unit_of_work(sessions) as s:
        allocation.allocate(s, actor.organisation_id, [request], AllocationPolicy(Strategy.closest))
    transfer_id = _create(sessions, actor, lines=((TEE, 4), (MUG, 4)))  # 10 on hand, 7 reserved
    before, counters = _ledger_count(sessions), levels(sessions)
    with pytest.raises(InvalidInput) as refused, unit_of_work(sessions) as s:
        transfers.dispatch(s, actor, transfer_id)
    assert refused.value.message == (
        f"SKU {MUG}: 4 to dispatch but only 3 on hand and not reserved at the origin"
    )
    assert _ledger_count(sessions) == before and levels(sessions) == counters
    with sessions() as s:
        assert s.get(Transfer, transfer_id).status == "draft"  # type: ignore[union-attr]


def test_over_receipt_and_wrong_states_are_refused_and_write_nothing(sessions, stocked):
    actor, _sites = stocked
    transfer_id = _create(sessions, actor)
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        transfers.receive(s, actor, transfer_id)  # a draft cannot be received
    with unit_of_work(sessions) as s:
        transfers.dispatch(s, actor, transfer_id)
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        transfers.dispatch(s, actor, transfer_id)  # dispatched once only
    before, counters = _ledger_count(sessions), levels(sessions)
    for wanted in ({MUG: 7}, {MUG: 1, TEE: 5}, {"NOT-ON-IT": 1}):
        with pytest.raises(InvalidInput), unit_of_work(sessions) as s:
            transfers.receive(s, actor, transfer_id, wanted)
    assert _ledger_count(sessions) == before and levels(sessions) == counters


def test_cancelling_in_transit_books_what_is_on_the_way_back_at_the_origin(sessions, stocked):
    actor, _sites = stocked
    transfer_id = _create(sessions, actor)
    with unit_of_work(sessions) as s:
        transfers.dispatch(s, actor, transfer_id)
        transfers.receive(s, actor, transfer_id, {MUG: 1})
    with unit_of_work(sessions) as s:
        row = transfers.cancel(s, actor, transfer_id, "truck broke down")
        assert (row.status, row.note) == ("cancelled", "truck broke down")
    assert _stock(sessions, actor, MUG, "US-CA-ONT") == (9, 0, 0)
    assert _stock(sessions, actor, TEE, "US-CA-ONT") == (4, 0, 0)
    assert _stock(sessions, actor, MUG, "US-NJ-EDI") == (1, 0, 0)
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        transfers.cancel(s, actor, transfer_id)
    with sessions() as s:
        assert reconcile(s, actor.organisation_id).drifts == []


def test_a_draft_is_cancelled_without_touching_stock(sessions, stocked):
    actor, _sites = stocked
    transfer_id = _create(sessions, actor)
    before = _ledger_count(sessions)
    with unit_of_work(sessions) as s:
        transfers.cancel(s, actor, transfer_id)
    assert _ledger_count(sessions) == before


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"to_warehouse": "US-CA-ONT"}, InvalidInput),
        ({"to_warehouse": "NOPE"}, Exception),
        ({"lines": [TransferLineIn(sku="GHOST", quantity=1)]}, InvalidInput),
        ({"lines": [TransferLineIn(sku=MUG, quantity=1)] * 2}, InvalidInput),
    ],
)
def test_bad_transfers_are_refused_and_nothing_is_stored(sessions, stocked, change, error):
    actor, _sites = stocked
    data = TransferCreate(
        reference="TR-BAD",
        from_warehouse="US-CA-ONT",
        to_warehouse="US-NJ-EDI",
        lines=[TransferLineIn(sku=MUG, quantity=1)],
    ).model_copy(update=change)
    with pytest.raises(error), unit_of_work(sessions) as s:
        transfers.create(s, actor, data)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Transfer)) == 0


def test_a_reference_is_used_once(sessions, stocked):
    actor, _sites = stocked
    _create(sessions, actor)
    with pytest.raises(Conflict):
        _create(sessions, actor)


def test_moves_follow_the_transfer_state_machine():
    T = TransferStatus
    check_move(T.draft, T.in_transit)
    check_move(T.in_transit, T.cancelled)
    for current, target in (
        (T.draft, T.received),
        (T.received, T.cancelled),
        (T.cancelled, T.in_transit),
    ):
        with pytest.raises(Conflict):
            check_move(current, target)


@given(
    st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 20), min_size=1),
    st.dictionaries(st.sampled_from("ABCDEF"), st.integers(-2, 25)),
)
def test_a_receipt_plan_never_books_more_than_is_on_the_way(outstanding, requested):
    try:
        plan = receipt_plan(outstanding, requested)
    except (InvalidInput, Conflict):
        return
    assert plan and all(0 < qty <= outstanding[sku] for sku, qty in plan.items())
    if requested:
        assert plan == requested
    else:
        assert plan == {k: v for k, v in outstanding.items() if v > 0}
