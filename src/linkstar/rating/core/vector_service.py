"""One service over a whole batch: eligibility masks, base prices, surcharges and fuel.

Mirrors `quote._eligibility` and `quote._price` step for step; read them side by side. A mask
is an array of booleans, or the plain value True when a rule holds for every parcel of the batch
(which skips the array work for unconditional surcharges). Arrays are updated in place where
that saves a pass over memory.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import groupby
from typing import TYPE_CHECKING, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.matching import PostcodeSet
from linkstar.rating.core.measures import billable_weight_array
from linkstar.rating.core.model import PercentOf, Surcharge, SurchargeKind
from linkstar.rating.core.money import bp_of_array
from linkstar.rating.core.outcome import INELIGIBLE, Reason
from linkstar.rating.core.rules import SurchargeRule
from linkstar.rating.core.tables import CompiledService
from linkstar.rating.core.vector_tables import price_arrays
from linkstar.rating.core.zones import ZoneChart

if TYPE_CHECKING:
    from linkstar.rating.core.vectorised import ParcelBatch

T = TypeVar("T")
Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]
Mask = Bools | Literal[True]  # True = every parcel
# Surcharge kinds that apply only to parcels whose flag column is set.
_FLAG_COLUMNS = {
    SurchargeKind.residential: "residential",
    SurchargeKind.signature: "signature",
    SurchargeKind.ddp: "ddp",
}


# Remote lists are large: hashing or comparing one by value costs far more than a batch chunk's
# gather, so each set object gets, once, a token shared by every equal set, and masks are kept
# by token. The objects are held in `_SETS`, so an id is never reused while it is a key there.
_SETS: dict[int, tuple[PostcodeSet, int, bool]] = {}  # id -> (set, token, is_everything)
_TOKENS: dict[PostcodeSet, int] = {}
_MASKS: dict[tuple[int, int], Bools] = {}
_NEXT_TOKEN = itertools.count()
_MAX_SETS = 4096


def _set_info(postcodes: PostcodeSet) -> tuple[int, bool]:
    """(token equal for equal sets, whether the set is everything)."""
    found = _SETS.get(id(postcodes))
    if found is not None and found[0] is postcodes:
        return found[1], found[2]
    if len(_SETS) >= _MAX_SETS:
        _SETS.clear()
        _TOKENS.clear()
        _MASKS.clear()
    token = _TOKENS.get(postcodes)
    if token is None:
        token = _TOKENS[postcodes] = next(_NEXT_TOKEN)
    _SETS[id(postcodes)] = (postcodes, token, postcodes.is_everything)
    return token, postcodes.is_everything


def _dense_mask(postcodes: PostcodeSet, token: int, digits: int) -> Bools:
    """The set's membership of every `digits`-digit key (shared by batches and services)."""
    found = _MASKS.get((token, digits))
    if found is None:
        found = _MASKS[(token, digits)] = postcodes.mask(digits)
    return found


@dataclass
class BatchContext:
    """A batch with the columns every service needs, and caches of the work services share."""

    batch: ParcelBatch
    dims: tuple[Int64s, Int64s, Int64s]
    measures: dict[str, Int64s]  # weight, longest, second, length_plus_girth
    military: Bools | None
    origin_key: str | None
    _cache: dict[object, object] = field(default_factory=dict)

    def _memo(self, key: object, build: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]  # type: ignore[return-value]

    def heavier(self, compiled: CompiledService) -> Int64s:
        """max(actual, dimensional weight) under the service's dimension rule, before rounding."""
        divisor, rounding, _ = compiled.weight_rule
        batch = self.batch
        return self._memo(
            ("heavier", divisor, rounding),
            lambda: billable_weight_array(batch.weight_g, self.dims, divisor, rounding, 1)[1],
        )

    def zone_rows(self, chart: ZoneChart, origin_key: str) -> Int64s:
        """Zone code + 1 per parcel (0 = no zone) from this batch's origin."""

        def build() -> Int64s:
            batch = self.batch
            table = chart.dense_codes(origin_key, batch.dest_country, batch.postcode_digits)
            return table.astype(np.int64)[batch.dest_postcode] + 1

        return self._memo(("zones", id(chart)), build)

    def no_zone(self, chart: ZoneChart, rows: Int64s) -> Bools:
        """Parcels the chart has no zone for (rows from `zone_rows` of the same chart)."""
        return self._memo(("no zone", id(chart)), lambda: rows == 0)

    def exceeds(self, measure: str, limit: int) -> Bools:
        """Whether each parcel's measure is strictly over a limit (shared by equal limits)."""
        values = self.measures[measure]
        return self._memo((measure, limit), lambda: values > limit)

    def in_postcodes(self, postcodes: PostcodeSet) -> Bools:
        """Whether each parcel's destination is in a postcode set."""
        batch = self.batch
        # Keyed by value: equal lists written out for several carriers are gathered once.
        token, _ = _set_info(postcodes)
        return self._memo(
            ("postcodes", token),
            lambda: _dense_mask(postcodes, token, batch.postcode_digits)[batch.dest_postcode],
        )

    def applies(self, surcharge: Surcharge) -> Mask | None:
        """Where a surcharge row applies (None: nowhere); shared by the services it covers."""
        return self._memo(("applies", id(surcharge)), lambda: _applies(self, surcharge))


