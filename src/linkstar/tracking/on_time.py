"""The on-time trend of the scorecards: per carrier and week, the delivered shipments that had
a promise and how many of them arrived by it. One aggregate over the covering index of finished
shipments (`ix_shipments_finished`, keyed by when they finished), so the read is a range of
that index, not of the table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from linkstar.tracking.driver_reads import dialect, fetch, shipments_table
from linkstar.tracking.models import FINISHED_INDEX, FINISHED_WHERE
from linkstar.workspace.core import Permission, Principal

WEEK_S = 7 * 86_400


@dataclass(frozen=True, slots=True)
class WeekCount:
    """One carrier's week: deliveries with a promise, and those on time."""

    promised: int
    on_time: int

    @property
    def rate(self) -> float | None:
        """The on-time share, None for a week without a promised delivery."""
        return self.on_time / self.promised if self.promised else None


@dataclass(frozen=True, slots=True)
class OnTimeTrend:
    """Rolling seven-day weeks ending at `now`, oldest first, and each carrier's counts."""

    week_starts: list[datetime]
    carriers: list[tuple[str, list[WeekCount]]]


def on_time_trend(
    session: Session, actor: Principal, now: datetime, weeks: int = 12
) -> OnTimeTrend:
    """On-time deliveries per carrier over the last `weeks` weeks (delivery by the promise)."""
    actor.require(Permission.tracking_read)
    end = int(now.timestamp())
    start = end - weeks * WEEK_S
    table = shipments_table(dialect(session), FINISHED_INDEX)
    sql = (
        f"SELECT carrier, (status_since_s - ?) / {WEEK_S}, COUNT(*), "  # noqa: S608
        "SUM(CASE WHEN delivered_s <= promised_s THEN 1 ELSE 0 END) "
        f"FROM {table} WHERE organisation_id = ? AND {FINISHED_WHERE} AND status = 'delivered' "
        "AND status_since_s >= ? AND status_since_s < ? AND promised_s IS NOT NULL "
        "AND delivered_s IS NOT NULL GROUP BY 1, 2"
    )
    rows = fetch(session, sql, (start, actor.organisation_id, start, end))
    counts: dict[str, list[WeekCount]] = {}
    for carrier, week, promised, on_time in rows:
        series = counts.setdefault(carrier, [WeekCount(0, 0)] * weeks)
        series[int(week)] = WeekCount(int(promised), int(on_time or 0))
    starts = [datetime.fromtimestamp(start + i * WEEK_S, UTC) for i in range(weeks)]
    return OnTimeTrend(starts, sorted(counts.items()))
