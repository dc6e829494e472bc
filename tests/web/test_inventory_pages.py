"""The Inventory console pages: stock with drill-down to the ledger, adjust, inbound, SKUs."""

from __future__ import annotations

import pytest

from linkstar.db.uow import unit_of_work
from linkstar.inventory import inbound
from linkstar.inventory.schemas import InboundCreate
from linkstar.workspace.core import Role
from tests.inventory.seed import add_skus, add_warehouses, counts, receive


@pytest.fixture
def stocked(sessions, tenant):
    actor = tenant.principal
    add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-22423", "HP-85123A")
    receive(sessions, actor, "HP-22423", "US-NJ-EDI", 12)
    receive(sessions, actor, "HP-85123A", "UK-NN-DAV", 7)
    data = InboundCreate.model_validate(
        {
            "reference": "PO-HP-2611",
            "warehouse": "US-CA-ONT",
            "legs": [
                {
                    "kind": "ocean",
                    "origin": "CNNGB",
                    "destination": "USLGB",
                    "carrier": "COSCO",
                    "departed_at": "2026-11-20T00:00:00Z",
                    "eta": "2026-12-08T00:00:00Z",
                },
                {
                    "kind": "truck",
                    "origin": "USLGB",
                    "destination": "US-CA-ONT",
                    "eta": "2026-12-10T00:00:00Z",
                },
            ],
            "lines": [{"sku": "HP-22423", "quantity": 240}],
        }
    )
    with unit_of_work(sessions) as s:
        inbound.create(s, actor, data)
    return actor


def test_stock_page_filters_and_links_to_the_ledger(owner, stocked):
    html = owner.get("/inventory").text
    assert 'aria-current="page">Stock</a>' in html
    assert "HP-22423" in html and "HP-85123A" in html and "240" in html
    html = owner.get("/inventory?warehouse=UK-NN-DAV").text
    assert "HP-85123A" in html and "HP-22423" not in html
    html = owner.get("/inventory?sku=HP-22423&warehouse=us-nj-edi").text
    link = html.split('href="/inventory/ledger?')[1].split('"')[0].replace("&amp;", "&")
    ledger = owner.get(f"/inventory/ledger?{link}").text
    assert "Ledger · HP-22423 at US-NJ-EDI" in ledger
    assert ">receipt<" in ledger and "+12" in ledger and "HP-85123A" not in ledger


def test_adjust_form_records_an_entry_and_refuses_bad_input(owner, stocked, sessions):
    r = owner.post(
        "/inventory/adjust",
        {"sku": "HP-22423", "warehouse": "US-NJ-EDI", "quantity": "-2", "reason": "broken"},
    )
    assert r.status_code == 303
    assert "on hand now 10" in owner.get("/inventory").text
    before = counts(sessions)
    r = owner.post(
        "/inventory/adjust",
        {"sku": "HP-22423", "warehouse": "US-NJ-EDI", "quantity": "-50", "reason": "x"},
    )
    assert (r.status_code == 422 and "below what is reserved" in r.text) or "negative" in r.text
    r = owner.post(
        "/inventory/adjust",
        {"sku": "HP-22423", "warehouse": "US-NJ-EDI", "quantity": "lots", "reason": "x"},
    )
    assert r.status_code == 422
    assert counts(sessions) == before


def test_inbound_and_sku_pages(owner, stocked):
    html = owner.get("/inventory/inbound").text
    assert (
        "PO-HP-2611" in html and "1. Ocean" in html and "ETA 2026-12-08" in html and "COSCO" in html
    )
    html = owner.get("/inventory/skus").text
    assert "HP-85123A" in html and 'href="/inventory?sku=HP-22423"' in html


def test_viewer_sees_stock_but_no_adjust_form(stocked, tenant, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    html = viewer.get("/inventory").text
    assert "HP-22423" in html and "Adjust stock" not in html


def test_html_is_escaped(owner, sessions, tenant):
    add_warehouses(sessions, tenant.principal)
    from linkstar.inventory import service
    from linkstar.inventory.schemas import SkuCreate

    with unit_of_work(sessions) as s:
        service.create_sku(
            s, tenant.principal, SkuCreate(sku="HP-X1", name="<script>alert(1)</script>")
        )
    html = owner.get("/inventory/skus").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
