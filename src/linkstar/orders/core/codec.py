"""The canonical order as JSON (the API's own import format, and dead letters from it).

`order_from_json` is strict: unknown keys, wrong types, naive times and bad enums are refused
with the JSON path of the problem, so a bad payload never becomes a partial order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from linkstar.kit.errors import InvalidInput
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
    TaxTerms,
)

_ADDRESS = (
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
    "email",
)
_BUYER = ("name", "email", "phone", "external_id")
_MONEY = ("subtotal", "shipping", "tax", "discount", "total")
_TOP = {
    "channel",
    "external_id",
    "version",
    "placed_at",
    "status",
    "currency",
    "lines",
    "external_number",
    "buyer",
    "ship_to",
    *_MONEY,
    "ship_by",
    "deliver_by",
    "ship_service_level",
    "tax_terms",
    "tags",
}


class PayloadInvalid(InvalidInput):
    code = "payload_invalid"


def _fail(path: str, message: str) -> PayloadInvalid:
    return PayloadInvalid(f"{path}: {message}", {"path": path})


def _text(data: Mapping[str, Any], key: str, path: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise _fail(f"{path}{key}", "is required")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _fail(f"{path}{key}", "must be text")
    return str(value)


def _time(data: Mapping[str, Any], key: str, required: bool = False) -> datetime | None:
    raw = _text(data, key, "", required)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _fail(key, f"{raw!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise _fail(key, "needs a UTC offset")
    return value


def _money(data: Mapping[str, Any], key: str, path: str) -> Decimal:
    value = data.get(key, "0")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _fail(f"{path}{key}", "must be a decimal number (as text or number)")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _fail(f"{path}{key}", f"{value!r} is not a number") from None
    if not number.is_finite():
        raise _fail(f"{path}{key}", "must be finite")
    return number


def _object(value: Any, path: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, "must be an object")
    extra = sorted(set(value) - set(keys))
    if extra:
        raise _fail(path, f"unknown key(s) {', '.join(extra)}")
    return value


def order_from_json(data: Any) -> ChannelOrder:
    """A canonical order from its JSON form; PayloadInvalid names the first bad path."""
    if not isinstance(data, dict):
        raise _fail("$", "an order is a JSON object")
    extra = sorted(set(data) - _TOP)
    if extra:
        raise _fail("$", f"unknown key(s) {', '.join(extra)}")
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list):
        raise _fail("lines", "is required: a list of lines")
    lines = []
    for i, item in enumerate(raw_lines):
        path = f"lines[{i}]."
        line = _object(
            item,
            f"lines[{i}]",
            (
                "external_line_id",
                "channel_sku",
                "quantity",
                "unit_price",
                "title",
                "tax",
                "discount",
            ),
        )
        qty = line.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, int):
            raise _fail(f"{path}quantity", "must be a whole number")
        try:
            lines.append(
                OrderLine(
                    external_line_id=str(_text(line, "external_line_id", path, True)),
                    channel_sku=str(_text(line, "channel_sku", path, True)),
                    quantity=qty,
                    unit_price=_money(line, "unit_price", path),
                    title=_text(line, "title", path),
                    tax=_money(line, "tax", path),
                    discount=_money(line, "discount", path),
                )
            )
        except ValueError as exc:
            raise _fail(f"lines[{i}]", str(exc)) from None
    buyer = _object(data.get("buyer") or {}, "buyer", _BUYER)
    ship = data.get("ship_to")
    address = None
    if ship is not None:
        fields = _object(ship, "ship_to", _ADDRESS)
        address = PostalAddress(**{k: _text(fields, k, "ship_to.") for k in _ADDRESS})
        if address.country is not None:
            address = PostalAddress(
                **{
                    **{k: getattr(address, k) for k in _ADDRESS},
                    "country": address.country.strip().upper(),
                }
            )
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail("tags", "must be a list of text")
    try:
        channel = Channel(str(_text(data, "channel", "", True)))
        status = ChannelStatus(str(_text(data, "status", "", True)))
        terms = data.get("tax_terms")
        tax_terms = TaxTerms(terms) if terms is not None else None
    except ValueError as exc:
        raise _fail("$", str(exc)) from None
    try:
        return ChannelOrder(
            channel=channel,
            external_id=str(_text(data, "external_id", "", True)),
            version=_time(data, "version", True),  # type: ignore[arg-type]
            placed_at=_time(data, "placed_at", True),  # type: ignore[arg-type]
            status=status,
            currency=str(_text(data, "currency", "", True)),
            lines=tuple(lines),
            external_number=_text(data, "external_number", ""),
            buyer=Buyer(**{k: _text(buyer, k, "buyer.") for k in _BUYER}),
            ship_to=address,
            ship_by=_time(data, "ship_by"),
            deliver_by=_time(data, "deliver_by"),
            ship_service_level=_text(data, "ship_service_level", ""),
            tax_terms=tax_terms,
            tags=tuple(tags),
            **{k: _money(data, k, "") for k in _MONEY},
        )
    except ValueError as exc:
        raise _fail("$", str(exc)) from None


def order_to_json(order: ChannelOrder) -> dict[str, Any]:
    """The JSON form `order_from_json` reads back to an equal order."""
    ship = order.ship_to
    return {
        "channel": order.channel.value,
        "external_id": order.external_id,
        "external_number": order.external_number,
        "version": order.version.isoformat(),
        "placed_at": order.placed_at.isoformat(),
        "status": order.status.value,
        "currency": order.currency,
        "buyer": {k: getattr(order.buyer, k) for k in _BUYER},
        "ship_to": None if ship is None else {k: getattr(ship, k) for k in _ADDRESS},
        "lines": [
            {
                "external_line_id": line.external_line_id,
                "channel_sku": line.channel_sku,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "title": line.title,
                "tax": str(line.tax),
                "discount": str(line.discount),
            }
            for line in order.lines
        ],
        **{k: str(getattr(order, k)) for k in _MONEY},
        "ship_by": order.ship_by.isoformat() if order.ship_by else None,
        "deliver_by": order.deliver_by.isoformat() if order.deliver_by else None,
        "ship_service_level": order.ship_service_level,
        "tax_terms": order.tax_terms.value if order.tax_terms else None,
        "tags": list(order.tags),
    }
