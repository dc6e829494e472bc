"""Columns of the rate card tables and the reader that turns one row's cells into values.

Every bad cell becomes an `ImportIssue` located at its file, row and column; reading carries on
so that one import reports every problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from linkstar.rating import cells
from linkstar.rating.core import (
    PatternError,
    normalise_country,
)
from linkstar.rating.sheets import ImportIssue, Sheet, SheetRow, Workbook

COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # table: (required columns, optional columns)
    "services": (
        ("service_id", "carrier", "service_name", "currency", "zone_chart", "origin_country"),
        (
            "origin_postcodes",
            "dest_countries",
            "dim_divisor",
            "dim_rounding",
            "weight_rounding_g",
            "max_weight_g",
            "max_length_mm",
            "max_length_plus_girth_mm",
            "fuel_pct",
            "min_charge",
            "restricted",
            "ddp",
            "po_box",
            "military",
            "signature_available",
            "effective_from",
            "effective_to",
            "transit_days_p50",
            "transit_days_p90",
            "prior_on_time_pct",
            "prior_success_pct",
        ),
    ),
    "zones": (
        ("zone_chart", "dest_country", "zone"),
        ("origin_postcode_from", "origin_postcode_to", "dest_postcode_from", "dest_postcode_to"),
    ),
    "prices": (("service_id", "zone", "max_weight_g", "price"), ()),
    "price_steps": (("service_id", "zone", "from_weight_g", "step_g", "price_per_step"), ()),
    "surcharges": (
        ("service_id", "kind"),
        (
            "carrier",
            "dest_country",
            "postcode_from",
            "postcode_to",
            "postcode_list",
            "amount",
            "percent",
            "applies_to",
            "effective_from",
            "effective_to",
            "over_weight_g",
            "over_length_mm",
            "over_second_length_mm",
            "over_length_plus_girth_mm",
            "subject_to_fuel",
        ),
    ),
    "postcode_lists": (("list", "postcode_from"), ("postcode_to",)),
}
REQUIRED_TABLES = ("services", "prices")
BRITISH = frozenset({"GB", "GG", "JE", "IM"})
# Model field → sheet column, where they differ (for locating the core's own checks).
FIELD_COLUMNS = {
    "name": "service_name",
    "fuel_bp": "fuel_pct",
    "percent_bp": "percent",
    "prior_on_time_bp": "prior_on_time_pct",
    "prior_success_bp": "prior_success_pct",
}


class RowReader:
    """Parses cells of one row, recording an issue per bad cell and carrying on."""

    def __init__(self, sheet: Sheet, row: SheetRow, issues: list[ImportIssue]) -> None:
        self.sheet, self.row, self.issues = sheet, row, issues
        self.failed = False

    def issue(self, column: str, reason: str) -> None:
        """Record a problem of this row at `column`."""
        self.failed = True
        self.issues.append(ImportIssue(self.sheet.source, self.row.line, column, reason))

    def text(self, column: str, required: bool = False) -> str:
        """The cell's text; an issue when required and blank."""
        value = self.row.get(column)
        if required and not value:
            self.issue(column, "is required")
        return value

    def parse(self, column: str, parser: Callable[[str], Any], default: Any = None) -> Any:
        """The parsed cell, `default` when blank; an issue when it cannot be parsed."""
        value = self.row.get(column)
        if not value:
            return default
        try:
            return parser(value)
        except ValueError as exc:
            self.issue(column, str(exc))
            return default

    def required(self, column: str, parser: Callable[[str], Any]) -> Any:
        """The parsed cell; an issue when blank or unparseable."""
        if not self.row.get(column):
            self.issue(column, "is required")
            return None
        return self.parse(column, parser)

    def build(self, factory: Callable[..., Any], **kwargs: Any) -> Any:
        """Call a core constructor; its ValueError becomes an issue on the column it names."""
        if self.failed:
            return None
        try:
            return factory(**kwargs)
        except (ValueError, PatternError) as exc:
            self.issue(column_named(str(exc), self.sheet.columns), str(exc))
            return None


def column_named(message: str, columns: tuple[str, ...]) -> str:
    """The column a core error message names (its field, or a column it mentions)."""
    for name, column in FIELD_COLUMNS.items():
        if message.startswith(name):
            return column
    for column in sorted(columns, key=len, reverse=True):
        if column in message:
            return column
    return ""


def choice_parser(enum: type[Any]) -> Callable[[str], Any]:
    """A parser for one member of a string enum, listing the allowed values on error."""

    def parse(text: str) -> Any:
        try:
            return enum(text.lower())
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ValueError(f"{text!r} is not one of {allowed}") from None

    return parse


def money_parser(currency: str) -> Callable[[str], int]:
    """A parser of decimal amounts in `currency` (see cells.parse_money)."""

    def parse(text: str) -> int:
        return cells.parse_money(text, currency)

    return parse


def parse_country(text: str) -> str:
    """An ISO 3166 alpha-2 country code (UK read as GB)."""
    code = normalise_country(text)
    if len(code) != 2 or not code.isalpha():
        raise ValueError(f"{text!r} is not an ISO 3166 alpha-2 country")
    return code


def parse_countries(text: str) -> frozenset[str]:
    """A list of country codes."""
    return frozenset(parse_country(c) for c in cells.parse_list(text))


def check_columns(book: Workbook, issues: list[ImportIssue]) -> None:
    """Required tables and columns present, no unknown or duplicated column."""
    for table in REQUIRED_TABLES:
        if table not in book.sheets:
            issues.append(ImportIssue(book.name, 0, "", f"the {table} table is missing"))
    for table, sheet in book.sheets.items():
        required, optional = COLUMNS[table]
        for column in required:
            if column not in sheet.columns:
                issues.append(ImportIssue(sheet.source, 1, column, "missing column"))
        seen: set[str] = set()
        for column in sheet.columns:
            if column in seen:
                issues.append(ImportIssue(sheet.source, 1, column, "duplicate column"))
            elif column not in required and column not in optional:
                issues.append(ImportIssue(sheet.source, 1, column, "unknown column"))
            seen.add(column)
