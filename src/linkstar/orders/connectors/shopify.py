"""Shopify Admin API orders: the REST `order` resource and the GraphQL `Order` node.

`parse_order` accepts either shape (REST has `line_items`, GraphQL `lineItems`); a webhook body
(`orders/create`, `orders/updated`) is the REST shape. Amounts are the shop-currency figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from linkstar.orders.connectors._fields import (
    at,
    country,
    currency,
    guarded,
    iso_time,
    lst,
    money,
    obj,
    opt_iso,
    opt_money,
    opt_obj,
    opt_str,
    quantity,
    req_str,
)
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from linkstar.orders.core.taxes import net_of_included_tax

_PENDING_FINANCIAL = {"pending", "expired"}
_DEAD_FINANCIAL = {"voided", "refunded"}


def status(financial: str | None, fulfillment: str | None, cancelled: bool) -> ChannelStatus:
    """Shopify's financial + fulfillment status pair (either API's spelling) → ours."""
    financial = (financial or "").lower()
    fulfillment = (fulfillment or "").lower()
    if cancelled:
        return ChannelStatus.CANCELLED
    if fulfillment == "fulfilled":
        return ChannelStatus.SHIPPED
    if financial in _DEAD_FINANCIAL:
        return ChannelStatus.CANCELLED
    if financial in _PENDING_FINANCIAL:
        return ChannelStatus.PENDING
    return ChannelStatus.OPEN


def _name(first: str | None, last: str | None) -> str | None:
    joined = " ".join(part for part in (first, last) if part)
    return joined or None


def _address(node: Mapping[str, Any] | None, path: str, *, graphql: bool) -> PostalAddress | None:
    if node is None:
        return None
    keys = (
        ("firstName", "lastName", "provinceCode", "countryCodeV2")
        if graphql
        else ("first_name", "last_name", "province_code", "country_code")
    )
    first, last, province, country_key = keys
    return PostalAddress(
        name=opt_str(node, "name", path)
        or _name(opt_str(node, first, path), opt_str(node, last, path)),
        company=opt_str(node, "company", path),
        line1=opt_str(node, "address1", path),
        line2=opt_str(node, "address2", path),
        city=opt_str(node, "city", path),
        state=opt_str(node, province, path) or opt_str(node, "province", path),
        postcode=opt_str(node, "zip", path),
        country=country(opt_str(node, country_key, path), at(path, country_key)),
        phone=opt_str(node, "phone", path),
    )


def _shop_money(node: Mapping[str, Any], key: str, path: str) -> Decimal:
    """GraphQL MoneyBag `{shopMoney: {amount, currencyCode}}` (REST `*_set` has `shop_money`)."""
    bag = opt_obj(node, key, path)
    if bag is None:
        return Decimal("0")
    inner_key = "shopMoney" if "shopMoney" in bag else "shop_money"
    inner = opt_obj(bag, inner_key, at(path, key))
    return (
        Decimal("0") if inner is None else opt_money(inner, "amount", at(at(path, key), inner_key))
    )


def _sku(line: Mapping[str, Any], path: str, variant_key: str) -> str:
    sku = opt_str(line, "sku", path)
    if sku:
        return sku
    variant = line.get(variant_key)
    if isinstance(variant, Mapping):  # GraphQL: variant { id }
        variant = variant.get("id")
    if isinstance(variant, str | int) and not isinstance(variant, bool) and str(variant).strip():
        return f"variant:{str(variant).rsplit('/', 1)[-1]}"
    # A custom item (added by hand, no product behind it): named by its title.
    title = opt_str(line, "title", path) or opt_str(line, "name", path)
    if title is None:
        raise PayloadError("line has no SKU, variant or title", at(path, "sku"))
    return f"custom:{title}"


def _goods(lines: list[OrderLine]) -> Decimal:
    """Σ unit price * quantity: the order's goods before any discount (our subtotal)."""
    return sum((line.unit_price * line.quantity for line in lines), Decimal("0"))


