"""What a pull connector hands back: updates for the numbers it read, failures for the rest."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from linkstar.tracking.core.updates import TrackingUpdate


@dataclass(frozen=True, slots=True)
class PullFailure:
    """A number the carrier could not give us: not found (yet), or a response we refused."""

    tracking_number: str
    reason: str
    not_found: bool = False


@dataclass(frozen=True, slots=True)
class PullResult:
    """The outcome of one or more carrier calls; a failed number never hides the others."""

    updates: tuple[TrackingUpdate, ...] = ()
    failures: tuple[PullFailure, ...] = field(default=())

    @staticmethod
    def merge(results: Iterable[PullResult]) -> PullResult:
        """All updates and failures of several results, in order."""
        updates: list[TrackingUpdate] = []
        failures: list[PullFailure] = []
        for result in results:
            updates.extend(result.updates)
            failures.extend(result.failures)
        return PullResult(tuple(updates), tuple(failures))


class PullConnector(Protocol):
    """A carrier tracking API client the polling job drives."""

    carrier: str
    batch_size: int  # numbers per API call

    def track(self, numbers: Sequence[str]) -> PullResult:
        """Fetch the events of up to `batch_size` numbers per call, as many calls as needed."""
        ...
