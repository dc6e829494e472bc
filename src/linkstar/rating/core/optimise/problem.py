"""The input of a capacity-constrained wave: a cost matrix, sites, priorities and capacities.

A *site* is one (warehouse, ship day) pair; every parcel ships from one site. Capacities limit
the parcels a service may take at a warehouse on a day, and the parcels a carrier may take at a
warehouse (or, with warehouse None, at all warehouses together) on a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.outcome import INELIGIBLE

Int64s = NDArray[np.int64]
Bools = NDArray[np.bool_]
# Costs and penalties above this cannot be scaled safely inside the flow solver (int64).
MAX_UNIT_COST = 10**9

ServiceKey = tuple[str, str, date]  # (service_id, warehouse, day)
CarrierKey = tuple[str, str | None, date]  # (carrier, warehouse or None = every warehouse, day)


class ProblemError(ValueError):
    """The wave's input is inconsistent (shapes, unknown names, negative numbers)."""


@dataclass(frozen=True)
class Problem:
    """N parcels x M services; `costs[i, j]` is INELIGIBLE where service j cannot take parcel i."""

    costs: Int64s
    service_ids: tuple[str, ...]
    carriers: tuple[str, ...]  # the carrier of each service column
    site: Int64s  # per parcel: index into `sites`
    sites: tuple[tuple[str, date], ...]  # (warehouse, day)
    priority: Bools  # per parcel: may not be deferred
    penalty: Int64s  # per parcel: the cost of deferring it (ignored for priority parcels)
    service_caps: Mapping[ServiceKey, int] = field(default_factory=dict)
    carrier_caps: Mapping[CarrierKey, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fix = object.__setattr__
        costs = np.ascontiguousarray(self.costs, dtype=np.int64)
        if costs.ndim != 2:
            raise ProblemError("costs must be a parcels x services matrix")
        n, m = costs.shape
        fix(self, "costs", costs)
        if len(self.service_ids) != m or len(self.carriers) != m:
            raise ProblemError("one service id and one carrier per cost column")
        if len(set(self.service_ids)) != m:
            raise ProblemError("service ids must be unique")
        eligible = costs != INELIGIBLE
        if np.any(costs[eligible] < 0) or np.any(costs[eligible] > MAX_UNIT_COST):
            raise ProblemError(f"costs must lie in 0..{MAX_UNIT_COST} (or be INELIGIBLE)")
        site = np.ascontiguousarray(self.site, dtype=np.int64)
        if site.shape != (n,) or (n and (site.min() < 0 or site.max() >= len(self.sites))):
            raise ProblemError("site must give every parcel an index into sites")
        fix(self, "site", site)
        priority = np.ascontiguousarray(self.priority, dtype=np.bool_)
        penalty = np.ascontiguousarray(self.penalty, dtype=np.int64)
        if priority.shape != (n,) or penalty.shape != (n,):
            raise ProblemError("priority and penalty need one value per parcel")
        if n and (penalty.min() < 0 or penalty.max() > MAX_UNIT_COST):
            raise ProblemError(f"penalties must lie in 0..{MAX_UNIT_COST}")
        fix(self, "priority", priority)
        fix(self, "penalty", penalty)
        if len(set(self.sites)) != len(self.sites):
            raise ProblemError("sites must be unique")
        known = set(self.service_ids)
        for key, cap in self.service_caps.items():
            if key[0] not in known:
                raise ProblemError(f"capacity for unknown service {key[0]!r}")
            if cap < 0:
                raise ProblemError(f"negative capacity for {key}")
        carriers = set(self.carriers)
        for ckey, cap in self.carrier_caps.items():
            if ckey[0] not in carriers:
                raise ProblemError(f"capacity for unknown carrier {ckey[0]!r}")
            if cap < 0:
                raise ProblemError(f"negative capacity for {ckey}")

    @property
    def shape(self) -> tuple[int, int]:
        """(parcels, services)."""
        n, m = self.costs.shape
        return int(n), int(m)

    @property
    def carrier_names(self) -> tuple[str, ...]:
        """Distinct carriers in first-column order."""
        return tuple(dict.fromkeys(self.carriers))

    @property
    def days(self) -> tuple[date, ...]:
        """Distinct ship days, sorted."""
        return tuple(sorted({day for _, day in self.sites}))
