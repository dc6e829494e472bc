"""Order export files (Amazon, Shopify, eBay, TikTok Shop, Walmart, LinkStar presets) into the hub.

The connector parses the file into canonical orders plus row-level errors; the good orders go
through the same idempotent ingestion as webhooks and polls (source "file"), each keeping its
source rows as the raw payload. A rejected row rejects only its own order and is reported with
row, column and reason; re-importing the same file creates nothing new.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from linkstar.kit.memory import cyclic_gc_paused
from linkstar.orders.connectors.files import FileParseResult, RowError, parse_order_file
from linkstar.orders.connectors.mapping import ColumnMapping
from linkstar.orders.ingest import Item, ingest, ingest_committing
from linkstar.orders.intake import IngestReport, store_of
from linkstar.orders.lookahead import AddressLookahead, address_worker, lookahead
from linkstar.workspace.core import Permission, Principal


@dataclass
class FileImportReport:
    rows: int
    orders: int
    report: IngestReport
    row_errors: list[RowError] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "orders": self.orders,
            **self.report.as_json(),
            "row_errors": [
                {"row": e.row, "column": e.column, "reason": e.reason} for e in self.row_errors
            ],
        }


def _rows(data: bytes, filename: str) -> int:
    """About how many rows a file holds, before parsing it: text lines (an XLSX file is
    compressed and not counted: its orders are, once parsed)."""
    return 0 if filename.lower().endswith((".xlsx", ".xlsm")) else data.count(b"\n")


@contextmanager
def _parsed(
    data: bytes, filename: str, mapping: ColumnMapping | str
) -> Iterator[tuple[FileParseResult, list[Item], AddressLookahead | None]]:
    """The parsed file, its items, and for a large file a lookahead: its address checker
    starts before the parse of a text file (so that its start-up overlaps it; an XLSX file's
    size is known only once parsed), its hasher after it; both stop when the import ends.

    The parsed file is hundreds of thousands of long-lived objects: no cyclic collections
    over them while the raw payloads are built and ingested (see kit.memory)."""
    with cyclic_gc_paused(), ExitStack() as stack:
        checker = stack.enter_context(address_worker(_rows(data, filename)))
        parsed = parse_order_file(data, filename, mapping)
        items: list[Item] = [
            (order, {"rows": rows}) for order, rows in zip(parsed.orders, parsed.raw, strict=True)
        ]
        if checker is None:
            checker = stack.enter_context(address_worker(len(items)))
        yield parsed, items, stack.enter_context(lookahead(checker, items))


def import_file(
    session: Session,
    actor: Principal,
    store_id: str,
    data: bytes,
    filename: str,
    mapping: ColumnMapping | str,
) -> FileImportReport:
    """Parse and ingest one export file in the caller's transaction (API uploads)."""
    actor.require(Permission.orders_write)
    store_of(session, actor.organisation_id, store_id)
    org_id, label = actor.organisation_id, actor.label
    with _parsed(data, filename, mapping) as (parsed, items, ahead):
        report = ingest(session, org_id, store_id, items, "file", actor=label, lookahead=ahead)
    return FileImportReport(parsed.rows, len(items), report, list(parsed.errors))


def import_large_file(
    sessions: sessionmaker[Session],
    actor: Principal,
    store_id: str,
    data: bytes,
    filename: str,
    mapping: ColumnMapping | str,
) -> FileImportReport:
    """The same with one transaction per batch: for 100,000-order files from the CLI."""
    actor.require(Permission.orders_write)
    with sessions() as session:
        store_of(session, actor.organisation_id, store_id)
    org_id, label = actor.organisation_id, actor.label
    with _parsed(data, filename, mapping) as (parsed, items, ahead):
        report = ingest_committing(
            sessions, org_id, store_id, items, "file", actor=label, lookahead=ahead
        )
    return FileImportReport(parsed.rows, len(items), report, list(parsed.errors))
