"""One tracking event: the carrier's raw code and text beside the normalised status.

Events are immutable values. The raw fields are what the carrier sent (kept forever, so an
event can be re-normalised when a mapping table improves); the normalised fields are what a
mapping table made of them, with the id of the rule that decided.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from linkstar.tracking.core.mapping import normalise
from linkstar.tracking.core.vocabulary import STATUS_RANK, Status, SubStatus

_COUNTRY = re.compile(r"[A-Z]{2}")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = " ".join(value.split())
    return stripped or None


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """A carrier scan or status update, normalised, with its raw code and description kept."""

    event_time: datetime
    carrier: str
    raw_code: str
    raw_description: str
    status: Status
    sub_status: SubStatus | None = None
    rule_id: str | None = None
    code_source: str | None = None  # whose code list raw_code belongs to; None = the carrier's
    location: str | None = None  # the carrier's free-text location, as sent
    city: str | None = None
    state: str | None = None
    postcode: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2

    def __post_init__(self) -> None:
        if self.event_time.tzinfo is None or self.event_time.utcoffset() is None:
            raise ValueError("event_time must be timezone-aware")
        object.__setattr__(self, "event_time", self.event_time.astimezone(UTC))
        carrier = self.carrier.strip().lower()
        if not carrier:
            raise ValueError("carrier must not be empty")
        object.__setattr__(self, "carrier", carrier)
        if self.code_source is not None:
            object.__setattr__(self, "code_source", self.code_source.strip().lower() or None)
        object.__setattr__(self, "status", Status(self.status))
        if self.sub_status is not None:
            object.__setattr__(self, "sub_status", SubStatus(self.sub_status))
        if self.status is Status.UNMAPPED and (self.sub_status or self.rule_id):
            raise ValueError("an unmapped event has no sub-status and no rule")
        if self.country is not None and not _COUNTRY.fullmatch(self.country):
            raise ValueError(f"country {self.country!r} is not an ISO 3166-1 alpha-2 code")

    @property
    def vocabulary(self) -> str:
        """The mapping table the raw code is looked up in (code_source, else the carrier)."""
        return self.code_source or self.carrier

    def renormalised(self) -> TrackingEvent:
        """The same raw event normalised again with the current mapping tables."""
        status, sub_status, rule_id = normalise(
            self.vocabulary, self.raw_code, self.raw_description
        )
        return replace(self, status=status, sub_status=sub_status, rule_id=rule_id)


def event_from_raw(
    *,
    carrier: str,
    event_time: datetime,
    raw_code: str | None,
    raw_description: str | None,
    code_source: str | None = None,
    location: str | None = None,
    city: str | None = None,
    state: str | None = None,
    postcode: str | None = None,
    country: str | None = None,
) -> TrackingEvent:
    """Build a normalised event from raw carrier fields (whitespace tidied, country checked)."""
    code = _clean(raw_code) or ""
    text = _clean(raw_description) or ""
    country_code = (_clean(country) or "").upper() or None
    place = _clean(location)
    if country_code is not None and not _COUNTRY.fullmatch(country_code):
        # Not an ISO code (a country name, a typo): keep it readable instead of guessing.
        place = ", ".join(p for p in (place, country_code) if p)
        country_code = None
    vocabulary = (code_source or carrier).strip().lower()
    status, sub_status, rule_id = normalise(vocabulary, code, text)
    return TrackingEvent(
        event_time=event_time,
        carrier=carrier,
        raw_code=code,
        raw_description=text,
        status=status,
        sub_status=sub_status,
        rule_id=rule_id,
        code_source=code_source,
        location=place,
        city=_clean(city),
        state=_clean(state),
        postcode=_clean(postcode),
        country=country_code,
    )


def identity_key(event: TrackingEvent) -> tuple[object, ...]:
    """What makes two events the same report: every raw field, none of the normalised ones."""
    return (
        event.event_time,
        event.carrier,
        event.vocabulary,
        event.raw_code,
        event.raw_description,
        event.location or "",
        event.city or "",
        event.state or "",
        event.postcode or "",
        event.country or "",
    )


def order_key(event: TrackingEvent) -> tuple[object, ...]:
    """A total order on events: time, then lifecycle rank, then every other field."""
    return (
        event.event_time,
        STATUS_RANK[event.status],
        event.sub_status.value if event.sub_status else "",
        *identity_key(event)[1:],
        event.rule_id or "",
        event.code_source or "",
    )
