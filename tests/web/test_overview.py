"""The overview: KPI cards and charts from the database, honest empty states."""

from __future__ import annotations

import re
from datetime import date, timedelta

from linkstar.db.outbox import JobStatus, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.web.charts import daily_bar_chart, last_days, nice_max
from linkstar.workspace.core import Role


def kpi(html: str, key: str) -> tuple[str, str]:
    found = re.search(
        rf'data-kpi="{key}">\s*<span class="kpi-label">[^<]*</span>\s*'
        rf'<span class="kpi-value">([^<]*)</span>\s*<span class="kpi-detail">([^<]*)</span>',
        html,
    )
    assert found, f"no KPI card {key}"
    return found.group(1), found.group(2)


def test_kpis_count_the_organisations_rows(tenant, owner, seeded, sessions):
    with unit_of_work(sessions) as s:
        now = utcnow()
        s.add(OutboxJob(organisation_id=tenant.org.id, name="a", status="pending"))
        s.add(OutboxJob(organisation_id=tenant.org.id, name="b", status="queued"))
        s.add(OutboxJob(organisation_id=tenant.org.id, name="c", status="running"))
        s.add(OutboxJob(organisation_id=tenant.org.id, name="d", status="done", finished_at=now))
        s.add(OutboxJob(organisation_id=None, name="platform", status="dead"))
    owner.post(f"/settings/stores/{seeded.store_id}/deactivate")
    html = owner.get("/").text
    assert kpi(html, "stores") == ("0 / 1", "active / total")
    assert kpi(html, "warehouses") == ("2", "2 active")  # the seeded transfer's two ends
    assert kpi(html, "users") == ("2", "active of 2")
    assert kpi(html, "api_keys") == ("1", "active")
    # a, b, the `orders.allocate` job the seeded order import enqueued and the `inbox.automate`
    # job of the seeded buyer message (the seeded workspace has an active inbox rule).
    assert kpi(html, "jobs_pending") == ("4", "1 running")
    assert kpi(html, "jobs_dead") == ("1", "need a look")
    assert 'href="/settings/jobs" data-kpi="jobs_dead"' in html
    # organisation.create, user.create, store/warehouse/api_key.create, store.update,
    # order_rule.create, sku_mapping.create; the seeded transfer's warehouse, SKU and transfer
    assert kpi(html, "changes") == ("11", "last 7 days")


def test_charts_are_accessible_inline_svg(owner, seeded):
    html = owner.get("/").text
    svgs = re.findall(r"<svg class=\"bar-chart\"[^>]*>", html)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "aria-labelledby" in svg
    assert '<title id="chart-1-title">Changes per day, last 14 days</title>' in html
    assert "10 changes in total" in html
    today = utcnow().date().isoformat()
    assert f"<title>{today}: 10 changes</title>" in html
    assert f"<title>{today}: 1 jobs (done 0, dead 1)</title>" in html
    assert "Show the numbers" in html
    assert "<script" not in html.split("</head>")[1]


def test_empty_states_are_honest(tenant, browser_factory, make_user, sessions):
    # A fresh workspace: two audit entries from its creation, nothing else.
    html = browser_factory(tenant.owner).get("/").text
    assert kpi(html, "stores") == ("0 / 0", "active / total")
    assert kpi(html, "warehouses") == ("0", "none yet")
    assert kpi(html, "jobs_dead") == ("0", "none")
    assert "No activity yet: no jobs in the last 14 days." in html
    assert html.count('<svg class="bar-chart"') == 1  # the audit chart has the creation


def test_cards_follow_permissions(tenant, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer)).get("/").text
    for key in ("stores", "warehouses", "users"):
        kpi(viewer, key)
    for key in ("api_keys", "jobs_pending", "jobs_dead", "changes"):
        assert f'data-kpi="{key}"' not in viewer
    assert '<svg class="bar-chart"' not in viewer


def test_navigation_marks_unbuilt_modules(owner):
    html = owner.get("/").text
    for label in ("Shipments", "Returns"):
        assert f'title="{label} arrives with its module"' in html
        assert f">{label}</span>" in html
    assert 'href="/tracking"' in html and 'title="Tracking arrives' not in html
    assert 'href="/settings"' in html and 'href="/" class="active" aria-current="page"' in html
    assert 'href="/orders"' in html  # built: a link, not a "soon" label
    assert 'href="/inventory"' in html and 'href="/routing"' in html
    assert 'href="/inbox"' in html and 'title="Inbox arrives' not in html


def test_nav_is_data_driven(monkeypatch, owner):
    from linkstar.web import nav

    modules = tuple(
        nav.NavItem(m.key, m.label, "/orders" if m.key == "orders" else m.url, m.permission, m.icon)
        for m in nav.MODULES
    )
    monkeypatch.setattr(nav, "MODULES", modules)
    html = owner.get("/").text
    assert 'href="/orders"' in html
    assert 'title="Orders arrives with its module"' not in html


def test_bar_chart_geometry():
    days = last_days(date(2026, 1, 14), 14)
    assert days[0] == date(2026, 1, 1) and len(days) == 14
    values = {"2026-01-14": {"done": 3, "dead": 2}, "2026-01-02": {"done": 1}}
    chart = daily_bar_chart("Jobs", "jobs", days, values, ["done", "dead"])
    assert chart.total == 6 and chart.series_total("dead") == 2
    assert chart.busiest is not None and chart.busiest.label == "2026-01-14"
    last = chart.bars[-1]
    done, dead = last.segments
    assert done.y + done.height == chart.baseline  # stacked from the baseline up
    assert abs(dead.y + dead.height - done.y) < 0.01
    assert chart.ticks[-1].value == 5
    assert [nice_max(v) for v in (0, 3, 7, 12, 25, 101)] == [4, 4, 10, 20, 25, 200]
    empty = daily_bar_chart("X", "x", days, {}, ["x"])
    assert empty.empty and empty.busiest is None
    assert last.short and chart.bars[-2].short == ""  # every other label on long ranges
    month = daily_bar_chart("M", "m", last_days(date(2026, 1, 30), 30), values, ["done"])
    shown = [i for i, bar in enumerate(month.bars) if bar.short]
    assert shown == list(range(2, 30, 3))  # every third day of 30, ending on the latest
    assert month.bars[29].short == "30 Jan"


def test_chart_days_are_utc_days(owner, tenant, sessions):
    yesterday = utcnow() - timedelta(days=1)
    with unit_of_work(sessions) as s:
        s.add(
            OutboxJob(
                organisation_id=tenant.org.id,
                name="x",
                status=JobStatus.done.value,
                finished_at=yesterday,
            )
        )
    html = owner.get("/").text
    assert f"<title>{yesterday.date().isoformat()}: 1 jobs (done 1, dead 0)</title>" in html
