"""Whatever JSON a channel sends, a parser returns a whole order or raises PayloadError."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.orders.connectors import amazon, ebay, shopify, tiktok, walmart
from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.core.canonical import ChannelOrder
from tests.orders.connectors.conftest import payload

PARSERS: dict[str, Callable[[Mapping[str, Any]], ChannelOrder]] = {
    "shopify_rest_multiline": shopify.parse_order,
    "shopify_graphql_unicode_eur": shopify.parse_order,
    "amazon_unshipped_multiline": amazon.parse_order,
    "tiktok_awaiting_shipment": tiktok.parse_order,
    "ebay_not_started": ebay.parse_order,
    "walmart_created": walmart.parse_order,
}

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(root: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return root


def _parse_or_payload_error(parse: Callable[[Mapping[str, Any]], ChannelOrder], raw: Any) -> None:
    try:
        order = parse(raw)
    except PayloadError as exc:
        assert exc.path.startswith("$")
        return
    assert isinstance(order, ChannelOrder)
    assert order.lines or order.lines == ()


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150)
@given(data=st.data())
def test_any_field_replaced_by_any_json_parses_or_raises_payload_error(
    name: str, data: st.DataObject
) -> None:
    raw = copy.deepcopy(payload(name))
    path = data.draw(st.sampled_from(_paths(raw)))
    _parse_or_payload_error(PARSERS[name], _replace(raw, path, data.draw(json_values)))


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=60)
@given(data=st.data())
def test_any_field_removed_parses_or_raises_payload_error(name: str, data: st.DataObject) -> None:
    raw = copy.deepcopy(payload(name))
    path = data.draw(st.sampled_from([p for p in _paths(raw) if p and isinstance(p[-1], str)]))
    parent = raw
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    _parse_or_payload_error(PARSERS[name], raw)


@pytest.mark.parametrize("parse", sorted(set(PARSERS.values()), key=lambda p: p.__module__))
@settings(max_examples=100)
@given(raw=json_values)
def test_arbitrary_json_parses_or_raises_payload_error(
    parse: Callable[[Mapping[str, Any]], ChannelOrder], raw: Any
) -> None:
    _parse_or_payload_error(parse, raw)


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150)
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=9), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_any_table_under_the_generic_header_parses_or_reports_row_errors(
    rows: list[list[str]], delimiter: str
) -> None:
    from linkstar.kit.errors import InvalidInput
    from linkstar.orders.connectors.files import parse_order_file

    header = [
        "external_id",
        "sku",
        "quantity",
        "unit_price",
        "currency",
        "placed_at",
        "ship_country",
        "status",
    ]
    lines = [delimiter.join(header)] + [
        delimiter.join(
            c.replace(delimiter, " ").replace("\n", " ").replace("\r", " ").replace('"', "")
            for c in row
        )
        for row in rows
    ]
    try:
        result = parse_order_file("\n".join(lines).encode(), "fuzz.csv", "linkstar")
    except InvalidInput:
        return
    assert len(result.orders) == len(result.raw)
    assert all(error.row >= 2 for error in result.errors)
    assert len(result.orders) + len({e.row for e in result.errors}) <= max(result.rows, 0) + len(
        result.orders
    )


@settings(max_examples=100)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_a_result_or_invalid_input(data: bytes) -> None:
    from linkstar.kit.errors import InvalidInput
    from linkstar.orders.connectors.files import parse_order_file

    for name in ("orders.csv", "orders.xlsx"):
        with contextlib.suppress(InvalidInput):
            parse_order_file(data, name, "linkstar")
