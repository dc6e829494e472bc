"""Capacity-constrained routing of a batch of decisions: the `--capacities` hook of `route`.

`plan_wave` is the hook proper: a priced, eligible cost matrix in, an optimal plan out. The rest
adapts the per-order chooser's decisions to it: each decision's eligible candidates (after the
policy's filters, suspensions and FX) become one row of the matrix, in the objective's currency;
the plan then rewrites every decision as `assigned` (to the plan's service) or `deferred`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from linkstar.kit.errors import InvalidInput
from linkstar.rating.cells import format_money, parse_money
from linkstar.rating.core.choose import ASSIGNED, DEFERRED, Decision, RouteOrder
from linkstar.rating.core.optimise import ASSIGNED as PLAN_ASSIGNED
from linkstar.rating.core.optimise import DEFERRED as PLAN_DEFERRED
from linkstar.rating.core.optimise import (
    MAX_UNIT_COST,
    UNPLACED,
    Plan,
    Problem,
    optimise,
)
from linkstar.rating.core.optimise.capacities import (
    CapacityRule,
    expand,
    read_csv,
    unknown_names,
)
from linkstar.rating.core.outcome import INELIGIBLE
from linkstar.rating.order_files import HeldInput

# `priority` values of an order that may not be deferred (compared lower-case).
PRIORITY_VALUES = frozenset({"high", "urgent", "express", "expedited", "priority", "yes", "true"})
DEFERRED_OVER_CAPACITY = "deferred_over_capacity"
PRIORITY_OVER_CAPACITY = "priority_over_capacity"


def read_capacities(path: Path) -> list[CapacityRule]:
    """The rules of a capacities CSV; any bad row refuses the whole file, naming every one."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        rules, errors = read_csv(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not a UTF-8 CSV") from None
    if errors:
        shown = "; ".join(str(e) for e in errors[:10])
        raise InvalidInput(f"{path}: {shown}", {"errors": [str(e) for e in errors]})
    return rules


def plan_wave(
    costs: np.ndarray,
    service_ids: Sequence[str],
    carriers: Sequence[str],
    warehouses: Sequence[str],
    days: Sequence[date],
    priority: np.ndarray,
    penalty: np.ndarray,
    rules: Sequence[CapacityRule],
    *,
    baseline: str | None = None,
    time_limit: float | None = 60.0,
) -> Plan:
    """Optimal assignment of rows (parcels) to columns (services) under the capacity rules."""
    unknown = unknown_names(rules, service_ids, carriers)
    if unknown:
        raise InvalidInput("capacities name what no rate card has: " + ", ".join(unknown))
    sites = tuple(dict.fromkeys(zip(warehouses, days, strict=True)))
    index = {s: i for i, s in enumerate(sites)}
    service_caps, carrier_caps = expand(rules, sites)
    problem = Problem(
        costs=costs,
        service_ids=tuple(service_ids),
        carriers=tuple(carriers),
        site=np.fromiter((index[s] for s in zip(warehouses, days, strict=True)), np.int64),
        sites=sites,
        priority=priority,
        penalty=penalty,
        service_caps=service_caps,
        carrier_caps=carrier_caps,
    )
    if baseline is not None and baseline not in (*service_ids, *carriers):
        raise InvalidInput(f"--baseline {baseline!r} is neither a carrier nor a service")
    return optimise(problem, time_limit=time_limit, baseline_name=baseline)


def is_priority(order: RouteOrder) -> bool:
    """Whether the order's `priority` forbids deferring it."""
    return str(order.attrs.get("priority") or "").strip().lower() in PRIORITY_VALUES


