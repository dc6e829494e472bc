"""Every file of examples/webhooks, signed as docs/formats/webhooks.md shows, is accepted by
its kind of endpoint and does what the page says."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkstar.jobs.runner import Outcome
from linkstar.orders.models import Order
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.tracking.models import TrackingEventRow

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "webhooks"
K = EndpointKind


@pytest.mark.parametrize(
    ("name", "kind", "orders", "dead"),
    [
        ("shopify_orders_create.json", K.orders_shopify, 1, 0),
        ("tiktok_order_detail.json", K.orders_tiktok, 1, 0),
        ("tiktok_status_only.json", K.orders_tiktok, 0, 1),
        ("orders_generic.json", K.orders_generic, 2, 0),
        ("17track_tracking_updated.json", K.tracking_17track, 0, 0),
        ("aftership_tracking_update.json", K.tracking_aftership, 0, 0),
        ("tracking_generic.json", K.tracking_generic, 0, 0),
    ],
)
def test_example_is_accepted(hooks, tenant, name, kind, orders, dead):
    hook = hooks.endpoint(tenant, kind)
    r = hooks.post(hook, (EXAMPLES / name).read_bytes())
    assert r.status_code == 202, r.text
    assert hooks.run_jobs() == [Outcome.done]
    assert hooks.count(Order) == orders
    assert len(hooks.order_dead_letters()) == dead
    if kind.domain == "tracking":
        assert hooks.count(TrackingEventRow) > 0
    assert hooks.tracking_dead_letters() == []


def test_every_example_is_covered():
    assert len(list(EXAMPLES.glob("*.json"))) == 7
