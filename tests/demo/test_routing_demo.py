"""The demo workspace's routing: FX table, default policy, priors and lane statistics."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.demo import carriers
from linkstar.demo import routing as demo_routing
from linkstar.rating import fx_rates, routing, service
from linkstar.rating.models import FxRateRow, RoutingPolicyVersion, ServiceLaneStat
from linkstar.workspace.core import system_principal
from tests.demo.test_rating_demo import DATA_DIR, _load, needs_usps


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


@needs_usps
def test_demo_routes_with_priors_policy_and_fx(sessions, settings):
    org_id = _load(sessions, settings, DATA_DIR)
    assert _count(sessions, FxRateRow) == len(demo_routing.FX_RATES)
    assert _count(sessions, RoutingPolicyVersion) == 1
    with sessions() as s:
        rows = list(s.scalars(select(ServiceLaneStat)))
    keys = {(r.service_id, r.origin, r.postcode_prefix) for r in rows if r.dest_country == "US"}
    us_services = [
        i for i in carriers.PRIORS if i.startswith(("USNP", "PN", "SW", "OW", "EL", "SU"))
    ]
    expected = {(i, origin, prefix) for i in us_services for origin, prefix in demo_routing.LANES}
    assert len(expected) == 16 * len(demo_routing.LANES)  # the 16 US services, every lane
    assert expected <= keys
    assert len(keys) > len(expected)  # and the lanes the demo tracking refresh published
    actor = system_principal(org_id)
    with unit_of_work(sessions) as s:
        table = fx_rates.fx_table(s, org_id)
        assert table.convert(10_000, "GBP", "USD", date(2026, 12, 1)) == 12_700
        cards = service.cards_in_force(s, actor, date(2026, 12, 1))
        card = next(c for c in cards if c.carrier == "uspost")
        priced = service.compiled_card(s, card).services[0].service
        assert priced.transit_days_p90 == float(carriers.PRIORS[priced.service_id][1])
        row = {
            "order_id": "DEMO-1",
            "warehouse": "US-CA-ONT",
            "origin_country": "US",
            "origin_postcode": "91761",
            "dest_country": "US",
            "dest_postcode": "94105",
            "weight_g": 1200,
            "length_mm": 300,
            "width_mm": 200,
            "height_mm": 100,
            "promised_days": 3,
            "ship_date": "2026-12-01",
        }
        (decision,) = routing.route(s, actor, [row])
        assert decision.status == "assigned", decision.reasons
        assert decision.policy_name == demo_routing.DEFAULT_POLICY["name"]
        slow = [c for c in decision.candidates if c["rejected_by"] == "keep-the-promise"]
        assert slow and all(c["transit_p90_days"] > 4 for c in slow)
    with unit_of_work(sessions) as s:  # a second load changes nothing
        _load(sessions, settings, DATA_DIR)
    assert _count(sessions, ServiceLaneStat) == len(rows)
