"""Address files: read a CSV row by row (bad rows reported, good rows kept), write results."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from linkstar.addresses.core import FIELDS, AddressInput, CheckedAddress
from linkstar.kit.errors import InvalidInput

NORMALISED = tuple(f"norm_{name}" for name in FIELDS if name != "id")
RESULT_COLUMNS = (
    *FIELDS,
    *NORMALISED,
    "verdict",
    "flags",
    "reasons",
    "messages",
    "suggestions",
    "residential_confidence",
    "forwarder_score",
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
class Row:
    """One good row: its line number in the file and the address it holds."""

    row: int
    address: AddressInput


def read_addresses(path: Path) -> Iterator[Row | RowError]:
    """Rows of an address CSV; InvalidInput when the file itself cannot be used."""
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        yield from _rows(path.name, handle)


def _rows(name: str, handle: TextIO) -> Iterator[Row | RowError]:
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeError) as exc:
        raise InvalidInput(f"{name}: the header cannot be read: {exc}") from None
    if not header:
        raise InvalidInput(
            f"{name}: the file is empty; it needs a header row ({', '.join(FIELDS)})"
        )
    columns = [h.strip().lower() for h in header]
    if not set(columns) & set(FIELDS):
        raise InvalidInput(f"{name}: none of the columns {', '.join(FIELDS)} is in the header")
    for missing in (f for f in FIELDS if f not in columns):
        yield RowError(name, 1, missing, "missing column; its values are taken as empty")
    position = {c: i for i, c in enumerate(columns) if c in FIELDS}
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
        bad = [c for c, i in position.items() if _undecodable(values[i])]
        if bad:
            for column in bad:
                yield RowError(name, row, column, "not valid UTF-8")
            continue
        yield Row(row, AddressInput(**{c: values[i] for c, i in position.items()}))


def _undecodable(value: str) -> bool:
    return not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value)


def result_row(result: CheckedAddress) -> list[str]:
    """One output row: the input, the normalised fields and the decision."""
    original, normalised = result.original, result.normalised
    return [
        *(getattr(original, name) for name in FIELDS),
        *(getattr(normalised, name) for name in FIELDS if name != "id"),
        result.verdict.value,
        ";".join(f.value for f in result.flags),
        ";".join(f"{r.code}:{r.field}" if r.field else r.code for r in result.reasons),
        " | ".join(r.message for r in result.reasons),
        ";".join(f"{s.field}={s.value}" + ("" if s.applied else "?") for s in result.suggestions),
        f"{result.residential_confidence:.2f}",
        str(result.forwarder_score),
    ]


def write_results(path: Path, rows: Iterable[list[str]]) -> None:
    """Write the result CSV atomically: the old file stays until the new one is complete."""
    target = path.resolve()
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(RESULT_COLUMNS)
            writer.writerows(rows)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
