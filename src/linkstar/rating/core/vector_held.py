"""Why the vectorised chooser held parcels: the reason codes `Chooser.choose` would give.

A held decision's reasons are `no_eligible_service` then the sorted set of every candidate's
rejection codes. Each candidate is rejected by the first step of `Chooser._draft` that refuses
it: rating (its Reason codes), FX, the first active filter (its first failing check, in
`filter_refusal` order), the promise objective, or a suspension. This works those out per
(parcel, service) with numpy and returns each parcel's set as a bitmask over `names`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.choose import Chooser
from linkstar.rating.core.outcome import Reason
from linkstar.rating.core.policy import Mode
from linkstar.rating.core.vector_conditions import all_hold, take_rows
from linkstar.rating.core.vector_lanes import Lanes
from linkstar.rating.core.vectorised import ParcelBatch, price_batch

Ints = NDArray[np.int64]
FILTER_CODES = (
    "carrier_not_allowed",
    "service_not_allowed",
    "carrier_excluded",
    "service_excluded",
    "p90_over_promise",
    "on_time_below_minimum",
    "success_below_minimum",
    "over_max_price",
)
NAMES = (*(r.value for r in Reason), "no_fx_rate", *FILTER_CODES, "suspended")
_BIT = {name: 1 << i for i, name in enumerate(dict.fromkeys(NAMES))}


def held_reasons(
    chooser: Chooser,
    batch: ParcelBatch,
    origin: str,
    promised: Ints,
    columns: Mapping[str, Any],
    policy: Ints,
) -> NDArray[np.uint64]:
    """Per parcel, the bitmask (over `reason_names`) of every candidate's rejection code."""
    n = len(batch)
    matrix = price_batch(batch, chooser.services, reasons=True)
    assert matrix.reasons is not None
    lanes = Lanes(chooser, batch, origin, promised)
    has_promise = promised > 0
    out = np.zeros(n, dtype=np.uint64)
    for k in np.unique(policy).tolist():
        rows = np.flatnonzero(policy == k)
        ranked = chooser.policies[k].policy
        currency = chooser.currency_of(ranked)
        sub_columns = {c: take_rows(v, rows) for c, v in columns.items()}
        actives = [(f, all_hold(f.when, sub_columns, len(rows))) for f in ranked.filters]
        for j, compiled in enumerate(chooser.services):
            service = compiled.service
            bits = matrix.reasons[rows, j].astype(np.uint64)  # rating: Reason bits are ours
            code = np.where(bits != 0, bits, np.uint64(0))
            open_ = bits == 0
            factor = chooser.factor(service.currency, currency, batch.ship_date)
            if factor is None:
                code[open_] |= np.uint64(_BIT["no_fx_rate"])
                out[rows] |= code
                continue
            cost = matrix.totals[rows, j].astype(np.float64) * factor
            p90 = lanes.column("p90", j)[rows]
            on_time = lanes.column("on_time", j)[rows]
            success = lanes.column("success", j)[rows]
            promise = has_promise[rows]
            days = promised[rows]
            for f, applies in actives:
                checks = (
                    f.only_carriers is not None and service.carrier not in f.only_carriers,
                    f.only_services is not None and service.service_id not in f.only_services,
                    service.carrier in f.exclude_carriers,
                    service.service_id in f.exclude_services,
                    promise & ~(p90 <= days + f.max_p90_over_promise_days)
                    if f.max_p90_over_promise_days is not None
                    else False,
                    on_time < f.min_on_time_probability
                    if f.min_on_time_probability is not None
                    else False,
                    success < f.min_success_rate if f.min_success_rate is not None else False,
                    cost > f.max_price if f.max_price is not None else False,
                )
                for name, check in zip(FILTER_CODES, checks, strict=True):
                    hit = open_ & applies & np.asarray(check, dtype=np.bool_)
                    code[hit] |= np.uint64(_BIT[name])
                    open_ &= ~hit
            if ranked.objective.mode is Mode.cheapest_within_promise:
                hit = open_ & promise & ~(p90 <= days)
                code[hit] |= np.uint64(_BIT["p90_over_promise"])
                open_ &= ~hit
            if chooser.suspended(compiled, origin, batch.dest_country, batch.ship_date):
                code[open_] |= np.uint64(_BIT["suspended"])
            out[rows] |= code
    return out


def reason_names(mask: int) -> list[str]:
    """The codes of a bitmask from `held_reasons`, sorted as `Chooser.choose` sorts them."""
    return sorted(name for name, bit in _BIT.items() if mask & bit)
