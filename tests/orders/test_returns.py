"""Returns received against an order: stock back into the ledger, once per return id."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.inventory import service as inventory
from linkstar.inventory.models import LedgerEntry, StockReturn
from linkstar.inventory.reconcile import reconcile
from linkstar.inventory.schemas import ReturnCreate
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.orders import returns, service
from linkstar.orders.core.states import InvalidTransition
from tests.api.conftest import Api
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order

MUG = seed.MUG


@pytest.fixture
def shipped(sessions, tenant, store):
    ready = seed.prepare(sessions, tenant.principal, store, stock=5)
    (order_id,) = seed.import_orders(sessions, ready, make_order("RET-1"))  # 2 mugs
    with unit_of_work(sessions) as s:
        service.change_state(s, ready.actor, order_id, "shipped")
    return ready, order_id


def _return(ref: str = "RMA-1", **lines: int) -> ReturnCreate:
    return ReturnCreate.model_validate(
        {
            "reference": ref,
            "warehouse": "us-ca-ont",
            "lines": [
                {"sku": MUG, "quantity": q, "disposition": kind} for kind, q in lines.items()
            ],
        }
    )


def _ledger(sessions) -> list[tuple[str, int, str]]:
    with sessions() as s:
        rows = s.execute(
            select(LedgerEntry.kind, LedgerEntry.on_hand_delta, LedgerEntry.reference)
            .where(LedgerEntry.kind.in_(["return", "write_off"]))
            .order_by(LedgerEntry.kind, LedgerEntry.on_hand_delta)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def _on_hand(sessions, actor) -> int:
    with sessions() as s:
        site = inventory.warehouse_by_code(s, actor, "US-CA-ONT").id
        return inventory.stock_table(s, actor, MUG, site)[0].on_hand


def _writes(sessions) -> tuple[int, int]:
    with sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(StockReturn)) or 0),
        )


def test_a_return_restocks_and_writes_off_and_the_order_is_returned(sessions, shipped):
    ready, order_id = shipped
    with unit_of_work(sessions) as s:
        view = returns.receive_return(s, ready.actor, order_id, _return(restock=1, write_off=1))
    assert view.created and view.order_id == order_id
    assert [(x.sku, x.quantity, x.disposition.value) for x in view.lines] == [
        (MUG, 1, "restock"),
        (MUG, 1, "write_off"),
    ]
    assert _ledger(sessions) == [
        ("return", 1, "RMA-1"),
        ("return", 1, "RMA-1"),
        ("write_off", -1, "RMA-1"),
    ]
    assert _on_hand(sessions, ready.actor) == 6  # 5 + the restocked one
    assert seed.order(sessions, order_id).state == "returned"
    assert seed.kinds(sessions, order_id)[-2:] == ["return_received", "state_changed"]
    with sessions() as s:
        assert reconcile(s, ready.actor.organisation_id).drifts == []


def test_the_same_return_id_twice_is_booked_once(sessions, shipped):
    ready, order_id = shipped
    with unit_of_work(sessions) as s:
        returns.receive_return(s, ready.actor, order_id, _return(restock=1))
    before = _writes(sessions)
    with unit_of_work(sessions) as s:
        again = returns.receive_return(s, ready.actor, order_id, _return(restock=1))
    assert not again.created and again.reference == "RMA-1"
    assert _writes(sessions) == before and _on_hand(sessions, ready.actor) == 6
    assert seed.kinds(sessions, order_id).count("return_received") == 1


def test_a_second_return_of_the_order_books_stock_and_keeps_the_state(sessions, shipped):
    ready, order_id = shipped
    with unit_of_work(sessions) as s:
        returns.receive_return(s, ready.actor, order_id, _return("RMA-1", restock=1))
        returns.receive_return(s, ready.actor, order_id, _return("RMA-2", restock=1))
    assert _on_hand(sessions, ready.actor) == 7
    assert seed.order(sessions, order_id).state == "returned"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (_return("RMA-9", restock=3), InvalidInput),  # 2 were ordered
        (_return("RMA-9", restock=2, write_off=1), InvalidInput),
        (
            ReturnCreate.model_validate(
                {
                    "reference": "RMA-9",
                    "warehouse": "US-CA-ONT",
                    "lines": [{"sku": "NOT-ORDERED", "quantity": 1, "disposition": "restock"}],
                }
            ),
            InvalidInput,
        ),
    ],
)
def test_returning_more_than_shipped_is_refused_and_writes_nothing(sessions, shipped, data, error):
    ready, order_id = shipped
    before = _writes(sessions)
    with pytest.raises(error), unit_of_work(sessions) as s:
        returns.receive_return(s, ready.actor, order_id, data)
    assert _writes(sessions) == before
    assert seed.order(sessions, order_id).state == "shipped"


def test_an_order_that_never_shipped_cannot_be_returned(sessions, tenant, store):
    ready = seed.prepare(sessions, tenant.principal, store, stock=5)
    (order_id,) = seed.import_orders(sessions, ready, make_order("RET-2"))
    before = _writes(sessions)
    with pytest.raises(InvalidTransition), unit_of_work(sessions) as s:
        returns.receive_return(s, ready.actor, order_id, _return(restock=1))
    assert _writes(sessions) == before


def test_a_return_id_belongs_to_one_order(sessions, shipped):
    ready, order_id = shipped
    (other,) = seed.import_orders(sessions, ready, make_order("RET-3"))
    with unit_of_work(sessions) as s:
        service.change_state(s, ready.actor, other, "shipped")
        returns.receive_return(s, ready.actor, order_id, _return(restock=1))
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        returns.receive_return(s, ready.actor, other, _return(restock=1))


def test_returns_through_the_api_are_idempotent(client, sessions, tenant, shipped):
    _ready, order_id = shipped
    caller = Api(client, sessions).with_key(tenant)
    body = {
        "reference": "RMA-API",
        "warehouse": "US-CA-ONT",
        "lines": [{"sku": MUG, "quantity": 2, "disposition": "restock"}],
    }
    first = caller.post(f"/orders/{order_id}/returns", json=body)
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True
    second = caller.post(f"/orders/{order_id}/returns", json=body)
    assert second.status_code == 201 and second.json()["created"] is False
    listed = caller.get(f"/orders/{order_id}/returns").json()
    assert [(r["reference"], r["lines"][0]["quantity"]) for r in listed] == [("RMA-API", 2)]
    bad = caller.post(f"/orders/{order_id}/returns", json={**body, "reference": "RMA-X"})
    assert bad.status_code == 422 and "can still come back" in bad.json()["error"]["message"]
