"""Reading order export files into rows of text: CSV/TSV (delimiter sniffed) and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
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


def text_rows(data: bytes, delimiter: str | None) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Amazon EU reports are often Windows-1252
    if delimiter is None:
        header = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max("\t,;|", key=header.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/ValueError for bad files
        raise InvalidInput(f"not a readable XLSX workbook: {exc}") from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [cell(v) for v in values]
    finally:
        book.close()
