"""The scalar pricer: one parcel, one service → a Quote with its breakdown, or the reasons not.

Order of a price (documented in docs/formats/rate-cards.md):
  1. base = the bracket (or per-step) price for the zone and the billable weight;
  2. the minimum charge tops the base up (a `minimum_charge` line); the result is the transport
     charge, the basis of percentages `applies_to=base`;
  3. surcharges in SurchargeKind order, at most one per kind (the first row that applies);
     `subtotal` percentages are of the transport charge plus the lines before them;
  4. fuel: the service's rate, or the first fuel_override that applies, of the transport charge
     plus the surcharges subject to fuel; every percentage rounds half-up to a minor unit.

`quote_totals` and `quote_all` run the same code (`_price_all`); only `quote_all` keeps the
lines and writes out the reasons, so the fast path used for routing cannot drift from the
explained one.
"""

from __future__ import annotations

from collections.abc import Iterable

from linkstar.rating.core.measures import billable_weight_g
from linkstar.rating.core.model import PercentOf
from linkstar.rating.core.money import bp_of
from linkstar.rating.core.outcome import (
    INELIGIBLE,
    Ineligible,
    Quote,
    QuoteLine,
    Reason,
    reasons_from_bits,
)
from linkstar.rating.core.parcel import Parcel, ParcelFacts, parcel_facts
from linkstar.rating.core.rules import charged_positions
from linkstar.rating.core.tables import CompiledCard, CompiledService
from linkstar.rating.core.zones import NO_ZONE

_NOT_EFFECTIVE = Reason.not_effective.bit
_ORIGIN = Reason.origin_not_served.bit
_DEST = Reason.destination_not_served.bit
_INVALID = Reason.invalid_postcode.bit
_NO_ZONE = Reason.no_zone.bit
_WEIGHT = Reason.over_max_weight.bit
_LENGTH = Reason.over_max_length.bit
_GIRTH = Reason.over_max_length_plus_girth.bit
_RESTRICTED = Reason.restricted_contents.bit
_NO_PRICE = Reason.no_price.bit
_CURRENCY = Reason.currency_mismatch.bit


def _billable(facts: ParcelFacts, compiled: CompiledService) -> tuple[int, int]:
    rule = compiled.weight_rule
    found = facts.memo.get(rule)
    if found is None:
        found = facts.memo[rule] = billable_weight_g(facts.parcel.weight_g, facts.dims, *rule)
    return found  # type: ignore[return-value]


def _surcharges(
    facts: ParcelFacts, compiled: CompiledService, transport: int, lines: list[QuoteLine] | None
) -> int | None:
    """Transport + surcharges + fuel; None when a declared value is in the wrong currency."""
    parcel, memo = facts.parcel, facts.memo
    subtotal = fuel_basis = transport
    rule_set = compiled.rule_set
    # The memo is read here first: most services find their rows' answer already worked out.
    positions = memo.get(rule_set.shape) or charged_positions(rule_set, facts)
    for i in positions:  # type: ignore[attr-defined]
        rule = rule_set.rules[i]
        amount = rule.amount
        if rule.percent_bp:
            if rule.percent_of is PercentOf.declared_value:
                if parcel.declared_currency != compiled.service.currency:
                    return None
                basis = parcel.declared_value
            else:
                basis = subtotal if rule.percent_of is PercentOf.subtotal else transport
            amount += bp_of(basis, rule.percent_bp)
        if lines is not None:
            lines.append(QuoteLine(rule.code, amount))
        subtotal += amount
        if rule.subject_to_fuel:
            fuel_basis += amount
    rate = compiled.service.fuel_bp
    fuel_set = compiled.fuel_set
    if fuel_set.rules:
        override = memo.get(fuel_set.shape) or charged_positions(fuel_set, facts)
        if override:
            rate = fuel_set.rules[override[0]].percent_bp  # type: ignore[index]
    if rate:
        fuel = bp_of(fuel_basis, rate)
        if lines is not None:
            lines.append(QuoteLine("fuel", fuel))
        subtotal += fuel
    return subtotal


_Explained = list[tuple[int, int, list[QuoteLine]]]


