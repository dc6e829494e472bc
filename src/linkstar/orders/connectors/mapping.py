"""Column mappings for order export files: which of their columns holds which of our fields.

A mapping is plain data (it round-trips through `to_dict`/`from_dict` so a seller's own mapping
can be saved); the marketplace presets live in `presets.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from linkstar.kit.errors import InvalidInput
from linkstar.orders.core.canonical import Channel, ChannelStatus

REQUIRED_FIELDS = ("external_id", "sku", "quantity", "placed_at")
LINE_FIELDS = (
    "line_id",
    "sku",
    "sku_fallback",
    "title",
    "quantity",
    "unit_price",
    "line_tax",
    "line_discount",
)
ORDER_FIELDS = (
    "external_id", "external_number", "placed_at", "updated_at", "status", "fulfillment_status",
    "fulfillment_channel", "cancelled_at", "currency", "buyer_name", "buyer_email",
    "buyer_phone", "buyer_id", "ship_name", "ship_company", "ship_line1", "ship_line2",
    "ship_line3", "ship_city", "ship_state", "ship_postcode", "ship_country", "ship_phone",
    "subtotal", "shipping", "tax", "discount", "total", "ship_by", "deliver_by",
    "ship_service_level", "tags",
)  # fmt: skip
FIELDS = frozenset(LINE_FIELDS + ORDER_FIELDS)
MONEY_FIELDS = frozenset(
    {"unit_price", "line_tax", "line_discount", "subtotal", "shipping", "tax", "discount", "total"}
)
TIME_FIELDS = frozenset({"placed_at", "updated_at", "cancelled_at", "ship_by", "deliver_by"})


@dataclass(frozen=True)
class ColumnMapping:
    """Our field → their column header, plus how to read their values.

    - An amount field may name several columns (a list in JSON): their amounts add up, an empty
      cell counting as 0 (Amazon's item-tax + shipping-tax + gift-wrap-tax); columns missing
      from a file are left out.
    - `channel_fulfilled`: their fulfilment-channel value (case-insensitive) → the tag of an
      order the marketplace ships itself ("amazon" → "fba"); such an order that is open is
      shipped, as a polled one is.
    - `group_by`: the column that is the same on every row of one order (default: the
      external_id column); `external_id` itself may then be filled on the first row only.
    - Order-level fields take the first non-empty value among the order's rows, except those in
      `summed` (per-item shipping/tax in Amazon reports), which add up.
    - A row with neither SKU nor quantity carries order-level values only (Shopify's and eBay's
      extra rows).
    - `line_price`: "unit" if the price column is per unit, "total" if for the row's quantity.
    - `status_values`: their status (case-insensitive) → ours; a None value means "says nothing"
      (Shopify's "unfulfilled"). The fulfilment column is consulted before the status column;
      a non-empty `cancelled_at` means cancelled; no value at all means `default_status`.
    - `date_formats`: strptime formats tried after ISO 8601; naive times are in `timezone`.
    - `prices_include_tax`: "no" (prices are net, the default), "yes" (line prices and
      shipping include the tax column's amount) or "infer" (judged per order by its totals:
      gross goods + shipping - discount = total while tax is charged; Shopify's export, which
      does not say). Included tax is taken off the goods (`core.taxes`).
    """

    name: str
    columns: Mapping[str, str | tuple[str, ...]]
    channel: Channel = Channel.FILE
    group_by: str | None = None
    summed: frozenset[str] = frozenset()
    line_price: Literal["unit", "total"] = "unit"
    status_values: Mapping[str, ChannelStatus | None] = field(default_factory=dict)
    default_status: ChannelStatus = ChannelStatus.OPEN
    date_formats: tuple[str, ...] = ()
    timezone: str = "UTC"
    default_currency: str | None = None
    default_country: str | None = None
    decimal_comma: bool = False
    delimiter: str | None = None  # None: sniffed from the header line
    channel_fulfilled: Mapping[str, str] = field(default_factory=dict)
    prices_include_tax: Literal["no", "yes", "infer"] = "no"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.columns) - FIELDS)
        if unknown:
            raise InvalidInput(f"mapping {self.name!r}: unknown fields {', '.join(unknown)}")
        columns: dict[str, str | tuple[str, ...]] = {}
        for name, column in self.columns.items():
            if isinstance(column, str):
                columns[name] = column
            elif name not in MONEY_FIELDS:
                raise InvalidInput(f"mapping {self.name!r}: only amounts add columns, not {name}")
            elif not column or not all(isinstance(c, str) and c for c in column):
                raise InvalidInput(f"mapping {self.name!r}: {name} needs column names to add")
            else:
                columns[name] = tuple(column)
        object.__setattr__(self, "columns", columns)
        missing = [f for f in REQUIRED_FIELDS if not self.columns.get(f)]
        if missing:
            raise InvalidInput(f"mapping {self.name!r}: fields {', '.join(missing)} need a column")
        bad_sums = sorted(self.summed - {"shipping", "tax", "discount"})
        if bad_sums:
            raise InvalidInput(
                f"mapping {self.name!r}: only shipping, tax and discount can be summed, "
                f"not {', '.join(bad_sums)}"
            )
        if self.line_price not in ("unit", "total"):
            raise InvalidInput(f"mapping {self.name!r}: line_price is 'unit' or 'total'")
        if self.prices_include_tax not in ("no", "yes", "infer"):
            raise InvalidInput(
                f"mapping {self.name!r}: prices_include_tax is 'no', 'yes' or 'infer'"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"mapping {self.name!r}: unknown time zone {self.timezone!r}"
            ) from None
        object.__setattr__(
            self, "status_values", {k.strip().lower(): v for k, v in self.status_values.items()}
        )
        object.__setattr__(
            self,
            "channel_fulfilled",
            {str(k).strip().lower(): str(v) for k, v in self.channel_fulfilled.items()},
        )

    def column(self, name: str) -> str | None:
        """The column (or "a + b" columns) a field reads, as named in errors."""
        column = self.columns.get(name)
        return column if column is None or isinstance(column, str) else " + ".join(column)

    def required_columns(self) -> set[str]:
        """The headers a file must have: the required fields' columns and the grouping column."""
        required = {str(self.columns[f]) for f in REQUIRED_FIELDS}
        if self.group_by:
            required.add(self.group_by)
            required.discard(str(self.columns["external_id"]))
        return required

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": {f: c if isinstance(c, str) else list(c) for f, c in self.columns.items()},
            "channel": self.channel.value,
            "group_by": self.group_by,
            "summed": sorted(self.summed),
            "line_price": self.line_price,
            "status_values": {k: (v.value if v else None) for k, v in self.status_values.items()},
            "default_status": self.default_status.value,
            "date_formats": list(self.date_formats),
            "timezone": self.timezone,
            "default_currency": self.default_currency,
            "default_country": self.default_country,
            "decimal_comma": self.decimal_comma,
            "delimiter": self.delimiter,
            "channel_fulfilled": dict(self.channel_fulfilled),
            "prices_include_tax": self.prices_include_tax,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnMapping:
        """A saved mapping back; InvalidInput with a reason for anything malformed."""
        try:
            columns = data["columns"]
            if not isinstance(columns, Mapping) or not all(
                isinstance(v, str) or (isinstance(v, list) and all(isinstance(c, str) for c in v))
                for v in columns.values()
            ):
                raise InvalidInput(
                    "a mapping's columns are field → a column name, or a list of them to add up"
                )
            return cls(
                name=str(data.get("name") or "custom"),
                columns=dict(columns),
                channel=Channel(data.get("channel", "file")),
                group_by=data.get("group_by"),
                summed=frozenset(data.get("summed", ())),
                line_price=data.get("line_price", "unit"),
                status_values={
                    str(k): (ChannelStatus(v) if v else None)
                    for k, v in dict(data.get("status_values", {})).items()
                },
                default_status=ChannelStatus(data.get("default_status", "open")),
                date_formats=tuple(data.get("date_formats", ())),
                timezone=str(data.get("timezone", "UTC")),
                default_currency=data.get("default_currency"),
                default_country=data.get("default_country"),
                decimal_comma=bool(data.get("decimal_comma", False)),
                delimiter=data.get("delimiter"),
                channel_fulfilled=dict(data.get("channel_fulfilled") or {}),
                prices_include_tax=data.get("prices_include_tax", "no"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"malformed column mapping: {exc}") from None
