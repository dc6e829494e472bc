"""Helpers for the import tests: the example card as files, broken copies, an XLSX of it."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rate-cards"


def example_files() -> dict[str, bytes]:
    """The example card's CSV files by name."""
    return {p.name: p.read_bytes() for p in sorted(EXAMPLE.glob("*.csv"))}


def broken_copy(target: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of the example with (old, new) text replacements per file (each must apply)."""
    shutil.copytree(EXAMPLE, target)
    for name, changes in edits.items():
        path = target / name
        text = path.read_text()
        for old, new in changes:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        path.write_text(text)
    return target


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_of(files: dict[str, bytes]) -> bytes:
    """A workbook with one sheet per CSV file; numeric cells are written as numbers."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, data in files.items():
        sheet = book.create_sheet(name.removesuffix(".csv"))
        for row in csv.reader(io.StringIO(data.decode())):
            sheet.append([_typed(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(cell: str) -> object:
    if cell.isdigit() and not cell.startswith("0"):
        return int(cell)
    try:
        if "." in cell:
            return float(Decimal(cell))
    except ArithmeticError:
        pass
    return cell
