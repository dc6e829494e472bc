"""The scalar chooser decides as documented, and the vectorised chooser agrees with it."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkstar.rating.core import RateCard, compile_card
from linkstar.rating.core.choose import ASSIGNED, HELD, Chooser, RankedPolicy, RouteOrder
from linkstar.rating.core.fx import FxRate, FxTable
from linkstar.rating.core.policy_format import parse_policy
from linkstar.rating.core.reliability import LaneStats, ReliabilityBook
from linkstar.rating.core.suspension import Suspension
from linkstar.rating.core.vector_choose import choose_batch
from tests.rating.cards import demo_card, parcel
from tests.rating.strategies import cards, parcels
from tests.rating.test_vectorised import batch_of

FX = FxTable("USD", [FxRate("EUR", Decimal("1.08"), date(2024, 1, 1))])


def with_priors(card: RateCard, priors: list[tuple[float, float, int]]) -> RateCard:
    services = tuple(
        replace(s, transit_days_p50=p50, transit_days_p90=p50 + extra, prior_success_bp=bp)
        for s, (p50, extra, bp) in zip(card.services, priors * 4, strict=False)
    )
    return replace(card, services=services)


def order(ref: str, promised: int | None = None, **changes: object) -> RouteOrder:
    return RouteOrder(ref, parcel(**changes), "LAX", promised, {"channel": "amazon"})


def test_cheapest_is_chosen_and_every_candidate_is_explained():
    compiled = compile_card(demo_card())
    decision = Chooser(compiled.services, FX).choose(order("o-1"))
    assert decision.status == ASSIGNED and not decision.fallback
    eligible = [c for c in decision.candidates if not c.rejected_by]
    assert decision.choice is not None
    assert decision.choice.total == min(c.total for c in eligible if c.total is not None)
    assert decision.choice.lines[0][0] == "base"
    assert sum(a for _, a in decision.choice.lines) == decision.choice.total
    assert decision.policy.policy.name == "built-in cheapest"


def test_a_parcel_no_service_takes_is_held_with_the_reasons():
    compiled = compile_card(demo_card())
    decision = Chooser(compiled.services, FX).choose(order("o-2", weight_g=9_000_000))
    assert decision.status == HELD and decision.chosen is None
    assert decision.reasons[0] == "no_eligible_service"
    assert "over_max_weight" in decision.reasons
    assert all(c.rejected_by == "rating" for c in decision.candidates)


def test_a_suspended_winner_falls_back_to_the_next_choice():
    compiled = compile_card(demo_card())
    free = Chooser(compiled.services, FX).choose(order("o-3"))
    assert free.choice is not None
    stop = Suspension(free.choice.carrier, free.choice.service_id, ref="s-1")
    decision = Chooser(compiled.services, FX, suspensions=[stop]).choose(order("o-3"))
    suspended = [c for c in decision.candidates if c.rejected_by == "suspension"]
    assert [c.service_id for c in suspended] == [free.choice.service_id]
    assert suspended[0].reasons == ("suspended",)
    if decision.status == ASSIGNED:
        assert decision.fallback and decision.choice.service_id != free.choice.service_id
    else:
        assert decision.fallback and decision.reasons[:2] == ("no_eligible_service", "suspended")


def test_filters_name_themselves_in_the_rejections():
    compiled = compile_card(demo_card())
    carrier = compiled.services[0].service.carrier
    policy = parse_policy(
        {
            "name": "no acme for amazon",
            "applies_when": [{"field": "channel", "op": "eq", "value": "amazon"}],
            "filters": [{"id": "ban", "exclude_carriers": [carrier]}],
        }
    )
    chooser = Chooser(compiled.services, FX, [RankedPolicy(policy, "p1", 3)])
    decision = chooser.choose(order("o-4"))
    assert decision.policy.policy_id == "p1" and decision.policy.version == 3
    banned = [c for c in decision.candidates if c.carrier == carrier]
    assert banned and all(c.rejected_by in ("ban", "rating") for c in banned)
    assert any(c.reasons == ("carrier_excluded",) for c in banned)


def test_cheapest_within_promise_refuses_slow_services():
    card = with_priors(demo_card(), [(2.0, 2.0, 9_800), (6.0, 3.0, 9_000)])
    compiled = compile_card(card)
    policy = parse_policy({"name": "fast", "objective": {"mode": "cheapest_within_promise"}})
    chooser = Chooser(compiled.services, FX, [RankedPolicy(policy)])
    decision = chooser.choose(order("o-5", promised=3))
    slow = [c for c in decision.candidates if c.transit_p90_days and c.transit_p90_days > 3]
    assert all(c.rejected_by in ("objective", "rating") for c in slow)
    assert all(c.reasons == ("p90_over_promise",) for c in slow if c.rejected_by == "objective")


def test_lane_statistics_are_shrunk_toward_the_prior():
    service = replace(compile_card(demo_card()).services[0].service, prior_success_bp=9_000)
    book = ReliabilityBook(
        [service], [LaneStats(service.service_id, "LAX", "US", "90", 20, 10, 8, 3.0, 5.0)]
    )
    near = book.lane(service, "LAX", "US", "90210")
    far = book.lane(service, "LAX", "US", "10001")
    assert near.success_rate == pytest.approx((10 + 20 * 0.9) / 40)
    assert near.observed == 20 and far.observed == 0 and far.success_rate == 0.9
    assert near.transit_p90_days == 5.0  # no prior transit: the observation alone


# The property: scalar and vectorised choose the same service with the same score.

policies = st.sampled_from(
    [
        {"name": "cheap", "objective": {"mode": "cheapest"}},
        {"name": "promise", "objective": {"mode": "cheapest_within_promise"}},
        {
            "name": "weighted",
            "filters": [
                {
                    "id": "heavy",
                    "when": [{"field": "weight_g", "op": "gt", "value": 5000}],
                    "max_price": 3000,
                },
                {"id": "reliable", "min_success_rate": 0.9},
            ],
            "objective": {"weights": {"cost": 1, "on_time": 0.6, "success": 0.3}},
        },
        {
            "name": "swift-for-ebay",
            "applies_when": [{"field": "channel", "op": "in", "value": ["ebay"]}],
            "filters": [
                {"id": "swift", "only_carriers": ["swift"]},
                {"id": "p90", "max_p90_over_promise_days": 1},
            ],
            "objective": {"currency": "EUR", "weights": {"cost": 2, "on_time": 1}},
        },
    ]
)
priors = st.lists(
    st.tuples(
        st.sampled_from([1.0, 2.5, 4.0]),
        st.sampled_from([0.0, 1.0, 3.5]),
        st.integers(7_000, 10_000),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=120, suppress_health_check=list(HealthCheck))
@given(
    cards(),
    st.lists(
        st.tuples(parcels(), st.none() | st.integers(1, 9), st.sampled_from(["amazon", "ebay"])),
        min_size=1,
        max_size=30,
    ),
    st.lists(policies, max_size=2),
    priors,
    st.booleans(),
    st.integers(0, 60),
)
def test_vectorised_chooser_equals_scalar(card, rows, policy_list, prior_list, suspend, seen):
    _agree(card, rows, policy_list, prior_list, suspend, seen)


@settings(max_examples=60, suppress_health_check=list(HealthCheck))
@given(
    cards(),
    st.lists(
        st.tuples(parcels(), st.none() | st.integers(1, 9), st.sampled_from(["amazon", "ebay"])),
        min_size=1,
        max_size=30,
    ),
    st.lists(policies, max_size=2),
    priors,
    st.booleans(),
    st.integers(0, 60),
)
def test_vectorised_chooser_equals_scalar_on_ties_across_chunks(
    card, rows, policy_list, prior_list, suspend, seen
):
    # Every service twice (equal scores and costs: the first must win) and chunks of 4 rows.
    import linkstar.rating.core.vector_choose as vector_choose

    saved = vector_choose.CHUNK
    vector_choose.CHUNK = 4
    try:
        _agree(card, rows, policy_list, prior_list, suspend, seen, twins=True)
    finally:
        vector_choose.CHUNK = saved


def _agree(card, rows, policy_list, prior_list, suspend, seen, twins=False):
    card = with_priors(card, prior_list)
    compiled = compile_card(card)
    if twins:
        compiled = replace(compiled, services=compiled.services * 2)
    services = [c.service for c in compiled.services]
    first = services[0].service_id
    stats = [LaneStats(first, "LAX", "US", "9", seen, seen // 2, seen // 3, 1.5, 6)]
    ranked = [RankedPolicy(parse_policy(p), precedence=i) for i, p in enumerate(policy_list)]
    stops = [Suspension(services[-1].carrier, services[-1].service_id)] if suspend else []
    chooser = Chooser(compiled.services, FX, ranked, ReliabilityBook(services, stats), stops)
    items = [replace(p, declared_currency="USD") for p, _, _ in rows]
    batch = batch_of(items)
    promised = np.array([d or 0 for _, d, _ in rows], dtype=np.int64)
    columns = {
        "channel": np.array([c for _, _, c in rows]),
        "weight_g": np.array([p.weight_g for p in items], dtype=np.float64),
    }
    got = choose_batch(chooser, batch, "LAX", promised, columns)
    for i, (item, (_, days, channel)) in enumerate(zip(items, rows, strict=True)):
        attrs = {"channel": channel, "weight_g": item.weight_g}
        decision = chooser.choose(RouteOrder(f"o{i}", item, "LAX", days, attrs))
        assert (decision.chosen if decision.chosen is not None else -1) == got.choice[i], i
        assert decision.fallback == bool(got.fallback[i]), i
        if decision.choice is not None:
            assert decision.choice.total == got.total[i]
            assert decision.choice.score == got.score[i]
            assert decision.choice.cost == got.cost[i]
            assert decision.choice.on_time_probability == got.on_time[i]
