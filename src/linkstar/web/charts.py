"""Bar charts as geometry for server-rendered, accessible inline SVG (no chart library)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

WIDTH = 520
HEIGHT = 200
LEFT = 36  # room for the y-axis labels
RIGHT = 8
TOP = 12
BOTTOM = 28  # room for the x-axis labels
# Category labels that would collide (wider than their slot at ~7 px a character of the 12 px
# axis font) are slanted, abbreviated with "…" past SLANT_CHARS (the full name in a tooltip),
# and the chart grows by SLANT_ROOM below the baseline and SLANT_PAD left of the y axis (the
# first label reaches past it) to hold them.
AXIS_CHAR_WIDTH = 7.0
SLANT = -45
SLANT_CHARS = 14
SLANT_ROOM = 68
SLANT_PAD = 24
DAY_LABEL_WIDTH = 6 * AXIS_CHAR_WIDTH + 4


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    label: str  # full label, e.g. the ISO day
    short: str  # axis label, empty when skipped to avoid crowding
    x: float
    width: float
    total: int
    segments: tuple[Segment, ...]
    axis_title: str = ""  # the full axis label when `short` abbreviates it


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class BarChart:
    """Everything a template needs to draw the chart and its data table."""

    title: str
    unit: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM
    caption: str = ""  # what the bars cover; "Last N days · UTC" when empty
    axis: str = "Day (UTC)"  # what one bar is, heading the data table
    label_angle: int = 0  # degrees the axis labels are turned (SLANT when they would collide)
    pad_left: int = 0  # room drawn left of x = 0 (the viewBox starts at -pad_left)

    @property
    def total(self) -> int:
        return sum(bar.total for bar in self.bars)

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def busiest(self) -> Bar | None:
        return max(self.bars, key=lambda b: b.total) if self.bars and not self.empty else None

    def series_total(self, series: str) -> int:
        return sum(s.value for bar in self.bars for s in bar.segments if s.series == series)


def abbreviate(text: str, limit: int) -> str:
    """`text`, or its first `limit - 1` characters and "…" when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit_labels(chart: BarChart, slot: float) -> BarChart:
    """The chart with slanted, abbreviated axis labels when one is wider than its `slot`."""
    widest = max((len(bar.short) for bar in chart.bars), default=0)
    if widest * AXIS_CHAR_WIDTH <= slot * 0.9:
        return chart
    bars = []
    for bar in chart.bars:
        short = abbreviate(bar.short, SLANT_CHARS)
        bars.append(replace(bar, short=short, axis_title=bar.short if short != bar.short else ""))
    return replace(
        chart,
        bars=tuple(bars),
        label_angle=SLANT,
        height=chart.height + SLANT_ROOM,
        pad_left=SLANT_PAD,
    )


def last_days(today: date, days: int) -> list[date]:
    """The `days` calendar days ending with `today`, oldest first."""
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def nice_max(value: int) -> int:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 4:
        return 4
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return 10 * magnitude


def _ticks(top: int, plot_height: float) -> tuple[Tick, ...]:
    count = 4 if top % 4 == 0 else (5 if top % 5 == 0 else 2)
    step = top / count
    ticks = []
    for i in range(count + 1):
        value = round(step * i)
        ticks.append(Tick(value, TOP + plot_height - plot_height * value / top))
    return tuple(ticks)


def daily_bar_chart(
    title: str,
    unit: str,
    days: Sequence[date],
    values: Mapping[str, Mapping[str, int]],
    series: Iterable[str],
) -> BarChart:
    """Stacked bars per day; `values` maps ISO day → series → count (missing days are 0)."""
    names = tuple(series)
    totals = [sum(values.get(d.isoformat(), {}).get(s, 0) for s in names) for d in days]
    top = nice_max(max(totals, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    width = slot * 0.62
    # Label every n-th day so that labels ("30 Nov": 6 characters and a gap) never touch.
    every = max(1, math.ceil(DAY_LABEL_WIDTH / slot))
    bars = []
    for index, day in enumerate(days):
        counts = values.get(day.isoformat(), {})
        y: float = TOP + plot_height
        segments = []
        for name in names:
            value = int(counts.get(name, 0))
            height = plot_height * value / top
            y -= height
            segments.append(Segment(name, value, round(y, 2), round(height, 2)))
        # Always including the latest day.
        show = (len(days) - 1 - index) % every == 0
        bars.append(
            Bar(
                label=day.isoformat(),
                short=day.strftime("%d %b").lstrip("0") if show else "",
                x=round(LEFT + slot * index + (slot - width) / 2, 2),
                width=round(width, 2),
                total=totals[index],
                segments=tuple(segments),
            )
        )
    return BarChart(title, unit, names, tuple(bars), _ticks(top, plot_height))


def category_bar_chart(title: str, unit: str, values: Mapping[str, int]) -> BarChart:
    """One bar per category (e.g. cost by carrier), largest first; one series named `unit`."""
    items = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    top = nice_max(max((v for _, v in items), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(items), 1)
    width = slot * 0.62
    bars = []
    for index, (name, value) in enumerate(items):
        height = plot_height * value / top
        y = TOP + plot_height - height
        bars.append(
            Bar(
                label=name,
                short=name,
                x=round(LEFT + slot * index + (slot - width) / 2, 2),
                width=round(width, 2),
                total=value,
                segments=(Segment(unit, value, round(y, 2), round(height, 2)),),
            )
        )
    return fit_labels(BarChart(title, unit, (unit,), tuple(bars), _ticks(top, plot_height)), slot)


def grouped_bar_chart(
    title: str, unit: str, values: Mapping[str, Sequence[int]], series: Sequence[str]
) -> BarChart:
    """Side-by-side bars per category, one per series (e.g. cost now and simulated per
    carrier), categories in the given order. Each bar is one series' value; the first bar of a
    group carries the category's axis label, centred under the group by the template."""
    names = tuple(series)
    top = nice_max(max((v for vs in values.values() for v in vs), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(values), 1)
    width = min(slot * 0.72 / max(len(names), 1), 56.0)
    bars = []
    for index, (category, counts) in enumerate(values.items()):
        start = LEFT + slot * index + (slot - width * len(names)) / 2
        for k, (name, value) in enumerate(zip(names, counts, strict=True)):
            height = plot_height * value / top
            y = round(TOP + plot_height - height, 2)
            bars.append(
                Bar(
                    label=f"{category} · {name}",
                    short=category if k == 0 else "",
                    x=round(start + width * k, 2),
                    width=round(width, 2),
                    total=value,
                    segments=(Segment(name, value, y, round(height, 2)),),
                )
            )
    chart = BarChart(title, unit, names, tuple(bars), _ticks(top, plot_height))
    return fit_labels(chart, slot)
