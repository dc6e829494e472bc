"""Request and response models of inventory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from linkstar.inventory.core import Disposition, InboundLegKind, TransferStatus
from linkstar.kit.clock import as_utc

_SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"


class SkuCreate(BaseModel):
    """A master SKU. `sku` is unique in the organisation."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=_SKU_PATTERN, description="1-64 of letters, digits, . _ - /")
    name: str = Field(min_length=1, max_length=200)
    weight_g: int = Field(default=0, ge=0, le=1_000_000)
    length_mm: int = Field(default=0, ge=0, le=10_000)
    width_mm: int = Field(default=0, ge=0, le=10_000)
    height_mm: int = Field(default=0, ge=0, le=10_000)
    hs_code: str = Field(default="", pattern=r"^[0-9.]{0,12}$")
    origin_country: str = Field(default="", pattern=r"^([A-Za-z]{2})?$")
    has_battery: bool = False
    has_liquid: bool = False
    is_fragile: bool = False

    @field_validator("origin_country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class SkuRead(SkuCreate):
    model_config = ConfigDict(from_attributes=True)

    id: str
    is_active: bool
    created_at: datetime


class StockRead(BaseModel):
    """Counters of one SKU in one warehouse."""

    id: str
    sku_id: str
    sku: str
    sku_name: str
    warehouse_id: str
    warehouse_code: str
    on_hand: int
    allocated: int
    safety_stock: int
    available: int = Field(description="on_hand - allocated - safety_stock, never below 0.")
    inbound: int = Field(
        description="Units on inbound shipments and transfers in transit not yet received."
    )


class AdjustmentCreate(BaseModel):
    """A count correction: `quantity` is the signed change of on_hand."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=2, max_length=20, description="Warehouse code.")
    quantity: int = Field(ge=-1_000_000, le=1_000_000)
    reason: str = Field(min_length=1, max_length=300)
    reference: str = Field(default="", max_length=120)


class ReceiptCreate(BaseModel):
    """Units that arrived at a warehouse outside an inbound shipment."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=2, max_length=20, description="Warehouse code.")
    quantity: int = Field(gt=0, le=1_000_000)
    reference: str = Field(default="", max_length=120)


class LedgerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sku_id: str
    warehouse_id: str
    kind: str
    on_hand_delta: int
    allocated_delta: int
    reference: str
    note: str
    actor: str
    at: datetime


class LegCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: InboundLegKind
    origin: str = Field(min_length=1, max_length=120)
    destination: str = Field(min_length=1, max_length=120)
    carrier: str = Field(default="", max_length=120)
    tracking_ref: str = Field(default="", max_length=120)
    departed_at: datetime | None = None
    eta: datetime | None = None
    arrived_at: datetime | None = None


class InboundLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=10_000_000)


class InboundCreate(BaseModel):
    """Stock on its way: legs in travel order, and what is on board."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=120)
    warehouse: str = Field(min_length=2, max_length=20, description="Destination warehouse code.")
    legs: list[LegCreate] = Field(min_length=1, max_length=20)
    lines: list[InboundLineCreate] = Field(min_length=1, max_length=1000)


class LegRead(LegCreate):
    model_config = ConfigDict(from_attributes=True)

    id: str
    sequence: int


class InboundLineRead(BaseModel):
    sku: str
    quantity: int
    received_quantity: int


class InboundRead(BaseModel):
    id: str
    reference: str
    warehouse_id: str
    status: str
    eta: datetime | None = Field(description="ETA of the last leg.")
    received_at: datetime | None
    legs: list[LegRead]
    lines: list[InboundLineRead]


class StorePolicySet(BaseModel):
    """A store's listing buffers."""

    model_config = ConfigDict(extra="forbid")

    max_listed: int | None = Field(default=None, ge=0, le=1_000_000)
    stop_selling_below: int = Field(default=0, ge=0, le=1_000_000)
    percent_of_available: int = Field(default=100, ge=0, le=100)


class StorePolicyRead(StorePolicySet):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str | None = Field(description="Null while the store uses the defaults.")
    store_id: str


class ListingRead(BaseModel):
    sku: str
    available: int
    quantity: int = Field(description="What the store should list.")


class StockList(BaseModel):
    items: list[StockRead]


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repair: bool = Field(default=False, description="Set drifted counters to the ledger's sums.")


class DriftRead(BaseModel):
    sku_id: str
    warehouse_id: str
    stored_on_hand: int
    stored_allocated: int
    ledger_on_hand: int
    ledger_allocated: int


class ReconcileRead(BaseModel):
    organisation_id: str
    checked: int
    drifts: list[DriftRead]
    repaired: bool


class AllocationLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)
    line_ref: str = Field(min_length=1, max_length=120)


class DecisionRead(BaseModel):
    order_ref: str
    status: str
    lines: list[dict[str, Any]]
    reasons: dict[str, Any]


class TransferLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    quantity: int = Field(gt=0, le=1_000_000)


class TransferCreate(BaseModel):
    """Stock to move from one warehouse to another; created as a draft (nothing moves yet)."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=120, description="Unique transfer number.")
    from_warehouse: str = Field(min_length=2, max_length=20, description="Origin warehouse code.")
    to_warehouse: str = Field(min_length=2, max_length=20, description="Destination code.")
    lines: list[TransferLineIn] = Field(min_length=1, max_length=1000)
    carrier: str = Field(default="", max_length=120)
    tracking_ref: str = Field(default="", max_length=120)
    eta: datetime | None = Field(None, description="Without a time zone: UTC.")
    note: str = Field(default="", max_length=300)

    @field_validator("eta")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value is not None else None


class TransferReceive(BaseModel):
    """Units that arrived; no lines books everything still on the way."""

    model_config = ConfigDict(extra="forbid")

    lines: list[TransferLineIn] = Field(default_factory=list, max_length=1000)


class TransferCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=300)


class TransferLineRead(BaseModel):
    sku: str
    quantity: int
    received_quantity: int
    outstanding: int = Field(description="Dispatched (or to dispatch) and not yet received.")


class TransferRead(BaseModel):
    id: str
    reference: str
    from_warehouse_id: str
    from_warehouse: str
    to_warehouse_id: str
    to_warehouse: str
    status: TransferStatus
    carrier: str
    tracking_ref: str
    eta: datetime | None
    note: str
    created_at: datetime
    dispatched_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    lines: list[TransferLineRead]


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64, description="Master SKU of an order line.")
    quantity: int = Field(gt=0, le=1_000_000)
    disposition: Disposition = Field(
        description="restock: back on hand; write_off: booked in and written off."
    )


class ReturnCreate(BaseModel):
    """A return received at a warehouse. The same `reference` twice is booked once."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=120, description="The return id (RMA).")
    warehouse: str = Field(min_length=2, max_length=20, description="Receiving warehouse code.")
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=1000)
    note: str = Field(default="", max_length=300)


class ReturnLineRead(BaseModel):
    sku: str
    quantity: int
    disposition: Disposition


class ReturnRead(BaseModel):
    id: str
    reference: str
    order_id: str
    warehouse_id: str
    note: str
    received_by: str
    created_at: datetime
    created: bool = Field(description="False when this return id had already been booked.")
    lines: list[ReturnLineRead]
