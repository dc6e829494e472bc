"""Demo routing set-up: an FX table (USD base), the default policy and lane statistics.

Deterministic (fixed rates, a seeded RNG for the lane counts) and written through the same
services as the API. The services' reliability priors come with the demo rate cards
(`demo/carriers.py` PRIORS); the lane statistics stand in for what tracking will learn.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy.orm import Session

from linkstar.demo.carriers import EFFECTIVE, PRIORS
from linkstar.rating import fx_rates, routing_policies, routing_setup
from linkstar.workspace.core import Principal

LANE_SEED = 20_261_204
# Units of USD per unit of each currency (mid-market, rounded), from the cards' start date.
FX_RATES = (("GBP", "1.27"), ("EUR", "1.08"), ("CAD", "0.73"), ("CNY", "0.14"))
DEFAULT_POLICY: dict[str, Any] = {
    "name": "Default: on time, then cheap",
    "filters": [
        {"id": "keep-the-promise", "max_p90_over_promise_days": 1},
        {"id": "reliable-only", "min_success_rate": 0.97},
        {
            "id": "high-value-signature-carriers",
            "when": [{"field": "declared_value", "op": "gt", "value": 50000}],
            "exclude_carriers": ["sinous"],
        },
    ],
    "objective": {
        "mode": "weighted",
        "currency": "USD",
        "weights": {"cost": 1.0, "on_time": 0.6, "success": 0.3},
    },
}
# West-coast lanes the demo warehouse ships most: (origin, ZIP prefix).
LANES = (("US-CA-ONT", "9"), ("US-CA-ONT", "8"), ("US-NJ-EDI", "1"), ("*", ""))


def load_routing(session: Session, actor: Principal) -> None:
    """FX table, default policy and US lane statistics for the demo services."""
    rates = [{"currency": c, "rate_to_base": r, "effective_date": EFFECTIVE} for c, r in FX_RATES]
    fx_rates.set_fx_table(session, actor, "USD", rates)
    routing_policies.create_policy(session, actor, DEFAULT_POLICY, 10, True)
    rng = random.Random(LANE_SEED)
    rows = []
    for service_id, (p50, p90, on_time, success) in PRIORS.items():
        if not service_id.startswith(("USNP", "PN", "SW", "OW", "EL", "SU")):
            continue
        for origin, prefix in LANES:
            n = rng.randint(40, 900)
            drift = rng.uniform(-0.04, 0.03)
            delivered = round(n * min(1.0, float(success) / 100 + drift / 4))
            rows.append(
                {
                    "service_id": service_id,
                    "origin": origin,
                    "dest_country": "US",
                    "postcode_prefix": prefix,
                    "n": n,
                    "delivered": min(n, delivered),
                    "on_time": min(n, round(n * min(1.0, float(on_time) / 100 + drift))),
                    "transit_p50_days": round(float(p50) * rng.uniform(0.9, 1.2), 1),
                    "transit_p90_days": round(float(p90) * rng.uniform(0.95, 1.35), 1),
                }
            )
    routing_setup.upsert_lane_stats(session, actor.organisation_id, rows)
