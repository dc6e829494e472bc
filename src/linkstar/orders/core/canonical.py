"""The canonical order: what every channel connector and file import produces.

Connectors parse a marketplace's own payload into a `ChannelOrder`; the order store turns it into
rows. Amounts are `Decimal` in the order's currency; times are timezone-aware UTC. `version` is
the channel's own last-modified time (or a monotonic revision) and decides which of two copies of
the same order (store, external_id) wins, whatever order they arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum


class Channel(StrEnum):
    SHOPIFY = "shopify"
    AMAZON = "amazon"
    TIKTOK = "tiktok"
    EBAY = "ebay"
    WALMART = "walmart"
    FILE = "file"


class ChannelStatus(StrEnum):
    """Where the order stands on the channel, reduced to what the hub acts on."""

    PENDING = "pending"  # placed but not payable/shippable yet (unpaid, Amazon Pending)
    OPEN = "open"  # paid, to be shipped by the seller
    SHIPPED = "shipped"  # already fulfilled (by the channel or outside LinkStar)
    CANCELLED = "cancelled"


class TaxTerms(StrEnum):
    DDP = "ddp"  # duties paid by the seller (delivered duty paid)
    DDU = "ddu"  # duties collected from the buyer on delivery


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A ship-to address as the channel gave it; address checking normalises it later."""

    name: str | None = None
    company: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Buyer:
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None  # the channel's customer id, when it gives one


@dataclass(frozen=True, slots=True)
class OrderLine:
    external_line_id: str
    channel_sku: str
    quantity: int
    unit_price: Decimal = Decimal("0")
    title: str | None = None
    tax: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError("quantity must not be negative")
        if not self.channel_sku.strip():
            raise ValueError("channel_sku must not be empty")


@dataclass(frozen=True, slots=True)
class ChannelOrder:
    """One marketplace order in LinkStar's words, whatever channel it came from."""

    channel: Channel
    external_id: str
    version: datetime
    placed_at: datetime
    status: ChannelStatus
    currency: str
    lines: tuple[OrderLine, ...]
    external_number: str | None = None  # the number the buyer sees (#1001, 112-…)
    buyer: Buyer = field(default_factory=Buyer)
    ship_to: PostalAddress | None = None
    subtotal: Decimal = Decimal("0")
    shipping: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    ship_by: datetime | None = None
    deliver_by: datetime | None = None
    ship_service_level: str | None = None  # Standard, Expedited, SecondDay, …
    tax_terms: TaxTerms | None = None
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.external_id.strip():
            raise ValueError("external_id must not be empty")
        object.__setattr__(self, "channel", Channel(self.channel))
        object.__setattr__(self, "status", ChannelStatus(self.status))
        object.__setattr__(self, "currency", self.currency.strip().upper())
        if len(self.currency) != 3:
            raise ValueError("currency must be an ISO 4217 code")
        for name in ("version", "placed_at", "ship_by", "deliver_by"):
            object.__setattr__(self, name, _aware(getattr(self, name), name))
