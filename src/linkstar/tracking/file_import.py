"""Import of an events file (CSV or JSON lines, docs/formats/tracking.md §8): the one use case
behind `linkstar track ingest FILE`, `POST /tracking/events/import-file` and the console's
Tracking → Import events.

The whole file is refused (InvalidInput, nothing written) when it cannot be read as the format
its name says: an unknown extension, an empty file, text that is not UTF-8, a missing or unknown
column, a CSV field over the csv module's limit, a NUL character (PostgreSQL text cannot hold
one). Otherwise every bad row is reported (row, column, reason) and the good rows are stored in
the caller's transaction (never commits).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.errors import InvalidInput
from linkstar.tracking.connectors.errors import TrackingPayloadError
from linkstar.tracking.connectors.files import (
    FileFormat,
    RowIssue,
    format_for,
)
from linkstar.tracking.file_ingest import ingest_events_file
from linkstar.tracking.ingest import IngestReport
from linkstar.workspace.core import Permission, Principal

_BOM = b"\xef\xbb\xbf"
# A NUL byte (or in JSON lines its escape): refused before anything is parsed or stored.
_NUL = b"\x00"
_JSON_NUL = b"\\u0000"


@dataclass(frozen=True, slots=True)
class EventsFileReport:
    """What one events file did: its rows, what ingestion stored, the rows left out."""

    filename: str
    file_format: FileFormat
    rows: int  # data rows read (blank lines not counted)
    events: int  # good rows, handed to ingestion
    ingested: IngestReport
    errors: tuple[RowIssue, ...]  # rows left out
    warnings: tuple[RowIssue, ...]  # rows kept, with a remark (carrier unknown)

    def as_json(self) -> dict[str, Any]:
        """The report as JSON (the API's `EventsFileRead`)."""
        report = self.ingested
        return {
            "filename": self.filename,
            "format": self.file_format,
            "rows": self.rows,
            "events": self.events,
            "events_inserted": report.events_inserted,
            "duplicates": report.duplicates,
            "unmapped": report.unmapped,
            "shipments_touched": report.shipments_touched,
            "shipments_created": report.shipments_created,
            "rejected": report.as_dict()["rejected"],
            "row_errors": [_issue(i) for i in self.errors],
            "warnings": [_issue(i) for i in self.warnings],
        }


def _issue(issue: RowIssue) -> dict[str, Any]:
    return {"row": issue.row, "column": issue.column, "reason": issue.reason}


def file_format(filename: str) -> FileFormat:
    """The format a file name implies, or InvalidInput naming the accepted extensions."""
    try:
        return format_for(filename)
    except ValueError:
        raise _refused(filename, "expected a .csv, .jsonl or .ndjson file") from None


def _refused(filename: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{filename}: {reason}", {"field": "file", "reason": reason})


def _refuse_unreadable(data: bytes, filename: str, fmt: FileFormat) -> None:
    if not data.removeprefix(_BOM).strip():
        raise _refused(filename, "the file is empty")
    if _NUL in data or (fmt == "jsonl" and _JSON_NUL in data):
        raise _refused(filename, "the file holds a NUL character, which cannot be stored")


def import_events_file(
    session: Session, actor: Principal, data: bytes, filename: str
) -> EventsFileReport:
    """Parse an events file and store its good rows for the actor's organisation."""
    actor.require(Permission.tracking_write)
    fmt = file_format(filename)
    _refuse_unreadable(data, filename, fmt)
    try:
        # Large files on two processes (`file_ingest`); uploads, capped at the request size,
        # always stay in this one.
        ingested, parsed = ingest_events_file(session, actor.organisation_id, data, fmt)
    except TrackingPayloadError as exc:
        raise _refused(filename, exc.reason) from None
    except csv.Error as exc:
        raise _refused(filename, f"not a readable CSV file ({exc})") from None
    return EventsFileReport(
        filename, fmt, parsed.rows, parsed.events, ingested, parsed.errors, parsed.warnings
    )
