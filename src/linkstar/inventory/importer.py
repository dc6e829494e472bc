"""Stock count import: a CSV of (sku, warehouse, on_hand[, safety_stock][, name]) rows.

Each good row sets on_hand to the counted quantity with one adjustment entry for the
difference (nothing when it already matches) and, when given, the safety stock; an unknown SKU
with a `name` is created. Bad rows are reported with row, column and reason and change nothing;
good rows are applied together in the caller's transaction. See docs/formats/stock-counts.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from linkstar.inventory.core import LedgerKind, move
from linkstar.inventory.repository import SkuRepository, StockLevelRepository
from linkstar.inventory.schemas import SkuCreate
from linkstar.inventory.service import WRITE, StockMove, apply_moves, create_sku
from linkstar.kit.errors import InvalidInput
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Principal

REQUIRED = ("sku", "warehouse", "on_hand")
OPTIONAL = ("safety_stock", "name")
MAX_QUANTITY = 10_000_000
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: header = 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass
class CountResult:
    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    created_skus: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    sku: str
    warehouse: str
    on_hand: int
    safety_stock: int | None
    name: str


def parse(text: str) -> tuple[list[_Row], list[RowError]]:
    """The well-formed rows and the errors of the others (a bad header is one error at row 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [
            RowError(
                1, ",".join(missing), "missing column(s); header needs sku, warehouse, on_hand"
            )
        ]
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if unknown:
        return [], [RowError(1, ",".join(unknown), "unknown column(s)")]
    reader.fieldnames = header
    rows: list[_Row] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            errors.append(RowError(number, "", f"more than {MAX_ROWS:,} rows; split the file"))
            break
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            errors.append(RowError(number, "", "more cells than columns"))
            continue
        if not any(values.values()):
            continue
        problems = []
        sku = values.get("sku", "")
        warehouse = values.get("warehouse", "").upper()
        if not sku or len(sku) > 64:
            problems.append(RowError(number, "sku", "required, at most 64 characters"))
        if not warehouse:
            problems.append(RowError(number, "warehouse", "required (warehouse code)"))
        on_hand = _count(values.get("on_hand", ""), number, "on_hand", problems, required=True)
        safety = _count(
            values.get("safety_stock", ""), number, "safety_stock", problems, required=False
        )
        key = (sku, warehouse)
        if not problems and key in seen:
            problems.append(
                RowError(number, "sku", f"{sku} at {warehouse} already counted on row {seen[key]}")
            )
        if problems:
            errors.extend(problems)
            continue
        seen[key] = number
        assert on_hand is not None
        rows.append(_Row(number, sku, warehouse, on_hand, safety, values.get("name", "")[:200]))
    return rows, errors


def _count(
    text: str, row: int, column: str, problems: list[RowError], *, required: bool
) -> int | None:
    if not text:
        if required:
            problems.append(RowError(row, column, "required"))
        return None
    try:
        value = int(text)
    except ValueError:
        problems.append(RowError(row, column, f"{text!r} is not a whole number"))
        return None
    if not 0 <= value <= MAX_QUANTITY:
        problems.append(RowError(row, column, f"must be 0 to {MAX_QUANTITY:,}"))
        return None
    return value


def import_counts(session: Session, actor: Principal, text: str) -> CountResult:
    """Apply the good rows of a stock count file; every bad row is reported, none applied."""
    actor.require(WRITE)
    rows, errors = parse(text)
    result = CountResult(rows=len(rows) + len({e.row for e in errors if e.row > 1}), errors=errors)
    org = actor.organisation_id
    warehouses = {w.code: w for w in wrepo.WarehouseRepository(session, org).list()}
    skus = SkuRepository(session, org).by_codes(r.sku for r in rows)
    good: list[_Row] = []
    for row in rows:
        if row.warehouse not in warehouses:
            errors.append(
                RowError(row.line, "warehouse", f"no warehouse with code {row.warehouse}")
            )
        elif row.sku not in skus and not row.name:
            errors.append(
                RowError(row.line, "sku", f"unknown SKU {row.sku} (give a name to create it)")
            )
        else:
            good.append(row)
    for row in good:
        if row.sku not in skus:
            try:
                skus[row.sku] = create_sku(session, actor, SkuCreate(sku=row.sku, name=row.name))
            except (InvalidInput, ValueError) as exc:
                errors.append(RowError(row.line, "sku", str(exc).splitlines()[0]))
                continue
            result.created_skus.append(row.sku)
    levels = StockLevelRepository(session, org).for_pairs(
        (skus[r.sku].id, warehouses[r.warehouse].id) for r in good if r.sku in skus
    )
    moves: list[StockMove] = []
    for row in good:
        if row.sku not in skus:
            continue
        level = levels[(skus[row.sku].id, warehouses[row.warehouse].id)]
        if row.on_hand < level.allocated:
            errors.append(
                RowError(
                    row.line,
                    "on_hand",
                    f"{row.on_hand} is below the {level.allocated} units reserved",
                )
            )
            continue
        if row.safety_stock is not None:
            level.safety_stock = row.safety_stock
        delta = row.on_hand - level.on_hand
        if delta:
            moves.append(
                StockMove(
                    level, move(LedgerKind.adjustment, delta), "stock count", f"row {row.line}"
                )
            )
            result.applied += 1
        else:
            result.unchanged += 1
    session.flush()
    apply_moves(session, actor, moves)
    errors.sort(key=lambda e: (e.row, e.column))
    return result
