"""Disruption: a burst of exceptions on one carrier (or one carrier's country) against its
own recent baseline. A disrupted lane is suspended for routing for a while."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LaneCounts:
    """Exceptions opened on one carrier lane: in the recent window and in the baseline before."""

    carrier: str
    dest_country: str  # "" = every destination of the carrier
    recent: int
    baseline: int  # opened in the baseline period before the window


@dataclass(frozen=True, slots=True)
class Disruption:
    """A lane whose recent exceptions are far above its baseline."""

    carrier: str
    dest_country: str
    recent: int
    expected: float  # the baseline's count per window

    @property
    def reason(self) -> str:
        """One sentence for the suspension record."""
        where = f" to {self.dest_country}" if self.dest_country else ""
        return (
            f"{self.recent} exceptions on {self.carrier}{where} in the window, "
            f"against {self.expected:.1f} expected from its baseline"
        )


def disruptions(
    counts: list[LaneCounts],
    *,
    window_hours: float,
    baseline_days: float,
    min_exceptions: int,
    ratio: float,
) -> list[Disruption]:
    """Lanes with at least `min_exceptions` recent exceptions and `ratio` times their baseline rate.

    The baseline is the count per window over the baseline period (at least one, so a lane with
    no history needs `min_exceptions` and `ratio` exceptions to trip).
    """
    windows = max(baseline_days * 24.0 / window_hours, 1.0)
    found = []
    for lane in counts:
        expected = lane.baseline / windows
        if lane.recent >= min_exceptions and lane.recent >= ratio * max(expected, 1.0):
            found.append(Disruption(lane.carrier, lane.dest_country, lane.recent, expected))
    return sorted(found, key=lambda d: (d.carrier, d.dest_country))
