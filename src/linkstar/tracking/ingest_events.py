"""The events of one ingestion as numpy columns: keyed, de-duplicated, and turned into rows.

Only the events of accepted updates are kept. Each gets its shipment's index, its time in the
database's form, its fingerprint (`core.keys`) and its lifecycle rank; `keep` marks the first
report of each (shipment, fingerprint) pair, found by one stable sort, and is narrowed further
by the caller (repeats of stored events).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np

from linkstar.tracking.core.columns import TrackingColumns
from linkstar.tracking.core.fold import Row
from linkstar.tracking.core.fold_columns import RANK
from linkstar.tracking.core.keys import fingerprints, time_texts
from linkstar.tracking.event_store import db_times
from linkstar.tracking.event_store_sqlite import literal, uniform

# Column widths of tracking_events; longer carrier text is cut rather than failing PostgreSQL.
_CUT = {"location": 200, "city": 120, "state": 80, "postcode": 16}
_CHUNK = 2048  # events whose rows are built together (`Events.rows`)
_TEXT = (
    "carrier", "code_source", "raw_code", "raw_description", "location", "city", "state",
    "postcode", "country", "status", "sub_status", "rule_id",
)  # fmt: skip
# The columns of an insert row from the event's own columns (positions 4 to 15 of its
# `_WIDTH`), and of a fold row, in their order (see `rows`, `fold_rows`).
_WIDTH = 18
_ROW = ("carrier", "code_source", "raw_code", "raw_description", "status", "sub_status",
        "rule_id", "location", "city", "state", "postcode", "country")  # fmt: skip
_FOLD = ("status", "sub_status", "carrier", "code_source", "raw_code",
         "raw_description", "location", "city", "state", "postcode", "country",
         "rule_id")  # fmt: skip


@dataclass(slots=True)
class Events:
    """The accepted events of a batch: numpy arrays for what is computed on, and their columns
    as given (`cols`: plain sequences handed to the driver as they are, never boxed in object
    arrays)."""

    ship: np.ndarray  # int64: index of the event's shipment
    micros: np.ndarray  # int64 UTC microseconds
    fp: np.ndarray  # int64 fingerprint
    rank: np.ndarray  # int8 lifecycle rank (-1 unmapped)
    keep: np.ndarray  # bool: the first report of its (shipment, fingerprint)
    when: Sequence[Any]  # the time in the database's form
    cols: TrackingColumns  # the accepted events' text columns (and their updates' columns)

    @classmethod
    def of(cls, cols: TrackingColumns, of_update: np.ndarray, as_text: bool) -> Events:
        """The events of the accepted updates (`of_update`: each update's shipment or -1)."""
        ship = of_update[cols.update] if len(of_update) else np.zeros(0, dtype=np.int64)
        micros = cols.micros
        accepted = ship >= 0
        if not accepted.all():
            at = np.flatnonzero(accepted)
            ship, micros = ship[at], micros[at]
            picked: dict[str, Any] = {name: gather(getattr(cols, name), at) for name in _TEXT}
            cols = replace(cols, update=cols.update[at], micros=micros, **picked)
        text: list[Sequence[Any]] = [getattr(cols, name) for name in _TEXT]
        whens = time_texts(micros)
        fp = fingerprints(whens, text[0], text[1], text[2], text[3], tuple(text[4:9]))
        rank = np.fromiter(map(RANK.__getitem__, text[9]), dtype=np.int8, count=len(ship))
        order = np.lexsort((fp, ship))
        repeated = (ship[order][1:] == ship[order][:-1]) & (fp[order][1:] == fp[order][:-1])
        keep = np.ones(len(ship), dtype=bool)
        keep[order[1:][repeated]] = False  # the stable sort puts the first report first
        when = whens if as_text else db_times(micros, False)
        return cls(ship, micros, fp, rank, keep, when, cols)

    def rows(
        self, organisation_id: str, mask: np.ndarray, sid: Sequence[str], source: Sequence[str],
        received: Any, leave_out: Collection[int] = (),
    ) -> Iterator[tuple[Any, ...]]:  # fmt: skip
        """Insert rows (`event_store.EVENT_COLUMNS` order) of the events under `mask`, without
        the positions `leave_out` (`shared`), built as they are taken.

        Built a few thousand events at a time: picking a column's values touches each text
        object, and zipping them into rows touches it again, which is cheap only while the
        chunk's objects are still in the CPU cache (measured on a batch of 128,000 events: a
        quarter to a third less CPU than one pass). Lazily, so that a PostgreSQL `COPY` taking
        them sends each chunk as it is built and the server stores one while the next is built
        (`event_store.insert_events`)."""
        at = np.flatnonzero(mask)
        every = len(at) == len(self.ship)  # then the columns are sliced, not picked
        made = [i for i in range(_WIDTH) if i not in leave_out]
        for start in range(0, len(at), _CHUNK):
            part = slice(start, start + _CHUNK) if every else at[start : start + _CHUNK]
            columns = self._columns(organisation_id, part, sid, source, received)
            yield from zip(*[columns[i]() for i in made], strict=True)

    def shared(
        self, organisation_id: str, mask: np.ndarray, sid: Sequence[str], source: Sequence[str],
        received: Any,
    ) -> dict[int, Any]:  # fmt: skip
        """The positions of `rows` whose value every event under `mask` has, with it, for
        SQLite's literals (`event_store_sqlite`). Found by column, in C: a column uniform over
        the whole batch (or every shipment's source) is uniform under any mask; one that is
        not is bound, as it would be anyway."""
        at = np.flatnonzero(mask)
        if len(at) < 2:
            return {}
        ship = self.ship[at]
        batch = {
            **{4 + k: getattr(self.cols, name) for k, name in enumerate(_ROW)},
            3: self.when,
            16: source,
        }
        found = {0: organisation_id, 17: received}
        if ship.min() == ship.max():
            found[1] = sid[int(ship[0])]
        found.update({i: values[0] for i, values in batch.items() if uniform(values)})
        for k, name in enumerate(_ROW):
            if 4 + k in found and name in _CUT:  # the value as the rows have it
                found[4 + k] = _cut([found[4 + k]], _CUT[name])[0]
        return {i: value for i, value in found.items() if literal(value)}

    def _columns(
        self, organisation_id: str, part: slice | np.ndarray, sid: Sequence[str],
        source: Sequence[str], received: Any,
    ) -> list[Callable[[], Iterable[Any]]]:  # fmt: skip
        """The insert row's columns of the events `part`, each made when called."""
        ship = self.ship[part]
        pick = (lambda values: values[part]) if isinstance(part, slice) else (
            lambda values: gather(values, part))  # fmt: skip

        def text(name: str) -> Callable[[], Iterable[Any]]:
            width = _CUT.get(name)
            if width is None:
                return lambda: pick(getattr(self.cols, name))
            return lambda: _cut(pick(getattr(self.cols, name)), width)

        return [
            lambda: repeat(organisation_id, len(ship)),
            lambda: gather(sid, ship),
            lambda: self.fp[part].tolist(),
            lambda: pick(self.when),
            *map(text, _ROW),
            lambda: gather(source, ship),
            lambda: repeat(received, len(ship)),
        ]

    def rest(self, at: np.ndarray) -> Iterable[Any]:
        """What `core.fold` compares after time and rank, for the events `at`."""
        return (row[2:] for row in self.fold_rows(at))

    def fold_rows(self, at: np.ndarray) -> list[Row]:
        """The `core.fold` rows of the events `at` (times as integer microseconds)."""
        return [
            (t, s, sub or "", c, cs or c, code, text, lo or "", ci or "", st or "", po or "",
             co or "", rule or "", cs or "")
            for t, s, sub, c, cs, code, text, lo, ci, st, po, co, rule in zip(
                self.micros[at].tolist(), *self._lists(at, _FOLD), strict=True
            )
        ]  # fmt: skip

    def _lists(self, at: np.ndarray, names: Sequence[str]) -> list[Sequence[Any]]:
        return [gather(getattr(self.cols, n), at) for n in names]

    def first_where(self, mask: np.ndarray, n: int) -> np.ndarray:
        """For each of `n` shipments, its first event under `mask` (in batch order), else -1."""
        first = np.full(n, len(self.ship), dtype=np.int64)
        at = np.flatnonzero(mask)
        np.minimum.at(first, self.ship[at], at)
        return np.where(first == len(self.ship), -1, first)


def gather(values: Sequence[Any], at: np.ndarray) -> Sequence[Any]:
    """`values` at the positions `at`, picked in C (`itemgetter`)."""
    if len(at) < 2:
        return [values[i] for i in at.tolist()]
    return itemgetter(*at.tolist())(values)


def _cut(values: Sequence[str | None], width: int) -> Sequence[str | None]:
    """Values longer than the column, cut to it (the values themselves when none is)."""
    if max(map(len, filter(None, values)), default=0) <= width:
        return values
    return [v[:width] if v else v for v in values]