def _rest(p: Mapping[str, Any]) -> ChannelOrder:
    lines = []
    for i, raw in enumerate(lst(p, "line_items", "$")):
        path = at("$.line_items", i)
        line = obj(raw, path)
        tax = sum(
            (
                opt_money(obj(t, at(at(path, "tax_lines"), j)), "price", path)
                for j, t in enumerate(lst(line, "tax_lines", path, required=False))
            ),
            Decimal("0"),
        )
        discount = sum(
            (
                opt_money(obj(d, at(at(path, "discount_allocations"), j)), "amount", path)
                for j, d in enumerate(lst(line, "discount_allocations", path, required=False))
            ),
            Decimal("0"),
        ) or opt_money(line, "total_discount", path)
        lines.append(
            OrderLine(
                external_line_id=req_str(line, "id", path),
                channel_sku=_sku(line, path, "variant_id"),
                quantity=quantity(line.get("quantity"), at(path, "quantity")),
                unit_price=money(line.get("price"), at(path, "price")),
                title=opt_str(line, "name", path) or opt_str(line, "title", path),
                tax=tax,
                discount=discount,
            )
        )
    shipping_lines = [
        obj(s, at("$.shipping_lines", i))
        for i, s in enumerate(lst(p, "shipping_lines", "$", required=False))
    ]
    shipping = (
        _shop_money(p, "total_shipping_price_set", "$")
        if p.get("total_shipping_price_set")
        else sum((opt_money(s, "price", "$.shipping_lines") for s in shipping_lines), Decimal("0"))
    )
    shipping_tax = sum(
        (
            opt_money(obj(t, at(at("$.shipping_lines", i), "tax_lines")), "price", "$")
            for i, s in enumerate(shipping_lines)
            for t in lst(s, "tax_lines", at("$.shipping_lines", i), required=False)
        ),
        Decimal("0"),
    )
    tax, discount = opt_money(p, "total_tax", "$"), opt_money(p, "total_discounts", "$")
    total = opt_money(p, "total_price", "$")
    # `subtotal_price` is after discounts; `total_line_items_price` is the lines before them
    goods = (
        money(p["total_line_items_price"], "$.total_line_items_price")
        if p.get("total_line_items_price") not in (None, "")
        else _goods(lines)
    )
    goods, shipping = net_of_included_tax(
        p.get("taxes_included"), goods, shipping, shipping_tax, tax, discount, total
    )
    customer = opt_obj(p, "customer", "$") or {}
    tags = opt_str(p, "tags", "$") or ""
    return ChannelOrder(
        channel=Channel.SHOPIFY,
        external_id=req_str(p, "id", "$"),
        external_number=opt_str(p, "name", "$"),
        version=iso_time(p.get("updated_at") or p.get("created_at"), "$.updated_at"),
        placed_at=iso_time(p.get("created_at"), "$.created_at"),
        status=status(
            opt_str(p, "financial_status", "$"),
            opt_str(p, "fulfillment_status", "$"),
            opt_iso(p, "cancelled_at", "$") is not None,
        ),
        currency=currency(opt_str(p, "currency", "$"), "$.currency"),
        lines=tuple(lines),
        buyer=Buyer(
            name=_name(
                opt_str(customer, "first_name", "$.customer"),
                opt_str(customer, "last_name", "$.customer"),
            ),
            email=opt_str(p, "email", "$") or opt_str(customer, "email", "$.customer"),
            phone=opt_str(p, "phone", "$") or opt_str(customer, "phone", "$.customer"),
            external_id=opt_str(customer, "id", "$.customer"),
        ),
        ship_to=_address(opt_obj(p, "shipping_address", "$"), "$.shipping_address", graphql=False),
        subtotal=goods,
        shipping=shipping,
        tax=tax,
        discount=discount,
        total=total,
        ship_service_level=opt_str(shipping_lines[0], "title", "$.shipping_lines[0]")
        if shipping_lines
        else None,
        tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
    )


