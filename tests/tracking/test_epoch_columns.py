"""The shipments' epoch columns are written by the application (migration 0036): after every
writer of a source time each epoch column equals its time's whole seconds (`core.epochs`), and
no module writes the shipments table outside the writers known to go through `core.epochs`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.demo.tracking import load_tracking
from linkstar.tracking.core.columns import EPOCH, micros_of
from linkstar.tracking.core.epochs import EPOCHS, second_of, seconds, with_epochs
from linkstar.tracking.ingest import ingest
from linkstar.tracking.models import Shipment
from linkstar.tracking.schemas import ShipmentCreate
from linkstar.tracking.shipments import register_shipments
from tests.tracking.store import DELIVERED, LABEL, PICKED_UP, PROCESSED, update, usps

SRC = Path(__file__).resolve().parents[2] / "src" / "linkstar"
NUMBER = "9400111899223100000077"
UPS = "1Z999AA10123456784"
PROMISE = datetime(2026, 11, 6, 23, 59, 30, 999_999, tzinfo=UTC)


def _assert_epochs_match(sessions, expected_rows: int) -> None:  # type: ignore[no-untyped-def]
    columns = [getattr(Shipment, name) for pair in EPOCHS.items() for name in pair]
    with sessions() as s:
        rows = s.execute(select(*columns)).all()
    assert len(rows) == expected_rows
    for row in rows:
        pairs = list(zip(row[0::2], row[1::2], strict=True))
        assert [epoch for _, epoch in pairs] == [second_of(source) for source, _ in pairs]


def _late(event, hours: float):  # type: ignore[no-untyped-def]
    """The event 0.9997 s later: rounding the time (as SQLite's strftime did) and rounding it
    down give different seconds."""
    return usps(event, hours + 0.9997 / 3600)


def test_every_writer_keeps_the_epoch_columns(sessions, tenant):
    for promise in (PROMISE, PROMISE + timedelta(days=2)):  # the ORM: created, then changed
        item = ShipmentCreate(tracking_number=UPS, carrier="ups", promised_by=promise)
        with unit_of_work(sessions) as s:
            register_shipments(s, tenant.principal, [item])
        _assert_epochs_match(sessions, 1)
    with unit_of_work(sessions) as s:  # bulk: a new shipment (insert_shipments)
        ingest(s, tenant.org.id, [update(NUMBER, _late(LABEL, 0), _late(PICKED_UP, 5))])
    _assert_epochs_match(sessions, 2)
    with unit_of_work(sessions) as s:  # later events (write_status) and a promise (fill_…)
        ingest(s, tenant.org.id, [update(NUMBER, _late(DELIVERED, 40), promised_by=PROMISE)])
    _assert_epochs_match(sessions, 2)
    with unit_of_work(sessions) as s:  # a late arrival folded again from the stored events
        ingest(s, tenant.org.id, [update(NUMBER, _late(PROCESSED, 9))])
    _assert_epochs_match(sessions, 2)
    with unit_of_work(sessions) as s:  # the ORM: a loaded shipment's times set
        row = s.scalars(select(Shipment).where(Shipment.tracking_number == NUMBER)).one()
        row.promised_by = PROMISE - timedelta(microseconds=1)
        row.delivered_at = None
    _assert_epochs_match(sessions, 2)
    with sessions() as s:
        row = s.scalars(select(Shipment).where(Shipment.tracking_number == NUMBER)).one()
        assert (row.delivered_s, row.promised_s) == (None, second_of(PROMISE))


def test_the_demo_keeps_the_epoch_columns(sessions, tenant):
    now = datetime(2026, 12, 6, 4, 30, 15, 500_000, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        demo = load_tracking(s, tenant.org.id, {}, now=now)
    _assert_epochs_match(sessions, demo.shipments)


moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(st.lists(st.one_of(st.none(), moments), max_size=20))
def test_seconds_are_the_whole_seconds_rounded_down(values):
    micros = np.array(
        [np.iinfo(np.int64).min if v is None else micros_of([v])[0] for v in values],
        dtype=np.int64,
    )
    expected = [None if v is None else (v - EPOCH) // timedelta(seconds=1) for v in values]
    assert seconds(micros) == expected
    assert [second_of(v) for v in values] == expected
    naive = [None if v is None else v.replace(tzinfo=None) for v in values]
    assert [second_of(v) for v in naive] == expected  # naive counts as UTC


def test_with_epochs_adds_the_epoch_of_each_time_given():
    row = {"id": "x", "promised_by": PROMISE, "delivered_at": None}
    assert with_epochs(row) == {**row, "promised_s": 1_794_009_570, "delivered_s": None}


# Every module that writes the shipments table, and how its times get their epochs:
# "epochs" computes them with core.epochs, "orm" writes through the mapper listeners of
# models.py, "no times" writes no time column, "event_store" writes the columns and values
# event_store gives it (its STATUS_COLUMNS, epochs included).
WRITERS = {
    "tracking/models.py": "epochs",
    "tracking/event_store.py": "epochs",
    "tracking/event_store_pg.py": "event_store",
    "tracking/ingest_batch.py": "epochs",
    "demo/tracking.py": "epochs",
    "tracking/shipments.py": "orm",
    "tracking/lane_ids.py": "no times",
    # generic statements names no column: event_store's rows carry the epochs it computed
    "tracking/event_store_sqlite.py": "no times",
}
_WRITES = re.compile(
    r"UPDATE shipments\b|INSERT INTO shipments\b|COPY shipments\b|UPDATE \{table\}"
    r'|insert_tuples\(\w+, "shipments"|\bShipment\.__table__|\bShipment\('
    r"|\b(update|insert)\(Shipment\b"
)
_CORE_WRITES = re.compile(r"UPDATE |INSERT |\bShipment\.__table__|\b(update|insert)\(")


def test_only_known_modules_write_shipments_and_they_write_the_epochs():
    found = {
        path.relative_to(SRC).as_posix(): path.read_text()
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and _WRITES.search(path.read_text())
    }
    assert set(found) == set(WRITERS), "a new writer of shipments: list it in WRITERS"
    for path, kind in WRITERS.items():
        text = found[path]
        if kind == "epochs":
            assert "from linkstar.tracking.core.epochs import" in text, path
        elif kind == "orm":
            assert not _CORE_WRITES.search(text), path
        elif kind == "event_store":
            caller = found["tracking/event_store.py"]
            assert "write_status_pg(raw, values, STATUS_COLUMNS," in caller, path
        else:
            assert not any(re.search(rf"\b{name}\b", text) for name in EPOCHS), path
