"""Compile a RateCard into per-service look-up tables, checking everything across tables.

`compile_card` is where a card is accepted or rejected as a whole: it reports every problem
(table, row index, field, message) in one `RateCardError` and builds nothing half-way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from linkstar.kit.errors import InvalidInput
from linkstar.rating.core.matching import PostcodeMatcher, PostcodeSet
from linkstar.rating.core.measures import DimRounding
from linkstar.rating.core.model import (
    PriceBracket,
    PriceStep,
    RateCard,
    Service,
    Surcharge,
    SurchargeKind,
)
from linkstar.rating.core.outcome import Reason
from linkstar.rating.core.prices import PriceTable, build_price_table
from linkstar.rating.core.rules import RuleCompiler, RuleSet, SurchargeRule
from linkstar.rating.core.zones import ZoneChart

_OPEN = 2**62  # a limit nothing reaches


@dataclass(frozen=True, slots=True)
class CardProblem:
    """One reason a rate card was rejected, located like an import error."""

    table: str
    row: int
    field: str
    message: str


class RateCardError(InvalidInput):
    """A rate card that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[CardProblem]):
        first = "; ".join(f"{p.table}[{p.row}].{p.field}: {p.message}" for p in problems[:3])
        super().__init__(f"rate card rejected, {len(problems)} problem(s): {first}", problems)
        self.problems = problems


@dataclass(frozen=True, slots=True, eq=False)  # identity: a compiled service is a cache key
class CompiledService:
    """A service with everything resolved: chart, prices by zone code, ordered surcharge rules."""

    service: Service
    chart: ZoneChart
    origin: PostcodeMatcher[bool] | None  # None = every origin postcode
    prices: tuple[PriceTable | None, ...]  # indexed by the chart's zone code
    rule_set: RuleSet  # surcharge rows in application order, fuel overrides excluded
    fuel_set: RuleSet
    refuses: int  # Reason bits of parcel needs the service cannot meet (ddp, signature, ...)
    weight_rule: tuple[int | None, DimRounding, int]  # divisor, dimension rounding, step
    # The service's limits with "open" made concrete, so the hot loop compares without
    # checking for None: (first day, last day, max weight, max length, max length + girth).
    limits: tuple[date, date, int, int, int]

    @property
    def surcharges(self) -> tuple[Surcharge, ...]:
        """Surcharge rows in application order (fuel overrides excluded)."""
        return tuple(rule.surcharge for rule in self.rule_set.rules)

    @property
    def fuel_overrides(self) -> tuple[Surcharge, ...]:
        """Fuel override rows, the first applicable one wins."""
        return tuple(rule.surcharge for rule in self.fuel_set.rules)


@dataclass(frozen=True)
class CompiledCard:
    """Compiled services in card order."""

    services: tuple[CompiledService, ...]

    def service(self, service_id: str) -> CompiledService:
        """The compiled service with this id (KeyError when absent)."""
        for compiled in self.services:
            if compiled.service.service_id == service_id:
                return compiled
        raise KeyError(service_id)


_KIND_ORDER = {kind: i for i, kind in enumerate(SurchargeKind)}


def _surcharges_for(service: Service, surcharges: tuple[Surcharge, ...]) -> list[Surcharge]:
    own = [s for s in surcharges if s.service_id == service.service_id]
    shared = [s for s in surcharges if s.service_id is None and s.carrier == service.carrier]
    # Stable sort: within a kind the service's own rows come first, then the carrier's, each in
    # card order; the first that applies to a parcel is the one charged.
    return sorted(own + shared, key=lambda s: _KIND_ORDER[s.kind])


def _index_services(card: RateCard, problems: list[CardProblem]) -> dict[str, Service]:
    services: dict[str, Service] = {}
    for i, service in enumerate(card.services):
        if service.service_id in services:
            problems.append(CardProblem("services", i, "service_id", "duplicate service_id"))
        elif service.zone_chart not in card.zone_charts:
            problems.append(CardProblem("services", i, "zone_chart", "unknown zone chart"))
        else:
            services[service.service_id] = service
    return services


# (service_id, zone) → [(table, row index, row)] in card order.
_PriceRows = dict[tuple[str, str], list[tuple[str, int, PriceBracket | PriceStep]]]


def _group_prices(
    card: RateCard, services: dict[str, Service], problems: list[CardProblem]
) -> _PriceRows:
    grouped: _PriceRows = defaultdict(list)
    rows: list[tuple[str, int, PriceBracket | PriceStep]] = [
        *(("prices", i, b) for i, b in enumerate(card.brackets)),
        *(("price_steps", i, s) for i, s in enumerate(card.steps)),
    ]
    seen: set[tuple[str, str, str, int]] = set()
    for table_name, i, row in rows:
        found = services.get(row.service_id)
        weight = row.max_weight_g if isinstance(row, PriceBracket) else row.from_weight_g
        key = (table_name, row.service_id, row.zone, weight)
        if found is None:
            problems.append(CardProblem(table_name, i, "service_id", "unknown service"))
        elif row.zone not in card.zone_charts[found.zone_chart].zone_codes:
            problems.append(CardProblem(table_name, i, "zone", "zone not in the service's chart"))
        elif key in seen:
            problems.append(CardProblem(table_name, i, "zone", "duplicate weight for this zone"))
        else:
            seen.add(key)
            grouped[(row.service_id, row.zone)].append((table_name, i, row))
    return grouped


