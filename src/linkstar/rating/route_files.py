"""`linkstar route` on columns: read → validate → group → price + choose → breakdowns → write.

Rows are grouped by (origin, origin postcode, destination country, ship date, declared-value
currency); each group with all-digit destination postcodes is one `ParcelBatch`, priced and
chosen by the vectorised engine (`Group.batch` is also what a capacity optimiser reads: price it
with `price_batch` for the per-parcel cost/eligibility matrix). Rows the engine holds, and groups
it cannot take (non-digit postcode countries, an origin without a key), go through the scalar
`Chooser.choose`, so held reasons and every output field are the scalar path's. Output columns
are built once per distinct value (money, zone, service) and written with the csv module.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from linkstar.rating import cells
from linkstar.rating.core import postcode_key
from linkstar.rating.core.choose import ASSIGNED, HELD, NO_ELIGIBLE_SERVICE, Chooser
from linkstar.rating.core.postcodes import DIGIT_POSTCODE_LENGTHS
from linkstar.rating.core.vector_choose import choose_batch
from linkstar.rating.core.vector_conditions import Coded
from linkstar.rating.core.vector_held import held_reasons, reason_names
from linkstar.rating.core.vector_lanes import lane_column
from linkstar.rating.core.vector_lines import batch_lines
from linkstar.rating.core.vectorised import ParcelBatch
from linkstar.rating.order_columns import OrderColumns
from linkstar.rating.order_files import (
    DECISION_COLUMNS,
    DecisionWriter,
    HeldInput,
    decision_row,
    order_from_row,
)

Ints = NDArray[np.int64]
ATTRS = (
    "store", "channel", "warehouse", "origin_country", "dest_country", "dest_state", "currency",
    "priority", "weight_g", "declared_value", "promised_days", "residential", "ddp", "tags",
)  # fmt: skip


@dataclass(frozen=True)
class Group:
    """Rows sharing origin, destination country, ship date and currency, as one batch."""

    rows: Ints  # row numbers in ORDERS
    origin: str  # warehouse (or origin country): lanes and suspensions are keyed by it
    batch: ParcelBatch
    promised: Ints  # 0 = no promise
    conditions: dict[str, Coded]


def _regroup(key: Ints, extra: NDArray[np.int32], width: int) -> Ints:
    combined = key * max(1, width) + extra
    return np.unique(combined, return_inverse=True)[1].ravel().astype(np.int64)


def plan_groups(
    columns: OrderColumns, default_ship: date, restricted: frozenset[str]
) -> tuple[list[Group], list[int]]:
    """Batches of routable rows, and the rows left to the scalar chooser.

    Contents become bits of the words some service restricts (the only ones pricing reads).
    """
    f = columns.fields
    n = columns.n
    ok = np.ones(n, dtype=np.bool_)
    if columns.held:
        ok[np.fromiter(columns.held, dtype=np.int64)] = False
    key = np.zeros(n, dtype=np.int64)
    for name in ("warehouse", "origin_country", "origin_postcode", "dest_country", "ship_date"):
        key = _regroup(key, f[name].codes, len(f[name].values))
    key = _regroup(key, f["currency"].codes, len(f["currency"].values))
    rows_all = np.flatnonzero(ok)
    order = rows_all[np.argsort(key[rows_all], kind="stable")]
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    groups: list[Group] = []
    scalar: list[int] = []
    vocab = tuple(sorted({c for s in f["contents"].values for c in s} & restricted))
    if len(vocab) > 62:  # more restricted words than bits: row by row
        return [], rows_all.tolist()
    bits = np.array(
        [sum(1 << vocab.index(c) for c in s if c in vocab) for s in f["contents"].values],
        dtype=np.int64,
    )
    for rows in np.split(order, bounds) if len(order) else []:
        first = int(rows[0])
        country = f["dest_country"].values[f["dest_country"].codes[first]]
        origin_country = f["origin_country"].values[f["origin_country"].codes[first]]
        origin_postcode = f["origin_postcode"].values[f["origin_postcode"].codes[first]]
        digits = DIGIT_POSTCODE_LENGTHS.get(country)
        if digits is None or postcode_key(origin_country, origin_postcode) is None:
            scalar.extend(rows.tolist())
            continue
        dest = f["dest_postcode"]
        keyed = [_digits(country, v, digits) for v in dest.values]
        postcode = np.array([-1 if k is None else k for k in keyed], dtype=np.int64)[
            dest.codes[rows]
        ]
        odd = postcode < 0
        if odd.any():
            scalar.extend(rows[odd].tolist())
            rows, postcode = rows[~odd], postcode[~odd]
            if not len(rows):
                continue
        groups.append(_group(columns, rows, postcode, digits, vocab, bits, default_ship))
    return groups, scalar


def _digits(country: str, text: str, digits: int) -> int | None:
    found = postcode_key(country, text)
    return int(found) if found and found.isdigit() and len(found) == digits else None


def _value(column: Coded, rows: Ints, dtype: Any, missing: Any = 0) -> NDArray[Any]:
    table = np.array([missing if v is None else v for v in column.values], dtype=dtype)
    return table[column.codes[rows]]


def _group(
    columns: OrderColumns,
    rows: Ints,
    postcode: Ints,
    digits: int,
    vocab: tuple[str, ...],
    bits: Ints,
    default_ship: date,
) -> Group:
    f = columns.fields
    first = int(rows[0])

    def one(name: str) -> Any:
        return f[name].values[f[name].codes[first]]

    ship = one("ship_date") or default_ship
    batch = ParcelBatch(
        weight_g=_value(f["weight_g"], rows, np.int64, 1),
        length_mm=_value(f["length_mm"], rows, np.int64),
        width_mm=_value(f["width_mm"], rows, np.int64),
        height_mm=_value(f["height_mm"], rows, np.int64),
        dest_postcode=postcode,
        residential=_value(f["residential"], rows, np.bool_, False),
        origin_country=one("origin_country"),
        origin_postcode=one("origin_postcode"),
        dest_country=one("dest_country"),
        ship_date=ship,
        postcode_digits=digits,
        ddp=_value(f["ddp"], rows, np.bool_, False),
        contents=bits[f["contents"].codes[rows]],
        contents_vocab=vocab,
        declared_value=_value(f["declared_value"], rows, np.int64),
        declared_currency=one("currency"),
    )
    conditions = {name: f[name].take(rows) for name in ATTRS}
    return Group(
        rows,
        one("warehouse") or one("origin_country"),
        batch,
        _value(f["promised_days"], rows, np.int64),
        conditions,
    )


class Decisions:
    """DECISIONS as one text column per field (numpy object arrays), filled group by group."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.out = {c: np.full(n, "", dtype=object) for c in DECISION_COLUMNS}
        self.counts: Counter[str] = Counter()
        self.fallbacks = 0

    def put_row(self, i: int, row: dict[str, str]) -> None:
        """One row from `decision_row`."""
        for name, value in row.items():
            self.out[name][i] = value
        self.counts[row["status"]] += 1
        self.fallbacks += row["fallback"] == "true"

    def write(self, handle: TextIO, json_lines: bool) -> None:
        """Every row, as CSV (the csv module, as `DecisionWriter`) or JSON lines."""
        columns = [self.out[c].tolist() for c in DECISION_COLUMNS]
        if json_lines:
            writer = DecisionWriter(handle, True)
            for values in zip(*columns, strict=True):
                writer.write_row(dict(zip(DECISION_COLUMNS, values, strict=True)))
            return
        out = csv.writer(handle)
        out.writerow(DECISION_COLUMNS)
        out.writerows(zip(*columns, strict=True))


