"""Inbox → Reports in the console: figures, charts and tables of a range; bad dates refused."""

from __future__ import annotations

from tests.inbox.report_seed import seed_report_inbox

RANGE = {"start": "2026-11-30", "end": "2026-12-03"}  # t1..t5 of the report seed


def test_report_page_shows_the_figures_and_the_charts(tenant, owner, seeded, sessions):
    seed_report_inbox(sessions, tenant.org.id)
    r = owner.get("/inbox/reports", params=RANGE)
    assert r.status_code == 200
    html = r.text
    # Five threads: first responses 2, 30, 4 and 1 hours (p50 3.0 h), one of two leads.
    assert 'Threads opened</span><span class="kpi-value">5<' in html
    assert ">3.0 h<" in html
    assert "1 of 2 leads ordered within 14 days" in html
    assert html.count('<svg class="bar-chart') == 3
    assert "Threads per day by channel" in html and "Threads by intent" in html
    assert 'aria-current="page">Reports</a>' in html
    weekly = owner.get("/inbox/reports", params={**RANGE, "grain": "week", "channel": "amazon"})
    assert weekly.status_code == 200 and "Threads per week by channel" in weekly.text
    assert 'class="kpi-value">2<' in weekly.text


def test_bad_dates_are_refused_with_the_reason(owner, seeded):
    r = owner.get("/inbox/reports", params={"start": "2026-02-30"})
    assert r.status_code == 422
    assert "start &#39;2026-02-30&#39; is not a date" in r.text
    assert "bar-chart" not in r.text
    later = owner.get("/inbox/reports", params={"start": "2026-12-06", "end": "2026-11-30"})
    assert later.status_code == 422 and "is after" in later.text


def test_crowded_category_labels_are_slanted_and_abbreviated_with_the_full_name_kept():
    from linkstar.web.charts import HEIGHT, SLANT_ROOM, category_bar_chart

    roomy = category_bar_chart("Threads by intent", "threads", {"complaint": 3, "other": 1})
    assert roomy.label_angle == 0 and roomy.height == HEIGHT
    assert [(b.short, b.axis_title) for b in roomy.bars] == [("complaint", ""), ("other", "")]
    names = ["where_is_my_order", "refund_request", "bulk_or_oem_inquiry", "complaint"]
    crowded = category_bar_chart(
        "Threads by intent", "threads", {n: 4 - i for i, n in enumerate(names)}
    )
    assert (crowded.label_angle, crowded.height) == (-45, HEIGHT + SLANT_ROOM)
    assert [(b.short, b.axis_title) for b in crowded.bars] == [
        ("where_is_my_o…", "where_is_my_order"),
        ("refund_request", ""),
        ("bulk_or_oem_i…", "bulk_or_oem_inquiry"),
        ("complaint", ""),
    ]


def test_report_page_slants_the_intent_labels(tenant, owner, seeded, sessions):
    seed_report_inbox(sessions, tenant.org.id)
    html = owner.get("/inbox/reports", params=RANGE).text
    assert 'text-anchor="end" transform="rotate(-45 ' in html
    assert "<title>bulk_or_oem_inquiry</title>bulk_or_oem_i…</text>" in html
