"""Request and response models of the tracking hub."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from linkstar.tracking.core.correction import Refetch
from linkstar.tracking.core.countries import is_iso_country
from linkstar.tracking.core.exceptions import ExceptionKind

# What a carrier's tracking number is made of: letters and digits, with the separators labels
# print (space, hyphen, dot, slash, underscore); anything else is not a number (`<script>`).
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$"


class ShipmentCreate(BaseModel):
    """A tracking number to follow; the carrier is detected from the number when omitted."""

    model_config = ConfigDict(extra="forbid")

    tracking_number: str = Field(min_length=1, max_length=64, pattern=NUMBER_PATTERN)
    carrier: str | None = Field(None, max_length=40)
    carrier_service: str | None = Field(None, max_length=80)
    order_ref: str | None = Field(None, max_length=120)
    warehouse_id: str | None = Field(None, max_length=32)
    dest_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    dest_postcode: str | None = Field(None, max_length=16)
    promised_by: AwareDatetime | None = None

    @field_validator("dest_country")
    @classmethod
    def _assigned(cls, value: str | None) -> str | None:
        if value is not None and not is_iso_country(value):
            raise ValueError(f"{value} is not an ISO 3166 country code")
        return value


class ShipmentBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shipments: list[ShipmentCreate] = Field(min_length=1, max_length=1000)


class ShipmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    tracking_number: str
    carrier: str
    carrier_service: str | None
    order_ref: str | None
    warehouse_id: str | None
    dest_country: str | None
    dest_postcode: str | None
    promised_by: datetime | None
    status: str
    sub_status: str | None
    status_since: datetime | None
    last_event_at: datetime | None
    first_scan_at: datetime | None
    delivered_at: datetime | None
    event_count: int
    public_token: str
    created_at: datetime


class CarrierCorrection(BaseModel):
    """The carrier a shipment really travels with, and optionally its service."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=40)
    service: str | None = Field(None, max_length=80)


class CorrectionRead(ShipmentRead):
    """The corrected shipment, what was re-mapped, and whether it is re-fetched."""

    previous_carrier: str
    events_remapped: int = Field(description="events re-normalised with the new table")
    events_merged: int = Field(description="re-keyed events that repeated a stored one")
    exceptions_resolved: int
    refetch: Refetch
    job_id: str | None = Field(description="the queued `tracking.poll_carriers` job")


class EventRead(BaseModel):
    """One event: normalised fields and, beside them, exactly what the carrier sent."""

    model_config = ConfigDict(from_attributes=True)

    event_time: datetime
    status: str
    sub_status: str | None
    rule_id: str | None
    carrier: str
    code_source: str | None
    raw_code: str
    raw_description: str
    location: str | None
    city: str | None
    state: str | None
    postcode: str | None
    country: str | None
    source: str
    received_at: datetime


class ExceptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    shipment_id: str
    kind: str
    state: str
    owner_user_id: str | None
    opened_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    detail: dict[str, Any]


class EtaRead(BaseModel):
    """Estimated delivery: median and 90 % bound, and what the estimate rests on."""

    p50: datetime
    p90: datetime
    confidence: float
    basis: str


class AliasRead(BaseModel):
    """A (carrier, number) the shipment was known by before a carrier correction: updates and
    registrations naming it land on this shipment."""

    carrier: str
    tracking_number: str


class ShipmentDetail(BaseModel):
    shipment: ShipmentRead
    eta: EtaRead | None = None
    timeline: list[EventRead]
    exceptions: list[ExceptionRead]
    aliases: list[AliasRead] = Field(default_factory=list)


