"""Inbox reports in the console: first-response and resolution times, SLA hit rate, lead
conversion, and charts of the volume by channel and by intent, for a date range."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from linkstar.inbox import reports, service
from linkstar.inbox.reports import InboxReport, ReportRange, Timing
from linkstar.kit.errors import LinkStarError
from linkstar.web import nav
from linkstar.web.charts import BarChart, category_bar_chart, daily_bar_chart
from linkstar.web.context import ConsolePage
from linkstar.workspace.core import Permission

router = APIRouter()
TOP_INTENTS = 8  # the intent chart's bars; the rest are summed as "other intents"
CHART_WIDTH, LABEL_WIDTH, ROW = 720, 160, 26


@dataclass(frozen=True)
class TimeBar:
    """One timing of the response-time chart: p50 and p90 as widths in the SVG's units."""

    label: str
    p50: float
    p90: float
    p50_x: float
    p90_x: float
    y: float


def time_bars(timings: list[tuple[str, Timing]]) -> list[TimeBar]:
    """Bars of the timings that have data, scaled to the longest p90."""
    shown = [(name, t) for name, t in timings if t.p50_hours is not None]
    top = max((t.p90_hours or 0.0 for _, t in shown), default=1.0) or 1.0
    scale = (CHART_WIDTH - LABEL_WIDTH - 60) / top
    return [
        TimeBar(
            name,
            t.p50_hours or 0.0,
            t.p90_hours or 0.0,
            round((t.p50_hours or 0.0) * scale, 1),
            round((t.p90_hours or 0.0) * scale, 1),
            i * ROW + 8,
        )
        for i, (name, t) in enumerate(shown)
    ]


def volume_charts(report: InboxReport) -> list[BarChart]:
    """Threads per period stacked by channel, and threads by intent (largest first)."""
    r = report.range
    days = [date.fromisoformat(p.label) for p in report.periods]
    per = "week" if r.grain == "week" else "day"
    by_channel = daily_bar_chart(
        f"Threads per {per} by channel",
        "threads",
        days,
        {p.label: p.by_channel for p in report.periods},
        [c for c in service.CHANNELS if c in report.by_channel],
    )
    caption = f"{r.start} to {r.end} · UTC" + (" · weeks from Monday" if per == "week" else "")
    intents = dict(list(report.by_intent.items())[:TOP_INTENTS])
    rest = sum(report.by_intent.values()) - sum(intents.values())
    if rest:
        intents["other intents"] = rest
    by_intent = category_bar_chart("Threads by intent", "threads", intents)
    return [
        dataclasses.replace(by_channel, caption=caption, axis=f"{per.capitalize()} (UTC)"),
        dataclasses.replace(by_intent, caption=caption, axis="Intent"),
    ]


@router.get("/inbox/reports", response_class=HTMLResponse)
def inbox_reports(
    page: ConsolePage,
    start: str = "",
    end: str = "",
    channel: str = "",
    grain: str = "day",
) -> HTMLResponse:
    """The inbox report of a date range (the last 30 days by default) with its charts."""
    page.principal.require(Permission.inbox_read)
    current = {"start": start, "end": end, "channel": channel, "grain": grain}
    context: dict[str, Any] = {"report": None, "error": None}
    try:
        r = ReportRange.parse(
            reports.parse_day(start, "start"), reports.parse_day(end, "end"), channel or None, grain
        )
        report = reports.inbox_report(page.session, page.principal, r)
        current |= {"start": r.start.isoformat(), "end": r.end.isoformat()}
        context |= {
            "report": report,
            "charts": volume_charts(report),
            "bars": time_bars(
                [("First response", report.first_response), ("Resolution", report.resolution)]
            ),
        }
    except LinkStarError as exc:
        context["error"] = exc
    return page.render(
        "inbox/reports.html",
        status=422 if context["error"] else 200,
        inbox_sections=nav.visible(nav.INBOX_SECTIONS, page.principal),
        active_inbox=nav.active_key(nav.INBOX_SECTIONS, page.request.url.path),
        current=current,
        channels=service.CHANNELS,
        chart_width=CHART_WIDTH,
        label_width=LABEL_WIDTH,
        **context,
    )
