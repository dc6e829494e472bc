"""Hypothesis strategies: random (but valid) US rate cards and parcels."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from linkstar.rating.core import (
    DimRounding,
    Parcel,
    PercentOf,
    PostcodePattern,
    PostcodeSet,
    PriceBracket,
    PriceStep,
    RateCard,
    Service,
    Surcharge,
    SurchargeKind,
    ZoneChart,
    ZoneEntry,
)

SHIP = date(2024, 11, 15)
VOCAB = ("battery", "liquid", "powder", "magnet")
ZONES = ("1", "2", "3", "4", "5")
ORIGIN = "90058"


@st.composite
def prefixes(draw: st.DrawFn, max_width: int) -> PostcodePattern:
    width = draw(st.integers(1, max_width))
    return PostcodePattern(f"{draw(st.integers(0, 10**width - 1)):0{width}d}")


@st.composite
def ranges(draw: st.DrawFn, max_width: int) -> list[PostcodePattern]:
    """Non-overlapping ranges of one width."""
    width = draw(st.integers(1, min(max_width, 3)))
    ends = sorted(draw(st.sets(st.integers(0, 10**width - 1), min_size=2, max_size=8)))
    pairs = list(zip(ends[::2], ends[1::2], strict=False))
    return [PostcodePattern(f"{a:0{width}d}", f"{b:0{width}d}") for a, b in pairs]


@st.composite
def pattern_lists(draw: st.DrawFn, max_width: int) -> list[PostcodePattern]:
    """Prefixes and ranges (distinct prefixes; ranges of one width never overlap)."""
    found: dict[str, PostcodePattern] = {}
    for p in draw(st.lists(prefixes(max_width), max_size=6)):
        found[p.first] = p
    patterns = list(found.values())
    for group in draw(
        st.lists(ranges(max_width), max_size=2, unique_by=lambda g: len(g[0].first) if g else 0)
    ):
        patterns.extend(group)
    return patterns


@st.composite
def charts(draw: st.DrawFn, max_width: int = 5) -> ZoneChart:
    entries = []
    if draw(st.booleans()):
        entries.append(
            ZoneEntry(PostcodePattern("900"), "US", PostcodePattern(), draw(st.sampled_from(ZONES)))
        )
    for pattern in draw(pattern_lists(max_width)):
        entries.append(
            ZoneEntry(PostcodePattern("900"), "US", pattern, draw(st.sampled_from(ZONES)))
        )
    # Another origin block that the batch's origin never uses.
    entries.append(ZoneEntry(PostcodePattern("1"), "US", PostcodePattern(), "1"))
    return ZoneChart("random", "US", entries)


@st.composite
def price_rows(
    draw: st.DrawFn, service_id: str, zone: str
) -> tuple[list[PriceBracket], list[PriceStep]]:
    """A non-decreasing price function: brackets, then per-step rows from the last bracket on."""
    maxes = sorted(draw(st.sets(st.integers(1, 20_000), max_size=5)))
    prices = sorted(draw(st.lists(st.integers(0, 5_000), min_size=len(maxes), max_size=len(maxes))))
    brackets = [PriceBracket(service_id, zone, w, p) for w, p in zip(maxes, prices, strict=True)]
    steps = []
    start = maxes[-1] if maxes else 0
    offsets = sorted(draw(st.sets(st.integers(0, 15_000), max_size=2)))
    if offsets:
        offsets[0] = 0  # the first step row builds on the last bracket (or on 0 g)
    for offset in offsets:
        step = PriceStep(
            service_id, zone, start + offset, draw(st.integers(1, 2_000)), draw(st.integers(0, 500))
        )
        steps.append(step)
    return brackets, steps


def _window(draw: st.DrawFn) -> tuple[date | None, date | None]:
    start = draw(st.none() | st.integers(-30, 10).map(lambda d: SHIP + timedelta(days=d)))
    end = draw(st.none() | st.integers(-10, 30).map(lambda d: SHIP + timedelta(days=d)))
    if start and end and start > end:
        start, end = end, start
    return start, end


@st.composite
def services(draw: st.DrawFn, service_id: str, carrier: str) -> Service:
    optional = lambda lo, hi: st.none() | st.integers(lo, hi)  # noqa: E731
    start, end = _window(draw) if draw(st.integers(0, 4)) == 0 else (None, None)
    origin = draw(
        st.sampled_from(
            [PostcodeSet(), PostcodeSet.parse("US", ["900"]), PostcodeSet.parse("US", ["1"])]
        )
    )
    return Service(
        service_id=service_id,
        carrier=carrier,
        name=service_id,
        currency="USD",
        zone_chart="random",
        origin_country="US",
        origin_postcodes=origin,
        dest_countries=frozenset(draw(st.sampled_from([{"US"}, {"US", "CA"}, {"CA"}]))),
        dim_divisor=draw(st.sampled_from([None, 4000, 5000, 6000, 8000])),
        dim_rounding=draw(st.sampled_from(list(DimRounding))),
        weight_rounding_g=draw(st.sampled_from([1, 50, 100, 454, 500])),
        max_weight_g=draw(optional(1_000, 40_000)),
        max_length_mm=draw(optional(300, 1_500)),
        max_length_plus_girth_mm=draw(optional(800, 4_000)),
        fuel_bp=draw(st.integers(0, 3_000)),
        min_charge=draw(st.integers(0, 2_000)),
        restricted=frozenset(draw(st.sets(st.sampled_from(VOCAB), max_size=2))),
        ddp=draw(st.booleans()),
        po_box=draw(st.booleans()),
        military=draw(st.booleans()),
        signature_available=draw(st.booleans()),
        effective_from=start,
        effective_to=end,
    )


@st.composite
def surcharges(draw: st.DrawFn, carriers: list[tuple[str, str]], max_width: int) -> Surcharge:
    carrier, service_id = draw(st.sampled_from(carriers))
    kind = draw(st.sampled_from(list(SurchargeKind)))
    needs_postcodes = kind in (SurchargeKind.remote, SurchargeKind.extended_remote)
    patterns = draw(pattern_lists(max_width))
    if needs_postcodes and not patterns:
        patterns = [draw(prefixes(max_width))]
    dest = PostcodeSet("US", tuple(patterns)) if patterns or draw(st.booleans()) else PostcodeSet()
    thresholds = {}
    if (
        kind in (SurchargeKind.oversize, SurchargeKind.additional_handling)
        or draw(st.integers(0, 5)) == 0
    ):
        name = draw(st.sampled_from(Surcharge.threshold_names))
        thresholds[name] = draw(st.integers(100, 20_000))
    start, end = _window(draw)
    return Surcharge(
        carrier=carrier,
        service_id=draw(st.sampled_from([service_id, None])),
        kind=kind,
        dest=dest,
        amount=0 if kind is SurchargeKind.fuel_override else draw(st.integers(0, 3_000)),
        percent_bp=draw(st.sampled_from([0, 0, 250, 333, 500, 1_250, 2_000])),
        applies_to=draw(st.sampled_from(list(PercentOf))),
        effective_from=start,
        effective_to=end,
        subject_to_fuel=draw(st.booleans()),
        **thresholds,
    )


@st.composite
def cards(draw: st.DrawFn, max_width: int = 5) -> RateCard:
    """1-4 services of 1-2 carriers on one random chart, with prices and surcharges."""
    chart = draw(charts(max_width))
    count = draw(st.integers(1, 4))
    ids = [(draw(st.sampled_from(["acme", "swift"])), f"S{i}") for i in range(count)]
    card_services = tuple(draw(services(sid, carrier)) for carrier, sid in ids)
    brackets: list[PriceBracket] = []
    steps: list[PriceStep] = []
    for _, sid in ids:
        for zone in chart.zone_labels:
            if draw(st.integers(0, 5)) > 0:
                b, s = draw(price_rows(sid, zone))
                brackets += b
                steps += s
    extra = draw(st.lists(surcharges(ids, max_width), max_size=8))
    return RateCard(card_services, {"random": chart}, tuple(brackets), tuple(steps), tuple(extra))


@st.composite
def parcels(draw: st.DrawFn) -> Parcel:
    """A parcel from the cards' origin to a random US ZIP (sometimes military)."""
    zip5 = draw(st.integers(0, 99_999) | st.sampled_from([9_012, 34_001, 96_201, 90_210, 99_950]))
    return Parcel(
        weight_g=draw(st.integers(1, 40_000)),
        length_mm=draw(st.integers(0, 1_600)),
        width_mm=draw(st.integers(0, 900)),
        height_mm=draw(st.integers(0, 900)),
        origin_country="US",
        origin_postcode=ORIGIN,
        dest_country="US",
        dest_postcode=f"{zip5:05d}",
        ship_date=SHIP,
        residential=draw(st.booleans()),
        signature=draw(st.booleans()),
        ddp=draw(st.booleans()),
        po_box=draw(st.integers(0, 4)) == 0,
        military=draw(st.integers(0, 9)) == 0,
        contents=frozenset(draw(st.sets(st.sampled_from(VOCAB), max_size=2))),
        declared_value=draw(st.integers(0, 100_000)),
        declared_currency=draw(st.sampled_from(["USD", "USD", "EUR"])),
    )
