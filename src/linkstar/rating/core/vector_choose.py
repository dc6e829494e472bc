"""The vectorised chooser: a batch of parcels (one origin, country, ship date) → choices.

It follows `Chooser.choose` rule for rule (read them side by side) and picks the same service,
with the same score and fallback flag, for every parcel: a property test checks it. Work is done
in chunks so that the N x S matrices stay small; there is no Python loop over parcels except
for conditions on tags. Conditions over order columns are `vector_conditions`; the
reliability columns the filters and scores read are `vector_lanes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.choose import Chooser
from linkstar.rating.core.outcome import INELIGIBLE
from linkstar.rating.core.policy import Filter, Mode
from linkstar.rating.core.vector_conditions import all_hold, take_rows
from linkstar.rating.core.vector_lanes import Lanes, LaneView
from linkstar.rating.core.vectorised import ParcelBatch, price_batch

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]
CHUNK = 1 << 15


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


def _slice(batch: ParcelBatch, lo: int, hi: int) -> ParcelBatch:
    changes: dict[str, Any] = {}
    for f in fields(batch):
        value = getattr(batch, f.name)
        if isinstance(value, np.ndarray):
            changes[f.name] = value[lo:hi]
    return replace(batch, **changes)


def _refusals(f: Filter, chooser: Chooser, cost: Floats, view: LaneView, promised: Ints) -> Bools:
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


def _rank(alive: Bools, cost: Floats, view: LaneView, mode: Mode, o: Any) -> tuple[Ints, Floats]:
    """(best column or -1, its score) per row among `alive` cells.

    Same winner as running winners column by column (a candidate replaces the winner on a
    higher score, or an equal score and a lower cost; cheapest modes: a lower cost; ties keep
    the earlier service, as `_best` does): the best score, then the lowest cost among the
    cells with that score, then the first column. Selections are arithmetic on masks turned
    into numbers (x + 0.0 is x, x + inf is inf, j x 1 and j x 0), which is exact and many times
    faster than `np.where` or masked writes on unpredictable masks. A zero weight adds exactly
    0.0 in the scalar sum, so its term is skipped here.
    """
    n, s = cost.shape
    weighted = mode is Mode.weighted
    with np.errstate(divide="ignore", invalid="ignore"):
        penalty = 1.0 - 1.0 / alive.astype(np.float64)  # 0.0 alive, -inf dead
        reachable = cost - penalty  # the cost, +inf for dead cells
        cheapest = reachable.min(axis=1)
        if not weighted:
            best = _first(reachable == cheapest[:, None])
            chosen = cost[np.arange(n), best]
            best_score = cheapest / chosen
            best_score[chosen == 0] = 1.0
            held = np.isinf(cheapest)
        else:
            scores = np.empty((n, s), order="F")
            for j in range(s):
                score = np.divide(cheapest, cost[:, j], out=scores[:, j])
                score *= o.cost
                if o.on_time:
                    score += o.on_time * view.get("on_time", j)
                if o.success:
                    score += o.success * view.get("success", j)
            zero = np.flatnonzero(cheapest == 0)
            if len(zero):  # a free service scores 1.0 (x / 0 is inf or nan above)
                _free(scores, cost, zero, view, o)
            scores += penalty
            best_score = np.fmax.reduce(scores, axis=1)  # nan never wins, as in the scalar sum
            top = scores == best_score[:, None]
            best = _first(top)
            # Rows where several cells share the best score: the cheapest of them, then the first.
            tied = np.flatnonzero(np.add.reduce(top.view(np.int8), axis=1, dtype=np.int8) > 1)
            if len(tied):
                tie_cost = np.where(top[tied], reachable[tied], np.inf)
                best[tied] = _first(tie_cost == tie_cost.min(axis=1)[:, None])
            # Live scores are finite; a row without one has -inf or nan (inf - inf) as its best.
            held = ~np.isfinite(best_score)
    best[held] = -1
    best_score[held] = np.nan
    return best, best_score


def _first(mask: Bools) -> Ints:
    """Index of the first True of each row (0 when none), with int8 arithmetic, no branches."""
    n, s = mask.shape
    if s > 127:
        return np.argmax(mask, axis=1)
    first = np.zeros(n, dtype=np.int8)
    for j in range(s - 1, -1, -1):  # the last write wins: the first True
        first += (np.int8(j) - first) * mask[:, j].view(np.int8)
    return first.astype(np.int64)


def _free(scores: Floats, cost: Floats, rows: Ints, view: LaneView, o: Any) -> None:
    """Rescore the rows whose cheapest cost is 0: a free cell's cost term is 1.0, others 0.0."""
    for j in range(cost.shape[1]):
        score = o.cost * np.where(cost[rows, j] == 0, 1.0, 0.0)
        if o.on_time:
            score = score + o.on_time * view.get("on_time", j)[rows]
        if o.success:
            score = score + o.success * view.get("success", j)[rows]
        scores[rows, j] = score


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
    lanes = Lanes(chooser, batch, origin, promised)
    suspended = np.array(
        [
            bool(chooser.suspended(c, origin, batch.dest_country, batch.ship_date))
            for c in chooser.services
        ]
    )
    policy_of = np.full(n, len(chooser.policies) - 1, dtype=np.int64)
    open_rows = np.ones(n, dtype=np.bool_)
    for k, ranked in enumerate(chooser.policies[:-1]):
        hit = open_rows & all_hold(ranked.policy.applies_when, columns, n)
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
        view = LaneView(lanes, rows)
        sub_totals = totals if rows is None else totals[rows]
        sub_promised = promised if rows is None else promised[rows]
        m = len(sub_totals)
        ok = np.array([f is not None for f in factors])
        cost = sub_totals.astype(np.float64) * np.array([f or 0.0 for f in factors])
        alive = (sub_totals != INELIGIBLE) & ok
        sub_columns = (
            columns if rows is None else {c: take_rows(v, rows) for c, v in columns.items()}
        )
        for f in policy.filters:
            applies = all_hold(f.when, sub_columns, m)
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
                    alive[touched], cost[touched], LaneView(lanes, again), o.mode, o
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
