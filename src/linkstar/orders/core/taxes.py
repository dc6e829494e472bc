"""Prices shown with tax: the goods and shipping amounts net of the tax they include."""

from __future__ import annotations

from decimal import Decimal


def net_of_included_tax(
    included: object,
    goods: Decimal,
    shipping: Decimal,
    shipping_tax: Decimal,
    tax: Decimal,
    discount: Decimal,
    total: Decimal | None,
) -> tuple[Decimal, Decimal]:
    """(goods, shipping) net of tax, so that goods + shipping + tax - discount = total.

    A shop that shows prices with tax (Shopify's `taxes_included` / `taxesIncluded`: "whether
    taxes are included in line item and shipping line prices") sends gross line and shipping
    prices and the tax once more in its tax total. Line tax is computed after the line's
    discount, so goods - line tax - discount is the goods' net value after discounts.
    `included` is True or False when the source says so; anything else (a query or webhook that
    did not ask, an export file without such a column) is judged by the totals: gross goods
    plus shipping less discount equal to the total while tax is charged. `shipping_tax` is the
    part of `tax` on shipping (0 when the source does not separate it: the goods then carry
    the whole tax and shipping stays as given).
    """
    if not isinstance(included, bool):
        included = total is not None and tax > 0 and goods + shipping - discount == total
    if not included:
        return goods, shipping
    return goods - (tax - shipping_tax), shipping - shipping_tax
