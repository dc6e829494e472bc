"""Order export files (CSV with any delimiter, XLSX) → canonical orders, row errors kept.

`parse_order_file(data, filename, mapping)` reads every row, groups rows into orders (one row
per line item), and builds each order whole or not at all: a bad row rejects only its own
order, reported as `RowError(row, column, reason)` with the spreadsheet row number (header = 1).
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from zoneinfo import ZoneInfo

from linkstar.kit.errors import InvalidInput
from linkstar.orders.connectors._tables import country_alpha2, text_rows, xlsx_rows
from linkstar.orders.connectors.file_values import read_amount, read_time
from linkstar.orders.connectors.mapping import ColumnMapping
from linkstar.orders.connectors.presets import PRESETS, for_header
from linkstar.orders.core.canonical import (
    Buyer,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from linkstar.orders.core.taxes import net_of_included_tax

_ZERO = Decimal("0")
_CENT = Decimal("0.01")
_PARTS = "\x1f"  # joins the cells of a field that adds several columns (never in a cell)
_BLANK = _PARTS + " \t\r\n\u00a0"


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
    rows: int = 0  # data rows read (blank rows not counted)
    notes: list[int] = field(default_factory=list)  # footer/note rows skipped (eBay's trailer)


class _Bad(Exception):
    """A row problem; row -1 means "the row this order-level `field` came from"."""

    def __init__(self, row: int, column: str | None, reason: str, field: str | None = None) -> None:
        self.error = RowError(row, column, reason)
        self.field = field


_NO_ADDRESS = PostalAddress()


class _Reader:
    """Reads one mapping's fields out of positional rows, raising _Bad with row and column."""

    def __init__(self, mapping: ColumnMapping, header: list[str]) -> None:
        self.m = mapping
        positions = {name.strip(): i for i, name in enumerate(header) if name.strip()}
        missing = sorted(c for c in mapping.required_columns() if c not in positions)
        if missing:
            raise InvalidInput(f"the file has no column {', '.join(repr(c) for c in missing)}")
        # their columns in this file: one → read as a plain column; several → added up
        present = {
            f: [n for n in ((c,) if isinstance(c, str) else c) if n in positions]
            for f, c in mapping.columns.items()
        }
        self.index = {f: positions[names[0]] for f, names in present.items() if len(names) == 1}
        self.names = {f: names[0] for f, names in present.items() if len(names) == 1}
        self.parts = {f: names for f, names in present.items() if len(names) > 1}
        self.part_picks = [
            (f, itemgetter(*(positions[n] for n in names))) for f, names in self.parts.items()
        ]
        self.group = positions[mapping.group_by or str(mapping.columns["external_id"])]
        self.zone: tzinfo = ZoneInfo(mapping.timezone)
        self.fields = tuple(self.index)
        self.pick = itemgetter(*self.index.values())
        added = (positions[n] for names in self.parts.values() for n in names)
        self.width = max([*self.index.values(), *added]) + 1

    def has_line(self, row: list[str]) -> bool:
        """Whether a raw row holds a SKU or a quantity."""
        return any(
            i < len(row) and row[i].strip()
            for f in ("sku", "sku_fallback", "quantity")
            if (i := self.index.get(f, -1)) >= 0
        )

    def project(self, row: list[str]) -> dict[str, str]:
        """The row's mapped, non-empty values by our field name (read once, used many times)."""
        if len(row) < self.width:
            row = row + [""] * (self.width - len(row))
        values = {f: v.strip() for f, v in zip(self.fields, self.pick(row), strict=True) if v}
        for f, pick in self.part_picks:
            joined = _PARTS.join(pick(row))
            if joined.strip(_BLANK):  # some cell is not empty
                values[f] = joined
        return values

    def money(self, text: str, n: int, name: str) -> Decimal:
        if not text:
            return _ZERO
        if _PARTS not in text or name not in self.parts:
            return self.amount(text, n, name, None)
        total = _ZERO  # several columns, each read on its own
        for cell, column in zip(text.split(_PARTS), self.parts[name], strict=True):
            if cell := cell.strip():
                total += self.amount(cell, n, name, column)
        return total

    def amount(self, text: str, n: int, name: str, column: str | None) -> Decimal:
        """One cell's amount; an error names `column`, else the field's own column."""
        value = read_amount(text, self.m.decimal_comma)
        if value is None:
            column = column or self.names.get(name) or self.m.column(name)
            raise _Bad(n, column, f"{text!r} is not an amount", name)
        return value

    def time(self, text: str, n: int, name: str) -> datetime | None:
        if not text:
            return None
        value = read_time(text, self.m.date_formats)
        if value is None:
            raise _Bad(n, self.m.column(name), f"{text!r} is not a date/time", name)
        return value.replace(tzinfo=self.zone) if value.tzinfo is None else value

    def first_row(self, rows: list[tuple[int, dict[str, str]]], name: str) -> int:
        """The row an order-level value came from (only looked up to report an error)."""
        return next((n for n, row in rows if row.get(name)), rows[0][0])

    def _money(self, o: dict[str, str], name: str) -> Decimal | None:
        text = o.get(name)
        return None if text is None else self.money(text, -1, name)

    def status(self, o: dict[str, str]) -> ChannelStatus:
        if o.get("cancelled_at"):
            return ChannelStatus.CANCELLED
        for name in ("fulfillment_status", "status"):
            text = o.get(name)
            if not text:
                continue
            key = text.lower()
            if key not in self.m.status_values:
                raise _Bad(-1, self.m.column(name), f"unknown status {text!r}", name)
            mapped = self.m.status_values[key]
            if mapped is not None:
                return mapped
        return self.m.default_status

    def line(self, n: int, row: dict[str, str], position: int) -> OrderLine:
        sku = row.get("sku", "") or row.get("sku_fallback", "")
        if not sku:
            raise _Bad(n, self.m.column("sku"), "the SKU is empty")
        text = row.get("quantity", "")
        try:
            qty = int(text)
        except ValueError:
            try:
                exact = Decimal(text)
                whole = exact.is_finite() and exact == exact.to_integral_value()
                qty = int(exact) if whole else -1
            except InvalidOperation:
                qty = -1
        if qty < 0:
            raise _Bad(n, self.m.column("quantity"), f"{text!r} is not a whole quantity")
        price = self.money(row.get("unit_price", ""), n, "unit_price")
        if self.m.line_price == "total" and qty > 1:
            price = price / qty
            price = (
                price.quantize(_CENT)
                if price == price.quantize(_CENT)
                else price.quantize(Decimal("0.0001"))
            )
        return OrderLine(
            external_line_id=row.get("line_id", "") or str(position),
            channel_sku=sku,
            quantity=qty,
            unit_price=price,
            title=row.get("title", "") or None,
            tax=self.money(row.get("line_tax", ""), n, "line_tax"),
            # Amazon's reports write promotion discounts as negative amounts
            discount=abs(self.money(row.get("line_discount", ""), n, "line_discount")),
        )

    def order(self, rows: list[tuple[int, dict[str, str]]], key: str) -> ChannelOrder:
        try:
            return self._order(rows, key)
        except _Bad as bad:
            if bad.error.row == -1:  # an order-level value: find the row it came from
                row = self.first_row(rows, bad.field or "")
                raise _Bad(row, bad.error.column, bad.error.reason) from None
            raise

    def _order(self, rows: list[tuple[int, dict[str, str]]], key: str) -> ChannelOrder:
        first = rows[0][0]
        if len(rows) == 1:
            o = rows[0][1]
        else:  # order-level values: the first non-empty one among the rows
            o = {}
            for _, row in reversed(rows):
                o.update(row)
            for name in self.m.summed:
                o[name] = str(sum((self.money(r.get(name, ""), n, name) for n, r in rows), _ZERO))
        built: list[OrderLine] = []
        for n, row in rows:  # a row with neither SKU nor quantity carries order values only
            if "sku" in row or "sku_fallback" in row or "quantity" in row:
                built.append(self.line(n, row, len(built) + 1))
        lines = tuple(built)
        if not lines:
            raise _Bad(
                first, self.m.column("sku"), "the order has no line with a SKU and a quantity"
            )
        placed_at = self.time(o.get("placed_at", ""), -1, "placed_at")
        if placed_at is None:
            raise _Bad(first, self.m.column("placed_at"), "the order date is empty")
        currency = (o.get("currency") or self.m.default_currency or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            reason = f"{currency or 'no'} currency (ISO 4217 code needed)"
            raise _Bad(-1, self.m.column("currency"), reason, "currency")
        country_text = o.get("ship_country") or self.m.default_country
        country = country_alpha2(country_text) if country_text else None
        if country_text and country is None:
            reason = f"{country_text!r} is not a country"
            raise _Bad(-1, self.m.column("ship_country"), reason, "ship_country")
        get = o.get
        postcode = get("ship_postcode")
        line2 = ", ".join(p for p in (get("ship_line2"), get("ship_line3")) if p) or None
        ship_to = PostalAddress(
            get("ship_name"),
            get("ship_company"),
            get("ship_line1"),
            line2,
            get("ship_city"),
            get("ship_state"),
            postcode.lstrip("'") or None if postcode else None,  # Shopify writes '02139
            country,
            get("ship_phone"),
        )
        subtotal = self._money(o, "subtotal")
        if subtotal is None:
            subtotal = sum((line.unit_price * line.quantity for line in lines), _ZERO)
        shipping = self._money(o, "shipping") or _ZERO
        tax = self._money(o, "tax")
        if tax is None:
            tax = sum((line.tax for line in lines), _ZERO)
        discount = abs(self._money(o, "discount") or sum((line.discount for line in lines), _ZERO))
        total = self._money(o, "total")
        if self.m.prices_include_tax != "no":  # "yes": included; "infer": None, from the totals
            included = self.m.prices_include_tax == "yes" or None
            subtotal, shipping = net_of_included_tax(
                included, subtotal, shipping, _ZERO, tax, discount, total
            )
        tags = tuple(t.strip() for t in get("tags", "").split(",") if t.strip())
        status = self.status(o)
        by_channel = self.m.channel_fulfilled.get(get("fulfillment_channel", "").lower())
        if by_channel:  # the marketplace ships it (FBA): nothing for the seller to ship
            tags = (by_channel, *tags)
            status = ChannelStatus.SHIPPED if status is ChannelStatus.OPEN else status
        return ChannelOrder(
            channel=self.m.channel,
            external_id=get("external_id") or key,
            external_number=get("external_number"),
            version=self.time(get("updated_at", ""), -1, "updated_at") or placed_at,
            placed_at=placed_at,
            status=status,
            currency=currency,
            lines=lines,
            buyer=Buyer(get("buyer_name"), get("buyer_email"), get("buyer_phone"), get("buyer_id")),
            ship_to=None if ship_to == _NO_ADDRESS else ship_to,
            subtotal=subtotal,
            shipping=shipping,
            tax=tax,
            discount=discount,
            total=subtotal + shipping + tax - discount if total is None else total,
            ship_by=self.time(get("ship_by", ""), -1, "ship_by"),
            deliver_by=self.time(get("deliver_by", ""), -1, "deliver_by"),
            ship_service_level=get("ship_service_level"),
            tags=tags,
        )


def parse_order_file(data: bytes, filename: str, mapping: ColumnMapping | str) -> FileParseResult:
    """Parse a CSV/TSV/TXT or XLSX order export with a mapping or a preset's name."""
    # Hundreds of thousands of long-lived small objects and no cycles: the cyclic collector
    # would only rescan them over and over (measured: over half the CPU time at 100k orders).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(data, filename, mapping)
    finally:
        if enabled:
            gc.enable()


def _parse(data: bytes, filename: str, mapping: ColumnMapping | str) -> FileParseResult:
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
        header, skipped = next(rows), 0
        while not any(cell.strip() for cell in header):  # eBay reports open with a blank line
            header, skipped = next(rows), skipped + 1
    except StopIteration:
        raise InvalidInput("the file is empty") from None
    except csv.Error as exc:
        raise InvalidInput(f"unreadable CSV: {exc}") from None
    mapping = for_header(mapping, header)
    reader = _Reader(mapping, header)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    sources: dict[str, list[list[str]]] = {}
    project = reader.project
    result = FileParseResult()
    short = len(header) // 2
    try:
        for n, row in enumerate(rows, start=2 + skipped):
            if not any(row):
                continue
            if len(row) < short and not reader.has_line(row):
                result.notes.append(n)  # a note or summary line, not an order row
                continue
            result.rows += 1
            key = row[reader.group].strip() if reader.group < len(row) else ""
            if not key:
                result.errors.append(
                    RowError(
                        n,
                        mapping.group_by or mapping.column("external_id"),
                        "the order id is empty",
                    )
                )
                continue
            if key in groups:
                groups[key].append((n, project(row)))
                sources[key].append(row)
            else:
                groups[key] = [(n, project(row))]
                sources[key] = [row]
    except csv.Error as exc:
        raise InvalidInput(f"unreadable CSV near row {result.rows + 2}: {exc}") from None
    names = [h.strip() for h in header]
    build: Callable[[list[tuple[int, dict[str, str]]], str], ChannelOrder] = reader.order
    for key, group in groups.items():
        try:
            order = build(group, key)
        except _Bad as bad:
            result.errors.append(bad.error)
            continue
        except ValueError as exc:  # the canonical types' own checks
            result.errors.append(RowError(group[0][0], None, str(exc)))
            continue
        result.orders.append(order)
        result.raw.append([dict(zip(names, row, strict=False)) for row in sources[key]])
    return result


__all__ = ["FileParseResult", "RowError", "parse_order_file"]