def _price_all(
    facts: ParcelFacts, services: Iterable[CompiledService], explained: _Explained | None
) -> list[int]:
    """Totals (INELIGIBLE where refused); with `explained`, also (Reason bits, zone, lines).

    One loop over the services with the parcel's values held in locals: this is the hot path
    of routing, so the per-service work is written out here rather than split into calls.
    """
    parcel, memo = facts.parcel, facts.memo
    day, weight, contents = parcel.ship_date, parcel.weight_g, parcel.contents
    origin_key, dest_key = facts.origin_key, facts.dest_key
    longest, girth = facts.longest, facts.length_plus_girth
    totals: list[int] = []
    for compiled in services:
        service = compiled.service
        first_day, last_day, max_weight, max_length, max_girth = compiled.limits
        # Eligibility, in Reason order; the zone is looked up only for a served origin and
        # destination.
        bits = facts.needs & compiled.refuses
        if day < first_day or day > last_day:
            bits |= _NOT_EFFECTIVE
        origin_ok = (
            origin_key is not None
            and parcel.origin_country == service.origin_country
            and (compiled.origin is None or bool(compiled.origin.lookup(origin_key)))
        )
        if not origin_ok:
            bits |= _ORIGIN
        code = NO_ZONE
        if parcel.dest_country not in service.dest_countries:
            bits |= _DEST
        elif dest_key is None:
            bits |= _INVALID
        elif origin_key is not None and origin_ok:
            chart = compiled.chart
            found = memo.get(chart)
            if found is None:
                found = memo[chart] = chart.zone_code(origin_key, parcel.dest_country, dest_key)
            code = found  # type: ignore[assignment]
            if code == NO_ZONE:
                bits |= _NO_ZONE
        if weight > max_weight:
            bits |= _WEIGHT
        if longest > max_length:
            bits |= _LENGTH
        if girth > max_girth:
            bits |= _GIRTH
        if contents and contents & service.restricted:
            bits |= _RESTRICTED
        # Base price for the zone and billable weight.
        base = None
        if code != NO_ZONE:
            table = compiled.prices[code]
            if table is not None:
                billable = memo.get(compiled.weight_rule)
                if billable is None:
                    billable = _billable(facts, compiled)
                base = table.price(billable[1])  # type: ignore[index]
            if base is None:
                bits |= _NO_PRICE
        if bits or base is None:
            totals.append(INELIGIBLE)
            if explained is not None:
                explained.append((bits, code, []))
            continue
        lines: list[QuoteLine] | None = None
        transport = base if base >= service.min_charge else service.min_charge
        if explained is not None:
            lines = [QuoteLine("base", base)]
            if transport > base:
                lines.append(QuoteLine("minimum_charge", transport - base))
        total = _surcharges(facts, compiled, transport, lines)
        if total is None:
            totals.append(INELIGIBLE)
            if explained is not None:
                explained.append((_CURRENCY, code, []))
            continue
        totals.append(total)
        if explained is not None and lines is not None:
            explained.append((0, code, lines))
    return totals


def _detail(reason: Reason, facts: ParcelFacts, compiled: CompiledService, code: int) -> str:
    parcel, service = facts.parcel, compiled.service
    match reason:
        case Reason.not_effective:
            window = f"{service.effective_from or '…'}..{service.effective_to or '…'}"
            return f"ship date {parcel.ship_date} outside {window}"
        case Reason.origin_not_served:
            return f"origin {parcel.origin_country} {parcel.origin_postcode} not served"
        case Reason.destination_not_served:
            return f"{parcel.dest_country} not served"
        case Reason.invalid_postcode:
            return f"{parcel.dest_postcode!r} is not a valid {parcel.dest_country} postcode"
        case Reason.no_zone:
            return f"no zone in chart {compiled.chart.name}"
        case Reason.over_max_weight:
            return f"{parcel.weight_g} g > {service.max_weight_g} g"
        case Reason.over_max_length:
            return f"{facts.longest} mm > {service.max_length_mm} mm"
        case Reason.over_max_length_plus_girth:
            return f"{facts.length_plus_girth} mm > {service.max_length_plus_girth_mm} mm"
        case Reason.restricted_contents:
            return ", ".join(sorted(parcel.contents & service.restricted))
        case Reason.no_price:
            zone = compiled.chart.zone_labels[code]
            return f"no price for zone {zone} at {_billable(facts, compiled)[1]} g"
        case Reason.currency_mismatch:
            given = parcel.declared_currency or "?"
            return f"declared value in {given}, not {service.currency}"
    return reason.value.replace("_", " ")


def _quote(
    facts: ParcelFacts,
    compiled: CompiledService,
    total: int,
    explained: tuple[int, int, list[QuoteLine]],
) -> Quote | Ineligible:
    service = compiled.service
    bits, code, lines = explained
    if bits:
        reasons = reasons_from_bits(bits)
        details = tuple(_detail(r, facts, compiled, code) for r in reasons)
        return Ineligible(service.service_id, service.carrier, reasons, details)
    dim, billable = _billable(facts, compiled)
    return Quote(
        service.service_id,
        service.carrier,
        service.currency,
        compiled.chart.zone_labels[code],
        facts.parcel.weight_g,
        dim,
        billable,
        tuple(lines),
        total,
    )


def _services(card: CompiledCard | Iterable[CompiledService]) -> Iterable[CompiledService]:
    return card.services if isinstance(card, CompiledCard) else card


def quote(parcel: Parcel, compiled: CompiledService) -> Quote | Ineligible:
    """Price one parcel with one compiled service."""
    return quote_all(parcel, [compiled])[0]


def quote_all(
    parcel: Parcel, card: CompiledCard | Iterable[CompiledService]
) -> list[Quote | Ineligible]:
    """Price one parcel with every service, with the breakdown or the reasons of each."""
    facts = parcel_facts(parcel)
    services = list(_services(card))
    explained: _Explained = []
    totals = _price_all(facts, services, explained)
    return [
        _quote(facts, compiled, total, why)
        for compiled, total, why in zip(services, totals, explained, strict=True)
    ]


def quote_totals(parcel: Parcel, card: CompiledCard | Iterable[CompiledService]) -> list[int]:
    """Totals only (INELIGIBLE where refused), one per service: the fast path for routing."""
    return _price_all(parcel_facts(parcel), _services(card), None)
