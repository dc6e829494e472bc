"""Message files for `linkstar inbox classify`: read a CSV row by row, write the understanding.

Input columns: id, text, and optionally subject and channel. Bad rows (malformed CSV, wrong field
count, undecodable bytes, empty id) are reported and skipped; every good row is classified.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from linkstar.inbox.core.classify import Message, Understanding
from linkstar.inbox.core.compliance import CHANNELS
from linkstar.kit.errors import InvalidInput

REQUIRED = ("id", "text")
OPTIONAL = ("subject", "channel")
RESULT_COLUMNS = (
    "id",
    "intent",
    "confidence",
    "language",
    "entities",
    "sentiment",
    "urgency",
    "rule",
    "alternatives",
)


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem with one row (or the header) of an input file."""

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        column = f" column {self.column}:" if self.column else ""
        return f"{self.file}: row {self.row}:{column} {self.reason}"


@dataclass(frozen=True, slots=True)
class MessageRow:
    row: int
    id: str
    message: Message
    warning: str = ""


def read_messages(path: Path) -> Iterator[MessageRow | RowError]:
    """Rows of a message CSV; InvalidInput when the file itself cannot be used."""
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        yield from _rows(path.name, handle)


def _rows(name: str, handle: TextIO) -> Iterator[MessageRow | RowError]:
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeError) as exc:
        raise InvalidInput(f"{name}: the header cannot be read: {exc}") from None
    if not header:
        raise InvalidInput(f"{name}: the file is empty; it needs a header row id,text")
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput(
            f"{name}: the header needs the columns id and text (missing: {', '.join(missing)})"
        )
    position = {c: columns.index(c) for c in (*REQUIRED, *OPTIONAL) if c in columns}
    while True:
        row = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowError(name, row, "", f"malformed CSV: {exc}")
            continue
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            reason = f"has {len(values)} fields, the header has {len(columns)}"
            if reader.line_num > row:
                reason += f" (the record runs to line {reader.line_num}: an unclosed quote?)"
            yield RowError(name, row, "", reason)
            continue
        fields = {c: values[i] for c, i in position.items()}
        bad = [c for c, v in fields.items() if _undecodable(v)]
        if bad:
            for column in bad:
                yield RowError(name, row, column, "not valid UTF-8")
            continue
        if not fields["id"].strip():
            yield RowError(name, row, "id", "empty id")
            continue
        channel = fields.get("channel", "").strip().lower()
        warning = ""
        if channel and channel not in CHANNELS:
            warning = (
                f"{name}: row {row}: column channel: unknown channel {channel!r} "
                f"(known: {', '.join(CHANNELS)}); classified without channel rules"
            )
        yield MessageRow(
            row,
            fields["id"].strip(),
            Message(fields["text"], fields.get("subject", ""), channel),
            warning,
        )


def _undecodable(value: str) -> bool:
    return not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value)


def result_row(message_id: str, result: Understanding) -> list[str]:
    """One output row: the id and what was understood (entities and alternatives as JSON)."""
    return [
        message_id,
        result.intent.value,
        f"{result.confidence:.4f}",
        result.language,
        json.dumps(result.entities_json(), ensure_ascii=False, separators=(",", ":")),
        result.sentiment.value,
        result.urgency.value,
        result.rule,
        json.dumps(dict(result.alternatives), separators=(",", ":")),
    ]


def write_results(path: Path, rows: Iterable[list[str]]) -> int:
    """Write the result CSV atomically (the old file stays until the new one is complete)."""
    target = path.resolve()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(RESULT_COLUMNS)
            for values in rows:
                writer.writerow(values)
                count += 1
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count
