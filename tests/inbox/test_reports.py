"""Inbox reports: exact figures on a seeded inbox (SQLite and PostgreSQL), empty ranges,
filters, bad input, another organisation's threads never counted; API, CLI and console."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.inbox.reports import ReportRange, inbox_report
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.core import system_principal
from tests.api.conftest import Api
from tests.inbox.report_seed import NOW, seed_report_inbox

RANGE = {"start": date(2026, 11, 30), "end": date(2026, 12, 6)}


def _report(sessions, org_id, **kw):  # type: ignore[no-untyped-def]
    r = ReportRange.parse(kw.pop("start", RANGE["start"]), kw.pop("end", RANGE["end"]), **kw)
    with unit_of_work(sessions) as s:
        return inbox_report(s, system_principal(org_id), r, now=NOW).as_dict()


def test_exact_figures_of_the_seeded_inbox(sessions, tenant, make_tenant):
    seed_report_inbox(sessions, tenant.org.id)
    other = make_tenant("Other Seller")
    seed_report_inbox(sessions, other.org.id)  # the same threads elsewhere: never counted
    report = _report(sessions, tenant.org.id)
    assert report["threads"] == 7
    # First responses after 2, 30, 4, 1 and 6 hours: p90 interpolates between 6 and 30.
    assert report["first_response"] == {
        "count": 5,
        "p50_hours": 4.0,
        "p90_hours": 20.4,
        "mean_hours": 8.6,
    }
    assert report["resolution"] == {
        "count": 4,
        "p50_hours": 25.0,
        "p90_hours": 42.6,
        "mean_hours": 27.0,
    }
    assert report["sla"] == {"met": 4, "missed": 2, "pending": 1, "hit_rate": 0.6667}
    leads = {"threads": 3, "converted": 2, "conversion": 0.6667, "window_days": 14}
    assert report["leads"] == leads
    assert report["by_channel"] == {"amazon": 2, "ebay": 2, "email": 2, "website": 1}
    assert report["by_intent"] == {
        "bulk_or_oem_inquiry": 2,
        "where_is_my_order": 2,
        "complaint": 1,
        "price_negotiation": 1,
        "refund_request": 1,
    }
    assert [(p["period"], p["threads"]) for p in report["periods"]] == [
        ("2026-11-30", 1),
        ("2026-12-01", 2),
        ("2026-12-02", 1),
        ("2026-12-03", 1),
        ("2026-12-04", 1),
        ("2026-12-05", 1),
        ("2026-12-06", 0),
    ]
    assert report["periods"][1]["by_channel"] == {"email": 1, "amazon": 1}
    assert report["periods"][1]["by_intent"] == {"where_is_my_order": 1, "refund_request": 1}


def test_weeks_channel_filter_and_a_longer_lead_window(sessions, tenant):
    seed_report_inbox(sessions, tenant.org.id)
    weekly = _report(sessions, tenant.org.id, grain="week", end=date(2026, 12, 8))
    assert [(p["period"], p["threads"]) for p in weekly["periods"]] == [
        ("2026-11-30", 7),
        ("2026-12-07", 1),
    ]
    amazon = _report(sessions, tenant.org.id, channel="amazon")
    assert amazon["threads"] == 2
    assert amazon["first_response"]["p50_hours"] == 2.5  # 1 and 4 hours
    assert amazon["leads"]["converted"] == 1
    # With 30 days, the price negotiation whose buyer ordered 20 days later converts too.
    wide = _report(sessions, tenant.org.id, lead_window_days=30)
    assert wide["leads"]["converted"] == 3


def test_an_empty_range_has_zeros_and_no_rates(sessions, tenant):
    seed_report_inbox(sessions, tenant.org.id)
    report = _report(sessions, tenant.org.id, start=date(2025, 1, 1), end=date(2025, 1, 3))
    assert report["threads"] == 0
    assert report["first_response"] == {
        "count": 0,
        "p50_hours": None,
        "p90_hours": None,
        "mean_hours": None,
    }
    assert report["sla"]["hit_rate"] is None and report["leads"]["conversion"] is None
    assert [p["threads"] for p in report["periods"]] == [0, 0, 0]
    assert report["by_channel"] == {} and report["by_intent"] == {}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"start": date(2026, 12, 6), "end": date(2026, 11, 30)}, "from"),
        ({"start": date(2024, 1, 1), "end": date(2026, 1, 1)}, "to"),
        ({"channel": "fax"}, "channel"),
        ({"grain": "hour"}, "grain"),
        ({"lead_window_days": 0}, "lead_window_days"),
    ],
)
def test_bad_ranges_name_the_field(args, field):  # type: ignore[no-untyped-def]
    start, end = args.pop("start", RANGE["start"]), args.pop("end", RANGE["end"])
    with pytest.raises(InvalidInput) as exc:
        ReportRange.parse(start, end, **args)
    assert exc.value.details == {"field": field}


def test_api_report_and_bad_dates(client, sessions, tenant):  # type: ignore[no-untyped-def]
    seed_report_inbox(sessions, tenant.org.id)
    caller = Api(client, sessions).with_key(tenant)
    r = caller.get("/inbox/reports", params={"from": "2026-11-30", "to": "2026-12-06"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["threads"] == 7 and body["from"] == "2026-11-30" and body["to"] == "2026-12-06"
    assert body["first_response"]["p90_hours"] == 20.4
    assert body["leads"]["converted"] == 2
    for params in (
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-12-06", "to": "2026-11-30"},
        {"channel": "fax"},
        {"grain": "month"},
        {"lead_window_days": "0"},
    ):
        bad = caller.get("/inbox/reports", params=params)
        assert bad.status_code == 422, (params, bad.text)


def test_cli_report_json_and_table(sessions, tenant, settings, monkeypatch):  # type: ignore[no-untyped-def]
    from linkstar.cli.main import app

    seed_report_inbox(sessions, tenant.org.id)
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    get_settings.cache_clear()  # another test's settings may be cached in this process
    runner = CliRunner()
    args = ["inbox", "report", "--org", tenant.org.slug, "--since", "2026-11-30"]
    out = runner.invoke(app, [*args, "--until", "2026-12-06", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["threads"] == 7 and data["by_channel"]["email"] == 2
    table = runner.invoke(app, [*args, "--until", "2026-12-06"])
    assert table.exit_code == 0, table.output
    assert "first response p50 / p90" in table.output and "4.0 h / 20.4 h" in table.output
    bad = runner.invoke(app, [*args, "--until", "06/12/2026"])
    assert bad.exit_code != 0 and "is not a date" in bad.output
    get_settings.cache_clear()  # leave no settings of this test's data dir behind
