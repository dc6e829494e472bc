"""An events file stored through the worker, chunk by chunk, stores exactly what one batch
stores: shipments split across chunk boundaries, repeats across chunks, rows out of time order,
unmapped events, rejected numbers, bad rows, shipments known before the file. A dead or failing
worker stores nothing."""

from __future__ import annotations

import itertools
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.tracking import file_ingest
from linkstar.tracking.connectors.files import COLUMNS, write_csv
from linkstar.tracking.file_ingest import EventFileWorkerFailed, ingest_events_file
from linkstar.tracking.models import Shipment, TrackingEventRow

_tenants = itertools.count()
NUMBERS = ["9400111899223100000011", "9400111899223100000028", "ZZ00017", "X" * 70]
# (code, text, time, city, country): ties, a second place for one scan, an unmapped code, two
# delivered events (the first with no country), a return.
EVENTS = [
    ("MA", "Shipping Label Created, USPS Awaiting Item", "2026-11-02T09:00:00Z", "DENVER", "US"),
    ("03", "USPS picked up item", "2026-11-02T14:00:00Z", "DENVER", "US"),
    ("10", "Processed Through USPS Facility", "2026-11-03T05:00:00Z", "DENVER", "US"),
    ("10", "Processed Through USPS Facility", "2026-11-03T05:00:00Z", "CHICAGO", "US"),
    ("OF", "Out for Delivery", "2026-11-04T01:00:00-05:00", "EDISON", "US"),
    ("Z9", "Something the tables do not know", "2026-11-04T06:00:00Z", "EDISON", ""),
    ("02", "Notice Left (No Authorized Recipient Available)", "2026-11-04T06:00:00Z", "", "US"),
    ("01", "Delivered, In/At Mailbox", "2026-11-04T21:00:00Z", "EDISON", ""),
    ("01", "Delivered, In/At Mailbox", "2026-11-04T22:00:00Z", "NEWARK", "US"),
    ("09", "Return to Sender", "2026-11-05T07:00:00Z", "EDISON", "US"),
    ("03", "a row without an offset", "2026-11-02 14:00", "DENVER", "US"),  # a bad row
]


# Columns that differ between two stores of the same file (ids, tokens, clock times, tenant).
_OWN = {"id", "organisation_id", "shipment_id", "public_token", "created_at", "created_s",
        "updated_at", "received_at", "lane_id"}  # fmt: skip


def _stored(sessions, org_id):
    """Every stored column of the organisation's shipments and events but `_OWN`, sorted."""
    with sessions() as s:
        ships = s.execute(
            select(Shipment.__table__).where(Shipment.organisation_id == org_id)
        ).mappings()
        events = s.execute(
            select(TrackingEventRow.__table__).where(TrackingEventRow.organisation_id == org_id)
        ).mappings()
        key, shipments = {}, []
        for r in ships:
            key[r["id"]] = (r["carrier"], r["tracking_number"])
            shipments.append(tuple(v for c, v in r.items() if c not in _OWN))
        stored = [(key[r["shipment_id"]], *(v for c, v in r.items() if c not in _OWN))
                  for r in events]  # fmt: skip
    return sorted(shipments, key=repr), sorted(stored, key=repr)


def _row(number: int, carrier: str, event: int) -> dict[str, str]:
    code, text, when, city, country = EVENTS[event]
    return {
        "tracking_number": NUMBERS[number],
        "carrier": carrier,
        "event_time": when,
        "raw_code": code,
        "raw_description": text,
        "city": city,
        "state": "CO" if city == "DENVER" else "",
        "postcode": "",
        "country": country,
    }


def _file(rows: list[dict[str, str]], file_format: str) -> bytes:
    if file_format == "csv":
        return write_csv(rows).encode()
    return "\n".join(json.dumps({k: r[k] for k in COLUMNS if r.get(k)}) for r in rows).encode()


