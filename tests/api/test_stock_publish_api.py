"""POST /stores/{id}/publish over HTTP: the response says when the run will wait for a feed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.orders.stock.models import StockPublishRun
from linkstar.orders.stock.service import STORE_JOB
from tests.orders.stock.conftest import add_feed_in_flight

AMAZON = {"refresh_token": "Atzr|IwEBIPublishTest", "seller_id": "A2SELLER"}


def _publish(caller, store_id: str, dry_run: bool = False):  # type: ignore[no-untyped-def]
    r = caller.post(f"/stores/{store_id}/publish" + ("?dry_run=true" if dry_run else ""))
    assert r.status_code == 202, r.text
    return r.json()


def test_publish_now_says_when_a_feed_is_still_processing(api, tenant) -> None:  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    r = caller.post(
        "/stores",
        json={"name": "Amazon US", "channel": "amazon", "region": "US", "currency": "USD",
              "credentials": AMAZON},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    store_id = r.json()["id"]

    first = _publish(caller, store_id)
    assert first["waits_for_feed"] is None and first["dry_run"] is False

    at = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    with unit_of_work(api.sessions) as s:
        run = StockPublishRun(
            organisation_id=tenant.org.id, store_id=store_id, trigger="schedule",
            dry_run=False, status="pending", error="",
        )  # fmt: skip
        s.add(run)
        s.flush()
        add_feed_in_flight(s, run, "amazon", "50014019600", ["HP-22423"], at)

    waiting = _publish(caller, store_id)
    assert waiting["waits_for_feed"] == (
        "its previous amazon feed 50014019600 (submitted 2026-12-05 04:00 UTC) is still "
        "processing: the run will send nothing, and the store is published again as soon as "
        "the feed is settled"
    )
    assert _publish(caller, store_id, dry_run=True)["waits_for_feed"] is None  # never deferred
    with api.sessions() as s:
        jobs = list(s.scalars(select(OutboxJob.payload).where(OutboxJob.name == STORE_JOB)))
    # manual jobs are de-duplicated per store and minute: one or two, and the dry run's own
    assert {(j["trigger"], j["dry_run"]) for j in jobs} == {("manual", False), ("manual", True)}
