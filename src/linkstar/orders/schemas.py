"""Request and response models of the order hub."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class HoldRead(BaseModel):
    reason: str
    detail: str
    since: datetime


class OrderRead(BaseModel):
    """One order as listed (without lines and timeline)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    store_id: str
    channel: str
    external_id: str
    external_number: str | None
    state: str
    channel_status: str
    version: datetime
    placed_at: datetime
    buyer_name: str | None
    buyer_email: str | None
    ship_name: str | None
    ship_city: str | None
    ship_state: str | None
    ship_postcode: str | None
    ship_country: str | None
    address_verdict: str | None = Field(description="valid, corrected, needs_review or invalid.")
    currency: str
    total: Decimal
    ship_by: datetime | None
    deliver_by: datetime | None
    ship_service_level: str | None
    tax_terms: str | None
    priority: str
    tags: list[str]
    holds: list[HoldRead]
    is_held: bool
    warehouse_code: str | None = Field(description="Warehouse preferred by a rule.")
    excluded_warehouses: list[str]
    merge_group: str | None


class OrderLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    external_line_id: str
    channel_sku: str
    master_sku: str
    title: str | None
    quantity: int
    unit_price: Decimal
    component_of: str | None = Field(description="The bundle's channel SKU for a component.")


class OrderEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]


class OrderPayloadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    source: str
    version: datetime
    received_at: datetime
    sha256: str
    outcome: str
    raw: dict[str, Any]


class OrderDetailRead(OrderRead):
    """An order with its full address, amounts, lines, timeline and raw payloads."""

    buyer_phone: str | None
    ship_company: str | None
    ship_line1: str | None
    ship_line2: str | None
    ship_phone: str | None
    address_flags: list[str] | None
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    discount: Decimal
    split_plan: list[dict[str, Any]] | None
    lines: list[OrderLineRead]
    timeline: list[OrderEventRead]
    payloads: list[OrderPayloadRead]


class OrderPage(BaseModel):
    items: list[OrderRead]
    total: int = Field(description="How many orders match the filters.")
    next_cursor: str | None


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1, max_length=40, description="snake_case code, e.g. fraud_check."
    )
    detail: str = Field(default="", max_length=500)


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=40, description="Omit to release all.")
    note: str = Field(default="", max_length=500)


class StepRequest(BaseModel):
    """Which orders a pipeline step takes: the listed ids, or every waiting order."""

    model_config = ConfigDict(extra="forbid")

    order_ids: list[Annotated[str, Field(pattern=r"^[0-9A-Za-z_-]{1,64}$")]] | None = Field(
        default=None,
        max_length=10_000,
        description="Only these orders (those not in the step's input state are skipped); "
        "omitted: every order waiting for the step, oldest first, up to 10,000.",
    )


class StepReportRead(BaseModel):
    """What a pipeline step did."""

    advanced: list[str] = Field(description="Ids of the orders that moved to the next state.")
    held: dict[str, list[str]] = Field(description="Order id → why it was held instead.")


class NoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(max_length=20)
    note: str = Field(default="", max_length=500)


class ImportRequest(BaseModel):
    """Canonical orders (docs/orders.md) for one store; a bad item becomes a dead letter."""

    model_config = ConfigDict(extra="forbid")

    store_id: str = Field(max_length=32)
    source: Literal["webhook", "poll", "file", "api"] = "api"
    orders: list[Any] = Field(min_length=1, max_length=1000)


class ImportErrorItem(BaseModel):
    index: int
    external_id: str
    message: str
    dead_letter_id: str


class ImportReportRead(BaseModel):
    created: int
    updated: int
    unchanged: int
    stale: int
    held: int
    errors: list[ImportErrorItem]
    order_ids: list[str]


class RowErrorItem(BaseModel):
    row: int
    column: str | None
    reason: str


class FileImportRead(ImportReportRead):
    rows: int
    orders: int
    row_errors: list[RowErrorItem]


class DeadLetterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    store_id: str | None
    source: str
    error: str
    state: str
    attempts: int
    order_id: str | None
    created_at: datetime
    updated_at: datetime


class DeadLetterDetailRead(DeadLetterRead):
    raw: str


class RetryRead(BaseModel):
    dead_letter: DeadLetterRead
    succeeded: bool
    error: str | None
    report: ImportReportRead | None


class ComponentModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=120)
    quantity: int = Field(ge=1, le=10_000)


class SkuMappingWrite(BaseModel):
    """Map a channel SKU (in one store, or a whole channel) to a master SKU or a bundle."""

    model_config = ConfigDict(extra="forbid")

    store_id: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=20)
    channel_sku: str = Field(min_length=1, max_length=120)
    master_sku: str | None = Field(default=None, max_length=120)
    components: list[ComponentModel] = Field(default_factory=list, max_length=50)


class SkuMappingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    scope: str
    store_id: str | None
    channel: str | None
    channel_sku: str
    master_sku: str | None
    components: list[dict[str, Any]]
    updated_at: datetime


class SkuCsvRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    csv: str = Field(
        min_length=1,
        max_length=900_000,
        description="store,channel,channel_sku,master_sku,components",
    )


class SkuCsvRead(BaseModel):
    created: int
    updated: int
    errors: list[dict[str, Any]]


class RuleWrite(BaseModel):
    """A rule in the format of docs/orders.md; validated as a whole (errors carry JSON paths)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    enabled: bool = True
    stop: bool = False
    position: int | None = Field(default=None, ge=1, le=10_000)
    when: dict[str, Any] | None = None
    then: list[dict[str, Any]] = Field(min_length=1, max_length=20)


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    enabled: bool | None = None
    stop: bool | None = None
    position: int | None = Field(default=None, ge=1, le=10_000)
    when: dict[str, Any] | None = None
    then: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=20)


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    position: int
    name: str
    enabled: bool
    stop: bool
    when: dict[str, Any] | None = Field(validation_alias="conditions")
    then: list[dict[str, Any]] = Field(validation_alias="actions")
    revision: int
    updated_at: datetime


class DryRunRequest(RuleWrite):
    days: int = Field(default=30, ge=1, le=366)


class DryRunHitRead(BaseModel):
    order_id: str
    external_number: str | None
    placed_at: str
    actions: list[dict[str, Any]]


class DryRunRead(BaseModel):
    days: int
    examined: int
    matched: int
    truncated: bool
    hits: list[DryRunHitRead]
