"""The vectorised chooser: a batch of parcels (one origin, country, ship date) → choices.

It follows `Chooser.choose` rule for rule (read them side by side) and picks the same service,
with the same score and fallback flag, for every parcel: a property test checks it. Work is done
in chunks so that the N x S matrices stay small; there is no Python loop over parcels except
for conditions on tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.choose import Chooser
from linkstar.rating.core.outcome import INELIGIBLE
from linkstar.rating.core.policy import NUMBER_FIELDS, SET_FIELDS, Condition, Filter, Mode, Op
from linkstar.rating.core.reliability import MAX_PROMISE_DAYS
from linkstar.rating.core.vectorised import ParcelBatch, price_batch

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]
CHUNK = 1 << 17


@dataclass(frozen=True)
class BatchChoice:
    """Per parcel: chosen service index (-1 = held), its total, cost, score, fallback, policy."""

    choice: Ints
    total: Ints
    cost: Floats
    score: Floats
    on_time: Floats
    fallback: Bools
    policy: Ints  # index into Chooser.policies


def condition_mask(cond: Condition, columns: Mapping[str, Any], n: int) -> Bools:
    """Vectorised `Condition.holds` over order columns (numbers as float64, NaN = missing)."""
    if cond.field in SET_FIELDS:
        tags = columns.get(cond.field)
        rows = [frozenset()] * n if tags is None else tags
        return np.fromiter((cond.holds({cond.field: t}) for t in rows), np.bool_, count=n)
    column = columns.get(cond.field)
    if column is None:  # missing for every parcel
        return np.full(n, cond.op in (Op.ne, Op.not_in))
    value = cond.value
    if cond.field in NUMBER_FIELDS:
        column = np.asarray(column, dtype=np.float64)
    if cond.op in (Op.in_, Op.not_in):
        found = np.isin(column, np.array(sorted(value)))
        return found if cond.op is Op.in_ else ~found
    ops = {
        Op.eq: np.equal,
        Op.ne: np.not_equal,
        Op.gt: np.greater,
        Op.gte: np.greater_equal,
        Op.lt: np.less,
        Op.lte: np.less_equal,
    }
    return np.asarray(ops[cond.op](column, value), dtype=np.bool_)


def _all(conds: tuple[Condition, ...], columns: Mapping[str, Any], n: int) -> Bools:
    mask = np.ones(n, dtype=np.bool_)
    for cond in conds:
        mask &= condition_mask(cond, columns, n)
    return mask


def _slice(batch: ParcelBatch, lo: int, hi: int) -> ParcelBatch:
    changes: dict[str, Any] = {}
    for f in fields(batch):
        value = getattr(batch, f.name)
        if isinstance(value, np.ndarray):
            changes[f.name] = value[lo:hi]
    return replace(batch, **changes)


@dataclass
class _Lanes:
    """Per service: on-time probability, success rate and p90 per parcel of a chunk."""

    on_time: Floats
    success: Floats
    p90: Floats


def _lanes(chooser: Chooser, batch: ParcelBatch, origin: str, promised: Ints) -> _Lanes:
    n, s = len(batch), len(chooser.services)
    on_time = np.empty((n, s))
    success = np.empty((n, s))
    p90 = np.empty((n, s))
    book, country, digits = chooser.reliability, batch.dest_country, batch.postcode_digits
    has_promise = promised > 0
    days = np.minimum(promised, MAX_PROMISE_DAYS)
    for j, compiled in enumerate(chooser.services):
        service = compiled.service
        lanes = book.prefixes(service.service_id, origin, country)
        which = np.full(n, -1, dtype=np.int64)
        for k, (_, prefix) in enumerate(lanes):
            if not prefix.isdigit() and prefix:
                continue  # never starts an all-digit postcode
            if len(prefix) > digits:
                raise ValueError(f"lane prefix {prefix!r} is longer than the batch's postcodes")
            if prefix:
                hit = batch.dest_postcode // 10 ** (digits - len(prefix)) == int(prefix)
            else:
                hit = np.ones(n, dtype=np.bool_)
            which[(which < 0) & hit] = k
        for k in np.unique(which):
            key = ("", "") if k < 0 else lanes[k]
            rel = book.at(service, key[0], country, key[1])
            rows = which == k
            success[rows, j] = rel.success_rate
            p90[rows, j] = np.nan if rel.transit_p90_days is None else rel.transit_p90_days
            if rel.on_time:
                table = np.array(rel.on_time)
                on_time[rows, j] = np.where(has_promise[rows], table[days[rows]], rel.on_time_rate)
            else:
                on_time[rows, j] = rel.on_time_rate
    return _Lanes(on_time, success, p90)


def _refusals(f: Filter, chooser: Chooser, cost: Floats, lanes: _Lanes, promised: Ints) -> Bools:
    """Vectorised `filter_refusal != ""` (n x s)."""
    carriers = [c.service.carrier for c in chooser.services]
    ids = [c.service.service_id for c in chooser.services]
    static = np.array(
        [
            (f.only_carriers is not None and car not in f.only_carriers)
            or (f.only_services is not None and sid not in f.only_services)
            or car in f.exclude_carriers
            or sid in f.exclude_services
            for car, sid in zip(carriers, ids, strict=True)
        ]
    )
    refused = np.broadcast_to(static, cost.shape).copy()
    if f.max_p90_over_promise_days is not None:
        limit = promised[:, None] + f.max_p90_over_promise_days
        fits = lanes.p90 <= limit  # NaN (unknown) never fits
        refused |= (promised[:, None] > 0) & ~fits
    if f.min_on_time_probability is not None:
        refused |= lanes.on_time < f.min_on_time_probability
    if f.min_success_rate is not None:
        refused |= lanes.success < f.min_success_rate
    if f.max_price is not None:
        refused |= cost > f.max_price
    return refused


def _rank(alive: Bools, cost: Floats, lanes: _Lanes, mode: Mode, o: Any) -> tuple[Ints, Floats]:
    """(best column or -1, its score) per row among `alive` cells."""
    masked = np.where(alive, cost, np.inf)
    cheapest = masked.min(axis=1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        cs = np.where(cost == 0, 1.0, cheapest / cost)
    if mode is Mode.weighted:
        score = o.cost * cs + o.on_time * lanes.on_time + o.success * lanes.success
        score = np.where(alive, score, -np.inf)
        top = score.max(axis=1)[:, None]
        ties = alive & (score == top)
        best = np.where(ties, cost, np.inf).argmin(axis=1)
    else:
        score = np.where(alive, cs, -np.inf)
        best = masked.argmin(axis=1)
    rows = np.arange(len(best))
    any_alive = alive.any(axis=1)
    return np.where(any_alive, best, -1), np.where(any_alive, score[rows, best], np.nan)


def choose_batch(
    chooser: Chooser,
    batch: ParcelBatch,
    origin: str,
    promised_days: Ints | None = None,
    columns: Mapping[str, Any] | None = None,
) -> BatchChoice:
    """Route every parcel of a batch; `promised_days` 0 = no promise; `columns` for conditions."""
    n = len(batch)
    promised = np.zeros(n, dtype=np.int64) if promised_days is None else np.asarray(promised_days)
    columns = columns or {}
    out = BatchChoice(
        np.full(n, -1, dtype=np.int64),
        np.full(n, INELIGIBLE, dtype=np.int64),
        np.full(n, np.nan),
        np.full(n, np.nan),
        np.full(n, np.nan),
        np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.int64),
    )
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        part = {k: v[lo:hi] for k, v in columns.items()}
        _choose_chunk(chooser, _slice(batch, lo, hi), origin, promised[lo:hi], part, out, lo)
    return out


def _choose_chunk(
    chooser: Chooser,
    batch: ParcelBatch,
    origin: str,
    promised: Ints,
    columns: Mapping[str, Any],
    out: BatchChoice,
    offset: int,
) -> None:
    n = len(batch)
    totals = price_batch(batch, chooser.services).totals
    lanes = _lanes(chooser, batch, origin, promised)
    suspended = np.array(
        [
            bool(chooser.suspended(c, origin, batch.dest_country, batch.ship_date))
            for c in chooser.services
        ]
    )
    policy_of = np.full(n, len(chooser.policies) - 1, dtype=np.int64)
    open_rows = np.ones(n, dtype=np.bool_)
    for k, ranked in enumerate(chooser.policies[:-1]):
        hit = open_rows & _all(ranked.policy.applies_when, columns, n)
        policy_of[hit] = k
        open_rows &= ~hit
    for k in np.unique(policy_of):
        rows = np.flatnonzero(policy_of == k)
        policy = chooser.policies[k].policy
        currency = chooser.currency_of(policy)
        factors = [
            chooser.factor(c.service.currency, currency, batch.ship_date) for c in chooser.services
        ]
        sub_totals = totals[rows]
        sub = _Lanes(lanes.on_time[rows], lanes.success[rows], lanes.p90[rows])
        sub_promised = promised[rows]
        ok = np.array([f is not None for f in factors])
        cost = sub_totals.astype(np.float64) * np.array([f or 0.0 for f in factors])
        alive = (sub_totals != INELIGIBLE) & ok
        sub_columns = {name: _take(col, rows) for name, col in columns.items()}
        for f in policy.filters:
            applies = _all(f.when, sub_columns, len(rows))
            alive &= ~(applies[:, None] & _refusals(f, chooser, cost, sub, sub_promised))
        if policy.objective.mode is Mode.cheapest_within_promise:
            fits = sub.p90 <= sub_promised[:, None]
            alive &= ~((sub_promised[:, None] > 0) & ~fits)
        best, score = _rank(alive & ~suspended, cost, sub, policy.objective.mode, policy.objective)
        ideal, _ = _rank(alive, cost, sub, policy.objective.mode, policy.objective)
        at = rows + offset
        picked = np.maximum(best, 0)
        r = np.arange(len(rows))
        out.choice[at] = best
        out.score[at] = score
        out.total[at] = np.where(best >= 0, sub_totals[r, picked], INELIGIBLE)
        out.cost[at] = np.where(best >= 0, cost[r, picked], np.nan)
        out.on_time[at] = np.where(best >= 0, sub.on_time[r, picked], np.nan)
        out.fallback[at] = np.where(best >= 0, ideal != best, ideal >= 0)
        out.policy[at] = k


def _take(column: Any, rows: Ints) -> Any:
    if isinstance(column, np.ndarray):
        return column[rows]
    return [column[i] for i in rows]
