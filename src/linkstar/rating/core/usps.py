"""Loader for the USPS domestic zone chart (ZIP3 ranges) into a ZoneChart.

The file (`usps_zone_chart_2018-06_zip3_ranges.csv.gz`, columns origin_zip, dest_zip_start,
dest_zip_end, zone, modifier_1, modifier_2) is read from a path the caller passes: the core never
guesses where data lives. The modifiers are not needed for pricing: `*` marks a destination in
the origin's own network distribution centre, `+` marks ranges with 5-digit exceptions that the
file does not list (so the chart is exact at ZIP3 level only).
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.matching import PostcodePattern
from linkstar.rating.core.zones import NO_ZONE, ZoneChart, ZoneChartError, ZoneEntry

USPS_COLUMNS = ("origin_zip", "dest_zip_start", "dest_zip_end", "zone", "modifier_1", "modifier_2")
_ZONES = frozenset("123456789")
_ZIP3 = frozenset(f"{n:03d}" for n in range(1000))


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def load_usps_zone_chart(path: Path, name: str = "usps-2018-06") -> ZoneChart:
    """Read the USPS ZIP3 chart at `path` (.csv or .csv.gz); ZoneChartError lists bad rows."""
    patterns: dict[str, PostcodePattern] = {}

    def prefix(zip3: str) -> PostcodePattern:
        # 930 origins and 1,000 destinations repeat across 136k rows: share the objects.
        found = patterns.get(zip3)
        if found is None:
            found = patterns[zip3] = PostcodePattern(zip3)
        return found

    entries: list[ZoneEntry] = []
    problems: list[tuple[int, str]] = []
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header[:4] != USPS_COLUMNS[:4]:
            raise ZoneChartError([(0, f"expected columns {USPS_COLUMNS}, found {header}")])
        for i, row in enumerate(reader, start=1):
            origin, start, end, zone = row[0], row[1], row[2], row[3]
            if origin not in _ZIP3 or start not in _ZIP3 or end not in _ZIP3:
                problems.append((i, f"ZIP3 values must be 3 digits: {row[:3]}"))
            elif zone not in _ZONES or start > end:
                problems.append((i, f"bad zone {zone!r} or range {start}..{end}"))
            else:
                dest = prefix(start) if start == end else PostcodePattern(start, end)
                entries.append(ZoneEntry(prefix(origin), "US", dest, zone))
    if problems:
        raise ZoneChartError(problems)
    return ZoneChart(name, "US", entries)


def zip3_zone_matrix(chart: ZoneChart) -> NDArray[np.int8]:
    """A 1000x1000 array: zone number for [origin ZIP3, destination ZIP3], 0 where none.

    Meant for charts with numeric zone labels (USPS); other labels raise ValueError.
    """
    numbers = np.array([int(label) for label in chart.zone_labels] + [0], dtype=np.int8)
    matrix = np.zeros((1000, 1000), dtype=np.int8)
    for origin in range(1000):
        codes = chart.dense_codes(f"{origin:03d}", "US", 3)
        # NO_ZONE (-1) indexes the trailing 0 of `numbers`.
        assert NO_ZONE == -1
        matrix[origin] = numbers[codes]
    return matrix
