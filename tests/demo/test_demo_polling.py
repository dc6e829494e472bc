"""The demo stores carry placeholder credentials, so nothing polls them (clean `make run` logs)."""

from __future__ import annotations

from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.orders.sync import service as sync
from linkstar.workspace import repository as wrepo
from tests.demo.test_orders_demo import DATA_DIR, _load, needs_data


@needs_data
def test_demo_stores_are_not_polled(sessions, settings):
    org_id = _load(sessions, settings, DATA_DIR)
    with unit_of_work(sessions) as s:
        stores = wrepo.StoreRepository(s, org_id).list()
        states = sync.sync_states(s, org_id)
        assert stores and all(sync.is_polled(store) for store in stores if store.channel != "csv")
        assert {
            (states[store.id].polling_enabled, states[store.id].polling_note) for store in stores
        } == {(False, "demo store with placeholder credentials")}
        assert sync.plan_polls(s, org_id, utcnow()) == []
