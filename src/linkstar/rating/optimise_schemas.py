"""Request and response models of capacities and optimised waves."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from linkstar.rating.core.optimise.capacities import WEEKDAYS
from linkstar.rating.routing_schemas import RouteParcel


class CapacityWrite(BaseModel):
    """A capacity: exactly one of service_id (needs a warehouse) or carrier."""

    model_config = ConfigDict(extra="forbid")

    warehouse: str | None = Field(default=None, max_length=80, description="Blank: every one.")
    service_id: str | None = Field(default=None, max_length=80)
    carrier: str | None = Field(default=None, max_length=80)
    day: str | None = Field(
        default=None, max_length=10, description="YYYY-MM-DD, a weekday (mon … sun) or blank."
    )
    max_parcels: int = Field(ge=0, le=100_000_000)


class CapacityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str = Field(description="`service` or `carrier`.")
    name: str = Field(description="The service id or the carrier.")
    warehouse: str | None
    day: date | None
    weekday: int | None = Field(description="0 = Monday … 6 = Sunday.")
    max_parcels: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def day_text(self) -> str:
        """The day as written in a capacities file."""
        if self.day is not None:
            return self.day.isoformat()
        return "" if self.weekday is None else WEEKDAYS[self.weekday]


class OptimisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    warehouse: str = Field(min_length=1, max_length=80)
    ship_date: date
    parcels: list[RouteParcel] = Field(min_length=1, max_length=10_000)
    deferral_penalty: str = Field(
        default="5.00",
        max_length=20,
        description="The cost of a day's delay, in the policy's currency.",
    )
    baseline: str | None = Field(default=None, max_length=80, description="A carrier or service.")


class OptimisationRead(BaseModel):
    """A wave's run: status and progress, solver, totals, savings and infeasibility."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    warehouse: str
    ship_date: date
    status: str = Field(description="`queued`, `running`, `done` or `failed`.")
    stage: str
    parcels: int
    solver: str | None = Field(description="`min_cost_flow`, or `regret_greedy` on fallback.")
    fallback_reason: str
    currency: str | None
    total: int | None = Field(description="Shipping + deferral, minor units of `currency`.")
    shipping: int | None
    penalty: int | None
    assigned: int
    deferred: int
    held: int
    unplaced_priority: int
    saving_vs_naive: int | None
    baseline: str | None
    saving_vs_baseline: int | None
    cost_by_carrier: dict[str, Any]
    infeasibility: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
