"""Bad input never gives a 500: garbage sent to every POST and PATCH of the OpenAPI document
gets a 4xx with the error envelope, and writes nothing."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inventory import inbound
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments
from linkstar.workspace.core import Role, system_principal
from tests.api.conftest import envelope
from tests.api.test_tenant_isolation import (
    BODIES,
    _seed_routing,
    seed_carrier_account,
    seed_inbox_automation,
)
from tests.inbox.mail_seed import seed_inbox_dead_letter, seed_inbox_mail
from tests.inbox.seed import seed_inbox
from tests.inventory.seed import seed_for_isolation
from tests.orders.seed import seed_orders

PARAM = re.compile(r"{(\w+)}")

# Bodies no operation accepts (JSON that is not an object, or not JSON at all).
NOT_AN_OBJECT: list[tuple[str, bytes]] = [
    ("malformed", b'{"name": '),
    ("not json", b"name=x&channel=amazon"),
    ("trailing garbage", b'{"name": "x"} }'),
    ("array", b"[]"),
    ("array of objects", b'[{"name": "x"}]'),
    ("string", b'"hello"'),
    ("number", b"42"),
    ("null", b"null"),
    ("true", b"true"),
    ("empty", b""),
    ("nan", b"NaN"),
    ("deep", b"[" * 5000 + b"]" * 5000),
    ("invalid utf-8", b'{"name": "\xff\xfe"}'),
]
# Routes whose text fields take any text by contract (a verdict with reasons, never a 422).
ANY_TEXT = {("POST", "/api/v1/addresses/check")}
# List fields whose items are kept as dead letters when they do not parse (a 201 with errors).
DEAD_LETTERED = {("POST", "/api/v1/orders/import", "orders")}
# Values that are wrong for every field of every schema (none is a bare object or string).
WRONG_FOR_ANY_FIELD: list[Any] = [
    {"nested": {"deeper": [1, 2, 3]}},
    [[["x"]]],
    "x" * 100_000,
    -(10**40),
]


def _seed(api, tenant) -> dict[str, str]:  # type: ignore[no-untyped-def]
    store_id = api.store(tenant)
    ids = {
        **seed_orders(api.sessions, tenant.org.id, store_id),
        "store_id": store_id,
        "warehouse_id": api.warehouse(tenant, "NJ1"),
        "user_id": api.add_user(tenant, Role.operator).id,
        "key_id": api.key_secret(tenant, ["orders:read"])[0],
        "job_id": api.job(tenant, JobStatus.dead),
        "review_id": api.address_review(tenant),
    }
    actor = system_principal(tenant.org.id)
    ids |= seed_for_isolation(api.sessions, actor, "NJ1", ids["store_id"])
    ids |= _seed_routing(api, tenant, "BAD-ORDER")
    ids |= seed_inbox(api.sessions, tenant.org.id, "BAD")
    ids |= seed_inbox_automation(api, tenant, ids["thread_id"])
    ids |= seed_inbox_mail(api.sessions, api.client.app.state.box, tenant.org.id, "bad.example")
    ids |= seed_inbox_dead_letter(api.sessions, tenant.org.id)
    # Inactive, so the bodiless POST /tracking/carrier-accounts/poll answers 409 here.
    ids["account_id"] = seed_carrier_account(api, tenant, active=False)
    # A shipment with no events: the body-less POST /tracking/sweep finds nothing to open.
    with unit_of_work(api.sessions) as s:
        number = ShipmentCreate(tracking_number="BADSEED0001", carrier="usps")
        ids["shipment_id"] = register_shipments(s, actor, [number])[0].id
    # Received already, so the bodiless POST .../receive answers 409 and changes nothing here.
    with unit_of_work(api.sessions) as s:
        inbound.receive(s, actor, ids["inbound_id"])
    return ids


def _writes(client) -> list[tuple[str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"post", "patch", "put"}
    ]


def _url(path: str, ids: dict[str, str]) -> str:
    url = path.removeprefix("/api/v1")
    for name in PARAM.findall(path):
        url = url.replace("{" + name + "}", ids[name])
    return url


def _check(response, allow_success: bool = False) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        envelope(response)
    else:
        assert allow_success, (response.status_code, response.text)


@pytest.fixture
def target(api, tenant):
    ids = _seed(api, tenant)
    return api.with_key(tenant), ids


def test_garbage_bodies_to_every_write(api, client, target):
    caller, ids = target
    writes = _writes(client)
    assert len(writes) >= 10
    counts = api.counts()
    started = time.monotonic()
    for method, path, op in writes:
        url = _url(path, ids)
        takes_body = "requestBody" in op
        for label, raw in NOT_AN_OBJECT:
            for content_type in ["application/json", "text/plain"]:
                r = caller.call(method, url, content=raw, headers={"Content-Type": content_type})
                # Routes without a body ignore it (revoke, retry); the rest refuse it.
                _check(r, allow_success=not takes_body)
                if takes_body:
                    assert r.status_code in {400, 422}, (method, path, label, r.text)
        if not takes_body or "application/json" not in op["requestBody"]["content"]:
            continue  # file uploads: their own tests send broken files (tests/rating)
        valid = BODIES[(method, path)]
        if "store_id" in valid:
            valid = {**valid, "store_id": ids["store_id"]}
        for field in valid:
            for value in WRONG_FOR_ANY_FIELD:
                r = caller.call(method, url, json={**valid, field: value})
                if (method, path) in ANY_TEXT and isinstance(value, str):
                    assert r.status_code == 200, (method, path, field, r.text[:300])
                    assert "field_too_long" in r.text
                    continue
                if (method, path, field) in DEAD_LETTERED and isinstance(value, list):
                    assert r.status_code == 201, (method, path, field, r.text[:300])
                    assert r.json()["created"] == 0 and len(r.json()["errors"]) == len(value)
                    continue
                assert r.status_code == 422, (method, path, field, r.text[:300])
                assert envelope(r)["code"] in {"invalid_input", "rule_invalid", "policy_rejected"}
        r = caller.call(method, url, json={**valid, "unexpected": 1})
        assert r.status_code == 422, (method, path)
        details = envelope(r)["details"]
        # Schema errors list fields; rule documents validated as data list their own paths.
        items = details if isinstance(details, list) else details["errors"]
        assert {"body.unexpected", "unexpected"} & {d["field"] for d in items}, (path, details)
        huge = json.dumps({**valid, "name": "x" * 1_100_000})
        r = caller.call(method, url, content=huge, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert envelope(r)["code"] == "payload_too_large"
    # Body-less actions (key revoke, job retry, dead-letter retry, suspension resume, inbox
    # dead-letter discard) ran for real above; discount their effect.
    changed = {k: v for k, v in api.counts().items() if v != counts[k]}
    # Dead letters are the one write bad input may cause: the unparseable items, kept.
    # POST /stores/{store_id}/sync and .../publish (no body) each enqueued one job for A's
    # store, once per minute.
    queued = ("orders.poll_store", "inventory.publish_store")
    with api.sessions() as s:
        jobs = s.scalars(select(OutboxJob.name).where(OutboxJob.name.in_(queued))).all()
    # A loop that crosses a minute boundary enqueues again: one job per name per minute begun.
    minutes = int(time.monotonic() - started) // 60 + 2
    if "outbox_jobs" in changed:
        assert changed.pop("outbox_jobs") - counts["outbox_jobs"] == len(jobs)
        assert set(jobs) == set(queued)
        assert all(jobs.count(name) <= minutes for name in queued), jobs
    assert set(changed) <= {"audit_log", "order_dead_letters"}, changed
    assert changed.get("audit_log", counts["audit_log"]) - counts["audit_log"] <= 5


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/stores", {"channel": "myspace"}, "channel"),
        ("/warehouses", {"kind": "cave"}, "kind"),
        ("/users", {"role": "god"}, "role"),
        ("/api-keys", {"scopes": ["root:everything"]}, "scopes.0"),
        ("/api-keys", {"scopes": []}, "scopes"),
        ("/stores", {"currency": "dollars"}, "currency"),
        ("/warehouses", {"country": "Neverland"}, "country"),
        ("/warehouses", {"timezone": "Mars/Base"}, "timezone"),
        ("/stores", {"name": None}, "name"),
        ("/stores", {"credentials": {"k": 1}}, "credentials.k"),
        ("/stores", {"credentials": {f"k{i}": "v" for i in range(21)}}, "credentials"),
        ("/users", {"email": "not-an-email"}, "email"),
        ("/users", {"email": "a" * 250 + "@x.example"}, "email"),
        ("/api-keys", {"expires_at": "tomorrow"}, "expires_at"),
        ("/tracking/exceptions/message-buyers", {"ids": []}, "ids"),
        ("/tracking/exceptions/message-buyers", {"ids": ["0" * 32] * 501}, "ids"),
        ("/tracking/exceptions/message-buyers", {"template_id": ""}, "template_id"),
        ("/tracking/carrier-accounts", {"carrier": "tnt"}, "carrier"),
        ("/tracking/carrier-accounts", {"environment": "staging"}, "environment"),
        ("/tracking/carrier-accounts", {"credentials": {"client_id": 7}}, "credentials.client_id"),
        (
            "/tracking/carrier-accounts",
            {"credentials": {f"k{i}": "v" for i in range(5)}},
            "credentials",
        ),
    ],
)
def test_wrong_values_name_the_field(api, target, path, body, field):
    caller, _ = target
    valid = BODIES[("POST", "/api/v1" + path)]
    counts = api.counts()
    r = caller.post(path, json={**valid, **body})
    assert r.status_code == 422, r.text
    error = envelope(r)
    assert error["code"] == "invalid_input"
    assert f"body.{field}" in [d["field"] for d in error["details"]], error
    assert api.counts() == counts


def test_bad_path_and_query_values(api, target):
    caller, _ = target
    for path in [
        "/stores/" + "x" * 5000,
        "/stores/%00",
        "/users/'; DROP TABLE users;--",
        "/jobs/..%2f..",
    ]:
        r = caller.get(path)
        assert r.status_code in {404, 422}, (path, r.text)
        envelope(r)
    for query in [{"entity_type": "x" * 61}, {"entity_type": ""}, {"limit": "1e9"}]:
        r = caller.get("/audit-log", params=query)
        assert r.status_code == 422
        envelope(r)
    r = caller.get("/audit-log", params={"entity_type": "\x00"})
    _check(r, allow_success=True)
    for query in [
        {"from": "2026-02-30"},
        {"to": "x" * 5000},
        {"from": "2026-12-06", "to": "2026-11-30"},
        {"from": "2020-01-01", "to": "2026-01-01"},
        {"channel": "\x00"},
        {"grain": "year"},
        {"lead_window_days": "-1"},
    ]:
        r = caller.get("/inbox/reports", params=query)
        assert r.status_code == 422, (query, r.text)
        envelope(r)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzz_every_write_never_500(api, client, target, data):
    """Random JSON in random fields of a valid body, or as the whole body."""
    caller, ids = target
    writes = [
        w
        for w in _writes(client)
        if "application/json" in w[2].get("requestBody", {}).get("content", {})
    ]
    method, path, _ = data.draw(st.sampled_from(writes), label="operation")
    valid = BODIES[(method, path)]
    body = data.draw(
        st.one_of(
            json_values,
            st.fixed_dictionaries(
                {},
                optional={k: st.one_of(st.just(v), json_values) for k, v in valid.items()},
            ),
        ),
        label="body",
    )
    # A password that passes the strength rules would cost an argon2 hash per example.
    if isinstance(body, dict) and isinstance(body.get("password"), str):
        body["password"] = "short"
    r = caller.call(method, _url(path, ids), json=body)
    _check(r, allow_success=True)


def test_nul_bytes_are_refused_or_stored_never_500(api, target):
    """PostgreSQL text cannot hold NUL: the database refuses it, the client gets a 422."""
    caller, _ = target
    counts = api.counts()
    r = caller.post("/stores", json={**BODIES[("POST", "/api/v1/stores")], "name": "a\x00b"})
    assert r.status_code in {201, 422}, r.text
    if r.status_code == 422:
        assert envelope(r)["code"] == "invalid_input"
        assert api.counts() == counts


@pytest.mark.parametrize("minutes", [0, 1441, "often", None])
def test_store_sync_interval_out_of_range_is_refused(api, target, minutes):
    caller, _ = target
    store_id = caller.get("/stores").json()["items"][0]["id"]
    counts = api.counts()
    r = caller.patch(f"/stores/{store_id}/sync", json={"interval_minutes": minutes})
    assert r.status_code == 422, r.text
    assert "body.interval_minutes" in [d["field"] for d in envelope(r)["details"]]
    assert api.counts() == counts


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/stock-publications/{run_id}/lines", {"status": "exploded"}, "status"),
        ("/stock-publications/{run_id}/lines", {"status": "x" * 40}, "query.status"),
        ("/stock-publications", {"store_id": "s" * 40}, "query.store_id"),
        ("/stores/{store_id}/publish", {"dry_run": "perhaps"}, "query.dry_run"),
    ],
)
def test_stock_publication_filters_are_checked(api, tenant, target, path, params, field):
    from linkstar.orders.stock import service as stock

    caller, ids = target
    with unit_of_work(api.sessions) as s:
        run = stock.publish_store(
            s, tenant.org.id, ids["store_id"], None, trigger="cli", dry_run=True
        )
        ids = {**ids, "run_id": run.id}
    counts = api.counts()
    method = "POST" if path.endswith("/publish") else "GET"
    r = caller.call(method, _url("/api/v1" + path, ids), params=params)
    assert r.status_code in {400, 422}, r.text
    details = envelope(r)["details"]
    fields = [d["field"] for d in details] if isinstance(details, list) else [details["field"]]
    assert field in fields
    assert api.counts() == counts


BODY_KEYS = ["tracking_number", "carrier", "event_time", "raw_code", "raw_description", "x"]
_EVENT_HEADER = "tracking_number,carrier,event_time,raw_code,raw_description,city,country\n"
_event_cells = st.one_of(
    st.sampled_from(["", "1Z5R89390357567127", "usps", "2025-03-03T09:22:00Z", "x,y", '"']),
    st.text(max_size=30),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(["e.csv", "e.jsonl", "e.NDJSON", "e.json", "e"]),
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(st.lists(_event_cells, min_size=1, max_size=8), max_size=6).map(
            lambda rows: (_EVENT_HEADER + "\n".join(",".join(r) for r in rows)).encode()
        ),
        st.lists(st.dictionaries(st.sampled_from(BODY_KEYS), _event_cells), max_size=5).map(
            lambda rows: "\n".join(json.dumps(r) for r in rows).encode()
        ),
    ),
)
def test_fuzz_events_file_upload_never_500(api, tenant, name, data):
    """Any bytes under any name: a 4xx writing nothing, or every row accounted for."""
    caller = api.with_key(tenant)
    before = api.counts()
    r = caller.post("/tracking/events/import-file", files={"file": (name, data, "text/csv")})
    assert r.status_code in {200, 422}, r.text
    if r.status_code == 422:
        envelope(r)
        assert api.counts() == before
        return
    body = r.json()
    assert body["rows"] == body["events"] + len(body["row_errors"])
    assert body["events_inserted"] + body["duplicates"] <= body["events"]


def test_carrier_account_credentials_are_checked_per_carrier(api, target):
    caller, _ = target
    valid = BODIES[("POST", "/api/v1/tracking/carrier-accounts")]
    counts = api.counts()
    for credentials, field in [
        ({"client_id": "id-123456789"}, "credentials.client_secret"),
        ({"api_key": "k" * 12}, "credentials"),
        ({"client_id": " ", "client_secret": "s" * 12}, "credentials.client_id"),
    ]:
        r = caller.post("/tracking/carrier-accounts", json={**valid, "credentials": credentials})
        assert r.status_code == 422, r.text
        assert envelope(r)["details"]["field"] == field, r.text
    assert api.counts() == counts
