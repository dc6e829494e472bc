"""Remote and extended areas per carrier, read from the seller's own rate cards.

A card's `remote` and `extended_remote` surcharge rows name the postcodes a carrier charges
extra for (docs/formats/rate-cards.md). Address checking classifies a destination with them:
"remote for UPS Ground and FedEx Home, not for USPS" is what a seller needs before choosing.
The index of one stored card version is built once per process (versions are immutable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from linkstar.rating.core import SurchargeKind
from linkstar.rating.core.matching import PostcodeMatcher
from linkstar.rating.core.postcodes import normalise_postcode
from linkstar.rating.models import RateCardVersion
from linkstar.rating.repository import RateCardRepository
from linkstar.rating.service import compiled_card

_KINDS = (SurchargeKind.remote, SurchargeKind.extended_remote)


@dataclass(frozen=True, slots=True)
class RemoteArea:
    """One carrier (or one of its services) that charges this destination as remote."""

    carrier: str
    service_id: str | None  # None: every service of the carrier (the card's `*` row)
    kind: str  # remote | extended_remote
    amount: int  # the surcharge's fixed part, in the card's minor units
    currency: str


@dataclass(frozen=True, slots=True)
class _Row:
    area: RemoteArea
    country: str | None
    matcher: PostcodeMatcher[bool]
    effective_from: date | None
    effective_to: date | None

    def applies(self, country: str, key: str, day: date) -> bool:
        if self.country not in (None, country):
            return False
        if self.effective_from is not None and day < self.effective_from:
            return False
        if self.effective_to is not None and day > self.effective_to:
            return False
        return bool(self.matcher.lookup(key))


_index: dict[str, tuple[_Row, ...]] = {}


def _rows(session: Session, version: RateCardVersion) -> tuple[_Row, ...]:
    found = _index.get(version.id)
    if found is not None:
        return found
    rows: dict[tuple[str, str | None, str, str | None], _Row] = {}
    for compiled in compiled_card(session, version).services:
        for rule in compiled.rule_set.rules:
            s = rule.surcharge
            if s.kind not in _KINDS:
                continue
            key = (s.carrier, s.service_id, s.kind.value, s.dest.country)
            if key not in rows:
                area = RemoteArea(
                    s.carrier, s.service_id, s.kind.value, s.amount, compiled.service.currency
                )
                rows[key] = _Row(
                    area, s.dest.country, s.dest.matcher(), s.effective_from, s.effective_to
                )
    result = tuple(rows.values())
    _index[version.id] = result
    return result


def remote_lookup(
    session: Session, organisation_id: str, day: date
) -> Callable[[str, str], list[RemoteArea]]:
    """A lookup (country, postcode) → remote areas over the cards in force on `day`, reading
    the cards once: batches call it per address without another query."""
    rows = [
        row
        for version in RateCardRepository(session, organisation_id).in_force(day)
        for row in _rows(session, version)
    ]

    def lookup(country: str, postcode: str) -> list[RemoteArea]:
        code = (country or "").strip().upper()
        key = normalise_postcode(code, postcode or "") if len(code) == 2 else None
        if not key:
            return []
        found = [r.area for r in rows if r.applies(code, key, day)]
        return sorted(found, key=lambda a: (a.carrier, a.service_id or "", a.kind))

    return lookup


def remote_areas(
    session: Session, organisation_id: str, country: str, postcode: str, day: date
) -> list[RemoteArea]:
    """Every carrier whose card in force on `day` charges (country, postcode) as remote."""
    return remote_lookup(session, organisation_id, day)(country, postcode)
