"""API shapes of routing simulations (POST /routing/simulations and the stored records)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SimulationRequest(BaseModel):
    """A policy (a body, or a stored version) to replay against the workspace's past orders."""

    model_config = ConfigDict(extra="forbid")

    body: dict[str, Any] | None = Field(
        default=None, description="The candidate policy (as POST /routing/policies)."
    )
    policy_id: str | None = Field(
        default=None, max_length=32, description="Or a stored policy version to replay."
    )
    since: date | None = Field(default=None, description="Only orders decided from this day.")
    cards_on: date | None = Field(
        default=None,
        description="Decide every order as if shipped this day: the rate card versions, "
        "surcharges and FX in force then (default: each order's own ship date).",
    )


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


class SimulationRunRead(BaseModel):
    """A stored simulation: what it replays, its progress and, once done, its result."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: str = Field(description="`queued`, `running`, `done` or `failed`.")
    policy_label: str = Field(description="The policy's name (and version when one was named).")
    policy_id: str | None = Field(description="The stored policy version replayed, if any.")
    policy: dict[str, Any] = Field(description="The policy body replayed.")
    cards_on: date | None
    cards_label: str = Field(description="Rate card files replayed instead (CLI), or empty.")
    since: date | None
    until: datetime = Field(description="Orders decided up to this moment are replayed.")
    orders_total: int
    orders_done: int
    result: SimulationRead | None = Field(description="The comparison, once `done`.")
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
