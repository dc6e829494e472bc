"""Reading order export files into rows of text: CSV/TSV (delimiter sniffed) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

import pycountry

from linkstar.kit.errors import InvalidInput


@lru_cache(maxsize=1024)
def country_alpha2(value: str) -> str | None:
    text = value.strip()
    code = {"UK": "GB"}.get(text.upper(), text.upper())
    try:
        found = pycountry.countries.lookup(code if len(code) in (2, 3) else text)
    except LookupError:
        return None
    return str(found.alpha_2)


def decode(data: bytes) -> str:
    """A text export's characters. UTF-8 (BOM or not) and UTF-16 with its BOM are certain;
    then Windows-1252 (Amazon's reports outside Japan and China) when every byte is defined
    there, else Windows-31J (Shift_JIS, Amazon.co.jp reports): Shift_JIS lead bytes include
    0x81, 0x8D, 0x8F, 0x90 and 0x9D, which Windows-1252 leaves undefined, and 0x81 starts most
    Japanese punctuation and the long vowel mark."""
    utf16 = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ()
    for encoding in (*utf16, "utf-8-sig", "cp1252", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def text_rows(data: bytes, delimiter: str | None) -> Iterator[list[str]]:
    text = decode(data)
    if delimiter is None:
        header = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max("\t,;|", key=header.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):  # a date-only cell: read as midnight, as openpyxl did
        return datetime.combine(value, time()).isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_rows(data: bytes) -> Iterator[list[str]]:
    # calamine (Rust) reads a sheet ~10x faster than openpyxl's read-only XML parsing.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own errors, zip and XML errors for bad files
        raise InvalidInput(f"not a readable XLSX workbook: {exc}") from None
    # calamine yields the used range: empty rows above it are kept, empty columns to its left
    # are not; pad them so column positions stay the sheet's own.
    lead = [""] * (sheet.start[1] if sheet.start else 0)
    for values in rows:
        yield lead + [cell(v) for v in values]
