"""Pure thread decisions: SLA due times and states, priority, thread choice, quoted text,
and the HTML sanitiser (property tests)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from linkstar.inbox.core.automation.policy import InboxSettings
from linkstar.inbox.core.threads import (
    Candidate,
    SlaState,
    pick_thread,
    priority_for,
    sla_state,
    split_quoted,
)
from linkstar.inbox.sanitise import sanitise_html

MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
times = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def test_default_sla_times():
    # Amazon: 24 calendar hours; the rest one business day of the default calendar
    # (Monday-Friday 09:00-17:00 UTC).
    friday_evening = MONDAY + timedelta(days=4, hours=9)  # Fri 19:00
    settings = InboxSettings()
    assert settings.sla_due("amazon", friday_evening)[1] == friday_evening + timedelta(hours=24)
    next_monday_5pm = MONDAY + timedelta(days=7, hours=7)
    assert settings.sla_due("email", friday_evening)[1] == next_monday_5pm
    assert settings.sla_due("ebay", MONDAY) == (
        MONDAY + timedelta(hours=6),  # due soon after 6 of the 8 business hours
        MONDAY + timedelta(days=1),  # 7 h Mon + 1 h Tue
    )
    assert settings.sla_due("fax", MONDAY)[1] == MONDAY + timedelta(days=1)  # unknown: 1 day


def test_stored_calendar_and_targets_change_due_times():
    settings = InboxSettings.model_validate(
        {
            "calendars": {
                "default": {"timezone": "Europe/Berlin", "weekly": {"mon": [["08:00", "12:00"]]}},
                "support": {"continuous": True},
            },
            "sla": {"email": {"hours": 2, "basis": "business"},
                    "tiktok": {"hours": 3, "basis": "business", "calendar": "support"}},
        }
    )  # fmt: skip
    # 10:00 UTC is 11:00 in Berlin: 1 h left on Monday, 1 h the next Monday.
    assert settings.sla_due("email", MONDAY)[1] == MONDAY + timedelta(days=7, hours=-2, minutes=0)
    assert settings.sla_due("tiktok", MONDAY)[1] == MONDAY + timedelta(hours=3)


@given(times, st.sampled_from(["amazon", "email", "ebay", "tiktok", "shopify", "website"]))
def test_sla_due_is_after_receipt_and_inside_business_hours(at, channel):
    soon, due = InboxSettings().sla_due(channel, at)
    assert at < soon < due
    if channel == "amazon":
        assert due - at == timedelta(hours=24)
    else:
        assert due.weekday() < 5 and 9 <= due.hour <= 17
        assert due - at <= timedelta(days=4)


def test_sla_states():
    now = MONDAY
    assert sla_state(now - timedelta(minutes=1), "open", now) is SlaState.overdue
    assert sla_state(now + timedelta(hours=3), "open", now) is SlaState.due_soon
    assert sla_state(now + timedelta(hours=3), "open", now, now + timedelta(hours=1)) == "ok"
    assert sla_state(now + timedelta(hours=9), "open", now, now) is SlaState.due_soon
    assert sla_state(now + timedelta(hours=5), "snoozed", now) is SlaState.ok
    assert sla_state(now - timedelta(days=1), "closed", now) is SlaState.none
    assert sla_state(None, "open", now) is SlaState.none


def test_priorities():
    assert priority_for("complaint", "negative", "high") == "urgent"
    assert priority_for("bulk_or_oem_inquiry", "neutral", "normal") == "high"
    assert priority_for("delivery_problem", "negative", "normal") == "high"
    assert priority_for("feedback", "positive", "low") == "low"
    assert priority_for("where_is_my_order", "neutral", "normal") == "normal"


def _candidate(**kw):  # type: ignore[no-untyped-def]
    base = {
        "id": "t1", "channel": "email", "buyer_address": "a@x", "external_thread_id": "",
        "message_ids": frozenset(), "order_refs": frozenset(), "status": "open",
        "last_activity_at": MONDAY,
    }  # fmt: skip
    return Candidate(**{**base, **kw})


def test_a_closed_thread_is_not_continued_by_buyer_alone():
    closed = _candidate(status="closed")
    args = {"channel": "email", "buyer_address": "A@X", "external_thread_id": "",
            "in_reply_to": (), "order_refs": (), "received_at": MONDAY}  # fmt: skip
    assert pick_thread([closed], **args) == (None, "new")
    assert pick_thread([_candidate()], **args) == ("t1", "buyer")
    # A reply header still finds a closed thread (the buyer answered it).
    replied = _candidate(status="closed", message_ids=frozenset({"<m>"}))
    assert pick_thread([replied], **{**args, "in_reply_to": ("<m>",)}) == ("t1", "reply to")


def test_quoted_history_is_split_off():
    main, quoted = split_quoted("Thanks!\n\nOn Mon, Nov 30, 2026, Shop wrote:\n> Shipped.\n")
    assert main == "Thanks!" and quoted.startswith("On Mon") and "> Shipped." in quoted
    assert split_quoted("No quotes here") == ("No quotes here", "")


@given(st.text(max_size=400))
def test_split_quoted_loses_nothing(text):
    main, quoted = split_quoted(text)
    if quoted:
        assert text.startswith(main) and text.endswith(quoted)
    else:
        assert main == text


MARKUP = st.lists(
    st.sampled_from([
        "<script>alert(1)</script>", "<b>", "</b>", "<p onclick='x()'>", "</p>",
        '<a href="javascript:alert(1)">', "<a href='https://ok.example'>", "</a>",
        "<img src=x onerror=alert(1)>", "<style>*{}</style>", "<iframe src=//x>", "text ",
        "<svg onload=alert(1)>", "&lt;", "<div style='color:red'>", "</div>", "<!-- c -->",
    ]),
    max_size=30,
).map("".join)  # fmt: skip


@given(MARKUP)
def test_sanitised_html_has_no_active_content(html):
    clean = sanitise_html(html).lower()
    # Markup that survives as text is escaped (&lt;...): only real tags can be active.
    for tag in re.findall(r"<[^>]*>", clean):
        for bad in ("<script", "<style", "<iframe", "<svg", "<img", "onclick", "onerror",
                    "onload", "javascript:", "style="):  # fmt: skip
            assert bad not in tag, (html, clean)