def _and(a: Mask, b: Mask) -> Mask:
    if a is True:
        return b
    return a if b is True else a & b


def _applies(context: BatchContext, surcharge: Surcharge) -> Mask | None:
    batch = context.batch
    country = surcharge.dest.country
    if not surcharge.is_effective(batch.ship_date) or country not in (None, batch.dest_country):
        return None
    mask: Mask = True
    if surcharge.kind in _FLAG_COLUMNS:
        column = getattr(batch, _FLAG_COLUMNS[surcharge.kind])
        if column is None:  # column not given: false for every parcel
            return None
        mask = column
    if not _set_info(surcharge.dest)[1]:
        mask = _and(mask, context.in_postcodes(surcharge.dest))
    if surcharge.has_thresholds:
        over: Bools | None = None
        for measure, limit in zip(context.measures, _thresholds(surcharge), strict=True):
            if limit is not None:
                hit = context.exceeds(measure, limit)
                over = hit if over is None else over | hit
        assert over is not None
        mask = _and(mask, over)
    return mask


def _thresholds(surcharge: Surcharge) -> tuple[int | None, ...]:
    # Same order as BatchContext.measures: weight, longest, second, length_plus_girth.
    return tuple(getattr(surcharge, name) for name in Surcharge.threshold_names)


def _refusals(
    context: BatchContext, compiled: CompiledService
) -> tuple[int, list[tuple[Reason, Bools]], Int64s | None]:
    """Reasons for the whole batch, per-parcel reason masks, and zone rows when looked up."""
    batch, service = context.batch, compiled.service
    static = 0
    if not service.is_effective(batch.ship_date):
        static |= Reason.not_effective.bit
    key = context.origin_key
    origin_ok = (
        key is not None
        and batch.origin_country == service.origin_country
        and (compiled.origin is None or bool(compiled.origin.lookup(key)))
    )
    if not origin_ok:
        static |= Reason.origin_not_served.bit
    rows = None
    if batch.dest_country not in service.dest_countries:
        static |= Reason.destination_not_served.bit
    elif origin_ok and key is not None:
        rows = context.zone_rows(compiled.chart, key)
    checks: list[tuple[Reason, Bools]] = []
    if rows is not None:
        checks.append((Reason.no_zone, context.no_zone(compiled.chart, rows)))
    for reason, measure, limit in (
        (Reason.over_max_weight, "weight", service.max_weight_g),
        (Reason.over_max_length, "longest", service.max_length_mm),
        (Reason.over_max_length_plus_girth, "length_plus_girth", service.max_length_plus_girth_mm),
    ):
        if limit is not None:
            checks.append((reason, context.exceeds(measure, limit)))
    refused = sum(1 << i for i, c in enumerate(batch.contents_vocab) if c in service.restricted)
    if batch.contents is not None and refused:
        checks.append((Reason.restricted_contents, (batch.contents & refused) != 0))
    for reason, column in (
        (Reason.ddp_not_offered, batch.ddp),
        (Reason.signature_not_available, batch.signature),
        (Reason.po_box_not_allowed, batch.po_box),
        (Reason.military_not_allowed, context.military),
    ):
        if column is not None and compiled.refuses & reason.bit:
            checks.append((reason, column))
    return static, checks, rows