rows_strategy = st.lists(
    st.builds(
        _row,
        st.integers(0, len(NUMBERS) - 1),
        st.sampled_from(["usps", ""]),
        st.integers(0, len(EVENTS) - 1),
    ),
    max_size=30,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows_strategy,
    rows_strategy,
    st.integers(1, 7),
    st.sampled_from(["csv", "jsonl"]),
)
def test_chunks_in_a_worker_store_what_one_batch_stores(
    sessions, make_tenant, monkeypatch, earlier, rows, chunk, file_format
):
    monkeypatch.setattr(file_ingest, "CHUNK_ROWS", chunk)
    k = next(_tenants)
    one, chunked = make_tenant(f"One batch {k}"), make_tenant(f"Chunks {k}")
    if earlier:  # shipments (and events) known before the file
        for tenant in (one, chunked):
            with unit_of_work(sessions) as s:
                ingest_events_file(s, tenant.org.id, _file(earlier, "csv"), "csv", worker=False)
    data = _file(rows, file_format)
    with unit_of_work(sessions) as s:
        want, want_file = ingest_events_file(s, one.org.id, data, file_format, worker=False)
    with unit_of_work(sessions) as s:
        got, got_file = ingest_events_file(s, chunked.org.id, data, file_format, worker=True)
    assert got.as_dict() == want.as_dict()
    assert got_file == want_file  # the same bad rows and warnings, with the file's line numbers
    assert _stored(sessions, chunked.org.id) == _stored(sessions, one.org.id)


def test_a_shipment_delivered_in_a_later_chunk_gets_its_destination(sessions, tenant, monkeypatch):
    monkeypatch.setattr(file_ingest, "CHUNK_ROWS", 2)
    # chunks: [label, pick-up], [processed, delivered US], [delivered (no country), label]...
    rows = [_row(0, "usps", e) for e in (0, 1, 2, 8, 7)] + [
        _row(1, "usps", e) for e in (0, 1, 7, 8)
    ]
    with unit_of_work(sessions) as s:
        report, outcome = ingest_events_file(
            s, tenant.org.id, _file(rows, "csv"), "csv", worker=True
        )
    assert (report.shipments_touched, report.shipments_created, outcome.rows) == (2, 2, 9)
    with sessions() as s:
        got = {r.tracking_number: (r.status, r.dest_country) for r in s.scalars(select(Shipment))}
    # the country of each one's first delivered event in the file, as one batch takes it
    assert got == {NUMBERS[0]: ("delivered", "US"), NUMBERS[1]: ("delivered", None)}


def _nothing_stored(sessions) -> bool:
    with sessions() as s:
        return not any(
            s.scalar(select(func.count()).select_from(model))
            for model in (Shipment, TrackingEventRow)
        )


_calls = itertools.count()


@pytest.mark.parametrize("how", ["dies", "raises"])
def test_a_dead_or_failing_worker_is_named_and_nothing_is_written(
    sessions, tenant, monkeypatch, how
):
    real = file_ingest.prepare

    def prepare_then_fail(cols, as_text):  # runs in the worker (inherited by the fork)
        if next(_calls) >= 2:
            if how == "dies":
                os._exit(3)
            raise RuntimeError("the worker's own failure")
        return real(cols, as_text)

    monkeypatch.setattr(file_ingest, "prepare", prepare_then_fail)
    monkeypatch.setattr(file_ingest, "CHUNK_ROWS", 3)
    rows = [_row(n, "usps", e) for n in (0, 1) for e in range(10)]
    failed = pytest.raises(EventFileWorkerFailed, match="events-file worker process failed")
    with failed as info, unit_of_work(sessions) as s:
        ingest_events_file(s, tenant.org.id, _file(rows, "csv"), "csv", worker=True)
    assert "nothing of the file was stored" in str(info.value)
    if how == "raises":
        assert "the worker's own failure" in str(info.value)
    assert _nothing_stored(sessions)


def test_a_small_file_stays_in_process_and_a_bad_header_fails_before_any_worker(
    sessions, tenant, monkeypatch
):
    def no_fork(*args, **kwargs):
        raise AssertionError("no worker for a small file")

    monkeypatch.setattr(file_ingest, "_pipelined", no_fork)
    rows = [_row(0, "usps", e) for e in range(3)]
    with unit_of_work(sessions) as s:
        report, outcome = ingest_events_file(s, tenant.org.id, _file(rows, "csv"), "csv")
    assert (report.events_inserted, outcome.rows) == (3, 3)
    with pytest.raises(ValueError, match="missing columns"), unit_of_work(sessions) as s:
        ingest_events_file(s, tenant.org.id, b"carrier,city\nusps,X\n", "csv", worker=True)
