"""Request and response models of rating (rate card versions, quotes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RateCardRead(BaseModel):
    """One stored version of a carrier's rate card (the card itself is not repeated here)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    carrier: str
    name: str
    version: int
    effective_from: date
    effective_to: date | None = Field(description="Last day in force; null while open.")
    status: str = Field(description="`active`, or `superseded` once a later version exists.")
    source_filename: str
    imported_by: str
    imported_at: datetime
    row_counts: dict[str, Any]
    service_ids: list[Any]
    zone_chart_ids: dict[str, Any] = Field(description="Zone chart name → pinned chart version.")


class ImportErrorRead(BaseModel):
    """One problem of a rejected upload."""

    source: str = Field(description="File or `workbook:sheet`.")
    row: int = Field(description="Row as a spreadsheet numbers it (header = 1; 0 = the file).")
    column: str
    reason: str


class QuoteRequest(BaseModel):
    """One parcel to price. The origin is a warehouse code, or a country and postcode."""

    model_config = ConfigDict(extra="forbid")

    warehouse: str | None = Field(default=None, max_length=20, description="Warehouse code.")
    origin_country: str | None = Field(default=None, min_length=2, max_length=2)
    origin_postcode: str | None = Field(default=None, max_length=20)
    dest_country: str = Field(min_length=2, max_length=2)
    dest_postcode: str = Field(min_length=1, max_length=20)
    weight_g: int = Field(gt=0, le=10_000_000)
    length_mm: int = Field(ge=0, le=100_000)
    width_mm: int = Field(ge=0, le=100_000)
    height_mm: int = Field(ge=0, le=100_000)
    ship_date: date | None = Field(default=None, description="Default: today (UTC).")
    residential: bool = False
    signature: bool = False
    ddp: bool = False
    po_box: bool = False
    military: bool = False
    contents: list[str] = Field(default_factory=list, max_length=20)
    declared_value: int = Field(default=0, ge=0, lt=2**40, description="Minor units.")
    declared_currency: str = Field(default="", max_length=3)


class QuoteLineRead(BaseModel):
    code: str
    amount: int = Field(description="Minor units of the quote's currency.")


class EligibleRead(BaseModel):
    """A service that takes the parcel, with every line of its price."""

    rate_card_id: str
    carrier: str
    service_id: str
    service_name: str
    currency: str
    zone: str
    actual_weight_g: int
    dimensional_weight_g: int
    billable_weight_g: int
    lines: list[QuoteLineRead]
    total: int = Field(description="Minor units.")
    total_text: str = Field(description="The total as a decimal, e.g. `12.34`.")


class IneligibleRead(BaseModel):
    """A service that refuses the parcel, with every reason and a readable detail each."""

    rate_card_id: str
    carrier: str
    service_id: str
    service_name: str
    reasons: list[str]
    details: list[str]


class QuoteRead(BaseModel):
    """Every service in force on the ship date: the eligible ones cheapest first, then the rest."""

    ship_date: date
    eligible: list[EligibleRead]
    ineligible: list[IneligibleRead]