def _value(
    context: BatchContext,
    rule: SurchargeRule,
    currency: str,
    transport: Int64s,
    subtotal: Int64s,
) -> tuple[Int64s | int, bool]:
    """The amount of one row for every parcel, and whether its currency is refused."""
    if not rule.percent_bp:
        return rule.amount, False
    batch = context.batch
    if rule.percent_of is PercentOf.declared_value:
        declared = batch.declared_value
        basis = np.zeros_like(transport) if declared is None else declared
        refused = batch.declared_currency != currency
    else:
        basis = subtotal if rule.percent_of is PercentOf.subtotal else transport
        refused = False
    return rule.amount + bp_of_array(basis, rule.percent_bp), refused


def _add(target: Int64s, value: Int64s | int, where: Mask) -> None:
    if where is True:
        target += value
    else:
        # A multiply by the mask is exact in int64 and several times faster than `where=`.
        target += where.astype(np.int64) * value


def _surcharges(
    context: BatchContext, compiled: CompiledService, transport: Int64s
) -> tuple[Int64s, Int64s | None, Bools | None]:
    """(subtotal, lines exempt from fuel, parcels refused for a declared value's currency)."""
    currency = compiled.service.currency
    subtotal = transport.copy()
    exempt: Int64s | None = None
    refused_any: Bools | None = None
    for _, group in groupby(compiled.rule_set.rules, key=lambda rule: rule.kind_bit):
        rows = [(r, m) for r in group if (m := context.applies(r.surcharge)) is not None]
        line = subtotal if len(rows) == 1 else np.zeros_like(transport)
        taken: Bools | None = None  # parcels already charged for this kind
        fuel_free: Int64s | None = None
        for rule, applies in rows:
            new = applies if taken is None else _and(applies, ~taken)
            value, refused = _value(context, rule, currency, transport, subtotal)
            if refused:
                hit = np.broadcast_to(np.asarray(new), transport.shape)
                refused_any = hit.copy() if refused_any is None else refused_any | hit
            # One row: add straight into the subtotal (its basis was read just above). Several:
            # `new` never overlaps an earlier row's parcels, whose cells of `line` are still 0.
            _add(line, value, new)
            if not rule.subject_to_fuel:
                fuel_free = np.zeros_like(transport) if fuel_free is None else fuel_free
                _add(fuel_free, value, new)
            if applies is True:  # every parcel is charged: later rows of the kind never apply
                break
            taken = applies if taken is None else taken | applies
        if line is not subtotal:
            subtotal += line
        if fuel_free is not None:
            exempt = fuel_free if exempt is None else exempt + fuel_free
    return subtotal, exempt, refused_any


def _fuel_rate(context: BatchContext, compiled: CompiledService) -> Int64s | int:
    rate: Int64s | int = compiled.service.fuel_bp
    # Reversed, so that where several apply the first one's rate is written last.
    for rule in reversed(compiled.fuel_set.rules):
        applies = context.applies(rule.surcharge)
        if applies is True:
            rate = rule.percent_bp
        elif applies is not None:
            rate = np.where(applies, rule.percent_bp, rate)
    return rate


def price_service(
    context: BatchContext, compiled: CompiledService, *, want_reasons: bool
) -> tuple[Int64s, NDArray[np.uint32] | None]:
    """Totals of one service for the batch (INELIGIBLE where refused) and, if asked, reasons."""
    n = len(context.batch)
    static, checks, rows = _refusals(context, compiled)
    if rows is None and not want_reasons:
        return np.full(n, INELIGIBLE, dtype=np.int64), None
    base = None
    if rows is not None:
        base = price_arrays(compiled).price(rows, context.heavier(compiled))
        checks.append((Reason.no_price, (base < 0) & (rows > 0)))
    bits = np.full(n, static, dtype=np.uint32) if want_reasons else None
    bad: Bools = np.full(n, bool(static))
    for reason, mask in checks:
        if bits is not None:
            bits |= mask * np.uint32(reason.bit)
        bad |= mask
    if base is None:
        return np.full(n, INELIGIBLE, dtype=np.int64), bits
    transport = np.maximum(base, compiled.service.min_charge, out=base)
    subtotal, exempt, refused = _surcharges(context, compiled, transport)
    rate = _fuel_rate(context, compiled)
    if np.any(rate):
        subtotal += bp_of_array(subtotal if exempt is None else subtotal - exempt, rate)
    if refused is not None:
        refused &= ~bad  # as in the scalar pricer, only a parcel otherwise accepted
        if bits is not None:
            bits |= refused * np.uint32(Reason.currency_mismatch.bit)
        bad |= refused
    return np.where(bad, INELIGIBLE, subtotal), bits
