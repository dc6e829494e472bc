"""Channel SKU → master SKU, and bundles (kits) exploded into their components.

A mapping is scoped to one store or to a whole channel; the store's mapping wins. A mapping
names either one master SKU or a list of components with quantities (a bundle). A channel SKU
without a mapping is its own master SKU (most sellers use one SKU everywhere) and is reported
as unmapped so the console can show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from linkstar.kit.errors import InvalidInput

MAX_COMPONENTS = 50
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Component:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class SkuMapping:
    """store_id or channel (one of them) + channel_sku → master_sku, or components."""

    channel_sku: str
    master_sku: str | None = None
    components: tuple[Component, ...] = ()
    store_id: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        check_mapping(self)


def check_mapping(mapping: SkuMapping) -> None:
    """InvalidInput unless the mapping names one scope and one target."""
    if (mapping.store_id is None) == (mapping.channel is None):
        raise InvalidInput("a SKU mapping is scoped to a store or to a channel, not both")
    if not mapping.channel_sku.strip() or len(mapping.channel_sku) > 120:
        raise InvalidInput("channel_sku is text of 1-120 characters", {"field": "channel_sku"})
    if (mapping.master_sku is None) == (not mapping.components):
        raise InvalidInput(
            "a SKU mapping has a master_sku or bundle components, not both",
            {"field": "master_sku"},
        )
    if mapping.master_sku is not None and not mapping.master_sku.strip():
        raise InvalidInput("master_sku must not be empty", {"field": "master_sku"})
    if len(mapping.components) > MAX_COMPONENTS:
        raise InvalidInput(f"a bundle has at most {MAX_COMPONENTS} components")
    seen: set[str] = set()
    for c in mapping.components:
        if not c.sku.strip() or c.quantity < 1:
            raise InvalidInput(
                "bundle components need a SKU and a quantity of at least 1",
                {"field": "components", "sku": c.sku},
            )
        if c.sku in seen:
            raise InvalidInput(f"component {c.sku} is listed twice", {"field": "components"})
        seen.add(c.sku)


class SkuMap:
    """The mappings of one organisation, for fast look-ups during ingestion."""

    def __init__(self, mappings: Iterable[SkuMapping] = ()) -> None:
        self._by_store: dict[tuple[str, str], SkuMapping] = {}
        self._by_channel: dict[tuple[str, str], SkuMapping] = {}
        for m in mappings:
            if m.store_id is not None:
                self._by_store[(m.store_id, m.channel_sku)] = m
            else:
                assert m.channel is not None
                self._by_channel[(m.channel, m.channel_sku)] = m

    def find(self, store_id: str, channel: str, channel_sku: str) -> SkuMapping | None:
        """The store's mapping of the SKU, else the channel's, else None."""
        return self._by_store.get((store_id, channel_sku)) or self._by_channel.get(
            (channel, channel_sku)
        )


@dataclass(frozen=True, slots=True)
class ExplodedLine:
    """One line to fulfil: a master SKU and its quantity (a bundle gives several)."""

    external_line_id: str
    channel_sku: str
    master_sku: str
    quantity: int
    unit_price: Decimal
    title: str | None
    component_of: str | None  # the bundle's channel SKU when this is one of its components


@dataclass(frozen=True, slots=True)
class InputLine:
    external_line_id: str
    channel_sku: str
    quantity: int
    unit_price: Decimal
    title: str | None = None


def explode(
    lines: Sequence[InputLine], store_id: str, channel: str, skus: SkuMap
) -> tuple[list[ExplodedLine], list[str]]:
    """Fulfilment lines for an order's lines, and the channel SKUs that had no mapping.

    A bundle's price is shared among its components in proportion to their quantities, to the
    cent, with the rounding remainder on the last component, so the lines still add up.
    """
    out: list[ExplodedLine] = []
    unmapped: list[str] = []
    for line in lines:
        m = skus.find(store_id, channel, line.channel_sku)
        if m is None or m.master_sku is not None:
            if m is None and line.channel_sku not in unmapped:
                unmapped.append(line.channel_sku)
            master = line.channel_sku if m is None else str(m.master_sku)
            out.append(
                ExplodedLine(
                    line.external_line_id,
                    line.channel_sku,
                    master,
                    line.quantity,
                    line.unit_price,
                    line.title,
                    None,
                )
            )
            continue
        out.extend(_components(line, m.components))
    return out, unmapped


def _components(line: InputLine, components: Sequence[Component]) -> list[ExplodedLine]:
    units = sum(c.quantity for c in components)
    remaining = line.unit_price
    found: list[ExplodedLine] = []
    for index, c in enumerate(components):
        if index == len(components) - 1:
            share = remaining
        else:
            share = (line.unit_price * c.quantity / units).quantize(_CENT, ROUND_HALF_UP)
            remaining -= share
        # unit price of the component = its share of one bundle / its quantity per bundle
        unit = (share / c.quantity).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        found.append(
            ExplodedLine(
                line.external_line_id,
                line.channel_sku,
                c.sku,
                line.quantity * c.quantity,
                unit,
                line.title,
                line.channel_sku,
            )
        )
    return found


def components_from_text(text: str) -> tuple[Component, ...]:
    """Components written as `SKU-A*2|SKU-B` (quantity 1 when omitted), as in CSV imports."""
    found: list[Component] = []
    for part in (p.strip() for p in text.split("|")):
        if not part:
            continue
        sku, _, qty = part.partition("*")
        try:
            quantity = int(qty) if qty.strip() else 1
        except ValueError:
            raise InvalidInput(f"component quantity {qty!r} is not a whole number") from None
        found.append(Component(sku.strip(), quantity))
    return tuple(found)


def components_json(components: Iterable[Component]) -> list[dict[str, object]]:
    return [{"sku": c.sku, "quantity": c.quantity} for c in components]


def components_from_json(items: Iterable[Mapping[str, object]] | None) -> tuple[Component, ...]:
    return tuple(Component(str(i["sku"]), int(str(i["quantity"]))) for i in items or ())
