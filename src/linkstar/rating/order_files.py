"""Plain files of `linkstar route`: ORDERS in (CSV or JSON lines), DECISIONS out.

Every order row becomes a RouteOrder or, when a field is missing or impossible, a held outcome
with reason codes (docs/formats/routing.md): a bad row never stops the batch and is never
skipped. Rate cards are read with the same importer as `linkstar ratecards import`, in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from linkstar.kit.countries import country_code, currency_code
from linkstar.kit.errors import InvalidInput
from linkstar.rating import cells
from linkstar.rating.core import CompiledService, Parcel, postcode_key
from linkstar.rating.core.choose import HELD, Decision, RouteOrder
from linkstar.rating.core.fx import FxRate, FxTable
from linkstar.rating.importer import parse_path

ORDER_COLUMNS = (
    "order_id",
    "store",
    "channel",
    "warehouse",
    "origin_country",
    "origin_postcode",
    "dest_country",
    "dest_postcode",
    "dest_city",
    "dest_state",
    "residential",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "declared_value",
    "currency",
    "contents",
    "ddp",
    "priority",
    "promised_days",
    "ship_date",
)
OPTIONAL_COLUMNS = ("tags",)
DECISION_COLUMNS = (
    "order_id",
    "status",
    "carrier",
    "service_id",
    "zone",
    "billable_weight_g",
    "price",
    "currency",
    "price_breakdown",
    "transit_p50_days",
    "transit_p90_days",
    "on_time_probability",
    "score",
    "fallback",
    "reasons",
)
# Beyond these a row is not a parcel but a mistake (a weight in kg written as g, mm as µm, …).
ABSURD_WEIGHT_G = 1_000_000
ABSURD_SIDE_MM = 5_000


@dataclass(frozen=True)
class HeldInput:
    """An order row that cannot be routed as written, with every reason code."""

    ref: str
    reasons: tuple[str, ...]


def read_orders(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a CSV (header row) or JSON lines file (`.jsonl`/`.ndjson`), as dicts."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    row = None
                yield row if isinstance(row, dict) else {"__line__": line_no, "__bad__": True}
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c
            for c in ("order_id", "dest_country", "weight_g")
            if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise InvalidInput(f"{path}: the header lacks {', '.join(missing)}")
        yield from reader


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _int(row: dict[str, Any], name: str, low: int, high: int, reasons: list[str]) -> int | None:
    text = _text(row, name)
    if not text:
        reasons.append(f"missing_{name}")
        return None
    try:
        value = int(text)
    except ValueError:
        reasons.append(f"invalid_{name}")
        return None
    if not low <= value <= high:
        reasons.append(f"invalid_{name}")
        return None
    return value


def _flag(row: dict[str, Any], name: str, reasons: list[str]) -> bool:
    value = row.get(name)
    if isinstance(value, bool):
        return value
    text = _text(row, name)
    if not text:
        return False
    try:
        return cells.parse_bool(text)
    except ValueError:
        reasons.append(f"invalid_{name}")
        return False


def _country(row: dict[str, Any], name: str, reasons: list[str]) -> str:
    text = _text(row, name)
    if not text:
        reasons.append(f"missing_{name}")
        return ""
    try:
        return country_code(text)
    except InvalidInput:
        reasons.append(f"unknown_{name}")
        return ""


def order_from_row(row: dict[str, Any], line: int, default_ship: date) -> RouteOrder | HeldInput:
    """One ORDERS row → a RouteOrder, or HeldInput with every reason it cannot be routed."""
    if row.get("__bad__"):
        return HeldInput(f"line {row.get('__line__')}", ("malformed_row",))
    reasons: list[str] = []
    ref = _text(row, "order_id")
    if not ref:
        reasons.append("missing_order_id")
        ref = f"line {line}"
    origin_country = _country(row, "origin_country", reasons)
    dest_country = _country(row, "dest_country", reasons)
    origin_postcode, dest_postcode = _text(row, "origin_postcode"), _text(row, "dest_postcode")
    for name, country, code in (
        ("origin_postcode", origin_country, origin_postcode),
        ("dest_postcode", dest_country, dest_postcode),
    ):
        if not code:
            reasons.append(f"missing_{name}")
        elif country and postcode_key(country, code) is None:
            reasons.append(f"invalid_{name}")
    weight = _int(row, "weight_g", 1, 10_000_000, reasons)
    if weight is not None and weight > ABSURD_WEIGHT_G:
        reasons.append("absurd_weight")
    sides = [_int(row, n, 0, 100_000, reasons) for n in ("length_mm", "width_mm", "height_mm")]
    if any(s is not None and s > ABSURD_SIDE_MM for s in sides):
        reasons.append("absurd_size")
    currency = _text(row, "currency").upper()
    if currency:
        try:
            currency = currency_code(currency)
        except InvalidInput:
            reasons.append("invalid_currency")
            currency = ""
    declared = 0
    value_text = _text(row, "declared_value")
    if value_text:
        if not currency:
            reasons.append("missing_currency")
        else:
            try:
                declared = cells.parse_money(value_text, currency)
                if not 0 <= declared < 2**40:
                    raise ValueError(value_text)
            except ValueError:
                reasons.append("invalid_declared_value")
    promised: int | None = None
    if _text(row, "promised_days"):
        promised = _int(row, "promised_days", 1, 365, reasons)
    ship = default_ship
    if _text(row, "ship_date"):
        try:
            ship = date.fromisoformat(_text(row, "ship_date"))
        except ValueError:
            reasons.append("invalid_ship_date")
    residential = _flag(row, "residential", reasons)
    ddp = _flag(row, "ddp", reasons)
    if reasons:
        return HeldInput(ref, tuple(reasons))
    contents = frozenset(cells.parse_list(_text(row, "contents").lower()))
    tags = frozenset(cells.parse_list(_text(row, "tags")))
    parcel = Parcel(
        weight_g=weight or 1,
        length_mm=sides[0] or 0,
        width_mm=sides[1] or 0,
        height_mm=sides[2] or 0,
        origin_country=origin_country,
        origin_postcode=origin_postcode,
        dest_country=dest_country,
        dest_postcode=dest_postcode,
        ship_date=ship,
        residential=residential,
        ddp=ddp,
        contents=contents,
        declared_value=declared,
        declared_currency=currency,
    )
    warehouse = _text(row, "warehouse")
    attrs = {
        "store": _text(row, "store"),
        "channel": _text(row, "channel"),
        "warehouse": warehouse,
        "origin_country": origin_country,
        "dest_country": dest_country,
        "dest_state": _text(row, "dest_state"),
        "currency": currency,
        "priority": _text(row, "priority"),
        "weight_g": weight,
        "declared_value": declared,
        "promised_days": promised,
        "residential": residential,
        "ddp": ddp,
        "tags": tags,
    }
    return RouteOrder(ref, parcel, warehouse or origin_country, promised, attrs)


def load_cards(path: Path) -> list[CompiledService]:
    """Every service of the card (or folder of cards) at `path`; InvalidInput lists problems."""
    if not path.exists():
        raise InvalidInput(f"{path}: no such file or folder")
    if path.is_dir() and not (path / "services.csv").exists():
        sources = sorted(
            p for p in path.iterdir() if p.is_dir() or p.suffix.lower() in (".xlsx", ".zip")
        )
    else:
        sources = [path]
    if not sources:
        raise InvalidInput(f"{path}: no rate card (a services.csv folder, .zip or .xlsx)")
    services: list[CompiledService] = []
    for source in sources:
        result = parse_path(source)
        if result.card is None:
            lines = "; ".join(str(i) for i in result.issues[:5])
            raise InvalidInput(f"{source}: {len(result.issues)} problem(s): {lines}")
        services += result.card.compiled.services
    ids = [s.service.service_id for s in services]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise InvalidInput(f"service ids used by two cards: {', '.join(duplicated)}")
    return services


def read_fx(path: Path, base: str) -> FxTable:
    """An FX table from a CSV with columns currency, rate_to_base, effective_date."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return fx_from_rows(csv.DictReader(handle), base, str(path))


