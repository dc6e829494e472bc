"""Request and response models of carrier routing (FX, policies, decisions, suspensions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Cell = str | int | float | bool | None


class FxRateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(min_length=3, max_length=3)
    rate_to_base: str = Field(
        max_length=40, description="Base units per unit of `currency`, a decimal like `1.27`."
    )
    effective_date: date


class FxTablePut(BaseModel):
    """The whole FX table; it replaces the stored one, or is refused whole."""

    model_config = ConfigDict(extra="forbid")

    base_currency: str = Field(min_length=3, max_length=3)
    rates: list[FxRateIn] = Field(max_length=5000)


class FxRateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    base_currency: str
    currency: str
    rate_to_base: str
    effective_date: date


class PolicyCreate(BaseModel):
    """A new routing policy (version 1); `body` is the policy JSON of docs/formats/routing.md."""

    model_config = ConfigDict(extra="forbid")

    body: dict[str, Any]
    precedence: int = Field(default=100, ge=0, le=1_000_000, description="Lower goes first.")
    enabled: bool = True


class PolicyVersionCreate(BaseModel):
    """The next version of a policy; precedence and enabled default to the latest version's."""

    model_config = ConfigDict(extra="forbid")

    body: dict[str, Any]
    precedence: int | None = Field(default=None, ge=0, le=1_000_000)
    enabled: bool | None = None


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    version: int
    precedence: int
    enabled: bool
    body: dict[str, Any]
    created_by: str
    created_at: datetime


class RouteParcel(BaseModel):
    """One parcel in the ORDERS format (docs/formats/routing.md); bad values are held, not 422."""

    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=120)
    store: Cell = None
    channel: Cell = None
    warehouse: Cell = None
    origin_country: Cell = None
    origin_postcode: Cell = None
    dest_country: Cell = None
    dest_postcode: Cell = None
    dest_city: Cell = None
    dest_state: Cell = None
    residential: Cell = None
    weight_g: Cell = None
    length_mm: Cell = None
    width_mm: Cell = None
    height_mm: Cell = None
    declared_value: Cell = None
    currency: Cell = None
    contents: Cell = None
    ddp: Cell = None
    priority: Cell = None
    promised_days: Cell = None
    ship_date: Cell = None
    tags: Cell = None


class RouteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parcels: list[RouteParcel] = Field(min_length=1, max_length=10_000)
    ship_date: date | None = Field(default=None, description="For parcels without one.")


class DryRunRequest(RouteRequest):
    """A policy body to try, and the parcels to try it on; nothing is stored."""

    body: dict[str, Any]


class DecisionRead(BaseModel):
    """A routing decision record: inputs, every candidate, the policy version, the choice."""

    model_config = ConfigDict(from_attributes=True)

    id: str | None = Field(description="Null in a dry run (nothing stored).")
    subject_ref: str
    status: str = Field(description="`assigned` or `held`.")
    inputs: dict[str, Any]
    candidates: list[dict[str, Any]]
    policy_id: str | None
    policy_name: str
    policy_version: int
    chosen_service_id: str | None
    chosen_carrier: str | None
    price: int | None = Field(description="Minor units of `currency`.")
    currency: str | None
    fallback: bool
    reasons: list[str]
    created_at: datetime | None


class RerouteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_refs: list[str] = Field(min_length=1, max_length=10_000)


class SuspensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=80)
    service_id: str | None = Field(default=None, max_length=80, description="Null: every one.")
    dest_countries: list[str] = Field(default_factory=list, max_length=300)
    origins: list[str] = Field(default_factory=list, max_length=300)
    starts: date | None = None
    ends: date | None = None
    reason: str = Field(default="", max_length=500)
    source: Literal["user", "tracking"] = "user"


class SuspensionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    carrier: str
    service_id: str | None
    dest_countries: list[str]
    origins: list[str]
    starts: date | None
    ends: date | None
    reason: str
    source: str
    created_by: str
    created_at: datetime
    resumed_at: datetime | None
    resumed_by: str | None


class SuspensionCreated(BaseModel):
    """The suspension, and the subjects whose newest decision chose what it suspends."""

    suspension: SuspensionRead
    affected: list[str]
