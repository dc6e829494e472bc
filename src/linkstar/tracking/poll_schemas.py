"""Request and response models of carrier accounts and polling (API and console)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Carrier = Literal["usps", "ups", "fedex", "dhl"]
Environment = Literal["production", "sandbox"]


class CarrierAccountCreate(BaseModel):
    """A carrier tracking API account: USPS, UPS and FedEx take `client_id` and
    `client_secret` (OAuth client credentials), DHL an `api_key`."""

    model_config = ConfigDict(extra="forbid")

    carrier: Carrier
    name: str = Field(min_length=1, max_length=120)
    credentials: dict[str, str] = Field(max_length=4)
    environment: Environment = Field(
        "production", description="`sandbox`: the carrier's test base URL (docs/tracking.md §6)"
    )


class CarrierAccountUpdate(BaseModel):
    """Omitted or null fields are left unchanged; `credentials` replaces them all."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=120)
    active: bool | None = None
    credentials: dict[str, str] | None = Field(None, max_length=4)
    environment: Environment | None = None


class CarrierAccountRead(BaseModel):
    """An account as shown: credentials masked, the last poll's time and error."""

    id: str
    carrier: str
    name: str
    credentials_masked: str
    active: bool
    environment: Environment
    last_run_at: datetime | None
    last_error: str | None


class PollRequested(BaseModel):
    """A poll of the workspace's carriers was enqueued; follow it with GET /jobs/{job_id}."""

    job_id: str
