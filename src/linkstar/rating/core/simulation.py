"""Simulation: the same orders decided two ways (baseline, candidate), per carrier and lane.

Pure: it reads one outcome per order and side and sums what each side would have cost and how its
delivery promises would have fared: orders, cost (minor units, per currency), mean on-time
probability, and how many promised orders get a service whose p90 transit exceeds the promise.
A lane is the destination country and the zone of the chosen service.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """What one side decided for one order (carrier "" and price None when held)."""

    order_id: str
    status: str
    carrier: str = ""
    service_id: str = ""
    dest_country: str = ""
    zone: str = ""
    price: int | None = None
    currency: str = ""
    on_time: float | None = None
    p90_days: float | None = None
    promised_days: int | None = None


@dataclass
class Tally:
    """Sums of one side for one carrier or lane."""

    orders: int = 0
    held: int = 0
    cost: dict[str, int] = field(default_factory=dict)  # currency -> minor units
    on_time_sum: float = 0.0
    on_time_n: int = 0
    promised: int = 0
    p90_over_promise: int = 0

    def add(self, o: Outcome) -> None:
        """Count one outcome."""
        self.orders += 1
        if o.price is None:
            self.held += 1
            return
        self.cost[o.currency] = self.cost.get(o.currency, 0) + o.price
        if o.on_time is not None:
            self.on_time_sum += o.on_time
            self.on_time_n += 1
        if o.promised_days is not None:
            self.promised += 1
            if o.p90_days is None or o.p90_days > o.promised_days:
                self.p90_over_promise += 1

    @property
    def on_time(self) -> float | None:
        """Mean on-time probability of the assigned orders."""
        return self.on_time_sum / self.on_time_n if self.on_time_n else None

    def state(self) -> dict[str, object]:
        """Every sum, so that a tally can be stored and added to later (a batch at a time)."""
        return {
            "orders": self.orders,
            "held": self.held,
            "cost": dict(self.cost),
            "on_time_sum": self.on_time_sum,
            "on_time_n": self.on_time_n,
            "promised": self.promised,
            "p90_over_promise": self.p90_over_promise,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Tally:
        """A tally from `state()`."""
        return cls(
            orders=int(data["orders"]),
            held=int(data["held"]),
            cost={str(k): int(v) for k, v in dict(data["cost"]).items()},
            on_time_sum=float(data["on_time_sum"]),
            on_time_n=int(data["on_time_n"]),
            promised=int(data["promised"]),
            p90_over_promise=int(data["p90_over_promise"]),
        )

    def as_json(self) -> dict[str, object]:
        """The tally as a report entry."""
        return {
            "orders": self.orders,
            "held": self.held,
            "cost": dict(sorted(self.cost.items())),
            "on_time_probability": self.on_time,
            "promised": self.promised,
            "p90_over_promise": self.p90_over_promise,
        }


@dataclass
class Row:
    """One carrier or lane: baseline and candidate side by side."""

    key: str
    baseline: Tally = field(default_factory=Tally)
    candidate: Tally = field(default_factory=Tally)

    def cost_delta(self) -> dict[str, int]:
        """Candidate minus baseline cost per currency."""
        names = set(self.baseline.cost) | set(self.candidate.cost)
        return {
            c: self.candidate.cost.get(c, 0) - self.baseline.cost.get(c, 0) for c in sorted(names)
        }

    def as_json(self) -> dict[str, object]:
        """The row as a report entry."""
        return {
            "key": self.key,
            "baseline": self.baseline.as_json(),
            "candidate": self.candidate.as_json(),
            "cost_delta": self.cost_delta(),
        }


@dataclass
class Simulation:
    """Totals, per carrier and per lane, and how many orders changed service."""

    total: Row
    carriers: list[Row]
    lanes: list[Row]
    changed: int

    def as_json(self) -> dict[str, object]:
        """The whole comparison as JSON-ready data."""
        return {
            "total": self.total.as_json(),
            "changed_service": self.changed,
            "carriers": [r.as_json() for r in self.carriers],
            "lanes": [r.as_json() for r in self.lanes],
        }


HELD_KEY = "(held)"
_SIDES = ("baseline", "candidate")


@dataclass
class Comparison:
    """Running sums of a comparison, fed a batch of orders at a time and storable in between."""

    total: Row = field(default_factory=lambda: Row("all orders"))
    carriers: dict[str, Row] = field(default_factory=dict)
    lanes: dict[str, Row] = field(default_factory=dict)
    changed: int = 0

    def add(self, baseline: Iterable[Outcome], candidate: Iterable[Outcome]) -> None:
        """Count one batch: both sides of the same orders (matched by order id)."""
        chosen: dict[str, str] = {}
        for side, outcomes in zip(_SIDES, (baseline, candidate), strict=True):
            for o in outcomes:
                getattr(self.total, side).add(o)
                carrier = o.carrier if o.price is not None else HELD_KEY
                lane = f"{o.dest_country} zone {o.zone}" if o.price is not None else HELD_KEY
                getattr(self.carriers.setdefault(carrier, Row(carrier)), side).add(o)
                getattr(self.lanes.setdefault(lane, Row(lane)), side).add(o)
                if side == "baseline":
                    chosen[o.order_id] = o.service_id
                elif chosen.get(o.order_id) != o.service_id:
                    chosen[o.order_id] = "\0changed"
        self.changed += sum(1 for v in chosen.values() if v == "\0changed")

    def result(self) -> Simulation:
        """The comparison so far."""
        return Simulation(self.total, _sorted(self.carriers), _sorted(self.lanes), self.changed)

    def state(self) -> dict[str, Any]:
        """The running sums as JSON-ready data (`from_state` reads them back)."""

        def rows(found: Mapping[str, Row]) -> list[dict[str, Any]]:
            return [{"key": r.key, **{s: getattr(r, s).state() for s in _SIDES}}
                    for r in found.values()]  # fmt: skip

        return {
            "total": rows({"": self.total})[0],
            "carriers": rows(self.carriers),
            "lanes": rows(self.lanes),
            "changed": self.changed,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, Any] | None) -> Comparison:
        """Running sums from `state()` (None: nothing counted yet)."""
        if not data:
            return cls()

        def row(entry: Mapping[str, Any]) -> Row:
            sides = {s: Tally.from_state(entry[s]) for s in _SIDES}
            return Row(str(entry["key"]), **sides)

        return cls(
            row(data["total"]),
            {str(e["key"]): row(e) for e in data["carriers"]},
            {str(e["key"]): row(e) for e in data["lanes"]},
            int(data["changed"]),
        )


def compare(baseline: Iterable[Outcome], candidate: Iterable[Outcome]) -> Simulation:
    """Compare two sides over the same orders (matched by order id; each side counted as is)."""
    comparison = Comparison()
    comparison.add(baseline, candidate)
    return comparison.result()


def _sorted(rows: dict[str, Row]) -> list[Row]:
    return [rows[k] for k in sorted(rows, key=lambda k: (k == HELD_KEY, k))]
