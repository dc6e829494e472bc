"""Read a rate card's tables from a folder of CSV files, a zip of them, or one XLSX workbook.

Every table comes back as text rows that remember where they came from (file or sheet, row
number as a spreadsheet shows it: the header is row 1), so that every import error can point at
its cell. Reading never raises for bad content: problems are returned as `ImportIssue`s.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

TABLES = ("services", "zones", "prices", "price_steps", "surcharges", "postcode_lists")
MAX_ROWS = 2_000_000  # per table: a card larger than this is refused, not read half-way


@dataclass(frozen=True, slots=True, order=True)
class ImportIssue:
    """One reason an import was refused: where (file or sheet, row, column) and why."""

    source: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.row}:{self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row as text, keyed by the header's column names."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The cell's text, stripped ('' when blank or absent)."""
        return self.values.get(column, "").strip()


@dataclass
class Sheet:
    """One table: its source name, its columns in order and its rows."""

    source: str
    columns: tuple[str, ...]
    rows: list[SheetRow] = field(default_factory=list)


@dataclass
class Workbook:
    """The tables found in one upload, and what could not be read."""

    name: str
    sheets: dict[str, Sheet] = field(default_factory=dict)
    issues: list[ImportIssue] = field(default_factory=list)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold (dates ISO, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _sheet(source: str, records: Iterable[list[str]], book: Workbook) -> Sheet | None:
    iterator = iter(records)
    header = next(iterator, None)
    if header is None:
        book.issues.append(ImportIssue(source, 1, "", "the table is empty (no header row)"))
        return None
    columns = tuple(c.strip().lower().lstrip("\ufeff") for c in header)
    # Spreadsheets often carry empty trailing columns: a blank header names no column.
    sheet = Sheet(source, tuple(c for c in columns if c))
    for line, record in enumerate(iterator, start=2):
        if line > MAX_ROWS:
            book.issues.append(ImportIssue(source, line, "", f"more than {MAX_ROWS} rows"))
            break
        if not any(cell.strip() for cell in record):
            continue  # blank lines are not rows
        if len(record) > len(columns) and any(c.strip() for c in record[len(columns) :]):
            book.issues.append(
                ImportIssue(source, line, "", f"{len(record)} cells for {len(columns)} columns")
            )
            continue
        values = {name: record[i] if i < len(record) else "" for i, name in enumerate(columns)}
        unnamed = [i for i, name in enumerate(columns) if not name and i < len(record)]
        if any(record[i].strip() for i in unnamed):
            book.issues.append(ImportIssue(source, line, "", "a value under a blank header"))
            continue
        values.pop("", None)
        sheet.rows.append(SheetRow(line, values))
    return sheet


def _csv_records(source: str, data: bytes, book: Workbook) -> list[list[str]] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        book.issues.append(ImportIssue(source, 1, "", f"not UTF-8 text ({exc.reason})"))
        return None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        book.issues.append(ImportIssue(source, 1, "", f"unreadable CSV: {exc}"))
        return None


def _add_csv(book: Workbook, table: str, source: str, data: bytes) -> None:
    if table in book.sheets:
        book.issues.append(ImportIssue(source, 1, "", f"a second {table} table"))
        return
    records = _csv_records(source, data, book)
    if records is not None:
        sheet = _sheet(source, records, book)
        if sheet is not None:
            book.sheets[table] = sheet


def read_csv_files(name: str, files: Iterable[tuple[str, bytes]]) -> Workbook:
    """Tables from (file name, bytes) pairs; `services.csv` → services. Other files are refused."""
    book = Workbook(name)
    for file_name, data in sorted(files):
        path = PurePosixPath(file_name)
        if path.suffix.lower() != ".csv":
            book.issues.append(ImportIssue(path.name, 0, "", "not a .csv file"))
            continue
        table = path.stem.lower()
        if table not in TABLES:
            known = ", ".join(f"{t}.csv" for t in TABLES)
            book.issues.append(ImportIssue(path.name, 0, "", f"unknown table (expected {known})"))
            continue
        _add_csv(book, table, path.name, data)
    return book


def read_folder(folder: Path) -> Workbook:
    """Tables from the CSV files of one folder."""
    files = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
    return read_csv_files(folder.name, [(n, d) for n, d in files if not n.startswith(".")])


def read_zip(name: str, data: bytes) -> Workbook:
    """Tables from the CSV files of a zip archive (folders inside it are ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
        files = [
            (PurePosixPath(m.filename).name, archive.read(m))
            for m in members
            if not PurePosixPath(m.filename).name.startswith(".") and "__MACOSX" not in m.filename
        ]
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ) as exc:
        book = Workbook(name)
        book.issues.append(ImportIssue(name, 0, "", f"unreadable zip archive: {exc}"))
        return book
    return read_csv_files(name, files)


def read_xlsx(name: str, data: bytes) -> Workbook:
    """Tables from the sheets of one workbook (sheet `services` → services), read-only mode."""
    import openpyxl  # imported here: only XLSX uploads pay for it

    book = Workbook(name)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        book.issues.append(ImportIssue(name, 0, "", f"unreadable workbook: {exc}"))
        return book
    try:
        for title in workbook.sheetnames:
            table = title.strip().lower()
            if table not in TABLES:
                book.issues.append(ImportIssue(f"{name}:{title}", 0, "", "unknown sheet"))
                continue
            rows = [
                [_cell_text(v) for v in row] for row in workbook[title].iter_rows(values_only=True)
            ]
            sheet = _sheet(f"{name}:{title}", rows, book)
            if sheet is not None:
                book.sheets[table] = sheet
    except Exception as exc:  # cells are read lazily: a damaged sheet fails here
        book.sheets.clear()
        book.issues.append(ImportIssue(name, 0, "", f"unreadable workbook: {exc}"))
    finally:
        workbook.close()
    return book


def read_upload(name: str, data: bytes) -> Workbook:
    """An uploaded file: an XLSX workbook, a zip of CSV files, or one CSV (by content)."""
    if data[:4] == b"PK\x03\x04":
        try:
            members = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError, EOFError):
            members = []
        if "[Content_Types].xml" in members:
            return read_xlsx(name, data)
        return read_zip(name, data)
    book = Workbook(name)
    book.issues.append(ImportIssue(name, 0, "", "expected an .xlsx workbook or a .zip of CSVs"))
    return book


def read_path(path: Path) -> Workbook:
    """A folder of CSV files, a zip of them, or an XLSX workbook on disk."""
    if path.is_dir():
        return read_folder(path)
    return read_upload(path.name, path.read_bytes())
