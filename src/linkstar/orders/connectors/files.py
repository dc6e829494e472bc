"""Order export files (CSV with any delimiter, XLSX) → canonical orders, row errors kept.

`parse_order_file(data, filename, mapping)` reads every row, groups rows into orders (one row
per line item), and builds each order whole or not at all: a bad row rejects only its own
order, reported as `RowError(row, column, reason)` with the spreadsheet row number (header = 1).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors._tables import country_alpha2, text_rows, xlsx_rows
from linkstar.orders.connectors.mapping import ColumnMapping
from linkstar.orders.connectors.presets import PRESETS
from linkstar.orders.core.canonical import (
    Buyer,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)

_ZERO = Decimal("0")
_CENT = Decimal("0.01")
_SYMBOLS = str.maketrans("", "", "$€£¥₹ \u00a0")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based row in the file; the header is row 1
    column: str | None
    reason: str


@dataclass(slots=True)
class FileParseResult:
    orders: list[ChannelOrder] = field(default_factory=list)
    raw: list[list[dict[str, str]]] = field(default_factory=list)  # each order's source rows
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


class _Bad(Exception):
    def __init__(self, row: int, column: str | None, reason: str) -> None:
        self.error = RowError(row, column, reason)


class _Reader:
    """Reads one mapping's fields out of positional rows, raising _Bad with row and column."""

    def __init__(self, mapping: ColumnMapping, header: list[str]) -> None:
        self.m = mapping
        positions = {name.strip(): i for i, name in enumerate(header) if name.strip()}
        required = {mapping.columns[f] for f in ("external_id", "sku", "quantity", "placed_at")}
        if mapping.group_by:
            required.add(mapping.group_by)
            required.discard(mapping.columns["external_id"])
        missing = sorted(c for c in required if c not in positions)
        if missing:
            raise InvalidInput(f"the file has no column {', '.join(repr(c) for c in missing)}")
        self.index = {f: positions[c] for f, c in mapping.columns.items() if c in positions}
        self.group = positions[mapping.group_by or mapping.columns["external_id"]]
        self.zone: tzinfo = ZoneInfo(mapping.timezone)

    def get(self, row: list[str], name: str) -> str:
        i = self.index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    def money(self, text: str, n: int, name: str) -> Decimal:
        if not text:
            return _ZERO
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
        cleaned = text.translate(_SYMBOLS)
        cleaned = (
            cleaned.replace(".", "").replace(",", ".")
            if self.m.decimal_comma
            else cleaned.replace(",", "")
        )
        negative = cleaned.startswith("(") and cleaned.endswith(")")
        try:
            amount = Decimal(cleaned.strip("()"))
        except InvalidOperation:
            raise _Bad(n, self.m.columns[name], f"{text!r} is not an amount") from None
        if not amount.is_finite():
            raise _Bad(n, self.m.columns[name], f"{text!r} is not an amount")
        return -amount if negative else amount

    def time(self, text: str, n: int, name: str) -> datetime | None:
        if not text:
            return None
        value = self._strptime(text)
        if value is None:
            raise _Bad(n, self.m.columns[name], f"{text!r} is not a date/time")
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def _strptime(self, text: str) -> datetime | None:
        try:
            return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            pass
        for fmt in self.m.date_formats:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None

    def first(self, rows: list[tuple[int, list[str]]], name: str) -> tuple[str, int]:
        if name in self.index:
            for n, row in rows:
                value = self.get(row, name)
                if value:
                    return value, n
        return "", rows[0][0]

    def order_money(self, rows: list[tuple[int, list[str]]], name: str) -> Decimal | None:
        if name not in self.index:
            return None
        if name in self.m.summed:
            return sum((self.money(self.get(r, name), n, name) for n, r in rows), _ZERO)
        text, n = self.first(rows, name)
        return self.money(text, n, name) if text else None

    def order_time(self, rows: list[tuple[int, list[str]]], name: str) -> datetime | None:
        text, n = self.first(rows, name)
        return self.time(text, n, name)

    def status(self, rows: list[tuple[int, list[str]]]) -> ChannelStatus:
        if self.first(rows, "cancelled_at")[0]:
            return ChannelStatus.CANCELLED
        for name in ("fulfillment_status", "status"):
            text, n = self.first(rows, name)
            if not text:
                continue
            key = text.lower()
            if key not in self.m.status_values:
                raise _Bad(n, self.m.columns[name], f"unknown status {text!r}")
            mapped = self.m.status_values[key]
            if mapped is not None:
                return mapped
        return self.m.default_status

    def line(self, n: int, row: list[str], position: int) -> OrderLine:
        sku = self.get(row, "sku") or self.get(row, "sku_fallback")
        if not sku:
            raise _Bad(n, self.m.columns["sku"], "the SKU is empty")
        text = self.get(row, "quantity")
        try:
            qty = int(text)
        except ValueError:
            try:
                exact = Decimal(text)
                qty = int(exact) if exact == exact.to_integral_value() else -1
            except InvalidOperation:
                qty = -1
        if qty < 0:
            raise _Bad(n, self.m.columns["quantity"], f"{text!r} is not a whole quantity")
        price = self.money(self.get(row, "unit_price"), n, "unit_price")
        if self.m.line_price == "total" and qty > 1:
            price = price / qty
            price = (
                price.quantize(_CENT)
                if price == price.quantize(_CENT)
                else price.quantize(Decimal("0.0001"))
            )
        return OrderLine(
            external_line_id=self.get(row, "line_id") or str(position),
            channel_sku=sku,
            quantity=qty,
            unit_price=price,
            title=self.get(row, "title") or None,
            tax=self.money(self.get(row, "line_tax"), n, "line_tax"),
            discount=self.money(self.get(row, "line_discount"), n, "line_discount"),
        )

    def order(self, rows: list[tuple[int, list[str]]]) -> ChannelOrder:
        first = rows[0][0]
        lines = tuple(
            self.line(n, row, i)
            for i, (n, row) in enumerate(
                (
                    (n, r)
                    for n, r in rows
                    if self.get(r, "sku") or self.get(r, "sku_fallback") or self.get(r, "quantity")
                ),
                1,
            )
        )
        if not lines:
            raise _Bad(
                first, self.m.columns["sku"], "the order has no line with a SKU and a quantity"
            )
        placed_at = self.order_time(rows, "placed_at")
        if placed_at is None:
            raise _Bad(first, self.m.columns["placed_at"], "the order date is empty")
        currency = (self.first(rows, "currency")[0] or self.m.default_currency or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            raise _Bad(
                first,
                self.m.columns.get("currency"),
                f"{currency or 'no'} currency (ISO 4217 code needed)",
            )
        country_text, country_row = self.first(rows, "ship_country")
        country = (
            country_alpha2(country_text or self.m.default_country or "")
            if (country_text or self.m.default_country)
            else None
        )
        if (country_text or self.m.default_country) and country is None:
            raise _Bad(
                country_row,
                self.m.columns.get("ship_country"),
                f"{country_text!r} is not a country",
            )
        address = [
            self.first(rows, f)[0] or None
            for f in (
                "ship_name",
                "ship_company",
                "ship_line1",
                "ship_line2",
                "ship_line3",
                "ship_city",
                "ship_state",
                "ship_postcode",
                "ship_phone",
            )
        ]
        line2 = ", ".join(p for p in address[3:5] if p) or None
        ship_to = (
            PostalAddress(
                address[0],
                address[1],
                address[2],
                line2,
                address[5],
                address[6],
                address[7].lstrip("'") or None if address[7] else None,  # Shopify's '02139
                country,
                address[8],
            )
            if any(address) or country
            else None
        )
        subtotal = self.order_money(rows, "subtotal")
        if subtotal is None:
            subtotal = sum((line.unit_price * line.quantity for line in lines), _ZERO)
        shipping = self.order_money(rows, "shipping") or _ZERO
        tax = self.order_money(rows, "tax")
        if tax is None:
            tax = sum((line.tax for line in lines), _ZERO)
        discount = abs(
            self.order_money(rows, "discount") or sum((line.discount for line in lines), _ZERO)
        )
        total = self.order_money(rows, "total")
        external_id = self.first(rows, "external_id")[0] or rows[0][1][self.group].strip()
        tags = self.first(rows, "tags")[0]
        return ChannelOrder(
            channel=self.m.channel,
            external_id=external_id,
            external_number=self.first(rows, "external_number")[0] or None,
            version=self.order_time(rows, "updated_at") or placed_at,
            placed_at=placed_at,
            status=self.status(rows),
            currency=currency,
            lines=lines,
            buyer=Buyer(
                name=self.first(rows, "buyer_name")[0] or None,
                email=self.first(rows, "buyer_email")[0] or None,
                phone=self.first(rows, "buyer_phone")[0] or None,
                external_id=self.first(rows, "buyer_id")[0] or None,
            ),
            ship_to=ship_to,
            subtotal=subtotal,
            shipping=shipping,
            tax=tax,
            discount=discount,
            total=subtotal + shipping + tax - discount if total is None else total,
            ship_by=self.order_time(rows, "ship_by"),
            deliver_by=self.order_time(rows, "deliver_by"),
            ship_service_level=self.first(rows, "ship_service_level")[0] or None,
            tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
        )


def parse_order_file(data: bytes, filename: str, mapping: ColumnMapping | str) -> FileParseResult:
    """Parse a CSV/TSV/TXT or XLSX order export with a mapping or a preset's name."""
    if isinstance(mapping, str):
        if mapping not in PRESETS:
            raise InvalidInput(f"unknown preset {mapping!r}; presets: {', '.join(sorted(PRESETS))}")
        mapping = PRESETS[mapping]
    lower = filename.lower()
    rows: Iterator[list[str]] = (
        xlsx_rows(data)
        if lower.endswith((".xlsx", ".xlsm"))
        else text_rows(data, mapping.delimiter)
    )
    try:
        header = next(rows)
    except StopIteration:
        raise InvalidInput("the file is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"unreadable CSV: {exc}") from None
    reader = _Reader(mapping, header)
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    result = FileParseResult()
    try:
        for n, row in enumerate(rows, start=2):
            if not any(row):
                continue
            result.rows += 1
            key = row[reader.group].strip() if reader.group < len(row) else ""
            if not key:
                result.errors.append(
                    RowError(
                        n,
                        mapping.group_by or mapping.columns["external_id"],
                        "the order id is empty",
                    )
                )
                continue
            groups.setdefault(key, []).append((n, row))
    except csv.Error as exc:
        raise InvalidInput(f"unreadable CSV near row {result.rows + 2}: {exc}") from None
    names = [h.strip() for h in header]
    build: Callable[[list[tuple[int, list[str]]]], ChannelOrder] = reader.order
    for group in groups.values():
        try:
            order = build(group)
        except _Bad as bad:
            result.errors.append(bad.error)
            continue
        except ValueError as exc:  # the canonical types' own checks
            result.errors.append(RowError(group[0][0], None, str(exc)))
            continue
        result.orders.append(order)
        result.raw.append([dict(zip(names, row, strict=False)) for _, row in group])
    return result


__all__ = ["FileParseResult", "RowError", "parse_order_file"]
