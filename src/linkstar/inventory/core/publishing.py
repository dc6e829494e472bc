"""Channel stock publishing: how many units a store may list from what is available."""

from __future__ import annotations

from dataclasses import dataclass

from linkstar.kit.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class StorePolicy:
    """A store's buffers; None means no cap."""

    max_listed: int | None = None
    stop_selling_below: int = 0
    percent_of_available: int = 100

    def __post_init__(self) -> None:
        if self.max_listed is not None and self.max_listed < 0:
            raise InvalidInput("max_listed cannot be negative", {"field": "max_listed"})
        if self.stop_selling_below < 0:
            raise InvalidInput(
                "stop_selling_below cannot be negative", {"field": "stop_selling_below"}
            )
        if not 0 <= self.percent_of_available <= 100:
            raise InvalidInput(
                "percent_of_available must be 0-100", {"field": "percent_of_available"}
            )


def published_quantity(available: int, policy: StorePolicy) -> int:
    """Units to list: 0 below the stop-selling threshold, else the floored share, capped.

    The share is floored so a store never lists a unit that is not there; the threshold is
    compared with the whole available quantity, before the share is taken.
    """
    if available <= 0 or available < policy.stop_selling_below:
        return 0
    share = available * policy.percent_of_available // 100
    if policy.max_listed is not None:
        share = min(share, policy.max_listed)
    return share
