"""Zone charts: (origin postcode, destination country and postcode) → zone, per carrier chart.

Rows sharing one origin pattern form a block. A look-up first finds the origin block (by the
match order of `matching`), then the destination's zone within that block and country. Zone
labels are strings ("5", "B", "LOCAL"); they are interned into small integer codes so that the
vectorised pricer works on arrays of codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.matching import PatternError, PostcodeMatcher, PostcodePattern
from linkstar.rating.core.postcodes import normalise_country, postcode_key

NO_ZONE = -1


@dataclass(frozen=True, slots=True)
class ZoneRow:
    """One row of a zone sheet, as text (blank `*_to` = a single prefix; blank both = all)."""

    origin_postcode_from: str
    origin_postcode_to: str
    dest_country: str
    dest_postcode_from: str
    dest_postcode_to: str
    zone: str


@dataclass(frozen=True, slots=True)
class ZoneEntry:
    """One parsed row: origin pattern, destination country and pattern, zone label."""

    origin: PostcodePattern
    dest_country: str
    dest: PostcodePattern
    zone: str


class ZoneChartError(ValueError):
    """Every problem found in a zone sheet: (row index, message) pairs."""

    def __init__(self, problems: list[tuple[int, str]]):
        super().__init__("; ".join(f"row {i}: {msg}" for i, msg in problems[:5]))
        self.problems = problems


def _label_order(label: str) -> tuple[int, int, str]:
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


class ZoneChart:
    """A carrier's zone chart with precomputed matchers; treat instances as immutable."""

    def __init__(self, name: str, origin_country: str, entries: Iterable[ZoneEntry]):
        self.name = name
        self.origin_country = normalise_country(origin_country)
        self.entries = tuple(entries)
        self.zone_labels: tuple[str, ...] = tuple(
            sorted({e.zone for e in self.entries}, key=_label_order)
        )
        self.zone_codes = {label: code for code, label in enumerate(self.zone_labels)}
        grouped: dict[PostcodePattern, dict[str, list[tuple[PostcodePattern, int]]]] = {}
        for entry in self.entries:
            by_country = grouped.setdefault(entry.origin, {})
            by_country.setdefault(entry.dest_country, []).append(
                (entry.dest, self.zone_codes[entry.zone])
            )
        self.origins = tuple(grouped)
        self._origin = PostcodeMatcher((origin, i) for i, origin in enumerate(self.origins))
        self._dest: list[dict[str, PostcodeMatcher[int]]] = [
            {country: PostcodeMatcher(rows) for country, rows in by_country.items()}
            for by_country in grouped.values()
        ]
        # Memoised derived tables: pure functions of the chart, built on first use.
        self._blocks: dict[str, int | None] = {}
        self._dense: dict[tuple[int, str, int], NDArray[np.int16]] = {}

    @classmethod
    def from_rows(cls, name: str, origin_country: str, rows: Iterable[ZoneRow]) -> ZoneChart:
        """Parse sheet rows; raise ZoneChartError listing every bad row (nothing half-built)."""
        entries: list[ZoneEntry] = []
        problems: list[tuple[int, str]] = []
        for i, row in enumerate(rows):
            try:
                dest_country = normalise_country(row.dest_country)
                if len(dest_country) != 2 or not dest_country.isalpha():
                    raise PatternError(f"dest_country {row.dest_country!r} is not ISO alpha-2")
                if not row.zone.strip():
                    raise PatternError("zone is blank")
                origin = PostcodePattern.parse(
                    origin_country, row.origin_postcode_from, row.origin_postcode_to
                )
                dest = PostcodePattern.parse(
                    dest_country, row.dest_postcode_from, row.dest_postcode_to
                )
                entries.append(ZoneEntry(origin, dest_country, dest, row.zone.strip()))
            except PatternError as exc:
                problems.append((i, str(exc)))
        if problems:
            raise ZoneChartError(problems)
        try:
            return cls(name, origin_country, entries)
        except PatternError as exc:
            raise ZoneChartError([(-1, str(exc))]) from exc

    def origin_block(self, origin_key: str) -> int | None:
        """Index of the block serving an origin postcode key, or None."""
        if origin_key not in self._blocks:
            self._blocks[origin_key] = self._origin.lookup(origin_key)
        return self._blocks[origin_key]

    def dest_matcher(self, block: int, dest_country: str) -> PostcodeMatcher[int] | None:
        """The destination matcher of one origin block and country."""
        return self._dest[block].get(dest_country)

    def zone_code(self, origin_key: str, dest_country: str, dest_key: str) -> int:
        """Zone code for normalised keys, or NO_ZONE."""
        block = self.origin_block(origin_key)
        if block is None:
            return NO_ZONE
        matcher = self._dest[block].get(dest_country)
        if matcher is None:
            return NO_ZONE
        code = matcher.lookup(dest_key)
        return NO_ZONE if code is None else code

    def zone(self, origin_postcode: str, dest_country: str, dest_postcode: str) -> str | None:
        """Zone label for raw postcodes (normalised here), or None when the chart has none."""
        country = normalise_country(dest_country)
        origin_key = postcode_key(self.origin_country, origin_postcode)
        dest_key = postcode_key(country, dest_postcode)
        if origin_key is None or dest_key is None:
            return None
        code = self.zone_code(origin_key, country, dest_key)
        return None if code == NO_ZONE else self.zone_labels[code]

    def dense_codes(self, origin_key: str, dest_country: str, digits: int) -> NDArray[np.int16]:
        """Zone code of every `digits`-digit destination key from one origin (NO_ZONE = none)."""
        block = self.origin_block(origin_key)
        if block is None:
            return np.full(10**digits, NO_ZONE, dtype=np.int16)
        cache_key = (block, dest_country, digits)
        if cache_key not in self._dense:
            matcher = self._dest[block].get(dest_country)
            self._dense[cache_key] = (
                np.full(10**digits, NO_ZONE, dtype=np.int16)
                if matcher is None
                else matcher.dense(digits, NO_ZONE, np.int16).astype(np.int16, copy=False)
            )
        return self._dense[cache_key]

    def lookup_many(
        self, origin_postcode: str, dest_country: str, dest_keys: NDArray[np.integer], digits: int
    ) -> NDArray[np.int16]:
        """Vectorised zone codes for integer destination keys of `digits` digits."""
        origin_key = postcode_key(self.origin_country, origin_postcode)
        if origin_key is None:
            return np.full(len(dest_keys), NO_ZONE, dtype=np.int16)
        table = self.dense_codes(origin_key, normalise_country(dest_country), digits)
        return table[dest_keys]
