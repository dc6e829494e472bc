"""Turn a rate card upload (CSV folder, zip of CSVs, XLSX workbook) into the core's RateCard.

`parse_workbook` reads every row of every table, collects every problem as an `ImportIssue`
(file or sheet, row, column, reason) and only when there is none checks the card across tables
with `compile_card`, whose problems are located the same way. The result is either a
`ParsedCard` or the complete list of issues, never an exception for bad content.

The tables are kept as text (`ParsedCard.tables`): that is what storage keeps, and rebuilding a
stored card runs this same parser over it, so a stored card means exactly what was imported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from linkstar.rating.card_builder import CardBuilder, ChartLookup
from linkstar.rating.core import (
    CompiledCard,
    RateCard,
    RateCardError,
    ZoneChart,
    ZoneRow,
    compile_card,
)
from linkstar.rating.rows import COLUMNS, check_columns
from linkstar.rating.sheets import ImportIssue, Sheet, SheetRow, Workbook, read_path


@dataclass(frozen=True)
class ParsedCard:
    """A validated card: the core objects, its text tables (what storage keeps) and counts."""

    source: str
    carrier: str
    card: RateCard
    compiled: CompiledCard
    tables: dict[str, list[dict[str, str]]]  # every table but zones, as text
    zone_rows: dict[str, list[ZoneRow]]  # zone charts defined by the upload
    chart_origins: dict[str, str]  # origin country of each chart the upload defines
    external_charts: tuple[str, ...]  # charts the services use that the upload does not define
    effective_from: date | None  # the earliest service start, None when one is open

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows per table (zones counted over the charts the upload defines)."""
        counts = {name: len(rows) for name, rows in self.tables.items()}
        counts["zones"] = sum(len(rows) for rows in self.zone_rows.values())
        return counts


@dataclass
class ImportResult:
    """Either a card or every issue found (sorted by file, row, column)."""

    card: ParsedCard | None = None
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the card was accepted."""
        return self.card is not None and not self.issues


def _text_tables(book: Workbook) -> dict[str, list[dict[str, str]]]:
    return {
        table: [{k: v.strip() for k, v in row.values.items() if v.strip()} for row in sheet.rows]
        for table, sheet in book.sheets.items()
        if table != "zones"
    }


def _no_chart(_name: str) -> ZoneChart | None:
    return None


def parse_workbook(book: Workbook, lookup: ChartLookup = _no_chart) -> ImportResult:
    """Validate every table of an upload; `lookup` finds zone charts stored earlier by name."""
    issues = list(book.issues)
    if issues and not book.sheets:  # nothing could be read: say why, not what is missing
        return ImportResult(None, sorted(set(issues)))
    check_columns(book, issues)
    if issues:
        return ImportResult(None, sorted(set(issues)))
    builder = CardBuilder(book, lookup)
    builder.read_services()
    builder.read_prices()
    builder.read_lists()
    builder.read_surcharges()
    charts, defined, external = builder.read_zones()
    if builder.issues:
        return ImportResult(None, sorted(set(builder.issues)))
    card = RateCard(
        services=tuple(builder.services),
        zone_charts=charts,
        brackets=tuple(builder.brackets),
        steps=tuple(builder.steps),
        surcharges=tuple(builder.surcharges),
    )
    try:
        compiled = compile_card(card)
    except RateCardError as exc:
        builder.locate(exc)
        return ImportResult(None, sorted(set(builder.issues)))
    starts = [s.effective_from for s in card.services]
    parsed = ParsedCard(
        source=book.name,
        carrier=card.services[0].carrier if card.services else "",
        card=card,
        compiled=compiled,
        tables=_text_tables(book),
        zone_rows=defined,
        chart_origins={name: charts[name].origin_country for name in defined},
        external_charts=external,
        effective_from=None if None in starts or not starts else min(s for s in starts if s),
    )
    if not card.services:
        issue = ImportIssue(book.sheets["services"].source, 2, "service_id", "no services")
        return ImportResult(None, [issue])
    return ImportResult(parsed, [])


def parse_path(path: Path, lookup: ChartLookup = _no_chart) -> ImportResult:
    """Read and validate a CSV folder, a zip of CSVs or an XLSX workbook."""
    return parse_workbook(read_path(path), lookup)


def workbook_from_tables(name: str, tables: Mapping[str, list[dict[str, str]]]) -> Workbook:
    """A workbook of text tables built in code (stored cards, the demo), rows numbered from 2."""
    book = Workbook(name)
    for table, rows in tables.items():
        sheet = Sheet(table, COLUMNS[table][0] + COLUMNS[table][1])
        sheet.rows = [SheetRow(line, dict(row)) for line, row in enumerate(rows, start=2)]
        book.sheets[table] = sheet
    return book


def parse_tables(
    name: str,
    tables: Mapping[str, list[dict[str, str]]],
    charts: Mapping[str, ZoneChart],
) -> ImportResult:
    """Rebuild a stored card from its text tables and its pinned zone charts."""
    return parse_workbook(workbook_from_tables(name, tables), charts.get)


def issue_counts(issues: list[ImportIssue]) -> Counter[str]:
    """Issues per source file or sheet."""
    return Counter(issue.source for issue in issues)
