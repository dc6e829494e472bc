"""The price breakdown of one service over a batch of parcels it was chosen for, numpy only.

`quote` writes a breakdown line per step (base, minimum charge, each surcharge charged, fuel);
this does the same for a whole batch, following `vector_service.price_service` step for step, so
`linkstar route` can write a million breakdowns without quoting each parcel again. Every parcel
of the batch must be eligible for the service (the chooser picked it); a test checks the lines
against `quote` cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.measures import billable_weight_array
from linkstar.rating.core.money import bp_of_array
from linkstar.rating.core.tables import CompiledService
from linkstar.rating.core.vector_service import BatchContext, _fuel_rate, _value
from linkstar.rating.core.vector_tables import price_arrays
from linkstar.rating.core.vectorised import ParcelBatch, _context

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True)
class BatchLines:
    """Per parcel: zone code, billable weight, total; lines as (code, amounts, where charged)."""

    zone: Int64s
    billable_weight_g: Int64s
    total: Int64s
    lines: tuple[tuple[str, Int64s, Bools], ...]


def _mask(applies: object, n: int) -> Bools:
    return np.ones(n, dtype=np.bool_) if applies is True else np.asarray(applies, dtype=np.bool_)


def batch_lines(batch: ParcelBatch, compiled: CompiledService) -> BatchLines:
    """Lines of `compiled` for every parcel of `batch` (all eligible for it), as `quote` has."""
    context: BatchContext = _context(batch)
    n = len(batch)
    if context.origin_key is None:
        raise ValueError("the batch's origin has no postcode key")
    rows = context.zone_rows(compiled.chart, context.origin_key)
    base = price_arrays(compiled).price(rows, context.heavier(compiled))
    if len(base) and (base.min() < 0 or rows.min() == 0):
        raise ValueError("batch_lines needs parcels the service prices")
    transport = np.maximum(base, compiled.service.min_charge)
    lines: list[tuple[str, Int64s, Bools]] = [("base", base, np.ones(n, dtype=np.bool_))]
    minimum = transport - base
    lines.append(("minimum_charge", minimum, minimum > 0))
    subtotal = transport.copy()
    fuel_basis = transport.copy()
    currency = compiled.service.currency
    for _, group in groupby(compiled.rule_set.rules, key=lambda rule: rule.kind_bit):
        found = [(r, m) for r in group if (m := context.applies(r.surcharge)) is not None]
        if not found:
            continue
        amount = np.zeros(n, dtype=np.int64)
        charged = np.zeros(n, dtype=np.bool_)
        for rule, applies in found:
            new = _mask(applies, n) & ~charged
            # Every row of a kind reads the subtotal before the kind, as the scalar pricer does.
            value, _ = _value(context, rule, currency, transport, subtotal)
            amount += new.astype(np.int64) * value
            charged |= new
            if rule.subject_to_fuel:
                fuel_basis += new.astype(np.int64) * value
        subtotal += amount
        lines.append((found[0][0].code, amount, charged))
    rate = _fuel_rate(context, compiled)
    rates = np.broadcast_to(np.asarray(rate, dtype=np.int64), (n,))
    fuel = bp_of_array(fuel_basis, rates)
    subtotal += fuel
    lines.append(("fuel", fuel, rates != 0))
    divisor, rounding, step = compiled.weight_rule
    billable = billable_weight_array(batch.weight_g, context.dims, divisor, rounding, step)[1]
    return BatchLines(rows - 1, billable, subtotal, tuple(lines))
