"""Capacity rules as data: `warehouse, service_id | carrier, day, max_parcels` rows.

A rule limits one service at a warehouse, or one carrier at a warehouse (or at every warehouse
together when the warehouse is blank), on a date, on a weekday, or (day blank) on every day.
For one (service or carrier, warehouse, day) the most specific rule wins: a date over a weekday
over every day. The same CSV shape is read by `linkstar route --capacities` and the console.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from linkstar.rating.core.optimise.problem import CarrierKey, ServiceKey

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PARCELS = 100_000_000
CAPACITY_COLUMNS = ("warehouse", "service_id", "carrier", "day", "max_parcels")


@dataclass(frozen=True)
class CapacityRule:
    """One capacity: kind is `service` or `carrier`; day is a date, a weekday 0-6, or None."""

    kind: str
    name: str
    warehouse: str | None
    day: date | int | None
    max_parcels: int

    @property
    def day_text(self) -> str:
        """The day as written in a file: YYYY-MM-DD, mon…sun, or blank."""
        if isinstance(self.day, date):
            return self.day.isoformat()
        return "" if self.day is None else WEEKDAYS[self.day]

    @property
    def key(self) -> tuple[str, str, str | None, date | int | None]:
        """What two rules may not share."""
        return (self.kind, self.name, self.warehouse, self.day)


@dataclass(frozen=True)
class RowError:
    """A bad row: its line (header = 1), the column and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.reason}"


def parse_day(text: str) -> date | int | None:
    """`2026-12-07`, a weekday (`mon`, `Monday`) or blank; ValueError otherwise."""
    text = text.strip().lower()
    if not text:
        return None
    if text[:3] in WEEKDAYS and text in (text[:3], _long(text[:3])):
        return WEEKDAYS.index(text[:3])
    return date.fromisoformat(text)


def _long(short: str) -> str:
    return {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
            "fri": "friday", "sat": "saturday", "sun": "sunday"}[short]  # fmt: skip


def _cell(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def parse_rule(row: Mapping[str, Any], line: int) -> CapacityRule | list[RowError]:
    """One row as a rule, or every problem with it."""
    errors: list[RowError] = []
    service, carrier = _cell(row, "service_id"), _cell(row, "carrier")
    warehouse = _cell(row, "warehouse") or None
    if bool(service) == bool(carrier):
        errors.append(RowError(line, "service_id", "give exactly one of service_id or carrier"))
    if service and warehouse is None:
        errors.append(RowError(line, "warehouse", "a service capacity needs a warehouse"))
    try:
        day = parse_day(_cell(row, "day"))
    except ValueError:
        errors.append(RowError(line, "day", "not a date (YYYY-MM-DD), a weekday or blank"))
        day = None
    text = _cell(row, "max_parcels")
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PARCELS:
        errors.append(RowError(line, "max_parcels", f"a whole number 0 … {MAX_PARCELS:,}"))
    if errors:
        return errors
    kind = "service" if service else "carrier"
    return CapacityRule(kind, service or carrier, warehouse, day, int(text))


def parse_rules(rows: Iterable[Mapping[str, Any]]) -> tuple[list[CapacityRule], list[RowError]]:
    """Every good rule and every bad row (data rows start at line 2); duplicates are errors."""
    rules: list[CapacityRule] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str | None, date | int | None], int] = {}
    for line, row in enumerate(rows, start=2):
        rule = parse_rule(row, line)
        if isinstance(rule, list):
            errors.extend(rule)
        elif rule.key in seen:
            errors.append(RowError(line, "day", f"the same capacity as line {seen[rule.key]}"))
        else:
            seen[rule.key] = line
            rules.append(rule)
    return rules, errors


def read_csv(text: str) -> tuple[list[CapacityRule], list[RowError]]:
    """Every good rule and every bad row of a capacities CSV's text (a bad header: line 1)."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = set(reader.fieldnames or ())
        if "max_parcels" not in header or not header & {"service_id", "carrier"}:
            reason = (
                "needs max_parcels and service_id or carrier (columns: "
                + ", ".join(CAPACITY_COLUMNS)
                + ")"
            )
            return [], [RowError(1, "header", reason)]
        return parse_rules(reader)
    except csv.Error as exc:
        return [], [RowError(reader.line_num, "file", f"not a CSV: {exc}")]


def unknown_names(
    rules: Sequence[CapacityRule], service_ids: Iterable[str], carriers: Iterable[str]
) -> list[str]:
    """Services and carriers that rules name but the rate cards do not have."""
    services, carrier_set = set(service_ids), set(carriers)
    known = {"service": services, "carrier": carrier_set}
    return sorted({f"{r.kind} {r.name}" for r in rules if r.name not in known[r.kind]})


def _specificity(rule: CapacityRule) -> int:
    return 2 if isinstance(rule.day, date) else 1 if rule.day is not None else 0


def expand(
    rules: Sequence[CapacityRule], sites: Sequence[tuple[str, date]]
) -> tuple[dict[ServiceKey, int], dict[CarrierKey, int]]:
    """The capacity maps of a wave: each rule applied to the (warehouse, day) sites it covers."""
    chosen: dict[tuple[str, str, str | None, date], tuple[int, int]] = {}
    days = sorted({day for _, day in sites})
    warehouses = {wh for wh, _ in sites}
    for rule in rules:
        if rule.warehouse is not None and rule.warehouse not in warehouses:
            continue
        for day in days:
            if isinstance(rule.day, date) and rule.day != day:
                continue
            if isinstance(rule.day, int) and rule.day != day.weekday():
                continue
            key = (rule.kind, rule.name, rule.warehouse, day)
            rank = _specificity(rule)
            if key not in chosen or chosen[key][0] < rank:
                chosen[key] = (rank, rule.max_parcels)
    service_caps: dict[ServiceKey, int] = {}
    carrier_caps: dict[CarrierKey, int] = {}
    for (kind, name, wh, day), (_, cap) in chosen.items():
        if kind == "service":
            assert wh is not None
            service_caps[(name, wh, day)] = cap
        else:
            carrier_caps[(name, wh, day)] = cap
    return service_caps, carrier_caps
