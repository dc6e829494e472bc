"""Tracking dead letters: retry parses the kept body again and stores it; a failed retry
keeps the letter with the new reason and writes nothing; discard keeps it, marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import Conflict, NotFound
from linkstar.tracking import dead_letters
from linkstar.tracking.ingest import dead_letter
from linkstar.tracking.models import Shipment, TrackingDeadLetter, TrackingEventRow
from linkstar.workspace.core import system_principal

PAYLOADS = Path(__file__).parent / "connectors" / "payloads"


def _keep(sessions, tenant, source: str, body: str) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = dead_letter(
            s, tenant.org.id, source=source, headers={"sign": "x"}, body=body, reason="bad"
        )
        return row.id


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_retry_stores_the_events_and_marks_it(sessions, tenant):
    body = (PAYLOADS / "17track_tracking_updated.json").read_text()
    dead_id = _keep(sessions, tenant, "17track", body)
    with unit_of_work(sessions) as s:
        result = dead_letters.retry(s, system_principal(tenant.org.id), dead_id)
    assert result.error is None and result.events == _count(sessions, TrackingEventRow) > 0
    with sessions() as s:
        assert s.get(TrackingDeadLetter, dead_id).state == "retried"  # type: ignore[union-attr]
    with unit_of_work(sessions) as s, pytest.raises(Conflict):
        dead_letters.retry(s, system_principal(tenant.org.id), dead_id)


def test_failed_retry_keeps_it_with_the_reason_and_writes_nothing(sessions, tenant):
    dead_id = _keep(sessions, tenant, "aftership", '{"msg": 1}')
    with unit_of_work(sessions) as s:
        result = dead_letters.retry(s, system_principal(tenant.org.id), dead_id)
    assert result.error is not None and result.events == 0
    with sessions() as s:
        row = s.get(TrackingDeadLetter, dead_id)
        assert row is not None and row.state == "new" and row.reason == result.error
    assert _count(sessions, Shipment) == 0 and _count(sessions, TrackingEventRow) == 0


def test_unknown_source_is_not_retried(sessions, tenant):
    dead_id = _keep(sessions, tenant, "file", "tracking_number,event_time")
    with unit_of_work(sessions) as s:
        result = dead_letters.retry(s, system_principal(tenant.org.id), dead_id)
    assert result.error == "source 'file' has no parser to retry with"


def test_discard_and_tenancy(sessions, tenant, make_tenant):
    other = make_tenant("Other Co")
    dead_id = _keep(sessions, tenant, "generic", "{}")
    with unit_of_work(sessions) as s, pytest.raises(NotFound):
        dead_letters.discard(s, system_principal(other.org.id), dead_id)
    with unit_of_work(sessions) as s:
        assert (
            dead_letters.discard(s, system_principal(tenant.org.id), dead_id).state == "discarded"
        )
    with sessions() as s:
        page = dead_letters.list_dead_letters(
            s, system_principal(tenant.org.id), "discarded", 10, None
        )
        assert [d.id for d in page.items] == [dead_id]
        empty = dead_letters.list_dead_letters(
            s, system_principal(other.org.id), "discarded", 10, None
        )
        assert empty.items == []


def test_the_inbox_letters_are_not_tracking_s(sessions, tenant):
    push = _keep(sessions, tenant, "17track", "{}")
    form = _keep(sessions, tenant, "contact_form", "{}")
    message = _keep(sessions, tenant, "ebay_messages", "<x/>")
    actor = system_principal(tenant.org.id)
    with sessions() as s:
        page = dead_letters.list_dead_letters(s, actor, "new", 10, None)
    assert [d.id for d in page.items] == [push]
    for dead_id in (form, message):
        with unit_of_work(sessions) as s, pytest.raises(NotFound):
            dead_letters.retry(s, actor, dead_id)
        with unit_of_work(sessions) as s, pytest.raises(NotFound):
            dead_letters.discard(s, actor, dead_id)
    with sessions() as s:
        assert {d.state for d in s.scalars(select(TrackingDeadLetter))} == {"new"}
