"""Postcode patterns and the matcher behind zone charts and surcharge lists.

Match order for one key: exact > longest prefix > range > everything. An exact match is the
longest possible prefix, so "longest prefix first" covers both. Ranges are tried on the widest
keys first; ranges of one width must not overlap (a chart that says two things is rejected).
The same rules are compiled once more into dense numpy arrays over all-digit key spaces, so that
millions of look-ups are one gather; the tests prove both give the same answers.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.postcodes import normalise_country, postcode_key

V = TypeVar("V")


class PatternError(ValueError):
    """A postcode pattern that cannot be read, or a set of patterns that contradict each other."""


@dataclass(frozen=True, slots=True)
class PostcodePattern:
    """A prefix (exact when it is a whole postcode), a range of keys of equal width, or all."""

    first: str = ""
    last: str = ""

    @classmethod
    def parse(cls, country: str, first: str = "", last: str = "") -> PostcodePattern:
        """Read a pattern from sheet text: blank = all, `first` alone = prefix, both = range."""
        first, last = first.strip(), last.strip()
        if not first and not last:
            return cls()
        if not first:
            raise PatternError(f"range end {last!r} without a start")
        lo = postcode_key(country, first, partial=True)
        hi = postcode_key(country, last, partial=True) if last else lo
        if lo is None or hi is None:
            raise PatternError(f"{first!r}..{last!r} is not a {country} postcode or prefix")
        if lo == hi:
            return cls(lo)
        if len(lo) != len(hi):
            raise PatternError(f"range {first!r}..{last!r}: both ends need the same width")
        if lo > hi:
            raise PatternError(f"range {first!r}..{last!r}: start is after end")
        return cls(lo, hi)

    @property
    def is_all(self) -> bool:
        """True when the pattern matches every postcode."""
        return not self.first

    @property
    def is_range(self) -> bool:
        """True for a range of keys, False for a prefix or `all`."""
        return bool(self.last)

    def matches(self, key: str) -> bool:
        """Whether a postcode key falls under this pattern."""
        if self.is_range:
            width = len(self.first)
            return len(key) >= width and self.first <= key[:width] <= self.last
        return key.startswith(self.first)


class PostcodeMatcher(Generic[V]):
    """Maps postcode keys of one country to values by the match order of the module docstring."""

    def __init__(self, entries: Iterable[tuple[PostcodePattern, V]], *, merge: bool = False):
        self.entries = tuple(entries)
        self._everything: V | None = None
        self._prefixes: dict[int, dict[str, V]] = {}
        by_width: dict[int, list[tuple[str, str, V]]] = {}
        for pattern, value in self.entries:
            if pattern.is_all:
                if self._everything is not None and self._everything != value:
                    raise PatternError("two catch-all rows with different values")
                self._everything = value
            elif pattern.is_range:
                by_width.setdefault(len(pattern.first), []).append(
                    (pattern.first, pattern.last, value)
                )
            else:
                same_width = self._prefixes.setdefault(len(pattern.first), {})
                if same_width.get(pattern.first, value) != value:
                    raise PatternError(f"postcode {pattern.first!r} is given two different values")
                same_width[pattern.first] = value
        self._lengths = tuple(sorted(self._prefixes, reverse=True))
        self._ranges = {
            width: _sorted_ranges(spans, merge) for width, spans in sorted(by_width.items())
        }
        self._range_widths = tuple(sorted(self._ranges, reverse=True))

    def lookup(self, key: str) -> V | None:
        """The value of the best-matching pattern, or None."""
        for length in self._lengths:
            if len(key) >= length:
                hit = self._prefixes[length].get(key[:length])
                if hit is not None:
                    return hit
        for width in self._range_widths:
            if len(key) >= width:
                starts, ends, values = self._ranges[width]
                head = key[:width]
                i = bisect.bisect_right(starts, head) - 1
                if i >= 0 and head <= ends[i]:
                    return values[i]
        return self._everything

    def dense(self, digits: int, fill: int, dtype: type[np.integer]) -> NDArray[np.integer]:
        """Values for every all-digit key of `digits` digits, as one array indexed by the key."""
        out = np.full(10**digits, fill, dtype=dtype)
        if self._everything is not None:
            out[:] = self._everything
        for width in sorted(self._ranges):  # narrow first: wider keys overwrite them
            scale = 10 ** (digits - _checked_width(width, digits))
            starts, ends, values = self._ranges[width]
            for start, end, value in zip(starts, ends, values, strict=True):
                out[_as_int(start) * scale : (_as_int(end) + 1) * scale] = value
        for length in sorted(self._prefixes):  # short prefixes first: longer ones overwrite them
            scale = 10 ** (digits - _checked_width(length, digits))
            for prefix, value in self._prefixes[length].items():
                lo = _as_int(prefix) * scale
                out[lo : lo + scale] = value
        return out


def _checked_width(width: int, digits: int) -> int:
    if width > digits:
        raise PatternError(f"a {width}-character pattern cannot be decided on {digits}-digit keys")
    return width


def _as_int(key: str) -> int:
    if not key.isdigit():
        raise PatternError(f"{key!r} is not all digits: no dense table for this country")
    return int(key)


def _sorted_ranges(
    spans: list[tuple[str, str, V]], merge: bool
) -> tuple[list[str], list[str], list[V]]:
    spans.sort(key=lambda span: (span[0], span[1]))
    starts: list[str] = []
    ends: list[str] = []
    values: list[V] = []
    for start, end, value in spans:
        if starts and start <= ends[-1]:
            if not merge or value != values[-1]:
                raise PatternError(f"range {start}..{end} overlaps {starts[-1]}..{ends[-1]}")
            ends[-1] = max(ends[-1], end)
            continue
        starts.append(start)
        ends.append(end)
        values.append(value)
    return starts, ends, values


@dataclass(frozen=True, slots=True)
class PostcodeSet:
    """Postcodes of one country (or any country when `country` is None and there are no patterns).

    No patterns means every postcode; otherwise a key belongs when any pattern matches.
    """

    country: str | None = None
    patterns: tuple[PostcodePattern, ...] = ()

    def __post_init__(self) -> None:
        if self.country is None and self.patterns:
            raise PatternError("postcode patterns need a country")
        if self.country is not None:
            object.__setattr__(self, "country", normalise_country(self.country))

    @classmethod
    def parse(cls, country: str | None, items: Iterable[str | tuple[str, str]] = ()) -> PostcodeSet:
        """Build from sheet text: each item a prefix or a (first, last) range."""
        if country is None:
            if any(True for _ in items):
                raise PatternError("postcode patterns need a country")
            return cls()
        patterns = tuple(
            PostcodePattern.parse(country, *item)
            if isinstance(item, tuple)
            else PostcodePattern.parse(country, item)
            for item in items
        )
        return cls(country, patterns)

    @property
    def is_everything(self) -> bool:
        """True when the set holds every postcode (of its country, or of every country)."""
        return not self.patterns or any(p.is_all for p in self.patterns)

    def matcher(self) -> PostcodeMatcher[bool]:
        """A matcher answering True for members (overlapping ranges merged)."""
        return PostcodeMatcher(((p, True) for p in self.patterns), merge=True)

    def mask(self, digits: int) -> NDArray[np.bool_]:
        """Membership of every `digits`-digit key, as a boolean array indexed by the key."""
        if self.is_everything:
            return np.ones(10**digits, dtype=np.bool_)
        return self.matcher().dense(digits, 0, np.int8).astype(np.bool_)
