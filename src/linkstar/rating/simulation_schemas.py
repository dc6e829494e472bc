"""API shapes of routing simulations (POST /routing/simulations)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SimulationRequest(BaseModel):
    """A policy body to replay against the workspace's past orders."""

    model_config = ConfigDict(extra="forbid")

    body: dict[str, Any] = Field(description="The candidate policy (as POST /routing/policies).")
    since: date | None = Field(default=None, description="Only orders decided from this day.")


class TallyRead(BaseModel):
    """One side's sums for a carrier or lane."""

    orders: int
    held: int
    cost: dict[str, int] = Field(description="Minor units per currency.")
    on_time_probability: float | None
    promised: int = Field(description="Assigned orders that carry a promise.")
    p90_over_promise: int = Field(description="Of those, the ones whose service's p90 exceeds it.")


class SimulationRowRead(BaseModel):
    """A carrier or lane: what was decided (baseline) and what the policy would decide."""

    key: str
    baseline: TallyRead
    candidate: TallyRead
    cost_delta: dict[str, int] = Field(description="Candidate minus baseline, per currency.")


class SimulationRead(BaseModel):
    """The comparison: totals, per carrier, per lane (country and zone)."""

    total: SimulationRowRead
    changed_service: int
    carriers: list[SimulationRowRead]
    lanes: list[SimulationRowRead]