def fx_from_rows(rows: Iterable[Mapping[str, Any]], base: str, source: str = "FX") -> FxTable:
    """An FX table from rows; InvalidInput names every bad row."""
    rates: list[FxRate] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        try:
            rates.append(
                FxRate(
                    _text(row, "currency"),
                    Decimal(_text(row, "rate_to_base")),
                    date.fromisoformat(_text(row, "effective_date")),
                )
            )
        except (ValueError, InvalidOperation) as exc:
            problems.append(f"row {line}: {exc or 'bad value'}")
    try:
        table = FxTable(base, rates)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise InvalidInput(f"{source}: " + "; ".join(problems[:10]), {"errors": problems})
    return table


def _num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def decision_row(decision: Decision | HeldInput) -> dict[str, str]:
    """One DECISIONS row."""
    if isinstance(decision, HeldInput):
        return {
            **dict.fromkeys(DECISION_COLUMNS, ""),
            "order_id": decision.ref,
            "status": HELD,
            "fallback": "false",
            "reasons": json.dumps(list(decision.reasons)),
        }
    chosen = decision.choice
    row = dict.fromkeys(DECISION_COLUMNS, "")
    row.update(
        order_id=decision.ref,
        status=decision.status,
        fallback="true" if decision.fallback else "false",
        reasons=json.dumps(list(decision.reasons)),
    )
    if chosen is not None and chosen.total is not None:
        row.update(
            carrier=chosen.carrier,
            service_id=chosen.service_id,
            zone=chosen.zone,
            billable_weight_g=str(chosen.billable_weight_g),
            price=cells.format_money(chosen.total, chosen.currency),
            currency=chosen.currency,
            price_breakdown=json.dumps(
                {code: cells.format_money(amount, chosen.currency) for code, amount in chosen.lines}
            ),
            transit_p50_days=_num(chosen.transit_p50_days, 1),
            transit_p90_days=_num(chosen.transit_p90_days, 1),
            on_time_probability=_num(chosen.on_time_probability, 4),
            score=_num(chosen.score, 6),
        )
    return row


class DecisionWriter:
    """Writes DECISIONS as CSV, or JSON lines when the file ends in .jsonl/.ndjson."""

    def __init__(self, handle: TextIO, json_lines: bool) -> None:
        self.handle, self.json_lines = handle, json_lines
        self.writer = None if json_lines else csv.DictWriter(handle, DECISION_COLUMNS)
        if self.writer is not None:
            self.writer.writeheader()

    def write(self, decision: Decision | HeldInput) -> None:
        """Append one decision."""
        self.write_row(decision_row(decision))

    def write_row(self, row: dict[str, str]) -> None:
        """Append one row of `decision_row`'s shape."""
        if self.writer is not None:
            self.writer.writerow(row)
            return
        out: dict[str, Any] = dict(row)
        for name in ("price_breakdown", "reasons"):
            out[name] = json.loads(row[name]) if row[name] else None
        out["fallback"] = row["fallback"] == "true"
        self.handle.write(json.dumps(out) + "\n")


def decisions_text(decisions: Iterable[Decision | HeldInput]) -> str:
    """DECISIONS as CSV text (for tests and small batches)."""
    buffer = io.StringIO()
    writer = DecisionWriter(buffer, json_lines=False)
    for decision in decisions:
        writer.write(decision)
    return buffer.getvalue()
