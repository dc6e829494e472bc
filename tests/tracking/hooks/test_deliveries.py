"""POST /hooks/{token} through the app, with signatures computed as each sender computes them:
verified deliveries are queued (one job per body), the job ingests them, refusals are kept as
dead letters and answered 4xx with the reason, and unknown tokens store nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from linkstar.jobs.runner import Outcome
from linkstar.kit.clock import utcnow
from linkstar.orders.models import Order
from linkstar.tracking.hooks.models import WebhookEndpoint
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.tracking.models import Shipment, TrackingEventRow
from tests.orders.conftest import make_order
from tests.tracking.hooks.conftest import (
    ORDER_PAYLOADS,
    TRACKING_PAYLOADS,
    Hooks,
    compact,
    done,
    payload,
)

K = EndpointKind


def orders_of(hooks: Hooks) -> list[tuple[str, str]]:
    with hooks.sessions() as s:
        rows = s.execute(select(Order.external_id, Order.channel).order_by(Order.external_id))
        return [(r[0], r[1]) for r in rows]


def accepted(response, duplicate: bool = False) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["duplicate"] is duplicate
    return str(body["job_id"])


def test_shopify_order_is_queued_then_ingested_once(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_shopify)
    body = payload(ORDER_PAYLOADS, "shopify_rest_multiline.json")

    job_id = accepted(hooks.post(hook, body))
    assert hooks.written() == {
        "jobs": 1,
        "orders": 0,  # answered before any parsing: the job does the work
        "order_dead_letters": 0,
        "events": 0,
        "tracking_dead_letters": 0,
    }
    assert hooks.run_jobs() == [Outcome.done]
    assert orders_of(hooks) == [("5745893228712", "shopify")]
    with hooks.sessions() as s:
        order = s.scalars(select(Order)).one()
        assert order.store_id == hook.store_id and order.organisation_id == tenant.org.id

    # The webhook job handed the new order to the pipeline: its allocation job runs next.
    assert hooks.run_jobs() == [Outcome.done]
    # Shopify retries the same delivery: the same job, still one order.
    assert accepted(hooks.post(hook, body), duplicate=True) == job_id
    assert hooks.run_jobs() == []
    assert hooks.count(Order) == 1
    assert [j.name for j in hooks.jobs()] == ["webhooks.orders", "orders.allocate"]


def test_tiktok_order_detail_is_ingested(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_tiktok)
    detail = json.loads(payload(ORDER_PAYLOADS, "tiktok_awaiting_shipment.json"))
    envelope = {"type": 1, "shop_id": "7494049642642441621", "timestamp": 1741000000}
    body = compact({**envelope, "data": detail})

    accepted(hooks.post(hook, body))
    assert hooks.run_jobs() == [Outcome.done]
    assert orders_of(hooks) == [("576829349823748312", "tiktok")]
    assert hooks.count(Order, store_id=hook.store_id) == 1


def test_tiktok_status_only_push_is_dead_lettered_with_the_reason(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_tiktok)
    push = {
        "type": 1,
        "tts_notification_id": "7327112393057371910",
        "shop_id": "7494049642642441621",
        "timestamp": 1741000000,
        "data": {
            "order_id": "576829349823748312",
            "order_status": "AWAITING_SHIPMENT",
            "is_on_hold_order": False,
            "update_time": 1741000000,
        },
    }
    body = compact(push)

    accepted(hooks.post(hook, body))
    assert hooks.run_jobs() == [Outcome.done]
    assert hooks.count(Order) == 0
    (dead,) = hooks.order_dead_letters()
    assert dead.raw == body.decode()
    assert dead.source == "webhook" and dead.store_id == hook.store_id
    assert "carries only order '576829349823748312'" in dead.error
    assert "without an API call" in dead.error


def test_generic_orders_batch_is_ingested(hooks, tenant):
    from linkstar.orders.core.codec import order_to_json

    hook = hooks.endpoint(tenant, K.orders_generic)
    body = compact([order_to_json(make_order("GEN-1")), order_to_json(make_order("GEN-2"))])

    accepted(hooks.post(hook, body))
    assert hooks.run_jobs() == [Outcome.done]
    assert [e for e, _ in orders_of(hooks)] == ["GEN-1", "GEN-2"]


def test_generic_order_with_one_bad_item_keeps_the_good_one_no_partial_order(hooks, tenant):
    from linkstar.orders.core.codec import order_to_json

    hook = hooks.endpoint(tenant, K.orders_generic)
    bad = {**order_to_json(make_order("GEN-BAD")), "currency": "dollars"}
    no_lines = {**order_to_json(make_order("GEN-EMPTY")), "lines": []}
    body = compact([order_to_json(make_order("GEN-OK")), bad, no_lines])

    accepted(hooks.post(hook, body))
    assert hooks.run_jobs() == [Outcome.done]
    # The good order is in; each bad one is its own dead letter, and no partial order exists.
    assert orders_of(hooks) == [("GEN-OK", "amazon")]
    letters = {json.loads(d.raw)["external_id"]: d for d in hooks.order_dead_letters()}
    assert set(letters) == {"GEN-BAD", "GEN-EMPTY"}
    assert letters["GEN-BAD"].error.startswith("orders:generic: [1] ")
    assert "currency" in letters["GEN-BAD"].error
    assert letters["GEN-EMPTY"].error == "an order needs at least one line"
    assert all(d.store_id == hook.store_id for d in letters.values())


@pytest.mark.parametrize(
    ("kind", "name", "tracking_number"),
    [
        (K.tracking_17track, "17track_tracking_updated.json", "YT2229521272164446"),
        (K.tracking_aftership, "aftership_tracking_update.json", "1ZA1B2C30312345673"),
        (K.tracking_generic, "generic_batch.json", "LP00724622449605"),
    ],
)
def test_tracking_push_stores_events_once(hooks, tenant, kind, name, tracking_number):
    hook = hooks.endpoint(tenant, kind)
    body = payload(TRACKING_PAYLOADS, name)

    job_id = accepted(hooks.post(hook, body))
    assert hooks.count(TrackingEventRow) == 0
    assert hooks.run_jobs() == [Outcome.done]
    events = hooks.count(TrackingEventRow)
    assert events > 0
    with hooks.sessions() as s:
        numbers = set(s.scalars(select(Shipment.tracking_number)))
        owners = set(s.scalars(select(Shipment.organisation_id)))
    assert tracking_number in numbers and owners == {tenant.org.id}

    assert accepted(hooks.post(hook, body), duplicate=True) == job_id
    assert hooks.run_jobs() == []
    assert hooks.count(TrackingEventRow) == events and len(hooks.jobs()) == 1


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (K.orders_shopify, "shopify_rest_multiline.json"),
        (K.orders_tiktok, "tiktok_awaiting_shipment.json"),
        (K.orders_generic, None),
        (K.tracking_17track, "17track_tracking_updated.json"),
        (K.tracking_aftership, "aftership_tracking_update.json"),
        (K.tracking_generic, "generic_batch.json"),
    ],
)
def test_tampered_body_is_401_and_a_dead_letter_only(hooks, tenant, kind, name):
    hook = hooks.endpoint(tenant, kind)
    folder = ORDER_PAYLOADS if kind.domain == "orders" else TRACKING_PAYLOADS
    body = payload(folder, name) if name else b'[{"external_id": "X-1"}]'
    signed_for = hook.headers(body)
    tampered = body.replace(b"1", b"2", 1)
    before = hooks.written()

    r = hooks.post(hook, tampered, signed_for)

    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_signature"
    assert "match" in error["message"]
    after = hooks.written()
    table = "order_dead_letters" if kind.domain == "orders" else "tracking_dead_letters"
    assert after == {**before, table: before[table] + 1}  # nothing else: no job, no order
    if kind.domain == "orders":
        (dead,) = hooks.order_dead_letters()
        assert dead.raw == tampered.decode() and dead.id == error["details"]["dead_letter_id"]
        assert dead.error.startswith(f"{kind.value}: ")
    else:
        (dead,) = hooks.tracking_dead_letters()
        assert dead.body == tampered.decode() and dead.reason == error["message"]
        assert "authorization" not in dead.headers


def test_missing_signature_is_401_with_the_reason(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_shopify)
    r = hooks.post(hook, b'{"id": 1}', headers={})
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "the X-Shopify-Hmac-Sha256 header is missing"
    assert hooks.count(Order) == 0 and hooks.jobs() == []
    assert len(hooks.order_dead_letters()) == 1


def test_tiktok_signature_is_bound_to_the_app_key(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_tiktok)
    body = payload(ORDER_PAYLOADS, "tiktok_awaiting_shipment.json")
    from linkstar.orders.connectors.signatures import tiktok_signature

    other_key = {"Authorization": tiktok_signature("another-app", hook.secret, body)}
    assert hooks.post(hook, body, other_key).status_code == 401
    assert hooks.jobs() == []


def test_generic_signature_older_than_five_minutes_is_refused(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_generic)
    body = payload(TRACKING_PAYLOADS, "generic_batch.json")
    stale = hook.headers(body, now=time.time() - 301)
    r = hooks.post(hook, body, stale)
    assert r.status_code == 401
    assert "old (tolerance 300 s)" in r.json()["error"]["message"]
    assert hooks.jobs() == [] and len(hooks.tracking_dead_letters()) == 1


def test_unknown_token_is_404_and_stores_nothing(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_17track)
    body = payload(TRACKING_PAYLOADS, "17track_tracking_updated.json")
    before = hooks.written()
    for path in ["/hooks/not-a-token", "/hooks/" + "x" * 300, hook.path + "x"]:
        r = hooks.client.post(path, content=body, headers=hook.headers(body))
        assert r.status_code == 404, (path, r.text)
        assert r.json()["error"]["code"] == "not_found"
    assert hooks.written() == before


def test_deleted_or_inactive_endpoint_is_404(hooks, tenant):
    from linkstar.db.uow import unit_of_work

    hook = hooks.endpoint(tenant, K.tracking_aftership)
    body = payload(TRACKING_PAYLOADS, "aftership_tracking_update.json")
    with unit_of_work(hooks.sessions) as s:
        s.get(WebhookEndpoint, hook.id).is_active = False  # type: ignore[union-attr]
    assert hooks.post(hook, body).status_code == 404
    assert hooks.written()["jobs"] == 0


def test_oversize_body_is_413_and_stores_nothing(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_shopify)
    body = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    before = hooks.written()
    r = hooks.post(hook, body)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"
    assert hooks.written() == before


def test_signed_but_unparseable_order_is_202_then_a_dead_letter(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_shopify)
    body = b'{"id": 820982911946154508, "topic": "app/uninstalled"}'

    accepted(hooks.post(hook, body))
    assert hooks.order_dead_letters() == []
    assert hooks.run_jobs() == [Outcome.done]
    assert done(hooks) == ["done"]
    assert hooks.count(Order) == 0
    (dead,) = hooks.order_dead_letters()
    assert dead.raw == body.decode() and dead.state == "open"
    assert dead.error == (
        "orders:shopify: $: neither a REST (line_items) nor a GraphQL (lineItems) order"
    )


def test_signed_but_not_json_order_is_dead_lettered(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_generic)
    accepted(hooks.post(hook, b"order=1"))
    assert hooks.run_jobs() == [Outcome.done]
    (dead,) = hooks.order_dead_letters()
    assert dead.error.startswith("orders:generic: the body is not JSON")


def test_signed_but_malformed_tracking_is_422_and_a_dead_letter(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_17track)
    body = b'{"event": "TRACKING_UPDATED", "data": []}'
    r = hooks.post(hook, body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_payload"
    assert hooks.jobs() == []
    (dead,) = hooks.tracking_dead_letters()
    assert dead.source == "17track" and dead.body == body.decode()
    assert dead.reason == r.json()["error"]["message"] and "sign" in dead.headers


def test_body_that_is_not_utf8_is_422_and_kept(hooks, tenant):
    hook = hooks.endpoint(tenant, K.orders_generic)
    body = b'{"external_id": "\xff\xfe"}'
    r = hooks.post(hook, body)
    assert r.status_code == 422 and r.json()["error"]["message"] == "the body is not UTF-8"
    (dead,) = hooks.order_dead_letters()
    assert dead.raw == '{"external_id": "\ufffd\ufffd"}'
    assert hooks.jobs() == []


def test_nul_bytes_are_refused_and_kept_without_them(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_generic)
    body = b'{"updates": "\x00"}'
    r = hooks.post(hook, body)
    assert r.status_code == 422 and "NUL" in r.json()["error"]["message"]
    (dead,) = hooks.tracking_dead_letters()
    assert dead.body == '{"updates": "\ufffd"}'


def test_delivery_records_last_received_at(hooks, tenant):
    hook = hooks.endpoint(tenant, K.tracking_17track)
    body = payload(TRACKING_PAYLOADS, "17track_tracking_updated.json")
    start = utcnow() - timedelta(seconds=1)
    accepted(hooks.post(hook, body))
    with hooks.sessions() as s:
        endpoint = s.get(WebhookEndpoint, hook.id)
        assert endpoint is not None and endpoint.last_received_at is not None
        assert endpoint.last_received_at >= start


def test_same_body_to_two_organisations_is_two_jobs_each_in_its_own(hooks, make_tenant):
    a, b = make_tenant("A Trading"), make_tenant("B Retail")
    hook_a = hooks.endpoint(a, K.tracking_17track)
    hook_b = hooks.endpoint(b, K.tracking_17track)
    body = payload(TRACKING_PAYLOADS, "17track_tracking_updated.json")
    accepted(hooks.post(hook_a, body))
    accepted(hooks.post(hook_b, body))
    assert hooks.run_jobs() == [Outcome.done, Outcome.done]
    with hooks.sessions() as s:
        owners = sorted(s.scalars(select(Shipment.organisation_id)))
    assert owners == sorted([a.org.id, b.org.id])
    # A's secret does not open B's endpoint.
    assert hooks.post(hook_b, body, hook_a.headers(body) | {"sign": "0" * 64}).status_code == 401


def test_dead_lettered_shopify_body_is_retried_with_the_shopify_parser(hooks, tenant):
    from linkstar.db.uow import unit_of_work
    from linkstar.orders import service as orders
    from linkstar.orders.models import OrderDeadLetter
    from linkstar.workspace.core import system_principal

    hook = hooks.endpoint(tenant, K.orders_shopify)
    good = json.loads(payload(ORDER_PAYLOADS, "shopify_rest_multiline.json"))
    broken = {k: v for k, v in good.items() if k != "line_items"}
    body = compact(broken)
    accepted(hooks.post(hook, body))
    hooks.run_jobs()
    (dead,) = hooks.order_dead_letters()
    # The parser (or the sender) is fixed: the kept body is corrected and retried.
    with unit_of_work(hooks.sessions) as s:
        row = s.get(OrderDeadLetter, dead.id)
        assert row is not None
        row.raw = json.dumps(good)
    with unit_of_work(hooks.sessions) as s:
        result = orders.retry_dead_letter(s, system_principal(tenant.org.id), dead.id)
    assert result.error is None, result.error
    assert orders_of(hooks) == [("5745893228712", "shopify")]
