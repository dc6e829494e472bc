"""Allocation strategies: priority, closest, fewest splits, all-or-nothing; never oversell."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.inventory.core import (
    AllocationPolicy,
    AllocationRequest,
    Allocator,
    RequestLine,
    Site,
    Strategy,
)

CA = Site("w-ca", "US-CA-ONT", "US", "91761")
NJ = Site("w-nj", "US-NJ-EDI", "US", "08837")
UK = Site("w-uk", "UK-NN-DAV", "GB", "NN11 8PQ")
SITES = (CA, NJ, UK)


def order(country="US", postcode="10001", lines=(("A", 1),), **kw) -> AllocationRequest:
    return AllocationRequest(
        "o1",
        country,
        postcode,
        tuple(RequestLine(sku, qty, f"l{i}") for i, (sku, qty) in enumerate(lines)),
        **kw,
    )


def picks(decision):
    return [[(p.warehouse_id, p.quantity) for p in line.picks] for line in decision.lines]


def plan(policy, request, stock):
    return Allocator(SITES, policy).plan(request, stock)


def test_priority_follows_the_workspace_order_whatever_the_distance():
    policy = AllocationPolicy(Strategy.priority, ("w-ca", "w-nj", "w-uk"))
    stock = {("A", "w-ca"): 5, ("A", "w-nj"): 5}
    d = plan(policy, order(), stock)
    assert picks(d) == [[("w-ca", 1)]]
    assert stock == {("A", "w-ca"): 4, ("A", "w-nj"): 5}
    assert d.reasons["strategy"] == "priority"
    assert [c["code"] for c in d.reasons["candidates"]] == ["US-CA-ONT", "US-NJ-EDI", "UK-NN-DAV"]
    assert d.reasons["chosen"] == ["w-ca"]
    assert d.status == "allocated"


def test_unlisted_warehouses_come_after_the_priority_list_by_code():
    policy = AllocationPolicy(Strategy.priority, ("w-uk",))
    d = plan(policy, order(), {("A", "w-ca"): 1, ("A", "w-nj"): 1, ("A", "w-uk"): 0})
    assert [c["code"] for c in d.reasons["candidates"]] == ["UK-NN-DAV", "US-CA-ONT", "US-NJ-EDI"]
    assert picks(d) == [[("w-ca", 1)]]


@pytest.mark.parametrize(
    ("country", "postcode", "nearest"),
    [
        ("US", "10001", "w-nj"),  # New York
        ("US", "90210", "w-ca"),  # Beverly Hills
        ("US", "98101", "w-ca"),  # Seattle
        ("US", "33101", "w-nj"),  # Miami
        ("GB", "M1 1AE", "w-uk"),  # Manchester
        ("CA", "M5V 3L9", "w-nj"),  # Toronto
        ("CA", "V6B 1A1", "w-ca"),  # Vancouver
    ],
)
def test_closest_picks_the_nearest_warehouse_with_stock(country, postcode, nearest):
    stock = {("A", w.warehouse_id): 3 for w in SITES}
    d = plan(AllocationPolicy(Strategy.closest), order(country, postcode), stock)
    assert picks(d) == [[(nearest, 1)]]
    distances = [c["distance_km"] for c in d.reasons["candidates"]]
    assert distances == sorted(distances)
    assert d.reasons["destination"]["precision"] in {"zip", "area"}


def test_closest_falls_back_to_the_next_nearest_when_empty():
    stock = {("A", "w-nj"): 0, ("A", "w-ca"): 2, ("A", "w-uk"): 9}
    d = plan(AllocationPolicy(Strategy.closest), order(), stock)
    assert picks(d) == [[("w-ca", 1)]]


def test_split_lines_across_warehouses_when_allowed():
    stock = {("A", "w-nj"): 2, ("A", "w-ca"): 5}
    d = plan(AllocationPolicy(Strategy.closest), order(lines=(("A", 4),)), stock)
    assert picks(d) == [[("w-nj", 2), ("w-ca", 2)]]
    assert d.status == "allocated"
    assert stock == {("A", "w-nj"): 0, ("A", "w-ca"): 3}


def test_no_split_uses_one_warehouse_that_holds_everything():
    stock = {
        ("A", "w-nj"): 2,
        ("B", "w-nj"): 9,
        ("A", "w-ca"): 5,
        ("B", "w-ca"): 1,
        ("A", "w-uk"): 4,
        ("B", "w-uk"): 4,
    }
    d = plan(
        AllocationPolicy(Strategy.closest),
        order(lines=(("A", 3), ("B", 2)), allow_split=False),
        stock,
    )
    assert picks(d) == [[("w-uk", 3)], [("w-uk", 2)]]  # the only one holding both
    assert d.reasons["rule"].startswith("one warehouse")
    assert [c["fills_order"] for c in d.reasons["candidates"]] == [False, False, True]


def test_no_split_without_a_full_warehouse_sends_the_most_from_one():
    stock = {("A", "w-nj"): 1, ("A", "w-ca"): 3}
    d = plan(AllocationPolicy(Strategy.closest), order(lines=(("A", 5),), allow_split=False), stock)
    assert picks(d) == [[("w-ca", 3)]]
    assert d.lines[0].shortfall == 2
    assert d.status == "partial"


def test_fewest_splits_prefers_one_warehouse_over_the_nearest():
    stock = {("A", "w-nj"): 5, ("B", "w-nj"): 0, ("A", "w-ca"): 5, ("B", "w-ca"): 5}
    d = plan(AllocationPolicy(Strategy.fewest_splits), order(lines=(("A", 1), ("B", 1))), stock)
    assert picks(d) == [[("w-ca", 1)], [("w-ca", 1)]]
    closest = plan(
        AllocationPolicy(Strategy.closest),
        order(lines=(("A", 1), ("B", 1))),
        {("A", "w-nj"): 5, ("B", "w-nj"): 0, ("A", "w-ca"): 5, ("B", "w-ca"): 5},
    )
    assert picks(closest) == [[("w-nj", 1)], [("w-ca", 1)]]


def test_fewest_splits_set_cover_uses_two_not_three():
    stock = {
        ("A", "w-nj"): 1, ("B", "w-nj"): 1, ("C", "w-nj"): 0,
        ("A", "w-ca"): 0, ("B", "w-ca"): 0, ("C", "w-ca"): 1,
        ("A", "w-uk"): 1, ("B", "w-uk"): 0, ("C", "w-uk"): 0,
    }  # fmt: skip
    d = plan(
        AllocationPolicy(Strategy.fewest_splits), order(lines=(("A", 1), ("B", 1), ("C", 1))), stock
    )
    assert d.warehouses == ("w-nj", "w-ca")
    assert d.status == "allocated"


def test_all_or_nothing_reserves_nothing_when_short_and_gives_the_stock_back():
    stock = {("A", "w-nj"): 2, ("B", "w-nj"): 0}
    policy = AllocationPolicy(Strategy.closest, all_or_nothing=True)
    d = plan(policy, order(lines=(("A", 2), ("B", 1))), stock)
    assert picks(d) == [[], []]
    assert d.status == "unallocated"
    assert stock == {("A", "w-nj"): 2, ("B", "w-nj"): 0}
    assert "all-or-nothing" in d.reasons["note"]


def test_excluded_and_preferred_warehouses():
    stock = {("A", w.warehouse_id): 5 for w in SITES}
    d = plan(
        AllocationPolicy(Strategy.closest), order(excluded_warehouse_ids=frozenset({"w-nj"})), stock
    )
    assert picks(d) == [[("w-ca", 1)]]
    assert d.reasons["excluded"] == ["w-nj"]
    d = plan(AllocationPolicy(Strategy.closest), order(preferred_warehouse_ids=("w-uk",)), stock)
    assert picks(d) == [[("w-uk", 1)]]
    assert d.reasons["candidates"][0]["preferred"] is True


def test_everything_excluded_is_a_recorded_shortfall():
    d = plan(
        AllocationPolicy(),
        order(excluded_warehouse_ids=frozenset(w.warehouse_id for w in SITES)),
        {("A", "w-nj"): 5},
    )
    assert d.status == "unallocated" and d.lines[0].shortfall == 1
    assert d.reasons["note"] == "no warehouse left after exclusions"


def test_decision_as_dict_is_json_data():
    import json

    d = plan(AllocationPolicy(Strategy.closest), order(lines=(("A", 2),)), {("A", "w-nj"): 1})
    data = json.loads(json.dumps(d.as_dict()))
    assert data["status"] == "partial"
    assert data["lines"] == [
        {
            "line_ref": "l0",
            "master_sku": "A",
            "requested": 2,
            "picks": [{"warehouse_id": "w-nj", "quantity": 1}],
            "shortfall": 1,
        }
    ]


# The no-oversell invariant, over random stock, orders and policies.
_skus = st.sampled_from(["A", "B", "C"])
_orders = st.lists(
    st.tuples(
        st.lists(st.tuples(_skus, st.integers(1, 6)), min_size=1, max_size=3),
        st.sampled_from(["10001", "90210", "60601"]),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150)
@given(
    st.dictionaries(
        st.tuples(_skus, st.sampled_from([s.warehouse_id for s in SITES])), st.integers(0, 8)
    ),
    _orders,
    st.sampled_from(list(Strategy)),
    st.booleans(),
)
def test_never_allocates_more_than_available(initial, orders, strategy, all_or_nothing):
    stock = dict(initial)
    allocator = Allocator(SITES, AllocationPolicy(strategy, all_or_nothing=all_or_nothing))
    taken: dict[tuple[str, str], int] = {}
    for i, (lines, postcode, split) in enumerate(orders):
        request = AllocationRequest(
            f"o{i}", "US", postcode,
            tuple(RequestLine(s, q, f"l{j}") for j, (s, q) in enumerate(lines)),
            allow_split=split,
        )  # fmt: skip
        d = allocator.plan(request, stock)
        for line, req in zip(d.lines, request.lines, strict=True):
            assert 0 <= line.allocated <= req.quantity
            assert all(p.quantity > 0 for p in line.picks)
            for p in line.picks:
                taken[(line.master_sku, p.warehouse_id)] = (
                    taken.get((line.master_sku, p.warehouse_id), 0) + p.quantity
                )
        if not split:
            assert len(d.warehouses) <= 1
        if all_or_nothing:
            assert d.status in {"allocated", "unallocated"}
    for key, qty in taken.items():
        assert qty <= initial.get(key, 0)
        assert stock[key] == initial[key] - qty
    assert all(v >= 0 for v in stock.values())
