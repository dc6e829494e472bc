"""Console → Inventory → Transfers, order returns and the stores' polling switch."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inventory import service as inventory
from linkstar.inventory.models import Transfer
from linkstar.orders import service as orders
from linkstar.orders.sync import service as sync
from tests.inventory.seed import add_skus, add_warehouses, receive
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order
from tests.orders.conftest import store as store
from tests.web.conftest import count

MUG = "HP-85123A"


def test_plan_dispatch_and_receive_a_transfer_in_the_console(owner, tenant, sessions):
    add_warehouses(sessions, tenant.principal)
    add_skus(sessions, tenant.principal, MUG)
    receive(sessions, tenant.principal, MUG, "US-CA-ONT", 10)
    form = {
        "reference": "TR-WEB-1",
        "from_warehouse": "US-CA-ONT",
        "to_warehouse": "US-NJ-EDI",
        "lines": f"{MUG} 6\n",
        "eta": "2026-12-20",
    }
    bad = owner.post("/inventory/transfers", {**form, "lines": f"{MUG} six"})
    assert bad.status_code == 422 and "line 1: write SKU and a positive quantity" in bad.text
    assert count(sessions, Transfer) == 0
    r = owner.post("/inventory/transfers", form)
    assert r.status_code == 303
    detail_url = r.headers["location"]
    page = owner.get(detail_url).text
    assert "Transfer TR-WEB-1" in page and ">draft<" in page and "ETA 2026-12-20" in page
    assert "TR-WEB-1" in owner.get("/inventory/transfers").text
    r = owner.post(f"{detail_url}/dispatch")
    assert "Dispatched" in owner.follow(r).text
    inbound = owner.get("/inventory/inbound").text
    assert 'id="transfers-in-transit"' in inbound and "TR-WEB-1" in inbound
    r = owner.post(f"{detail_url}/receive", {f"qty:{MUG}": "4"})
    page = owner.follow(r).text
    assert "Received 4 unit(s)." in page and "in transit" in page
    r = owner.post(f"{detail_url}/receive", {f"qty:{MUG}": "3"})
    assert "only 2 still on the way" in owner.follow(r).text
    r = owner.post(f"{detail_url}/receive", {f"qty:{MUG}": "2"})
    assert 'id="transfer-status">received<' in owner.follow(r).text
    with sessions() as s:
        site = inventory.warehouse_by_code(s, tenant.principal, "US-NJ-EDI").id
        assert inventory.stock_table(s, tenant.principal, MUG, site)[0].on_hand == 6
        assert s.scalars(select(Transfer.status)).one() == "received"


def test_receive_a_return_from_the_order_page(owner, tenant, sessions, store):
    ready = seed.prepare(sessions, tenant.principal, store, stock=5)
    (order_id,) = seed.import_orders(sessions, ready, make_order("WEB-RET-1"))
    with unit_of_work(sessions) as s:
        orders.change_state(s, ready.actor, order_id, "shipped")
    page = owner.get(f"/orders/{order_id}").text
    assert "Receive return" in page and f'name="restock:{MUG}"' in page
    form = {"reference": "RMA-WEB", "warehouse": "US-CA-ONT", f"restock:{MUG}": "1",
            f"write_off:{MUG}": "1"}  # fmt: skip
    r = owner.post(f"/orders/{order_id}/returns", form)
    page = owner.follow(r).text
    assert "Return RMA-WEB booked; the order is returned." in page
    assert "RMA-WEB" in page and "write off" in page
    again = owner.follow(owner.post(f"/orders/{order_id}/returns", form)).text
    assert "was already booked: nothing changed" in again
    assert seed.order(sessions, order_id).state == "returned"


def test_a_demo_like_store_shows_polling_off(owner, tenant, sessions, seeded):
    with unit_of_work(sessions) as s:
        sync.pause_polling(
            s, tenant.org.id, seeded.store_id, "demo store with placeholder credentials"
        )
    page = owner.get("/settings/stores").text
    assert "Polling off" in page and "demo store with placeholder credentials" in page
    r = owner.post(f"/settings/stores/{seeded.store_id}/polling", {"enabled": "on"})
    page = owner.follow(r).text
    assert "real credentials before switching polling on" in page


def test_odd_quantities_are_refused_with_a_message(owner, tenant, sessions, seeded):
    before = count(sessions, Transfer, status="draft")
    url = f"/inventory/transfers/{seeded.transfer_id}"
    owner.post(f"{url}/dispatch")
    for typed in ("²", "9" * 5000, "-1", "1.5"):
        r = owner.post(f"{url}/receive", {"qty:ALPHA-MUG": typed})
        assert "the quantity is a whole number" in owner.follow(r).text, typed
    bad = owner.post("/inventory/transfers", {"reference": "X", "lines": "ALPHA-MUG " + "9" * 5000})
    assert bad.status_code == 422 and "write SKU and a positive quantity" in bad.text
    assert before == 1 and count(sessions, Transfer, status="in_transit") == 1
