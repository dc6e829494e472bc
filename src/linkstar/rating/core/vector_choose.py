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
from linkstar.rating.core.reliability import MAX_PROMISE_DAYS, Reliability
from linkstar.rating.core.vectorised import ParcelBatch, price_batch

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]
CHUNK = 1 << 18


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


class _Lanes:
    """Reliability columns per service (on-time probability, success rate, p90), built lazily.

    A column is worked out only when a policy reads it, then cached; `rows` gives a view of a
    subset of the chunk's parcels.
    """

    def __init__(self, chooser: Chooser, batch: ParcelBatch, origin: str, promised: Ints) -> None:
        self.chooser, self.batch, self.origin = chooser, batch, origin
        self.has_promise = promised > 0
        self.days = np.minimum(promised, MAX_PROMISE_DAYS)
        self._plans: dict[int, list[tuple[Reliability, Bools | None]]] = {}
        self._columns: dict[tuple[str, int], Floats] = {}

    def _plan(self, j: int) -> list[tuple[Reliability, Bools | None]]:
        """The priors for every parcel, then each statistics lane where it applies."""
        found = self._plans.get(j)
        if found is not None:
            return found
        book, batch = self.chooser.reliability, self.batch
        country, digits = batch.dest_country, batch.postcode_digits
        service = self.chooser.services[j].service
        plan: list[tuple[Reliability, Bools | None]] = [(book.at(service, "", country, ""), None)]
        taken: Bools | None = None
        for key_origin, prefix in book.prefixes(service.service_id, self.origin, country):
            if prefix and not prefix.isdigit():
                continue  # never starts an all-digit postcode
            if len(prefix) > digits:
                raise ValueError(f"lane prefix {prefix!r} is longer than the batch's postcodes")
            if prefix:
                hit = batch.dest_postcode // 10 ** (digits - len(prefix)) == int(prefix)
            else:
                hit = np.ones(len(batch), dtype=np.bool_)
            if taken is not None:  # a more specific lane came first
                hit &= ~taken
            plan.append((book.at(service, key_origin, country, prefix), hit))
            taken = hit if taken is None else taken | hit
        self._plans[j] = plan
        return plan

    def _value(self, name: str, rel: Reliability) -> Floats | float:
        if name == "success":
            return rel.success_rate
        if name == "p90":
            return np.nan if rel.transit_p90_days is None else rel.transit_p90_days
        if not rel.on_time:
            return rel.on_time_rate
        return np.where(self.has_promise, np.array(rel.on_time)[self.days], rel.on_time_rate)

    def column(self, name: str, j: int) -> Floats:
        """One service's column for every parcel of the chunk."""
        key = (name, j)
        found = self._columns.get(key)
        if found is None:
            plan = self._plan(j)
            found = np.empty(len(self.batch))
            found[:] = self._value(name, plan[0][0])
            for rel, hit in plan[1:]:
                np.copyto(found, self._value(name, rel), where=hit)
            self._columns[key] = found
        return found


@dataclass(frozen=True)
class _View:
    """The lanes of some rows of a chunk (all of them when `rows` is None)."""

    lanes: _Lanes
    rows: Ints | None

    def get(self, name: str, j: int) -> Floats:
        column = self.lanes.column(name, j)
        return column if self.rows is None else column[self.rows]


def _refusals(f: Filter, chooser: Chooser, cost: Floats, view: _View, promised: Ints) -> Bools:
    """Vectorised `filter_refusal != ""` (n x s)."""
    refused = np.zeros(cost.shape, dtype=np.bool_, order="F")
    has_promise = promised > 0
    for j, compiled in enumerate(chooser.services):
        car, sid = compiled.service.carrier, compiled.service.service_id
        if (
            (f.only_carriers is not None and car not in f.only_carriers)
            or (f.only_services is not None and sid not in f.only_services)
            or car in f.exclude_carriers
            or sid in f.exclude_services
        ):
            refused[:, j] = True
            continue
        column = refused[:, j]
        if f.max_p90_over_promise_days is not None:
            fits = view.get("p90", j) <= promised + f.max_p90_over_promise_days  # NaN never fits
            column |= has_promise & ~fits
        if f.min_on_time_probability is not None:
            column |= view.get("on_time", j) < f.min_on_time_probability
        if f.min_success_rate is not None:
            column |= view.get("success", j) < f.min_success_rate
        if f.max_price is not None:
            column |= cost[:, j] > f.max_price
    return refused


