"""Demo capacities for the US warehouses, one optimised wave from Ontario, CA, and one
finished routing simulation ("what if we always took the cheapest service?").

Peak-season limits: the cheap ground services and the national post take only part of the
day's parcels at US-CA-ONT, so the wave shows binding capacities, a deferral or two and the
saving against "cheapest service, then repair". Deterministic (a seeded RNG), written through
the same services as the API.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy.orm import Session

from linkstar.rating import optimisations, simulation_runs
from linkstar.workspace.core import Principal

WAVE_SEED = 20_261_207
WAVE_DAY = date(2026, 12, 7)  # a Monday in the peak season of the demo cards
CAPACITIES = (
    {"warehouse": "US-CA-ONT", "service_id": "USNP-GA", "day": "", "max_parcels": "14"},
    {"warehouse": "US-CA-ONT", "service_id": "PN-GND", "day": "", "max_parcels": "8"},
    {"warehouse": "US-CA-ONT", "service_id": "SW-HOME", "day": "mon", "max_parcels": "5"},
    {"warehouse": "US-CA-ONT", "service_id": "OW-GND", "day": "", "max_parcels": "8"},
    {"warehouse": "US-NJ-EDI", "service_id": "EL-GND", "day": "", "max_parcels": "20"},
    {"warehouse": "", "carrier": "uspost", "day": "", "max_parcels": "30"},
)
# The what-if of the demo simulation: the cheapest service, whatever the promise says.
WHAT_IF_POLICY = {
    "name": "What if: cheapest, whatever the promise",
    "objective": {"mode": "cheapest", "currency": "USD"},
}
# Real destination ZIPs, west-heavy like the demo lanes.
ZIPS = ("90210", "94103", "98101", "97201", "92101", "95814", "85004", "89101", "80202",
        "84101", "75201", "60601", "10001", "30303", "33101", "02108")  # fmt: skip


def wave_parcels(count: int = 40) -> list[dict[str, str]]:
    """The demo wave: `count` parcels from US-CA-ONT in the ORDERS format."""
    rng = random.Random(WAVE_SEED)
    rows = []
    for i in range(count):
        sides = sorted((rng.randint(120, 450) for _ in range(3)), reverse=True)
        rows.append(
            {
                "order_id": f"HP-WAVE-{i + 1:03d}",
                "store": "Harbor & Pine US",
                "channel": "shopify",
                "origin_country": "US",
                "origin_postcode": "91761",
                "dest_country": "US",
                "dest_postcode": rng.choice(ZIPS),
                "residential": rng.choice(("yes", "yes", "no")),
                "weight_g": str(rng.randint(300, 6_000)),
                "length_mm": str(sides[0]),
                "width_mm": str(sides[1]),
                "height_mm": str(sides[2]),
                "declared_value": f"{rng.randint(15, 180)}.00",
                "currency": "USD",
                "priority": "expedited" if i % 8 == 0 else "standard",
                "promised_days": str(rng.choice((3, 5, 7))),
            }
        )
    return rows


def load_optimisation(session: Session, actor: Principal) -> None:
    """Capacities for the US warehouses and one optimised wave."""
    optimisations.import_capacities(session, actor, list(CAPACITIES))
    optimisations.start(
        session, actor, "US-CA-ONT", WAVE_DAY, wave_parcels(), "20.00", baseline="uspost"
    )


def load_simulation(session: Session, actor: Principal) -> None:
    """One finished simulation of the what-if policy over every order routed so far."""
    simulation_runs.start(session, actor, body=WHAT_IF_POLICY, inline_limit=100_000)
