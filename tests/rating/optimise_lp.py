"""The wave as a parcel-level linear programme, solved by scipy's HiGHS (an independent check).

One variable per eligible (parcel, service) and one deferral variable per ordinary parcel; each
parcel sums to 1; one row per capacity. The constraint matrix is a network matrix, so the LP
optimum is the integer optimum. scipy's HiGHS lives inside scipy and can share a process with
OR-Tools (the standalone highspy wheel cannot).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from linkstar.rating.core.optimise import Problem
from linkstar.rating.core.outcome import INELIGIBLE


def lp_optimum(problem: Problem) -> float | None:
    """The minimum of shipping + penalties over fractional assignments; None when infeasible."""
    eligible = problem.costs != INELIGIBLE
    routable = eligible.any(axis=1)
    rows_e, cols_e = np.nonzero(eligible & routable[:, None])
    defer = np.flatnonzero(routable & ~problem.priority)
    nx, nd = len(rows_e), len(defer)
    cost = np.concatenate([problem.costs[rows_e, cols_e], problem.penalty[defer]]).astype(float)
    parcel_index = {int(i): r for r, i in enumerate(np.flatnonzero(routable))}
    eq_rows = np.concatenate([[parcel_index[int(i)] for i in rows_e],
                              [parcel_index[int(i)] for i in defer]])  # fmt: skip
    eq_cols = np.arange(nx + nd)
    a_eq = coo_matrix((np.ones(nx + nd), (eq_rows, eq_cols)), shape=(len(parcel_index), nx + nd))
    ub_rows: list[np.ndarray] = []
    ub_cols: list[np.ndarray] = []
    b_ub: list[int] = []
    sites = problem.sites
    wh_of = np.array([sites[s][0] for s in problem.site], dtype=object)
    day_of = np.array([sites[s][1] for s in problem.site], dtype=object)
    service_ids = np.array(problem.service_ids, dtype=object)
    carriers = np.array(problem.carriers, dtype=object)
    constraints = [
        (service_ids[cols_e] == sid) & (wh_of[rows_e] == wh) & (day_of[rows_e] == day)
        for (sid, wh, day) in problem.service_caps
    ] + [
        (carriers[cols_e] == c) & ((wh_of[rows_e] == wh) if wh is not None else True)
        & (day_of[rows_e] == day)
        for (c, wh, day) in problem.carrier_caps
    ]  # fmt: skip
    for r, (mask, cap) in enumerate(
        zip(constraints, [*problem.service_caps.values(), *problem.carrier_caps.values()],
            strict=True)
    ):  # fmt: skip
        cols = np.flatnonzero(np.asarray(mask) & np.ones(nx, dtype=bool))
        ub_rows.append(np.full(len(cols), r))
        ub_cols.append(cols)
        b_ub.append(cap)
    a_ub = None
    if b_ub:
        rr, cc = np.concatenate(ub_rows), np.concatenate(ub_cols)
        a_ub = coo_matrix((np.ones(len(rr)), (rr, cc)), shape=(len(b_ub), nx + nd))
    if nx + nd == 0:
        return 0.0
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.array(b_ub, dtype=float) if b_ub else None,
        A_eq=a_eq,
        b_eq=np.ones(len(parcel_index)),
        bounds=(0, 1),
        method="highs",
    )
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return float(result.fun)