def _rank(alive: Bools, cost: Floats, view: _View, mode: Mode, o: Any) -> tuple[Ints, Floats]:
    """(best column or -1, its score) per row among `alive` cells.

    Column by column with running winners, which keeps every operation on contiguous vectors:
    a candidate replaces the winner on a higher score, or an equal score and a lower cost
    (cheapest modes: a lower cost), so ties keep the earlier service, as `_best` does. A zero
    weight adds exactly 0.0 in the scalar sum, so its term is skipped here.
    """
    n, s = cost.shape
    cheapest = np.full(n, np.inf)
    for j in range(s):
        np.minimum(cheapest, np.where(alive[:, j], cost[:, j], np.inf), out=cheapest)
    best = np.full(n, -1, dtype=np.int64)
    best_score = np.full(n, -np.inf)
    best_cost = np.full(n, np.inf)
    weighted = mode is Mode.weighted
    with np.errstate(divide="ignore", invalid="ignore"):
        for j in range(s):
            live = alive[:, j]
            if not live.any():
                continue
            c = cost[:, j]
            score = np.where(c == 0, 1.0, cheapest / c)
            if weighted:
                score = o.cost * score
                if o.on_time:
                    score = score + o.on_time * view.get("on_time", j)
                if o.success:
                    score = score + o.success * view.get("success", j)
                better = (score > best_score) | ((score == best_score) & (c < best_cost))
            else:
                better = c < best_cost
            better &= live
            best[better] = j
            np.copyto(best_score, score, where=better)
            np.copyto(best_cost, c, where=better)
    return best, np.where(best >= 0, best_score, np.nan)


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
    lanes = _Lanes(chooser, batch, origin, promised)
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
        every = bool((policy_of == k).all())
        rows = None if every else np.flatnonzero(policy_of == k)
        policy = chooser.policies[k].policy
        o = policy.objective
        currency = chooser.currency_of(policy)
        factors = [
            chooser.factor(c.service.currency, currency, batch.ship_date) for c in chooser.services
        ]
        view = _View(lanes, rows)
        sub_totals = totals if rows is None else totals[rows]
        sub_promised = promised if rows is None else promised[rows]
        m = len(sub_totals)
        ok = np.array([f is not None for f in factors])
        cost = sub_totals.astype(np.float64) * np.array([f or 0.0 for f in factors])
        alive = (sub_totals != INELIGIBLE) & ok
        sub_columns = columns if rows is None else {c: _take(v, rows) for c, v in columns.items()}
        for f in policy.filters:
            applies = _all(f.when, sub_columns, m)
            if applies.any():
                alive &= ~(applies[:, None] & _refusals(f, chooser, cost, view, sub_promised))
        if o.mode is Mode.cheapest_within_promise:
            for j in range(len(chooser.services)):
                fits = view.get("p90", j) <= sub_promised
                alive[:, j] &= ~((sub_promised > 0) & ~fits)
        best, score = _rank(alive & ~suspended, cost, view, o.mode, o)
        ideal = best
        if suspended.any():
            # Only rows where a suspended service survived can have another winner without the
            # suspension; rank those again with it put back.
            touched = np.flatnonzero(alive[:, suspended].any(axis=1))
            if len(touched):
                again = touched if rows is None else rows[touched]
                ideal = best.copy()
                ideal[touched], _ = _rank(
                    alive[touched], cost[touched], _View(lanes, again), o.mode, o
                )
        at = (np.arange(n) if rows is None else rows) + offset
        picked = np.maximum(best, 0)
        r = np.arange(m)
        chosen = best >= 0
        out.choice[at] = best
        out.score[at] = score
        out.total[at] = np.where(chosen, sub_totals[r, picked], INELIGIBLE)
        out.cost[at] = np.where(chosen, cost[r, picked], np.nan)
        on_time = np.full(m, np.nan)
        for j in np.unique(best[chosen]):
            mine = best == j
            on_time[mine] = view.get("on_time", int(j))[mine]
        out.on_time[at] = on_time
        out.fallback[at] = np.where(chosen, ideal != best, ideal >= 0)
        out.policy[at] = k


def _take(column: Any, rows: Ints) -> Any:
    if isinstance(column, np.ndarray):
        return column[rows]
    return [column[i] for i in rows]
