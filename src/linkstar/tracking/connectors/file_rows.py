"""One events file's rows -> columns: the checks of a row, carrier detection and the
normalisation of its raw fields (each combination once), row-level errors and warnings.

`files` reads CSV or JSON lines and hands each row here in `COLUMNS` order; `take` returns the
rows added so far as a `FileImport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from linkstar.kit.clock import utcnow
from linkstar.tracking.connectors.carriers import UNKNOWN_CARRIER, carrier_code
from linkstar.tracking.core import (
    TrackingEvent,
    best_carrier,
    event_from_raw,
    normalise_tracking_number,
    table_for,
)
from linkstar.tracking.core.columns import (
    FIELDS,
    TrackingColumns,
    assemble,
    event_fields,
    micros_of,
    to_updates,
)
from linkstar.tracking.core.detect import unrecognised
from linkstar.tracking.core.horizon import future_reason, late
from linkstar.tracking.core.updates import TrackingUpdate

SOURCE = "file"
REQUIRED = ("tracking_number", "event_time")
COLUMNS = (
    "tracking_number",
    "carrier",
    "event_time",
    "raw_code",
    "raw_description",
    "city",
    "state",
    "postcode",
    "country",
    "code_source",
    "location",
)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem with one row: `row` is the file's line number (the CSV header is line 1)."""

    row: int
    column: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class FileImport:
    """The good rows as columns (`core.columns`: what ingestion takes); errors for rows left
    out; warnings for rows kept."""

    columns: TrackingColumns
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    rows: int
    events: int

    @property
    def updates(self) -> tuple[TrackingUpdate, ...]:
        """The good rows as core updates, one per (number, carrier) in file order."""
        return tuple(to_updates(self.columns))


_MAX_TEMPLATES = 200_000  # distinct (carrier, code, text, place) combinations kept
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _template(raw: tuple[str | None, ...]) -> TrackingEvent:
    """A normalised event for one combination of raw fields, at a placeholder time."""
    carrier, code, text, code_source, location, city, state, postcode, country = raw
    return event_from_raw(
        carrier=carrier or UNKNOWN_CARRIER,
        event_time=_EPOCH,
        raw_code=code,
        raw_description=text,
        code_source=code_source,
        location=location,
        city=city,
        state=state,
        postcode=postcode,
        country=country,
    )


