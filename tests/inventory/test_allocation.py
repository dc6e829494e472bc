"""Allocation through the database: reserve, release, ship; the ledger and decisions recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inventory import allocation, service
from linkstar.inventory.core import (
    AllocationPolicy,
    AllocationRequest,
    RequestLine,
    Strategy,
)
from linkstar.inventory.models import Allocation, LedgerEntry
from linkstar.inventory.reconcile import reconcile
from linkstar.kit.errors import InvalidInput
from tests.inventory.seed import add_skus, add_warehouses, counts, receive

CLOSEST = AllocationPolicy(Strategy.closest)


@pytest.fixture
def world(sessions, tenant):
    actor = tenant.principal
    wh = add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-85123A", "HP-22423", "HP-47566")
    receive(sessions, actor, "HP-85123A", "US-NJ-EDI", 5)
    receive(sessions, actor, "HP-85123A", "US-CA-ONT", 20)
    receive(sessions, actor, "HP-22423", "US-CA-ONT", 8)
    receive(sessions, actor, "HP-47566", "UK-NN-DAV", 3)
    return actor, wh


def req(ref, lines, country="US", postcode="10001", **kw) -> AllocationRequest:
    return AllocationRequest(
        ref,
        country,
        postcode,
        tuple(RequestLine(s, q, f"{ref}-{i}") for i, (s, q) in enumerate(lines)),
        **kw,
    )


def stock(sessions, actor):
    with sessions() as s:
        return {
            (r.sku, r.warehouse_code): (r.on_hand, r.allocated, r.available)
            for r in service.stock_table(s, actor)
        }


def test_allocate_reserves_writes_ledger_and_reasons(sessions, world):
    actor, wh = world
    with unit_of_work(sessions) as s:
        [d] = allocation.allocate(
            s, actor.organisation_id, [req("1001", [("HP-85123A", 7)])], CLOSEST
        )
    assert d.status == "allocated"
    assert [(p.warehouse_id, p.quantity) for p in d.lines[0].picks] == [
        (wh["US-NJ-EDI"], 5),
        (wh["US-CA-ONT"], 2),
    ]
    got = stock(sessions, actor)
    assert got[("HP-85123A", "US-NJ-EDI")] == (5, 5, 0)
    assert got[("HP-85123A", "US-CA-ONT")] == (20, 2, 18)
    with sessions() as s:
        rows = s.scalars(select(Allocation).order_by(Allocation.quantity.desc())).all()
        assert [(r.order_ref, r.line_ref, r.quantity, r.state) for r in rows] == [
            ("1001", "1001-0", 5, "reserved"), ("1001", "1001-0", 2, "reserved"),
        ]  # fmt: skip
        assert rows[0].reasons["strategy"] == "closest"
        assert rows[0].reasons["candidates"][0]["code"] == "US-NJ-EDI"
        kinds = sorted(
            (e.kind, e.allocated_delta)
            for e in s.scalars(select(LedgerEntry).where(LedgerEntry.reference == "1001"))
        )
        assert kinds == [("allocation", 2), ("allocation", 5)]
        assert reconcile(s, actor.organisation_id).drifts == []


def test_release_and_ship_move_the_counters_once(sessions, world):
    actor, _ = world
    with unit_of_work(sessions) as s:
        allocation.allocate(
            s,
            actor.organisation_id,
            [req("A", [("HP-22423", 3)]), req("B", [("HP-22423", 2)])],
            CLOSEST,
        )
    with unit_of_work(sessions) as s:
        assert allocation.release(s, actor.organisation_id, "A") == 3
        assert allocation.ship(s, actor.organisation_id, "B") == 2
    with unit_of_work(sessions) as s:  # again: nothing left to release or ship
        assert allocation.release(s, actor.organisation_id, "A") == 0
        assert allocation.ship(s, actor.organisation_id, "B") == 0
        assert allocation.release(s, actor.organisation_id, "B") == 0
    assert stock(sessions, actor)[("HP-22423", "US-CA-ONT")] == (6, 0, 6)
    with sessions() as s:
        states = {r.order_ref: r.state for r in s.scalars(select(Allocation))}
        assert states == {"A": "released", "B": "shipped"}
        assert reconcile(s, actor.organisation_id).drifts == []


def test_shortfall_and_all_or_nothing(sessions, world):
    actor, _ = world
    with unit_of_work(sessions) as s:
        [d] = allocation.allocate(s, actor.organisation_id, [req("P", [("HP-47566", 5)])], CLOSEST)
    assert (d.status, d.lines[0].allocated, d.lines[0].shortfall) == ("partial", 3, 2)
    with unit_of_work(sessions) as s:
        allocation.release(s, actor.organisation_id, "P")
    before = counts(sessions)
    strict = AllocationPolicy(Strategy.closest, all_or_nothing=True)
    with unit_of_work(sessions) as s:
        [d] = allocation.allocate(
            s, actor.organisation_id, [req("Q", [("HP-47566", 5), ("HP-22423", 1)])], strict
        )
    assert d.status == "unallocated"
    assert counts(sessions) == before  # nothing reserved, nothing written


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ([req("X", [("HP-NOPE", 1)])], "unknown SKU"),
        ([req("X", [("HP-22423", 1)]), req("X", [("HP-22423", 1)])], "listed twice"),
        ([req("X", [("HP-22423", 0)])], "quantity must be positive"),
        ([AllocationRequest("X", "US", "10001", ())], "has no lines"),
        ([req("", [("HP-22423", 1)])], "order_ref"),
    ],
)
def test_bad_requests_reserve_nothing(sessions, world, requests, message):
    actor, _ = world
    before = (counts(sessions), stock(sessions, actor))
    with pytest.raises(InvalidInput, match=message), unit_of_work(sessions) as s:
        allocation.allocate(
            s, actor.organisation_id, [req("OK", [("HP-22423", 1)]), *requests], CLOSEST
        )
    assert (counts(sessions), stock(sessions, actor)) == before


def test_an_order_cannot_be_allocated_twice(sessions, world):
    actor, _ = world
    with unit_of_work(sessions) as s:
        allocation.allocate(s, actor.organisation_id, [req("D", [("HP-22423", 1)])], CLOSEST)
    with pytest.raises(InvalidInput, match="already allocated: D"), unit_of_work(sessions) as s:
        allocation.allocate(s, actor.organisation_id, [req("D", [("HP-22423", 1)])], CLOSEST)


def test_safety_stock_is_never_allocated(sessions, world):
    actor, _wh = world
    with unit_of_work(sessions) as s:
        service.set_safety_stock(s, actor, "HP-22423", "US-CA-ONT", 6)
    with unit_of_work(sessions) as s:
        [d] = allocation.allocate(s, actor.organisation_id, [req("S", [("HP-22423", 5)])], CLOSEST)
    assert d.lines[0].allocated == 2
    assert stock(sessions, actor)[("HP-22423", "US-CA-ONT")] == (8, 2, 0)


def test_other_organisations_stock_is_invisible(sessions, world, make_tenant):
    actor, _ = world
    other = make_tenant("Other Co").principal
    add_warehouses(sessions, other)
    add_skus(sessions, other, "HP-22423")
    with unit_of_work(sessions) as s:
        [d] = allocation.allocate(s, other.organisation_id, [req("O", [("HP-22423", 1)])], CLOSEST)
    assert d.status == "unallocated"
    assert stock(sessions, actor)[("HP-22423", "US-CA-ONT")] == (8, 0, 8)


def test_shipping_reserved_stock_cannot_be_undercut_by_an_adjustment(sessions, world):
    actor, _wh = world
    with unit_of_work(sessions) as s:
        allocation.allocate(
            s, actor.organisation_id, [req("R", [("HP-47566", 3)], "GB", "M1 1AE")], CLOSEST
        )
    from linkstar.inventory.schemas import AdjustmentCreate

    with pytest.raises(InvalidInput, match="below what is reserved"), unit_of_work(sessions) as s:
        service.adjust(
            s,
            actor,
            AdjustmentCreate(sku="HP-47566", warehouse="UK-NN-DAV", quantity=-1, reason="damaged"),
        )


def test_a_batch_that_loses_a_level_replans_those_orders(sessions, world, monkeypatch):
    """Units vanish between the snapshot and the UPDATE (as when another transaction takes
    them): the batch UPDATE of that level fails, its orders give back their other levels and
    are planned again against fresh counters."""
    from sqlalchemy import text

    from linkstar.inventory.models import StockLevel
    from linkstar.inventory.repository import StockLevelRepository

    actor, wh = world
    with sessions() as s:
        nj = s.scalars(
            select(StockLevel.id).where(
                StockLevel.warehouse_id == wh["US-NJ-EDI"], StockLevel.on_hand == 5
            )
        ).one()
    original = StockLevelRepository.reserve_many
    calls: list[tuple[str, int]] = []

    def reserve_many(self, wanted):
        if wanted.get(nj) == 3 and (nj, 3) not in calls:
            self.session.execute(  # someone else takes 4 of the 5 NJ units of HP-85123A
                text("UPDATE stock_levels SET on_hand = on_hand - 4 WHERE id = :id"), {"id": nj}
            )
        calls.extend(wanted.items())
        return original(self, wanted)

    monkeypatch.setattr(StockLevelRepository, "reserve_many", reserve_many)
    requests = [req("N1", [("HP-85123A", 1), ("HP-22423", 1)]), req("N2", [("HP-85123A", 2)])]
    with unit_of_work(sessions) as s:
        decisions = allocation.allocate(s, actor.organisation_id, requests, CLOSEST)
    assert (nj, 3) in calls  # the batch wanted 3 NJ units in one UPDATE, and lost
    assert [d.status for d in decisions] == ["allocated", "allocated"]
    got = stock(sessions, actor)
    assert got[("HP-85123A", "US-NJ-EDI")] == (1, 1, 0)  # the one unit left went to N1
    assert got[("HP-85123A", "US-CA-ONT")] == (20, 2, 18)  # N2 replanned to CA
    assert got[("HP-22423", "US-CA-ONT")] == (8, 1, 7)  # given back once, reserved once


def test_a_concurrent_second_allocation_of_an_order_is_refused_by_the_database(
    sessions, world, monkeypatch
):
    """If two transactions both pass the "already allocated?" check, the partial unique index
    on live reservations refuses the second at insert, and it reserves nothing."""
    from linkstar.inventory.repository import AllocationRepository
    from linkstar.kit.errors import Conflict

    actor, _ = world
    with unit_of_work(sessions) as s:
        allocation.allocate(s, actor.organisation_id, [req("DUP", [("HP-22423", 2)])], CLOSEST)
    before = (counts(sessions), stock(sessions, actor))
    monkeypatch.setattr(AllocationRepository, "for_orders", lambda self, refs, state=None: [])
    with pytest.raises(Conflict, match="allocated concurrently"), unit_of_work(sessions) as s:
        allocation.allocate(s, actor.organisation_id, [req("DUP", [("HP-22423", 2)])], CLOSEST)
    assert (counts(sessions), stock(sessions, actor)) == before


def test_repeated_line_refs_are_refused(sessions, world):
    actor, _ = world
    twice = AllocationRequest(
        "T", "US", "10001", (RequestLine("HP-22423", 1, "a"), RequestLine("HP-85123A", 1, "a"))
    )
    with pytest.raises(InvalidInput, match="repeats a line_ref"), unit_of_work(sessions) as s:
        allocation.allocate(s, actor.organisation_id, [twice], CLOSEST)
