"""`linkstar track ingest | detect | scan | stats` through the real command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.tracking.models import Shipment, TrackingEventRow, TrackingException
from tests.tracking.factories import impb

runner = CliRunner()


@pytest.fixture
def org(monkeypatch, settings, sessions, tenant) -> str:
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    yield tenant.org.slug
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


def _line(number, *events, carrier="usps"):
    return json.dumps(
        {
            "tracking_number": number,
            "carrier": carrier,
            "source": "file",
            "events": [
                dict(zip(("event_time", "raw_code", "raw_description"), e, strict=True))
                for e in events
            ],
        }
    )


def _count(sessions, model):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_ingest_keeps_good_lines_and_lists_bad_ones(org, sessions, tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(
        "\n".join(
            [
                _line(
                    "9400111899223100000011",
                    ("2026-11-02T09:00:00Z", "03", "USPS picked up item"),
                    ("2026-11-03T09:00:00Z", "02", "Notice Left"),
                ),
                "{not json",
                json.dumps({"tracking_number": "X1", "events": [{"event_time": "yesterday"}]}),
                _line(
                    "9400111899223100000011", ("2026-11-02T09:00:00Z", "03", "USPS picked up item")
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["track", "ingest", str(path), "--org", org])
    assert result.exit_code == 1, result.output
    assert "events.jsonl:2: not JSON" in result.output
    assert "events.jsonl:3: events.0.event_time" in result.output
    assert "2 events stored (1 duplicates dropped, 0 unmapped) for 1 shipments (1 new)" in (
        result.output
    )
    assert _count(sessions, TrackingEventRow) == 2
    with sessions() as s:
        assert s.scalars(select(Shipment.status)).one() == "failed_attempt"


def test_detect_scan_and_stats(org, sessions, tmp_path):
    number = impb("940011189922310000001")
    result = runner.invoke(app, ["track", "detect", number])
    assert result.exit_code == 0, result.output
    assert "usps" in result.output and "valid" in result.output
    missing = runner.invoke(app, ["track", "detect", "HELLO"])
    assert missing.exit_code == 1 and "no carrier format matches 'HELLO'" in missing.output
    path = tmp_path / "e.jsonl"
    path.write_text(_line(number, ("2026-11-02T09:00:00Z", "02", "Notice Left")) + "\n")
    assert runner.invoke(app, ["track", "ingest", str(path), "--org", org]).exit_code == 0
    scan = runner.invoke(app, ["track", "scan", "--org", org])
    assert scan.exit_code == 0, scan.output
    # A month without a scan after the failed attempt: it is also probably lost.
    assert "checked 1 shipments; opened: 1 failed_attempt, 1 lost; resolved: 0" in scan.output
    assert _count(sessions, TrackingException) == 2
    stats = runner.invoke(app, ["track", "stats", "--org", org])
    assert stats.exit_code == 0, stats.output
    assert "0 finished shipments" in stats.output and "no lane statistics yet" in stats.output
    wrong = runner.invoke(app, ["track", "scan", "--org", "nobody"])
    assert wrong.exit_code == 1 and "no organisation with slug 'nobody'" in wrong.output


def test_the_documented_example_file_ingests_as_documented(org, sessions):
    from pathlib import Path

    example = Path(__file__).parents[2] / "examples" / "tracking" / "updates.jsonl"
    result = runner.invoke(app, ["track", "ingest", str(example), "--org", org])
    assert result.exit_code == 0, result.output
    assert (
        "9 events stored (0 duplicates dropped, 1 unmapped) for 3 shipments (3 new); "
        "0 bad lines, 0 rejected"
    ) in result.output
    with sessions() as s:
        rows = {r.tracking_number: r for r in s.scalars(select(Shipment))}
    assert rows["9400111899223100000077"].status == "delivered"
    assert rows["9400111899223100000086"].carrier == "usps"
    held = rows["JD014600006281230704"]
    assert (held.status, held.sub_status, held.unmapped_count) == ("exception", "customs_hold", 1)


def test_events_csv_and_jsonl_in_the_documented_row_format(org, sessions, tmp_path):
    from pathlib import Path

    folder = Path(__file__).parents[2] / "examples" / "tracking"
    csv_result = runner.invoke(app, ["track", "ingest", str(folder / "events.csv"), "--org", org])
    assert csv_result.exit_code == 0, csv_result.output
    stored = _count(sessions, TrackingEventRow)
    assert f"6 rows: {stored} events stored" in csv_result.output
    second = runner.invoke(app, ["track", "ingest", str(folder / "events.csv"), "--org", org])
    assert "6 rows: 0 events stored (6 duplicates dropped" in second.output, second.output
    assert _count(sessions, TrackingEventRow) == stored
    rows = runner.invoke(app, ["track", "ingest", str(folder / "events.jsonl"), "--org", org])
    assert rows.exit_code == 0, rows.output
    assert "3 rows: 3 events stored" in rows.output
    assert _count(sessions, TrackingEventRow) == stored + 3

    bad = tmp_path / "bad.csv"
    lines = (folder / "events.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2025-03-03T09:22:00-05:00", "2025-03-03 09:22")
    bad.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["track", "ingest", str(bad), "--org", org])
    assert result.exit_code == 1 and "bad.csv:2, column event_time" in result.output
    assert _count(sessions, TrackingEventRow) == stored + 3


def test_check_estimates(org, sessions, tenant):
    from tests.tracking.test_estimate_check import seed

    seed(sessions, tenant)
    result = runner.invoke(app, ["track", "check-estimates", "--org", org, "--split", "2026-10-01"])
    assert result.exit_code == 0, result.output
    assert (
        "fitted on 10 shipments finished in the 180 days before 2026-10-01; scored on 6 later "
        "deliveries" in result.output
    )
    lines = [line.split("│") for line in result.output.splitlines() if "│" in line]
    cells = {row[1].strip(): [c.strip() for c in row[2:-1]] for row in lines}
    assert cells["all carriers"] == ["6", "5", "60.0%", "60.0%", "5.77", "1.65", "3.50"]
    assert cells["ups"] == ["1", "0", "—", "—", "—", "—", "—"]
    bad = runner.invoke(app, ["track", "check-estimates", "--org", org, "--split", "13/2026"])
    assert bad.exit_code != 0 and "is not an ISO 8601 date" in bad.output


def test_events_file_rows_ingestion_rejects_are_listed_not_dropped(org, sessions, tmp_path):
    too_long = "9" * 70  # a number ingestion refuses (over 64 characters)
    path = tmp_path / "scans.csv"
    path.write_text(
        "tracking_number,carrier,event_time,raw_code\n"
        f"{too_long},usps,2025-03-03T09:22:00Z,01\n"
        "9400111201080805483016,usps,2025-03-03T09:22:00Z,01\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["track", "ingest", str(path), "--org", org])
    assert result.exit_code == 1, result.output
    assert f"{too_long}: not a tracking number" in result.output
    assert "2 rows: 1 events stored" in result.output and "0 bad rows, 1 rejected" in result.output
    assert _count(sessions, TrackingEventRow) == 1
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf\n")
    refused = runner.invoke(app, ["track", "ingest", str(empty), "--org", org])
    assert refused.exit_code == 1 and "empty.csv: the file is empty" in refused.output
    assert _count(sessions, TrackingEventRow) == 1


def test_a_large_events_file_is_stored_through_the_worker(org, sessions, monkeypatch):
    from pathlib import Path

    from linkstar.tracking import file_ingest

    monkeypatch.setattr(file_ingest, "MIN_ROWS", 1)  # every file counts as large
    monkeypatch.setattr(file_ingest, "CHUNK_ROWS", 2)
    real, used = file_ingest._pipelined, []
    monkeypatch.setattr(file_ingest, "_pipelined", lambda *a: used.append(a) or real(*a))
    example = Path(__file__).parents[2] / "examples" / "tracking" / "events.csv"
    first = runner.invoke(app, ["track", "ingest", str(example), "--org", org])
    assert first.exit_code == 0, first.output
    assert len(used) == 1
    stored = _count(sessions, TrackingEventRow)
    assert f"6 rows: {stored} events stored" in first.output
    second = runner.invoke(app, ["track", "ingest", str(example), "--org", org])
    assert "6 rows: 0 events stored (6 duplicates dropped" in second.output, second.output


def test_carrier_accounts_and_poll_now(org, sessions, tenant, monkeypatch):
    from linkstar.cli import track
    from linkstar.db.uow import unit_of_work
    from linkstar.tracking.carrier_polling import poll_organisation
    from linkstar.tracking.poll_models import CarrierAccount
    from linkstar.tracking.schemas import ShipmentCreate
    from linkstar.tracking.shipments import register_shipments
    from tests.tracking.test_carrier_polling import USPS_DELIVERED, Carriers

    add = ["track", "carriers", "add", "usps", "--org", org, "--client-id", "id-123456789"]
    added = runner.invoke(app, add, input="secret-987654321\n")  # the secret is asked for
    assert added.exit_code == 0, added.output
    assert "client_secret=••••4321" in added.output
    again = runner.invoke(app, [*add, "--client-secret", "s" * 12])
    assert again.exit_code == 1 and "already has a usps account" in again.output
    listed = runner.invoke(app, ["track", "carriers", "list", "--org", org])
    assert listed.exit_code == 0 and "••••4321" in listed.output and "never" in listed.output
    assert "secret-987654321" not in listed.output
    with unit_of_work(sessions) as s:
        shipment = ShipmentCreate(tracking_number=USPS_DELIVERED, carrier="usps")
        register_shipments(s, tenant.principal, [shipment])
    carriers = Carriers(datetime.now(UTC))

    def polled(session, organisation_id, box):
        mock = httpx.MockTransport(carriers)
        return poll_organisation(session, organisation_id, box, transport=mock, sleep=lambda _: 0)

    monkeypatch.setattr(track, "poll_organisation", polled)
    result = runner.invoke(app, ["track", "poll", "--org", org])
    assert result.exit_code == 0, result.output
    assert "1 accounts; 1 parcels polled (0 deferred); 7 events stored" in result.output
    assert _count(sessions, TrackingEventRow) == 7
    with sessions() as s:
        account_id = s.scalar(select(CarrierAccount.id))
    removed = runner.invoke(app, ["track", "carriers", "remove", account_id, "--org", org])
    assert removed.exit_code == 0
    assert _count(sessions, CarrierAccount) == 0


def test_correct_carrier_by_number_or_id(org, sessions, tenant):
    from linkstar.db.uow import unit_of_work
    from linkstar.tracking.core.events import event_from_raw
    from linkstar.tracking.core.updates import TrackingUpdate
    from linkstar.tracking.ingest import ingest

    number = "1ZA1B2C30312345673"
    scan = event_from_raw(carrier="usps", event_time=datetime(2026, 12, 1, 9, tzinfo=UTC),
                          raw_code="I/OR", raw_description="Pickup Scan")  # fmt: skip
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate(number, "usps", (scan,), "api")])
    cmd = ["track", "correct-carrier", "--org", org]
    result = runner.invoke(app, [*cmd, "1za1-b2c3-0312345673", "--carrier", "ups",
                                 "--service", "Ground"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"{number}: usps -> ups (service Ground); 1 events re-mapped (0 merged), status "
        "in_transit; 0 exceptions resolved; refetch: no_carrier_account"
    )
    with sessions() as s:
        shipment_id = s.scalar(select(Shipment.id))
        assert s.scalar(select(TrackingEventRow.status)) == "in_transit"
    unknown = runner.invoke(app, [*cmd, shipment_id, "--carrier", "upz"])
    assert unknown.exit_code == 1 and "unknown carrier 'upz'" in unknown.output
    missing = runner.invoke(app, [*cmd, "NOPE123", "--carrier", "ups"])
    assert missing.exit_code == 1 and "no shipment 'NOPE123'" in missing.output
    with unit_of_work(sessions) as s:
        ingest(s, tenant.org.id, [TrackingUpdate(number, "fedex", (), "api")])
    several = runner.invoke(app, [*cmd, number, "--carrier", "usps"])
    assert several.exit_code == 1 and "followed under several carriers" in several.output
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Shipment)) == 2
        assert sorted(s.scalars(select(Shipment.carrier))) == ["fedex", "ups"]


def test_a_sandbox_carrier_account(org, sessions):
    from linkstar.tracking.poll_models import CarrierAccount

    add = ["track", "carriers", "add", "dhl", "--org", org, "--api-key", "k-123456789", "--sandbox"]
    added = runner.invoke(app, add)
    assert added.exit_code == 0, added.output
    assert "added dhl sandbox account" in added.output
    listed = runner.invoke(app, ["track", "carriers", "list", "--org", org])
    assert listed.exit_code == 0 and "sandbox" in listed.output
    with sessions() as s:
        assert s.scalar(select(CarrierAccount.environment)) == "sandbox"


def test_stats_name_the_origin_warehouse_and_take_any_case_of_carrier(org, sessions, tenant):
    from linkstar.db.uow import unit_of_work
    from linkstar.tracking.models import LaneTransitStat
    from linkstar.workspace.models import Warehouse
    from tests.tracking.store import seed

    seed(sessions, tenant)
    with unit_of_work(sessions) as s:
        house = Warehouse(
            organisation_id=tenant.org.id, code="NJ-EDI", name="Edison", kind="own",
            line1="1 Dock St", city="Edison", postcode="08817", country="US",
            timezone="America/New_York", cutoff_time=time(15, 0),
        )  # fmt: skip
        s.add(house)
        s.flush()
        s.scalars(select(LaneTransitStat)).one().origin = house.id
        house_id = house.id
    result = runner.invoke(
        app, ["track", "stats", "--org", org, "--no-refresh", "--carrier", "USPS"]
    )
    assert result.exit_code == 0, result.output
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in result.output.splitlines()
            if "│" in line]  # fmt: skip
    assert rows == [["lane", "usps", "Ground", "NJ-EDI", "US", "802", "40", "3.0", "4.5", "5.0",
                     "90%", "98%", "0.80"]]  # fmt: skip
    assert house_id not in result.output


def test_ingest_refuses_a_file_that_is_not_csv_or_json_lines(org, sessions, tmp_path):
    path = tmp_path / "scans.txt"
    path.write_text("tracking_number,carrier,event_time,raw_code\nX1,usps,2026-11-03T10:00Z,03\n")
    result = runner.invoke(app, ["track", "ingest", str(path), "--org", org])
    assert result.exit_code == 1
    assert "scans.txt: expected a .csv, .jsonl or .ndjson file" in result.output
    assert "not JSON" not in result.output
    assert _count(sessions, Shipment) == 0 and _count(sessions, TrackingEventRow) == 0


def test_an_update_or_a_number_whose_every_event_is_refused_stores_no_shipment(
    org, sessions, tmp_path
):
    updates = tmp_path / "updates.jsonl"
    updates.write_text(
        _line("9400111899223100000011", ("9999-12-31T23:59:00Z", "03", "USPS picked up item"))
        + "\n"
        + _line("9400111899223100000028", ("2026-11-02T09:00:00Z", "03", "USPS picked up item"))
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["track", "ingest", str(updates), "--org", org])
    assert result.exit_code == 1, result.output
    assert "9400111899223100000011: event_time 9999-12-31T23:59:00Z is more than 2 days" in (
        result.output
    )
    assert "1 events stored (0 duplicates dropped, 0 unmapped) for 1 shipments (1 new)" in (
        result.output
    )
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "tracking_number,carrier,event_time,raw_code\n"
        "9400111899223100000035,usps,9999-12-31T23:59:00Z,03\n"
        "9400111899223100000035,usps,yesterday,03\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["track", "ingest", str(rows), "--org", org])
    assert result.exit_code == 1, result.output
    assert "rows.csv:2, column event_time: event_time 9999-12-31T23:59:00Z" in result.output
    assert "rows.csv:3, column event_time: 'yesterday' is not ISO 8601" in result.output
    assert "2 rows: 0 events stored" in result.output and "(0 new); 2 bad rows" in result.output
    with sessions() as s:
        assert s.scalars(select(Shipment.tracking_number)).all() == ["9400111899223100000028"]
    assert _count(sessions, TrackingEventRow) == 1