class RowBuilder:
    """Accumulates rows into columns, one update per (number, carrier); caches carrier
    detection and normalisation (files repeat the same code, text and place endlessly, so
    each combination is normalised once and its values are shared by its rows)."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str | None], int] = {}
        self.update: list[int] = []
        self.moments: list[datetime] = []
        self.values: list[tuple[Any, ...]] = []
        self.errors: list[RowIssue] = []
        self.warnings: list[RowIssue] = []
        self.rows = 0
        self.lines: list[int] = []  # each kept row's line, for a row refused at `take`
        self._detected: dict[str, str | None] = {}
        self._has_table: dict[str, bool] = {}
        self._templates: dict[tuple[str | None, ...], tuple[Any, ...]] = {}
        self._numbers: dict[str, str] = {}
        self._codes: dict[str, str] = {}

    def _carrier(self, number: str, given: str | None, line: int) -> str | None:
        if given:
            carrier = self._codes.get(given)
            if carrier is None:
                carrier = self._codes[given] = carrier_code(given)
            known = self._has_table.get(carrier)
            if known is None:
                known = self._has_table[carrier] = table_for(carrier) is not None
            if not known:
                self.warnings.append(
                    RowIssue(
                        line,
                        "carrier",
                        f"no mapping table for carrier {carrier!r}; "
                        "its events are kept as unmapped",
                    )
                )
            return carrier
        if number not in self._detected:
            candidate = best_carrier(number)
            self._detected[number] = candidate.carrier if candidate else None
        detected = self._detected[number]
        if detected is None:
            self.warnings.append(
                RowIssue(
                    line,
                    "carrier",
                    f"{unrecognised(number)}; its events are kept under carrier "
                    "'unknown' (unmapped, flagged)",
                )
            )
        return detected

    def add(self, line: int, values: Sequence[str | None]) -> None:
        """One row, its values in `COLUMNS` order (None or "" for an absent column)."""
        self.rows += 1
        (number_raw, carrier_raw, stamp_raw, code, text, city, state, postcode, country,
         source_raw, location) = values  # fmt: skip
        number = self._numbers.get(number_raw or "")
        if number is None:
            number = normalise_tracking_number(number_raw or "")
            if len(self._numbers) < _MAX_TEMPLATES:
                self._numbers[number_raw or ""] = number
        if not number:
            self.errors.append(RowIssue(line, "tracking_number", "is required"))
            return
        stamp = (stamp_raw or "").strip()
        if not stamp:
            self.errors.append(RowIssue(line, "event_time", "is required"))
            return
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            self.errors.append(RowIssue(line, "event_time", f"{stamp!r} is not ISO 8601"))
            return
        if moment.tzinfo is None:
            self.errors.append(
                RowIssue(line, "event_time", f"{stamp!r} has no UTC offset (add Z or ±HH:MM)")
            )
            return
        if not (code and code.strip()) and not (text and text.strip()):
            self.errors.append(RowIssue(line, "raw_code", "needs raw_code or raw_description"))
            return
        carrier = self._carrier(number, (carrier_raw or "").strip() or None, line)
        raw = (
            carrier or UNKNOWN_CARRIER,
            code,
            text,
            (source_raw or "").strip() or None,
            location,
            city,
            state,
            postcode,
            country,
        )
        template = self._templates.get(raw)
        if template is None:
            try:
                template = event_fields(_template(raw))
            except ValueError as error:
                self.errors.append(RowIssue(line, None, str(error)))
                return
            if len(self._templates) < _MAX_TEMPLATES:
                self._templates[raw] = template
        key = (number, carrier)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = len(self.groups)
        self.update.append(group)
        self.moments.append(moment)
        self.values.append(template)
        self.lines.append(line)

    def take(self, received: datetime | None = None) -> FileImport:
        """The rows added since the last take, as columns, with their errors and warnings; the
        caches (numbers, carriers, normalised combinations) stay for the next rows. A row
        whose time is past `core.horizon` (from `received`, default now) is an error."""
        micros = micros_of(self.moments)
        update = np.array(self.update, dtype=np.int64)
        keys, values = list(self.groups), self.values
        received = received or utcnow()
        far = late(micros, received)  # one numpy comparison for the whole chunk
        if far.any():
            keys, update, micros, values = self._refuse(far, received, micros)
        n = len(keys)
        columns = assemble(
            tracking_number=[number for number, _ in keys],
            update_carrier=[given for _, given in keys],
            source=[SOURCE] * n,
            carrier_service=[None] * n,
            promised_by=[None] * n,
            update=update,
            micros=micros,
            fields=list(zip(*values, strict=True)) or [()] * len(FIELDS),
        )
        taken = FileImport(
            columns, tuple(self.errors), tuple(self.warnings), self.rows, len(update)
        )
        self.groups, self.update, self.moments, self.values = {}, [], [], []
        self.errors, self.warnings, self.rows, self.lines = [], [], 0, []
        return taken

    def _refuse(
        self, far: np.ndarray, received: datetime, micros: np.ndarray
    ) -> tuple[list[tuple[str, str | None]], np.ndarray, np.ndarray, list[tuple[Any, ...]]]:
        """The rows under `far` as errors; the others' groups (renumbered), updates, times
        and values."""
        for i in np.flatnonzero(far).tolist():
            reason = future_reason(int(micros[i]), received)
            self.errors.append(RowIssue(self.lines[i], "event_time", reason))
        self.errors.sort(key=lambda issue: issue.row)
        at = np.flatnonzero(~far)
        kept_groups, update = np.unique(np.array(self.update, dtype=np.int64)[at],
                                        return_inverse=True)  # fmt: skip
        keys = list(self.groups)
        return (
            [keys[g] for g in kept_groups.tolist()],
            update.astype(np.int64).reshape(-1),
            micros[at],
            [self.values[i] for i in at.tolist()],
        )
