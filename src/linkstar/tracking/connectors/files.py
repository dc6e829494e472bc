"""CSV and JSON-lines import of tracking events -> updates, with row-level errors.

Columns (CSV header, or JSON-lines keys), in any order:

    tracking_number  required; normalised (upper case, spaces and dashes removed)
    carrier          optional; empty -> detected from the number, else flagged
    event_time       required; ISO 8601 *with* a UTC offset or Z (2025-03-03T09:12:00-05:00)
    raw_code         the carrier's code (required unless raw_description is given)
    raw_description  the carrier's text
    city, state, postcode, country   optional; country ISO alpha-2 (a name goes to location)
    code_source, location            optional (see docs/formats/tracking.md)

A bad row (no number, a time without offset, an unparseable time, neither code nor text)
becomes a `RowIssue` with its line, column and reason; the good rows are kept. A row whose
carrier nobody can name is kept with carrier `unknown` and a warning, so its events are
stored and flagged as unmapped instead of dropped. Events are grouped into one update per
(tracking number, carrier), in file order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, Literal

import numpy as np

from linkstar.kit.memory import cyclic_gc_paused
from linkstar.tracking.connectors.carriers import UNKNOWN_CARRIER, carrier_code
from linkstar.tracking.connectors.errors import TrackingPayloadError
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
FileFormat = Literal["csv", "jsonl"]


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


class _Builder:
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
                    "carrier unknown and not detectable from the number; "
                    "kept as 'unknown' (flagged)",
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

    def take(self) -> FileImport:
        """The rows added since the last take, as columns, with their errors and warnings; the
        caches (numbers, carriers, normalised combinations) stay for the next rows."""
        n = len(self.groups)
        columns = assemble(
            tracking_number=[number for number, _ in self.groups],
            update_carrier=[given for _, given in self.groups],
            source=[SOURCE] * n,
            carrier_service=[None] * n,
            promised_by=[None] * n,
            update=np.array(self.update, dtype=np.int64),
            micros=micros_of(self.moments),
            fields=list(zip(*self.values, strict=True)) or [()] * len(FIELDS),
        )
        taken = FileImport(
            columns, tuple(self.errors), tuple(self.warnings), self.rows, len(self.update)
        )
        self.groups, self.update, self.moments, self.values = {}, [], [], []
        self.errors, self.warnings, self.rows = [], [], 0
        return taken


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TrackingPayloadError(f"file is not UTF-8 (byte {error.start})", "file") from None


def parse_csv(data: bytes | str) -> FileImport:
    """Parse a CSV file of events (header row required)."""
    return _whole(data, "csv")


Rows = Callable[[_Builder], Iterator[tuple[int, Sequence[str | None]]]]


def _csv_rows(data: bytes | str) -> Rows:
    """The CSV file's rows (line, values in `COLUMNS` order); the header is checked at once."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    header = next(reader, None)
    if header is None:
        raise TrackingPayloadError("file is empty", "header")
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise TrackingPayloadError(f"missing columns {missing}", "header")
    if "raw_code" not in names and "raw_description" not in names:
        raise TrackingPayloadError("needs a raw_code or raw_description column", "header")
    unknown = sorted(set(names) - set(COLUMNS))
    if unknown:
        raise TrackingPayloadError(
            f"unknown columns {unknown} (expected {list(COLUMNS)})", "header"
        )
    width = len(names)
    # the value of each of COLUMNS in a row; an absent column reads the "" appended to it
    pick = itemgetter(*(names.index(c) if c in names else width for c in COLUMNS))

    def rows(builder: _Builder) -> Iterator[tuple[int, Sequence[str | None]]]:
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                builder.rows += 1
                builder.errors.append(
                    RowIssue(line, None, f"has {len(row)} fields, the header has {width}")
                )
                continue
            row.append("")
            yield line, pick(row)

    return rows


def _json_rows(text: str, builder: _Builder) -> Iterator[tuple[int, Sequence[str | None]]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            item: Any = json.loads(raw)
        except json.JSONDecodeError as error:
            builder.rows += 1
            builder.errors.append(RowIssue(line, None, f"not JSON ({error.msg})"))
            continue
        except (ValueError, RecursionError) as error:
            builder.rows += 1
            builder.errors.append(RowIssue(line, None, f"not JSON ({error})"))
            continue
        if not isinstance(item, dict):
            builder.rows += 1
            builder.errors.append(RowIssue(line, None, "a line must be a JSON object"))
            continue
        unknown = sorted(str(k) for k in item if k not in COLUMNS)
        bad = [k for k in COLUMNS if item.get(k) is not None and not isinstance(item[k], str)]
        if unknown or bad:
            builder.rows += 1
            reason = f"unknown keys {unknown}" if unknown else "must be a string"
            builder.errors.append(RowIssue(line, bad[0] if bad and not unknown else None, reason))
            continue
        yield line, tuple(item.get(c) for c in COLUMNS)


def parse_jsonl(data: bytes | str) -> FileImport:
    """Parse a JSON-lines file of events (one object per line)."""
    return _whole(data, "jsonl")


def parse_events_file(data: bytes | str, file_format: FileFormat) -> FileImport:
    """Parse an events file in the named format."""
    if file_format not in ("csv", "jsonl"):
        raise ValueError(f"unknown file format {file_format!r}")
    return _whole(data, file_format)


def _whole(data: bytes | str, file_format: FileFormat) -> FileImport:
    with cyclic_gc_paused():
        return next(iter_events_file(data, file_format, 0))


def iter_events_file(
    data: bytes | str, file_format: FileFormat, chunk_rows: int
) -> Iterator[FileImport]:
    """The file in chunks of `chunk_rows` good rows (0: one chunk), each with the errors and
    warnings of its own rows (file line numbers). The header is checked before this returns;
    the rows are parsed as the chunks are asked for. A number's events may span chunks: each
    chunk groups its own rows (one update per number and carrier)."""
    if file_format == "csv":
        rows = _csv_rows(data)
    elif file_format == "jsonl":
        text = _text(data)

        def rows(builder: _Builder) -> Iterator[tuple[int, Sequence[str | None]]]:
            return _json_rows(text, builder)
    else:
        raise ValueError(f"unknown file format {file_format!r}")
    return _chunks(rows, chunk_rows)


def _chunks(rows: Rows, chunk_rows: int) -> Iterator[FileImport]:
    builder = _Builder()
    limit = chunk_rows or -1
    pending = builder.update
    for line, values in rows(builder):
        builder.add(line, values)
        if len(pending) == limit:
            yield builder.take()
            pending = builder.update
    if builder.rows or not chunk_rows:
        yield builder.take()


def format_for(filename: str) -> FileFormat:
    """The format a file name implies (.csv, .jsonl / .ndjson)."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    raise ValueError(f"{filename!r}: expected a .csv, .jsonl or .ndjson file")


def write_csv(rows: Iterable[Mapping[str, str]]) -> str:
    """CSV text in the import format (used by the examples and the benchmark)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[:9], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
