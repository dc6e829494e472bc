"""Capacity-constrained batch optimisation: a wave of parcels to services at minimum cost.

Pure core (numpy and OR-Tools' min-cost flow; no database): `Problem` in, `Plan` out.
"""

from linkstar.rating.core.optimise.problem import (
    MAX_UNIT_COST,
    CarrierKey,
    Problem,
    ProblemError,
    ServiceKey,
)
from linkstar.rating.core.optimise.report import (
    ASSIGNED,
    DEFERRED,
    STATUS_NAMES,
    UNPLACED,
    UNROUTABLE,
    Baseline,
    Binding,
    Infeasibility,
    Totals,
)
from linkstar.rating.core.optimise.solve import MIN_COST_FLOW, REGRET_GREEDY, Plan, optimise

__all__ = [
    "ASSIGNED",
    "DEFERRED",
    "MAX_UNIT_COST",
    "MIN_COST_FLOW",
    "REGRET_GREEDY",
    "STATUS_NAMES",
    "UNPLACED",
    "UNROUTABLE",
    "Baseline",
    "Binding",
    "CarrierKey",
    "Infeasibility",
    "Plan",
    "Problem",
    "ProblemError",
    "ServiceKey",
    "Totals",
    "optimise",
]
