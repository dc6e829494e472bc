"""A generic tracking webhook whose events are partly refused: the good events are stored, the
body is kept as a dead letter naming what was refused; a number nobody can name is kept under
carrier `unknown` (unmapped, so flagged), never dropped."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

import linkstar.tracking.ingest as tracking_ingest
from linkstar.jobs.runner import Outcome
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.tracking.models import Shipment, TrackingEventRow
from tests.tracking.hooks.conftest import compact

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
USPS = "9400111201080805483016"


def _event(when: str) -> dict[str, str]:
    return {"event_time": when, "raw_code": "03", "raw_description": "USPS picked up item"}


def test_a_future_event_is_dead_lettered_the_rest_stored(hooks, tenant, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tracking_ingest, "utcnow", lambda: NOW)
    hook = hooks.endpoint(tenant, EndpointKind.tracking_generic)
    body = compact({"updates": [
        {"tracking_number": USPS, "events": [_event("2026-12-05T10:00:00Z"),
                                              _event("9999-12-31T23:59:00Z")]},
        {"tracking_number": "MYSTERY-0001", "events": [_event("2026-12-05T11:00:00Z")]},
    ]})  # fmt: skip
    assert hooks.post(hook, body).status_code == 202
    assert hooks.run_jobs() == [Outcome.done]
    with hooks.sessions() as s:
        stored = set(s.execute(select(Shipment.carrier, Shipment.tracking_number, Shipment.status)))
    assert stored == {("usps", USPS, "in_transit"), ("unknown", "MYSTERY0001", "unmapped")}
    assert hooks.count(TrackingEventRow) == 2
    (dead,) = hooks.tracking_dead_letters()
    assert (dead.source, dead.body, dead.reason) == (
        "generic",
        body.decode(),
        f"{USPS}: event_time 9999-12-31T23:59:00Z is more than 2 days after the event was "
        "received (2026-12-06T12:00:00Z); a carrier cannot scan the future",
    )
