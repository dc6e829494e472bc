"""The shape of a demo carrier: its services, their price ladders and its card settings.

The catalogue itself is `demo.carriers`; `demo.rating` turns it into importable tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LB = 454  # grams in a (rounded) pound


@dataclass(frozen=True)
class Ladder:
    """A price ladder: base + per zone step + per lb (steeper in far zones), to `bracket_lb`."""

    base: str
    per_zone: str
    per_lb: str
    zones: tuple[str, ...]
    bracket_lb: int = 20
    ounces: bool = False  # 4/8/12 oz brackets before the first pound
    far: str = "0.12"  # how much each zone adds to the per-lb price

    def price(self, zone_index: int, weight_lb: Decimal) -> str:
        """The bracket price for a zone (0 = nearest) and a weight in pounds."""
        value = (
            Decimal(self.base)
            + Decimal(self.per_zone) * zone_index
            + Decimal(self.per_lb) * (weight_lb - 1) * (1 + Decimal(self.far) * zone_index)
        )
        return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))

    def per_step(self, zone_index: int) -> str:
        """The price of each further pound beyond the last bracket."""
        value = Decimal(self.per_lb) * (1 + Decimal(self.far) * zone_index)
        return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass(frozen=True)
class DemoService:
    """One carrier service: its ladder, weight and size limits, what it refuses and offers."""

    service_id: str
    name: str
    ladder: Ladder
    max_weight_g: int
    min_charge: str = ""
    restricted: str = ""
    signature: bool = True
    ddp: bool = False
    po_box: bool = False
    military: bool = False
    max_length_mm: int = 2_743
    max_girth_mm: int = 4_191


@dataclass(frozen=True)
class DemoCarrier:
    """A carrier: currency, zone chart, lanes, services and the card-wide settings."""

    carrier: str
    currency: str
    chart: str
    origin_country: str
    dest_countries: str
    services: tuple[DemoService, ...]
    origin_postcodes: str = ""
    dim_divisor: str = "5022"
    dim_rounding: str = "up_inch"
    weight_rounding_g: int = LB
    fuel_pct: str = "0"
    surcharges: tuple[dict[str, str], ...] = ()
    uses_usps: bool = True


# Reliability priors per service: transit p50 / p90 in days, on-time and delivered rates in %.
# Shaped like published service levels (2-day, ground, economy); tracking refines them later.
