"""Order fixtures: a store per tenant and a factory of realistic canonical orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from linkstar.db.uow import unit_of_work
from linkstar.orders.core.canonical import (
    Buyer,
    Channel,
    ChannelOrder,
    ChannelStatus,
    OrderLine,
    PostalAddress,
)
from linkstar.workspace.models import Store

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
GOOD_US = PostalAddress(
    name="Maria Lopez",
    line1="1600 Amphitheatre Pkwy",
    city="Mountain View",
    state="CA",
    postcode="94043",
    country="US",
    phone="+1 650 253 0000",
)
BAD_US = PostalAddress(name="X", line1="", city="", state="", postcode="00000", country="US")


def make_order(
    external_id: str = "112-0000001-0000001",
    *,
    version: datetime = T0,
    status: ChannelStatus = ChannelStatus.OPEN,
    ship_to: PostalAddress | None = GOOD_US,
    lines: tuple[OrderLine, ...] | None = None,
    total: str = "59.98",
    **kw: Any,
) -> ChannelOrder:
    """An Amazon-like order with two units of one SKU unless told otherwise."""
    return ChannelOrder(
        channel=kw.pop("channel", Channel.AMAZON),
        external_id=external_id,
        version=version,
        placed_at=kw.pop("placed_at", T0 - timedelta(hours=2)),
        status=status,
        currency=kw.pop("currency", "USD"),
        lines=lines or (OrderLine("L1", "AMZ-MUG-RED", 2, Decimal("29.99"), "Red enamel mug"),),
        external_number=kw.pop("external_number", external_id),
        buyer=kw.pop("buyer", Buyer("Maria Lopez", "maria@example.com")),
        ship_to=ship_to,
        subtotal=Decimal(total),
        total=Decimal(total),
        **kw,
    )


@pytest.fixture
def store(sessions, tenant) -> str:  # type: ignore[no-untyped-def]
    """A US Amazon store of the tenant; returns its id."""
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id,
            name="Amazon US",
            channel="amazon",
            region="US",
            currency="USD",
        )
        s.add(row)
        s.flush()
        return row.id