def _graphql_lines(p: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    conn = obj(p.get("lineItems"), "$.lineItems")
    if "nodes" in conn:
        return [
            (at("$.lineItems.nodes", i), obj(n, at("$.lineItems.nodes", i)))
            for i, n in enumerate(lst(conn, "nodes", "$.lineItems"))
        ]
    out = []
    for i, edge in enumerate(lst(conn, "edges", "$.lineItems")):
        path = at("$.lineItems.edges", i)
        out.append((at(path, "node"), obj(obj(edge, path).get("node"), at(path, "node"))))
    return out


def _graphql(p: Mapping[str, Any]) -> ChannelOrder:
    lines = []
    for path, line in _graphql_lines(p):
        tax = sum(
            (
                _shop_money(obj(t, at(at(path, "taxLines"), j)), "priceSet", path)
                for j, t in enumerate(lst(line, "taxLines", path, required=False))
            ),
            Decimal("0"),
        )
        lines.append(
            OrderLine(
                external_line_id=req_str(line, "id", path).rsplit("/", 1)[-1],
                channel_sku=_sku(line, path, "variant"),
                quantity=quantity(line.get("quantity"), at(path, "quantity")),
                unit_price=_shop_money(line, "originalUnitPriceSet", path),
                title=opt_str(line, "title", path),
                tax=tax,
                discount=_shop_money(line, "totalDiscountSet", path),
            )
        )
    customer = opt_obj(p, "customer", "$") or {}
    shipping_line = opt_obj(p, "shippingLine", "$") or {}
    tags = lst(p, "tags", "$", required=False)
    currency_code = opt_str(p, "currencyCode", "$")
    shipping_tax = sum(
        (
            _shop_money(obj(t, at("$.shippingLine.taxLines", j)), "priceSet", "$.shippingLine")
            for j, t in enumerate(lst(shipping_line, "taxLines", "$.shippingLine", required=False))
        ),
        Decimal("0"),
    )
    tax, discount = _shop_money(p, "totalTaxSet", "$"), _shop_money(p, "totalDiscountsSet", "$")
    total = _shop_money(p, "totalPriceSet", "$")
    goods, shipping = net_of_included_tax(
        p.get("taxesIncluded"),
        _goods(lines),  # `subtotalPriceSet` is after discounts: not our subtotal
        _shop_money(p, "totalShippingPriceSet", "$"),
        shipping_tax,
        tax,
        discount,
        total,
    )
    return ChannelOrder(
        channel=Channel.SHOPIFY,
        external_id=req_str(p, "id", "$").rsplit("/", 1)[-1],  # gid://shopify/Order/123 → 123
        external_number=opt_str(p, "name", "$"),
        version=iso_time(p.get("updatedAt") or p.get("createdAt"), "$.updatedAt"),
        placed_at=iso_time(p.get("createdAt"), "$.createdAt"),
        status=status(
            opt_str(p, "displayFinancialStatus", "$"),
            opt_str(p, "displayFulfillmentStatus", "$"),
            opt_iso(p, "cancelledAt", "$") is not None,
        ),
        currency=currency(currency_code, "$.currencyCode"),
        lines=tuple(lines),
        buyer=Buyer(
            name=opt_str(customer, "displayName", "$.customer")
            or _name(
                opt_str(customer, "firstName", "$.customer"),
                opt_str(customer, "lastName", "$.customer"),
            ),
            email=opt_str(p, "email", "$") or opt_str(customer, "email", "$.customer"),
            phone=opt_str(p, "phone", "$") or opt_str(customer, "phone", "$.customer"),
            external_id=(opt_str(customer, "id", "$.customer") or "").rsplit("/", 1)[-1] or None,
        ),
        ship_to=_address(opt_obj(p, "shippingAddress", "$"), "$.shippingAddress", graphql=True),
        subtotal=goods,
        shipping=shipping,
        tax=tax,
        discount=discount,
        total=total,
        ship_service_level=opt_str(shipping_line, "title", "$.shippingLine"),
        tags=tuple(str(t).strip() for t in tags if isinstance(t, str) and t.strip()),
    )


@guarded
def parse_order(payload: Mapping[str, Any]) -> ChannelOrder:
    """A Shopify order (REST resource, webhook body or GraphQL node) → ChannelOrder."""
    if "lineItems" in payload:
        return _graphql(payload)
    if "line_items" in payload:
        return _rest(payload)
    raise PayloadError("neither a REST (line_items) nor a GraphQL (lineItems) order", "$")