def _strings(values: NDArray[Any], render: Callable[[Any], str]) -> NDArray[Any]:
    """render() once per distinct value."""
    unique, inverse = np.unique(values, return_inverse=True)
    table = np.array([render(v) for v in unique.tolist()] or [""], dtype=object)
    return table[inverse.ravel()]


def _float_text(values: NDArray[np.float64], digits: int) -> NDArray[Any]:
    return _strings(values, lambda v: "" if v != v else f"{v:.{digits}f}")


def route_groups(chooser: Chooser, groups: list[Group], into: Decisions) -> list[int]:
    """Choose for every group and fill its rows (assigned, or held with the chooser's reasons)."""
    left: list[int] = []
    for group in groups:
        got = choose_batch(chooser, group.batch, group.origin, group.promised, group.conditions)
        held = np.flatnonzero(got.choice < 0)
        if len(held):
            _fill_held(chooser, group, held, got, into)
        for j in np.unique(got.choice[got.choice >= 0]).tolist():
            mine = np.flatnonzero(got.choice == j)
            _fill(chooser, group, j, mine, got, into)
    return left


def _fill_held(chooser: Chooser, group: Group, held: Ints, got: Any, into: Decisions) -> None:
    masks = held_reasons(
        chooser,
        _take(group.batch, held),
        group.origin,
        group.promised[held],
        {name: column.take(held) for name, column in group.conditions.items()},
        got.policy[held],
    )
    at = group.rows[held]
    out = into.out
    out["status"][at] = HELD
    out["reasons"][at] = _strings(
        masks, lambda m: json.dumps([NO_ELIGIBLE_SERVICE, *reason_names(int(m))])
    )
    fallback = got.fallback[held]
    out["fallback"][at] = np.where(fallback, "true", "false").astype(object)
    into.counts[HELD] += len(held)
    into.fallbacks += int(fallback.sum())


