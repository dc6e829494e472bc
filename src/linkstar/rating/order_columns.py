"""ORDERS as columns: read with pyarrow, validated once per distinct value, not once per row.

A million rows hold a few thousand distinct weights, postcodes or dates, so every field is
dictionary-encoded and the scalar checks of `order_files` (`_int`, `_flag`, `_country`, …) run
once per distinct value (or pair of values, for postcode + country and amount + currency): the
reasons are the scalar path's by construction. Each row's held reasons are its fields' reasons in
the order `order_from_row` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from numpy.typing import NDArray

from linkstar.kit.countries import currency_code
from linkstar.kit.errors import InvalidInput
from linkstar.rating import cells
from linkstar.rating.core import postcode_key
from linkstar.rating.core.vector_conditions import Coded
from linkstar.rating.order_files import (
    ABSURD_SIDE_MM,
    ABSURD_WEIGHT_G,
    OPTIONAL_COLUMNS,
    ORDER_COLUMNS,
    _country,
    _flag,
    _int,
)

Ints = NDArray[np.int64]
Reasons = tuple[str, ...]


class FallBack(Exception):
    """The file needs the row-by-row reader (ragged CSV rows, a quoted line break, …)."""


@dataclass
class OrderColumns:
    """Every ORDERS row: raw text columns, parsed fields and held reasons per row."""

    n: int
    raw: dict[str, Coded]  # the text of every ORDERS column ("" when absent)
    order_id: list[str]  # as written, stripped; "line N" when missing
    fields: dict[str, Coded]  # parsed values (None where invalid)
    held: dict[int, Reasons]  # row -> reasons, for rows that cannot be routed as written

    def row(self, i: int) -> dict[str, Any]:
        """Row i as the dict the row-by-row reader would give."""
        return {name: column.values[column.codes[i]] for name, column in self.raw.items()}


def _coded(array: pa.ChunkedArray | pa.Array) -> Coded:
    encoded = array.dictionary_encode()
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    indices = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int32)
    values = encoded.dictionary.to_pylist()
    if not values:
        values = [""]
    return Coded(indices, ["" if v is None else v for v in values])


def read_csv_columns(path: Path) -> dict[str, Coded]:
    """Every column of an ORDERS CSV as text; FallBack when a row is not a plain CSV row."""
    ragged: list[int] = []

    def invalid(row: Any) -> str:
        ragged.append(row.number or 0)
        return "skip"

    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(encoding="utf-8"),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types=_all_text(path),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise FallBack(str(exc)) from None
    if ragged:
        raise FallBack(f"{len(ragged)} row(s) with a different number of cells")
    names = [n.lstrip("\ufeff") for n in table.column_names]
    if len(set(names)) != len(names):
        raise FallBack("a column name appears twice")
    return {name: _coded(table.column(i)) for i, name in enumerate(names)}


def _all_text(path: Path) -> dict[str, pa.DataType]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = handle.readline()
    import csv

    names = next(csv.reader([header]), [])
    return {**{n: pa.string() for n in names}, **{"\ufeff" + n: pa.string() for n in names[:1]}}


def read_jsonl_columns(path: Path) -> tuple[dict[str, Coded], dict[int, int]]:
    """JSON lines as text columns (str of each value), and malformed rows → their line number."""
    rows: list[dict[str, Any]] = []
    bad: dict[int, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if not isinstance(row, dict):
                bad[len(rows)] = line_no
                row = {}
            rows.append(row)
    names: list[str] = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    out: dict[str, Coded] = {}
    for name in names:
        # JSON true/false and numbers become their str(), as the row reader's `_text` does; a
        # JSON boolean flag stays a boolean (`_flag` accepts it as such).
        values = [row.get(name) for row in rows]
        out[name] = _code_values(values)
    return out, bad


def _code_values(values: list[Any]) -> Coded:
    index: dict[tuple[type, Any], int] = {}
    distinct: list[Any] = []
    codes = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        key = (type(v), v if isinstance(v, str | int | float | bool) or v is None else repr(v))
        found = index.get(key)
        if found is None:
            found = index[key] = len(distinct)
            distinct.append(v)
        codes[i] = found
    return Coded(codes, distinct)


def _empty(n: int) -> Coded:
    return Coded(np.zeros(n, dtype=np.int32), [None])


def _each(column: Coded, work: Callable[[Any], tuple[Any, Reasons]]) -> tuple[Coded, Coded]:
    """(parsed values, reasons) per row, running `work` once per distinct value."""
    results = [work(v) for v in column.values]
    return Coded(column.codes, [r[0] for r in results]), Coded(
        column.codes, [r[1] for r in results]
    )


def _pair(a: Coded, b: Coded) -> tuple[NDArray[np.int32], list[tuple[Any, Any]]]:
    """Codes of distinct (a, b) pairs."""
    key = a.codes.astype(np.int64) * max(1, len(b.values)) + b.codes
    unique, inverse = np.unique(key, return_inverse=True)
    width = max(1, len(b.values))
    pairs = [(a.values[int(k) // width], b.values[int(k) % width]) for k in unique]
    return inverse.astype(np.int32).ravel(), pairs


def _one(name: str, check: Callable[[dict[str, Any], str, list[str]], Any]) -> Callable[[Any], Any]:
    def work(value: Any) -> tuple[Any, Reasons]:
        reasons: list[str] = []
        return check({name: value}, name, reasons), tuple(reasons)

    return work


def validate(raw: dict[str, Coded], n: int, bad: dict[int, int] | None = None) -> OrderColumns:
    """Parse and check every row as `order_from_row` does; held rows keep all their reasons."""
    col = {name: raw.get(name) or _empty(n) for name in (*ORDER_COLUMNS, *OPTIONAL_COLUMNS)}
    text = {name: Coded(c.codes, [_strip(v) for v in c.values]) for name, c in col.items()}
    groups: list[Coded] = []  # reasons per row, in the scalar order
    fields: dict[str, Coded] = {}
    ref_values = text["order_id"]
    groups.append(
        Coded(ref_values.codes, [() if v else ("missing_order_id",) for v in ref_values.values])
    )
    for name in ("origin_country", "dest_country"):
        fields[name], reasons = _each(col[name], _one(name, _country))
        groups.append(reasons)
    for name, country in (("origin_postcode", "origin_country"), ("dest_postcode", "dest_country")):
        codes, pairs = _pair(fields[country], text[name])
        values = [_postcode(name, c, p) for c, p in pairs]
        groups.append(Coded(codes, values))
        fields[name] = Coded(codes, [p for _, p in pairs])
    fields["weight_g"], reasons = _each(col["weight_g"], _one("weight_g", _weight))
    groups.append(reasons)
    for name in ("length_mm", "width_mm", "height_mm"):
        fields[name], reasons = _each(col[name], _one(name, _side))
        groups.append(reasons)
    sides = [
        np.array([-1 if v is None else v for v in fields[k].values], dtype=np.int64)[
            fields[k].codes
        ]
        for k in ("length_mm", "width_mm", "height_mm")
    ]
    absurd = (sides[0] > ABSURD_SIDE_MM) | (sides[1] > ABSURD_SIDE_MM) | (sides[2] > ABSURD_SIDE_MM)
    groups.append(Coded(absurd.astype(np.int32), [(), ("absurd_size",)]))
    fields["currency"], reasons = _each(text["currency"], _currency)
    groups.append(reasons)
    codes, pairs = _pair(text["declared_value"], fields["currency"])
    money = [_declared(v, c) for v, c in pairs]
    fields["declared_value"] = Coded(codes, [m[0] for m in money])
    groups.append(Coded(codes, [m[1] for m in money]))
    fields["promised_days"], reasons = _each(text["promised_days"], _promised)
    groups.append(reasons)
    fields["ship_date"], reasons = _each(text["ship_date"], _ship)
    groups.append(reasons)
    for name in ("residential", "ddp"):
        fields[name], reasons = _each(col[name], _one(name, _flag))
        groups.append(reasons)
    for name in ("store", "channel", "warehouse", "dest_state", "priority", "dest_city"):
        fields[name] = text[name]
    fields["contents"] = Coded(
        text["contents"].codes,
        [frozenset(cells.parse_list(v.lower())) for v in text["contents"].values],
    )
    fields["tags"] = Coded(
        text["tags"].codes, [frozenset(cells.parse_list(v)) for v in text["tags"].values]
    )
    held = _held(groups, n)
    order_id = [ref_values.values[c] for c in ref_values.codes]
    for i in held:
        if not order_id[i]:
            order_id[i] = f"line {i + 2}"
    for i, line_no in (bad or {}).items():
        held[i] = ("malformed_row",)
        order_id[i] = f"line {line_no}"
    return OrderColumns(n, {k: c for k, c in col.items() if k in raw}, order_id, fields, held)


def _held(groups: list[Coded], n: int) -> dict[int, Reasons]:
    any_reason = np.zeros(n, dtype=np.bool_)
    for g in groups:
        flagged = np.array([bool(v) for v in g.values], dtype=np.bool_)
        any_reason |= flagged[g.codes]
    held: dict[int, Reasons] = {}
    for i in np.flatnonzero(any_reason).tolist():
        held[i] = tuple(r for g in groups for r in g.values[g.codes[i]])
    return held


def _strip(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _postcode(name: str, country: str, code: str) -> Reasons:
    if not code:
        return (f"missing_{name}",)
    if country and postcode_key(country, code) is None:
        return (f"invalid_{name}",)
    return ()


def _side(row: dict[str, Any], name: str, reasons: list[str]) -> int | None:
    return _int(row, name, 0, 100_000, reasons)


def _weight(row: dict[str, Any], name: str, reasons: list[str]) -> int | None:
    weight = _int(row, name, 1, 10_000_000, reasons)
    if weight is not None and weight > ABSURD_WEIGHT_G:
        reasons.append("absurd_weight")
    return weight


def _currency(text: str) -> tuple[str, Reasons]:
    currency = text.upper()
    if currency:
        try:
            return currency_code(currency), ()
        except InvalidInput:
            return "", ("invalid_currency",)
    return currency, ()


def _declared(text: str, currency: str) -> tuple[int, Reasons]:
    if not text:
        return 0, ()
    if not currency:
        return 0, ("missing_currency",)
    try:
        declared = cells.parse_money(text, currency)
        if not 0 <= declared < 2**40:
            raise ValueError(text)
    except ValueError:
        return 0, ("invalid_declared_value",)
    return declared, ()


def _promised(text: str) -> tuple[int | None, Reasons]:
    if not text:
        return None, ()
    reasons: list[str] = []
    value = _int({"promised_days": text}, "promised_days", 1, 365, reasons)
    return value, tuple(reasons)


def _ship(text: str) -> tuple[date | None, Reasons]:
    if not text:
        return None, ()
    try:
        return date.fromisoformat(text), ()
    except ValueError:
        return None, ("invalid_ship_date",)


def iter_rows(columns: OrderColumns) -> Iterator[dict[str, Any]]:
    """Every row as a dict (for the row-by-row path)."""
    for i in range(columns.n):
        yield columns.row(i)
