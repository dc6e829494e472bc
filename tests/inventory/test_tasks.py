"""The inventory jobs: reconciliation, as the job runner calls it.

Stock publishing jobs are tested in tests/orders/stock.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from linkstar.db.outbox import JobContext
from linkstar.db.uow import unit_of_work
from linkstar.inventory import tasks
from linkstar.inventory.models import StockLevel
from linkstar.inventory.reconcile import reconcile
from linkstar.jobs.registry import get_spec
from tests.inventory.seed import add_skus, add_warehouses, receive


def test_jobs_are_registered():
    assert get_spec("inventory.reconcile_stock").handler is tasks.reconcile_stock


def test_reconcile_job_logs_drift_and_repairs_on_request(sessions, tenant, caplog):
    actor = tenant.principal
    add_warehouses(sessions, actor)
    add_skus(sessions, actor, "HP-22423")
    receive(sessions, actor, "HP-22423", "US-NJ-EDI", 9)
    with unit_of_work(sessions) as s:
        s.execute(update(StockLevel).values(on_hand=11))
    caplog.set_level(logging.INFO, logger="linkstar.inventory.tasks")
    with unit_of_work(sessions) as s:
        tasks.reconcile_stock(s, JobContext("j1", "inventory.reconcile_stock", None))
    assert (
        "stock drift in" in caplog.text
        and "on_hand=11" in caplog.text
        and "on_hand=9" in caplog.text
    )
    payload = {"organisation_id": tenant.org.id, "repair": True}
    with unit_of_work(sessions) as s:
        tasks.reconcile_stock(s, JobContext("j2", "inventory.reconcile_stock", None, payload))
    with sessions() as s:
        assert reconcile(s, tenant.org.id).drifts == []
