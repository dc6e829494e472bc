"""The Orders console: list, search, detail with timeline, holds queue, dead letters, SKU
mappings and the rules editor with its dry run."""

from __future__ import annotations

import json

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.orders import service
from linkstar.orders.core.canonical import Buyer
from linkstar.orders.ingest import ingest
from linkstar.orders.models import Order, OrderRuleRow
from linkstar.workspace.core import Role, system_principal
from tests.orders.conftest import BAD_US, make_order
from tests.web.conftest import snapshot


def test_list_search_and_detail_timeline(tenant, owner, seeded, sessions):
    html = owner.get("/orders").text
    assert f"ORD-{tenant.org.id[:6]}" in html and "1-1 of 1" in html
    assert "No orders match." in owner.get("/orders", params={"q": "nobody"}).text
    detail = owner.get(f"/orders/{seeded.order_id}").text
    for text in (
        "Timeline",
        "imported",
        "rule_applied",
        "Tag big orders",
        "HP-85123A",
        "AMZ-MUG-RED",
        "Raw payloads",
        "webhook",
    ):
        assert text in detail, text


def test_buyer_text_is_escaped(tenant, owner, seeded, sessions):
    evil = make_order(
        "EVIL-1", buyer=Buyer("<script>alert(1)</script>", "x@example.com"), total="5.00"
    )
    with unit_of_work(sessions) as s:
        payload = {"note": "<img src=x onerror=alert(1)>"}
        store_id = seeded.store_id
        ingest(s, tenant.org.id, store_id, [(evil, payload)], "api")
    html = owner.get("/orders", params={"q": "EVIL"}).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    with unit_of_work(sessions) as s:
        order_id = s.scalars(select(Order.id).where(Order.external_id == "EVIL-1")).one()
    detail = owner.get(f"/orders/{order_id}").text
    assert "<img src=x" not in detail and "&lt;img src=x" in detail


def test_hold_then_release_from_the_holds_queue(tenant, owner, seeded, sessions):
    response = owner.post(f"/orders/{seeded.order_id}/hold", {"reason": "fraud_check"})
    assert response.status_code == 303
    queue = owner.get("/orders/holds").text
    assert "fraud_check" in queue and "Release" in queue
    released = owner.post(
        f"/orders/{seeded.order_id}/release", {"note": "buyer verified", "back": "holds"}
    )
    assert released.headers["location"] == "/orders/holds"
    assert "Nothing on hold." in owner.get("/orders/holds").text
    with unit_of_work(sessions) as s:
        events = service.get_order(s, system_principal(tenant.org.id), seeded.order_id).events
    assert [e.kind for e in events][-2:] == ["held", "released"]
    assert events[-1].detail == {"reason": "fraud_check", "note": "buyer verified"}


def test_invalid_hold_reason_is_explained_and_changes_nothing(tenant, owner, seeded, sessions):
    before = snapshot(sessions, tenant.org.id)
    response = owner.post(f"/orders/{seeded.order_id}/hold", {"reason": "Not A Code"})
    assert response.status_code == 303
    assert "hold reason must be" in owner.get(response.headers["location"]).text
    assert snapshot(sessions, tenant.org.id) == before


def test_dead_letters_retry_and_discard(owner, seeded):
    page = owner.get("/orders/dead-letters").text
    assert "lines: is required" in page and "Retry" in page
    retried = owner.post(f"/orders/dead-letters/{seeded.dead_letter_id}/retry")
    assert "Still failing" in owner.get(retried.headers["location"]).text
    owner.post(f"/orders/dead-letters/{seeded.dead_letter_id}/discard")
    assert "No open dead letters." in owner.get("/orders/dead-letters").text
    assert "lines: is required" in owner.get("/orders/dead-letters?state=discarded").text


def test_rules_editor_dry_run_save_and_errors(tenant, owner, seeded, sessions):
    rule = {
        "name": "US tag",
        "when": {"field": "ship_to.country", "op": "eq", "value": "US"},
        "then": [{"type": "tag", "tag": "domestic"}],
    }
    dry = owner.post("/orders/rules/dry-run", {"rule": json.dumps(rule)})
    assert dry.status_code == 200
    assert "fires on 1 of 1 orders of the last 30 days" in dry.text
    bad = {**rule, "when": {"field": "ship_to.zip", "op": "eq", "value": "1"}}
    refused = owner.post("/orders/rules", {"rule": json.dumps(bad)})
    assert refused.status_code == 422 and "when.field" in refused.text
    assert owner.post("/orders/rules", {"rule": "{not json"}).status_code == 422
    saved = owner.post("/orders/rules", {"rule": json.dumps(rule)})
    assert saved.status_code == 303
    with unit_of_work(sessions) as s:
        names = list(s.scalars(select(OrderRuleRow.name).order_by(OrderRuleRow.position)))
    assert names == ["Tag big orders", "US tag"]
    assert "US tag" in owner.get("/orders/rules").text


def test_sku_mapping_form_and_viewer_has_no_controls(
    tenant, owner, seeded, make_user, browser_factory
):
    form = {
        "scope": "channel:shopify",
        "channel_sku": "SH-KIT",
        "master_sku": "",
        "components": "HP-1*2|HP-2",
    }
    assert owner.post("/orders/sku-mappings", form).status_code == 303
    page = owner.get("/orders/sku-mappings").text
    assert "SH-KIT" in page and "bundle: 2 x " in page
    viewer = browser_factory(make_user(tenant, Role.viewer))
    for path in ("/orders", "/orders/holds", "/orders/sku-mappings", f"/orders/{seeded.order_id}"):
        html = viewer.get(path).text
        assert html.count('method="post"') == 1, path  # only the sign-out form
    assert 'formaction="/orders/rules"' not in viewer.get("/orders/rules").text


def test_bad_address_order_lands_in_the_holds_queue(tenant, owner, seeded, sessions):
    with unit_of_work(sessions) as s:
        ingest(
            s, tenant.org.id, seeded.store_id, [(make_order("BAD-1", ship_to=BAD_US), None)], "poll"
        )
    queue = owner.get("/orders/holds").text
    assert "BAD-1" in queue and ">address<" in queue
