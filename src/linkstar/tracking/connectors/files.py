"""CSV and JSON-lines import of tracking events -> updates, with row-level errors.

Columns (CSV header, or JSON-lines keys), in any order:

    tracking_number  required; normalised (upper case, spaces and dashes removed)
    carrier          optional; empty -> detected from the number, else flagged
    event_time       required; ISO 8601 *with* a UTC offset or Z (2025-03-03T09:12:00-05:00)
    raw_code         the carrier's code (required unless raw_description is given)
    raw_description  the carrier's text
    city, state, postcode, country   optional; country ISO alpha-2 (a name goes to location)
    code_source, location            optional (see docs/formats/tracking.md)

A bad row (no number, a time without offset, an unparseable time, a time more than two days
after the import (`core.horizon`), neither code nor text)
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
from operator import itemgetter
from typing import Any, Literal

from linkstar.kit.memory import cyclic_gc_paused
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.file_rows import (
    COLUMNS,
    REQUIRED,
    SOURCE,
    FileImport,
    RowBuilder,
    RowIssue,
)

__all__ = [
    "COLUMNS", "SOURCE", "FileFormat", "FileImport", "RowIssue", "format_for",
    "iter_events_file", "parse_csv", "parse_events_file", "parse_jsonl", "write_csv",
]  # fmt: skip

FileFormat = Literal["csv", "jsonl"]


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


Rows = Callable[[RowBuilder], Iterator[tuple[int, Sequence[str | None]]]]


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

    def rows(builder: RowBuilder) -> Iterator[tuple[int, Sequence[str | None]]]:
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


def _json_rows(text: str, builder: RowBuilder) -> Iterator[tuple[int, Sequence[str | None]]]:
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

        def rows(builder: RowBuilder) -> Iterator[tuple[int, Sequence[str | None]]]:
            return _json_rows(text, builder)
    else:
        raise ValueError(f"unknown file format {file_format!r}")
    return _chunks(rows, chunk_rows)


def _chunks(rows: Rows, chunk_rows: int) -> Iterator[FileImport]:
    builder = RowBuilder()
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
