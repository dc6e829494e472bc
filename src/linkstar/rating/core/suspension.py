"""Suspensions: a carrier or one service taken out of routing for some lanes and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from linkstar.rating.core.model import Service, in_effect


@dataclass(frozen=True, slots=True)
class Suspension:
    """A carrier (service_id None) or one service, for every lane unless narrowed."""

    carrier: str
    service_id: str | None = None
    dest_countries: frozenset[str] = frozenset()  # empty = every destination
    origins: frozenset[str] = frozenset()  # warehouse codes or origin countries; empty = all
    starts: date | None = None
    ends: date | None = None  # inclusive; None = until resumed
    reason: str = ""
    ref: str = ""  # the stored suspension's id

    def covers(self, service: Service, origin: str, dest_country: str, day: date) -> bool:
        """Whether a parcel from `origin` to `dest_country` on `day` may not use `service`."""
        if service.carrier != self.carrier:
            return False
        if self.service_id is not None and service.service_id != self.service_id:
            return False
        if self.dest_countries and dest_country not in self.dest_countries:
            return False
        if self.origins and not ({origin, service.origin_country} & self.origins):
            return False
        return in_effect(self.starts, self.ends, day)