def _fill(chooser: Chooser, group: Group, j: int, mine: Ints, got: Any, into: Decisions) -> None:
    compiled = chooser.services[j]
    service = compiled.service
    batch = _take(group.batch, mine)
    lines = batch_lines(batch, compiled)
    at = group.rows[mine]
    out = into.out
    money = service.currency
    out["status"][at] = ASSIGNED
    out["carrier"][at] = service.carrier
    out["service_id"][at] = service.service_id
    out["currency"][at] = money
    labels = np.array(compiled.chart.zone_labels, dtype=object)
    out["zone"][at] = labels[lines.zone]
    out["billable_weight_g"][at] = _strings(lines.billable_weight_g, str)
    out["price"][at] = _strings(lines.total, lambda v: cells.format_money(v, money))
    breakdown = np.full(len(mine), "{", dtype=object)
    for k, (code, amounts, hit) in enumerate(lines.lines):
        sep = "" if k == 0 else ", "
        key = json.dumps(code)
        texts = _strings(amounts, _line_text(sep + key, money))
        breakdown = breakdown + np.where(hit, texts, "")
    out["price_breakdown"][at] = breakdown + "}"
    promised = group.promised[mine]
    for name, field in (("p50", "transit_p50_days"), ("p90", "transit_p90_days")):
        values = lane_column(chooser, batch, group.origin, j, name, promised)
        out[field][at] = _float_text(values, 1)
    out["on_time_probability"][at] = _float_text(got.on_time[mine], 4)
    out["score"][at] = _float_text(got.score[mine], 6)
    fallback = got.fallback[mine]
    out["fallback"][at] = np.where(fallback, "true", "false").astype(object)
    out["reasons"][at] = "[]"
    into.counts[ASSIGNED] += len(mine)
    into.fallbacks += int(fallback.sum())


def _line_text(prefix: str, currency: str) -> Callable[[Any], str]:
    def render(amount: Any) -> str:
        return f"{prefix}: {json.dumps(cells.format_money(amount, currency))}"

    return render


def _take(batch: ParcelBatch, rows: Ints) -> ParcelBatch:
    from dataclasses import fields, replace

    changes = {
        f.name: getattr(batch, f.name)[rows]
        for f in fields(batch)
        if isinstance(getattr(batch, f.name), np.ndarray)
    }
    return replace(batch, **changes)


def route_scalar(
    chooser: Chooser, columns: OrderColumns, rows: list[int], default_ship: date, into: Decisions
) -> None:
    """Rows decided one by one, exactly as the row-by-row command does."""
    for i in sorted(rows):
        item = order_from_row(columns.row(i), i + 2, default_ship)
        decision = item if isinstance(item, HeldInput) else chooser.choose(item)
        into.put_row(i, decision_row(decision))


def route_all(chooser: Chooser, columns: OrderColumns, default_ship: date) -> Decisions:
    """Every row of ORDERS decided: validation holds, batches, then the scalar remainder."""
    into = Decisions(columns.n)
    for i, reasons in columns.held.items():
        into.put_row(i, decision_row(HeldInput(columns.order_id[i], reasons)))
    restricted = frozenset(c.lower() for s in chooser.services for c in s.service.restricted)
    groups, scalar = plan_groups(columns, default_ship, restricted)
    scalar += route_groups(chooser, groups, into)
    ids = np.array(columns.order_id, dtype=object)
    into.out["order_id"][:] = ids
    route_scalar(chooser, columns, scalar, default_ship, into)
    return into