class ExceptionAction(BaseModel):
    """A bulk action on exceptions of the queue."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=1000)
    action: Literal["acknowledge", "resolve", "assign"]
    owner_user_id: str | None = Field(None, max_length=32)


class ExceptionActionResult(BaseModel):
    changed: int
    skipped: list[dict[str, str]]


class EventIn(BaseModel):
    """One raw carrier event as JSON (normalised on arrival with the mapping tables)."""

    model_config = ConfigDict(extra="forbid")

    event_time: AwareDatetime
    raw_code: str = Field("", max_length=120)
    raw_description: str = Field("", max_length=2000)
    code_source: str | None = Field(None, max_length=40)
    carrier: str | None = Field(None, max_length=40)  # default: the update's carrier
    location: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=120)
    state: str | None = Field(None, max_length=80)
    postcode: str | None = Field(None, max_length=16)
    country: str | None = Field(None, max_length=60)


class UpdateIn(BaseModel):
    """The JSON shape of a `TrackingUpdate` (also one line of `linkstar track ingest`)."""

    model_config = ConfigDict(extra="forbid")

    tracking_number: str = Field(min_length=1, max_length=64)
    carrier: str | None = Field(None, max_length=40)
    carrier_service: str | None = Field(None, max_length=80)
    promised_by: AwareDatetime | None = None
    source: str = Field("api", min_length=1, max_length=40)
    events: list[EventIn] = Field(max_length=500)

    @field_validator("tracking_number")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("tracking_number must not be blank")
        return value


class EventBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    updates: list[UpdateIn] = Field(min_length=1, max_length=5000)


class IngestRead(BaseModel):
    updates: int
    shipments_created: int
    shipments_touched: int
    events_received: int
    events_inserted: int
    duplicates: int
    unmapped: int
    rejected: list[dict[str, str]]


class RowIssueRead(BaseModel):
    row: int  # the file's line (a CSV header is line 1)
    column: str | None
    reason: str


class EventsFileRead(BaseModel):
    """What one imported events file did (`tracking.file_import`)."""

    filename: str
    format: Literal["csv", "jsonl"]
    rows: int
    events: int
    events_inserted: int
    duplicates: int
    unmapped: int
    shipments_touched: int
    shipments_created: int
    rejected: list[dict[str, str]]
    row_errors: list[RowIssueRead]
    warnings: list[RowIssueRead]


class DetectRead(BaseModel):
    number: str
    candidates: list[dict[str, Any]]


class EstimateScoreRead(BaseModel):
    """How the estimates held over a set of later deliveries (null: nothing to score)."""

    delivered: int = Field(description="deliveries that started on or after the split")
    estimated: int = Field(description="of them, with an estimate (own lane or carrier-country)")
    from_lane: int = Field(description="of those, estimated from their own lane's history")
    p50_hit: float | None = Field(description="share delivered within the p50 (about 0.5)")
    p90_hit: float | None = Field(description="share delivered within the p90 (about 0.9)")
    p90_margin_days: float | None = Field(description="mean p90 minus actual, over those covered")
    p90_late_days: float | None = Field(description="mean actual minus p90, over those missed")
    p50_error_days: float | None = Field(description="median absolute p50 error")


class CarrierEstimateScoreRead(EstimateScoreRead):
    carrier: str


class EstimateCheckRead(BaseModel):
    """Lane figures fitted before `split`, scored on the deliveries that started after it."""

    split: datetime
    lookback_days: int
    fitted_on: int = Field(description="finished shipments in the look-back before the split")
    overall: EstimateScoreRead
    by_carrier: list[CarrierEstimateScoreRead]


class LaneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    level: str
    carrier: str
    carrier_service: str
    origin: str
    dest_country: str
    postcode_prefix: str
    shipments: int
    delivered: int
    p50_days: float
    p90_days: float
    p95_days: float
    on_time_rate: float | None
    success_rate: float
    gap_p95_hours: float | None
    confidence: float
    computed_at: datetime


class SweepRead(BaseModel):
    shipments_checked: int
    opened: dict[str, int]
    resolved: int
    suspended: list[str]


class NotificationTargetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=3, max_length=2000)  # an Apprise URL, stored encrypted
    kinds: list[ExceptionKind] = Field(default_factory=list)


class NotificationTargetRead(BaseModel):
    id: str
    name: str
    url_masked: str
    kinds: list[str]
    active: bool