def _check_surcharges(
    card: RateCard, services: dict[str, Service], problems: list[CardProblem]
) -> None:
    currencies: dict[str, set[str]] = defaultdict(set)
    for service in services.values():
        currencies[service.carrier].add(service.currency)
    for i, surcharge in enumerate(card.surcharges):
        shared = surcharge.service_id is None
        if not shared and surcharge.service_id not in services:
            problems.append(CardProblem("surcharges", i, "service_id", "unknown service"))
        elif shared and surcharge.carrier not in currencies:
            problems.append(CardProblem("surcharges", i, "carrier", "no service of this carrier"))
        elif shared and surcharge.amount and len(currencies[surcharge.carrier]) > 1:
            message = "carrier-wide amount over services in several currencies"
            problems.append(CardProblem("surcharges", i, "amount", message))


def _compile_service(
    card: RateCard,
    service: Service,
    prices: _PriceRows,
    rules: dict[int, SurchargeRule],
    compiler: RuleCompiler,
    problems: list[CardProblem],
) -> CompiledService:
    chart = card.zone_charts[service.zone_chart]
    tables: list[PriceTable | None] = []
    for label in chart.zone_labels:
        rows = prices.get((service.service_id, label), [])
        if not rows:
            tables.append(None)
            continue
        brackets = [r for _, _, r in rows if isinstance(r, PriceBracket)]
        steps = [r for _, _, r in rows if isinstance(r, PriceStep)]
        table, problem = build_price_table(brackets, steps)
        if problem:
            # Located at the first row of the (service, zone) price list.
            where, first, _ = rows[0]
            message = f"{service.service_id} zone {label}: {problem}"
            problems.append(CardProblem(where, first, "price", message))
        tables.append(table)
    mine = [rules[id(s)] for s in _surcharges_for(service, card.surcharges)]
    refuses = (
        (0 if service.ddp else Reason.ddp_not_offered.bit)
        | (0 if service.signature_available else Reason.signature_not_available.bit)
        | (0 if service.po_box else Reason.po_box_not_allowed.bit)
        | (0 if service.military else Reason.military_not_allowed.bit)
    )
    origin = service.origin_postcodes
    regular = tuple(r for r in mine if r.surcharge.kind is not SurchargeKind.fuel_override)
    fuel = tuple(r for r in mine if r.surcharge.kind is SurchargeKind.fuel_override)
    return CompiledService(
        service=service,
        chart=chart,
        origin=None if origin.is_everything else origin.matcher(),
        prices=tuple(tables),
        rule_set=compiler.rule_set(regular),
        fuel_set=compiler.rule_set(fuel),
        refuses=refuses,
        weight_rule=(service.dim_divisor, service.dim_rounding, service.weight_rounding_g),
        limits=(
            service.effective_from or date.min,
            service.effective_to or date.max,
            _OPEN if service.max_weight_g is None else service.max_weight_g,
            _OPEN if service.max_length_mm is None else service.max_length_mm,
            _OPEN if service.max_length_plus_girth_mm is None else service.max_length_plus_girth_mm,
        ),
    )


def _compile_rules(
    surcharges: tuple[Surcharge, ...], compiler: RuleCompiler
) -> dict[int, SurchargeRule]:
    # One rule per row, one matcher per distinct postcode set, one condition per distinct
    # set of conditions: all shared by every service, so a parcel evaluates each once.
    matchers: dict[PostcodeSet, PostcodeMatcher[bool]] = {}
    rules: dict[int, SurchargeRule] = {}
    for surcharge in surcharges:
        matcher = None
        if not surcharge.dest.is_everything:
            matcher = matchers.get(surcharge.dest)
            if matcher is None:
                matcher = matchers[surcharge.dest] = surcharge.dest.matcher()
        rules[id(surcharge)] = compiler.rule(surcharge, matcher)
    return rules


def compile_card(card: RateCard) -> CompiledCard:
    """Check the card across tables and build its look-up tables; RateCardError lists problems."""
    problems: list[CardProblem] = []
    services = _index_services(card, problems)
    prices = _group_prices(card, services, problems)
    _check_surcharges(card, services, problems)
    compiler = RuleCompiler()
    rules = _compile_rules(card.surcharges, compiler)
    compiled = [
        _compile_service(card, s, prices, rules, compiler, problems) for s in services.values()
    ]
    if problems:
        raise RateCardError(problems)
    return CompiledCard(tuple(compiled))