def optimise_decisions(
    decisions: Sequence[Decision | HeldInput],
    orders: Sequence[RouteOrder | HeldInput],
    rules: Sequence[CapacityRule],
    *,
    delay_penalty: str,
    service_ids: Sequence[str],
    carriers: Sequence[str],
    baseline: str | None = None,
    time_limit: float | None = 60.0,
) -> tuple[list[Decision | HeldInput], Plan | None, str]:
    """Re-decide every assigned decision as one wave; returns decisions, plan and currency.

    Deferring a parcel costs its cheapest eligible price (it ships later anyway) plus
    `delay_penalty` (a decimal amount in the objective's currency), so a parcel waits only
    when capacity makes shipping it today dearer than that.
    """
    rows = [i for i, d in enumerate(decisions) if isinstance(d, Decision) and d.status == ASSIGNED]
    if not rows:
        return list(decisions), None, ""
    currencies = {decisions[i].currency for i in rows}  # type: ignore[union-attr]
    if len(currencies) > 1:
        raise InvalidInput(
            "capacities need one currency; policies rank in " + ", ".join(sorted(currencies))
        )
    currency = currencies.pop()
    try:
        delay = parse_money(delay_penalty.strip(), currency)
    except ValueError as exc:
        raise InvalidInput(f"--deferral-penalty: {exc}") from None
    column = {sid: j for j, sid in enumerate(service_ids)}
    costs = np.full((len(rows), len(service_ids)), INELIGIBLE, dtype=np.int64)
    warehouses, days = [], []
    priority = np.zeros(len(rows), dtype=np.bool_)
    for r, i in enumerate(rows):
        decision, order = decisions[i], orders[i]
        assert isinstance(decision, Decision) and isinstance(order, RouteOrder)
        for c in decision.candidates:
            if not c.rejected_by and c.cost is not None:
                costs[r, column[c.service_id]] = min(round(c.cost), MAX_UNIT_COST)
        warehouses.append(order.origin)
        days.append(order.parcel.ship_date)
        priority[r] = is_priority(order)
    penalty = np.minimum(costs.min(axis=1) + delay, MAX_UNIT_COST)
    plan = plan_wave(costs, service_ids, carriers, warehouses, days, priority, penalty, rules,
                     baseline=baseline, time_limit=time_limit)  # fmt: skip
    out = list(decisions)
    for r, i in enumerate(rows):
        decision = decisions[i]
        assert isinstance(decision, Decision)
        status = int(plan.status[r])
        if status == PLAN_ASSIGNED:
            sid = service_ids[int(plan.service[r])]
            chosen = next(k for k, c in enumerate(decision.candidates) if c.service_id == sid)
            out[i] = dataclasses.replace(decision, status=ASSIGNED, chosen=chosen)
        elif status in (PLAN_DEFERRED, UNPLACED):
            why = PRIORITY_OVER_CAPACITY if status == UNPLACED else DEFERRED_OVER_CAPACITY
            out[i] = dataclasses.replace(decision, status=DEFERRED, chosen=None, reasons=(why,))
    return out, plan, currency


def summary(plan: Plan, currency: str) -> list[str]:
    """What the optimisation did, in a few lines for a terminal."""
    t = plan.totals

    def money(amount: int) -> str:
        return f"{format_money(amount, currency)} {currency}"

    lines = [
        f"optimised {t.assigned + t.deferred + t.unplaced_priority} parcels with {plan.solver}"
        f" ({plan.groups} groups): {t.assigned} assigned, {t.deferred} deferred;"
        f" total {money(t.total)} (shipping {money(t.shipping)}, deferral {money(t.penalty)})",
        f"saving vs cheapest-then-repair: {money(plan.saving_vs_naive)}",
    ]
    if plan.fallback_reason:
        lines.append(f"fallback: {plan.fallback_reason}; the plan may not be optimal")
    if plan.baseline is not None and plan.saving_vs_baseline is not None:
        lines.append(
            f"saving vs {plan.baseline.name} for all: {money(plan.saving_vs_baseline)}"
            + (f" ({plan.baseline.not_served} it cannot take)" if plan.baseline.not_served else "")
        )
    by_carrier = ", ".join(
        f"{c} {money(v)} ({t.parcels_by_carrier[c]})"
        for c, v in sorted(t.cost_by_carrier.items())
        if t.parcels_by_carrier[c]
    )
    lines.append("cost by carrier: " + (by_carrier or "none"))
    if plan.infeasibility is not None:
        inf = plan.infeasibility
        binding = "; ".join(
            f"{b.kind} {b.name} at {b.warehouse or 'every warehouse'} on {b.day}: {b.capacity}"
            for b in inf.binding
        )
        lines.append(
            f"INFEASIBLE: {inf.unplaced} of {inf.priority} priority parcels cannot fit; "
            f"binding: {binding or 'none'}"
        )
    return lines
