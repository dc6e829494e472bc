"""An events file (CSV or JSON lines, docs/formats/tracking.md) stored, on two cores when large.

`ingest_events_file` is what the CLI (and any upload) calls with the file's bytes. A small file
is parsed and stored in one batch, in process. A large one is parsed by a forked worker process
in chunks of `CHUNK_ROWS` rows, each chunk prepared there (`ingest_prepare.prepare`: the pure
half of ingestion) while this process stores the chunk before it (`ingest_batch.store`), all in
the caller's one transaction, so the file is stored whole or not at all.

The stored rows and shipments are the same as one batch would give: a shipment whose events
span chunks is known to the later chunk (created by an earlier one in this transaction), so its
repeats are dropped by the stored-fingerprint check and its status continues from (or, for an
earlier event, is folded again from) its stored events; the destination of a shipment created
before its delivered event was seen comes with the later chunk (`store`'s `undated`). The
report counts what one batch counts: the worker, which sees every chunk, counts each update,
shipment, rejected update and unmapped event of the file once (`_FileCounts`). Row numbers are
the file's.

The worker inherits the file (forked, never pickled); the chunks come back pickled through a
pipe. It stops when the import ends, error or not, and stops itself if the importing process
dies; a worker that dies or fails raises `EventFileWorkerFailed`, so the caller's transaction
writes nothing.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection, wait

import numpy as np
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import LinkStarError
from linkstar.kit.memory import cyclic_gc_paused
from linkstar.kit.workers import watch_parent
from linkstar.tracking.connectors.files import (
    FileFormat,
    FileImport,
    RowIssue,
    iter_events_file,
    parse_events_file,
)
from linkstar.tracking.event_store import is_sqlite
from linkstar.tracking.ingest import ingest_columns
from linkstar.tracking.ingest_batch import store
from linkstar.tracking.ingest_prepare import IngestReport, Prepared, prepare

# Rows per chunk: small enough that the first chunk (stored only once it is prepared) and the
# last (prepared before it is stored) leave one core idle briefly, large enough that each
# chunk's fixed statements and the shipments it shares with its neighbours cost little.
CHUNK_ROWS = 25_000
# Below this many lines a file is stored in process: a fork and two chunks gain little.
MIN_ROWS = 2 * CHUNK_ROWS


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The file's side of an import: bad rows (left out), warnings (rows kept), row counts."""

    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    rows: int
    events: int


class EventFileWorkerFailed(LinkStarError):
    """The events-file worker process died or failed; the import wrote nothing."""

    code = "worker_failed"
    status = 503


def ingest_events_file(
    session: Session,
    organisation_id: str,
    data: bytes,
    file_format: FileFormat,
    *,
    now: datetime | None = None,
    worker: bool | None = None,
) -> tuple[IngestReport, FileOutcome]:
    """Parse and store an events file in the caller's transaction; see the module docstring.

    `worker`: True or False forces the two-process or the one-process path (benchmarks,
    tests); None chooses by size. Raises `TrackingPayloadError` (a `ValueError`) for a file
    that cannot be read at all (not UTF-8, a bad header).
    """
    now = now or utcnow()
    if worker is None:
        worker = data.count(b"\n") >= MIN_ROWS
    if not worker or "fork" not in multiprocessing.get_all_start_methods():
        parsed = parse_events_file(data, file_format)
        report = ingest_columns(session, organisation_id, parsed.columns, now=now)
        return report, FileOutcome(parsed.errors, parsed.warnings, parsed.rows, parsed.events)
    chunks = iter_events_file(data, file_format, CHUNK_ROWS)  # the header is checked here
    return _pipelined(session, organisation_id, chunks, is_sqlite(session), now)


@dataclass(slots=True)
class _Chunk:
    """One chunk as the worker hands it over."""

    batch: Prepared
    errors: tuple[RowIssue, ...]
    warnings: tuple[RowIssue, ...]
    rows: int
    events: int


def _pipelined(
    session: Session,
    organisation_id: str,
    chunks: Iterator[FileImport],
    as_text: bool,
    now: datetime,
) -> tuple[IngestReport, FileOutcome]:
    total = IngestReport()
    errors: list[RowIssue] = []
    warnings: list[RowIssue] = []
    rows = events = 0
    undated: set[str] = set()
    with cyclic_gc_paused(), _worker(chunks, as_text) as receive:
        while (chunk := receive()) is not None:
            part = store(session, organisation_id, chunk.batch, now, undated)
            total.add(part)
            errors.extend(chunk.errors)
            warnings.extend(chunk.warnings)
            rows += chunk.rows
            events += chunk.events
    return total, FileOutcome(tuple(errors), tuple(warnings), rows, events)


@contextmanager
def _worker(chunks: Iterator[FileImport], as_text: bool) -> Iterator[Callable[[], _Chunk | None]]:
    """Fork the worker; yields the function that waits for its next chunk (None after the
    last). The worker is stopped on leaving, error or not.

    Each chunk comes through a pipe that this process reads in its own thread when it wants
    the next chunk: the worker prepares chunk k+1 while chunk k is stored, then waits for it to
    be taken. (A process pool reads results in a thread of its own, which competes with the
    storing thread for the interpreter lock while it reads and unpickles; no difference was
    measurable on the loaded machine, see docs/benchmarks.md.)"""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve, args=(chunks, as_text, writer), name="events-file worker", daemon=True
    )
    process.start()
    writer.close()  # only the worker writes: its end closing (it died) reads as EOF here

    def receive() -> _Chunk | None:
        wait([reader, process.sentinel])
        try:
            kind, value = reader.recv()
        except (EOFError, OSError) as exc:
            process.join(1)
            raise _failed(f"it exited with code {process.exitcode}") from exc
        if kind == "failed":
            raise _failed(value)
        return value

    try:
        yield receive
    finally:
        reader.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _failed(detail: str) -> EventFileWorkerFailed:
    return EventFileWorkerFailed(
        f"the events-file worker process failed ({detail}); nothing of the file was stored"
    )


def _serve(chunks: Iterator[FileImport], as_text: bool, writer: Connection) -> None:
    """In the worker: parse and prepare each chunk and send it; a failure is sent as text."""
    watch_parent()
    counts = _FileCounts()
    try:
        for parsed in chunks:
            batch = prepare(parsed.columns, as_text)
            counts.count(parsed, batch)
            chunk = _Chunk(batch, parsed.errors, parsed.warnings, parsed.rows, parsed.events)
            writer.send(("chunk", chunk))
        writer.send(("chunk", None))
    except BrokenPipeError:  # the importer stopped reading (it failed): nothing to tell
        return
    except Exception as exc:
        writer.send(("failed", f"{type(exc).__name__}: {exc}"))


class _FileCounts:
    """The report's counts over the whole file (what one batch of the file would count): each
    update (number, carrier as given), shipment, rejected update and distinct unmapped event is
    counted in the first chunk it appears in."""

    def __init__(self) -> None:
        self.updates: set[tuple[str, str | None]] = set()
        self.shipments: set[tuple[str, str]] = set()
        self.unmapped: set[tuple[tuple[str, str], int]] = set()

    def count(self, parsed: FileImport, batch: Prepared) -> None:
        """Set `batch`'s counts to what it adds to the file's."""
        cols = parsed.columns
        keys = list(zip(cols.tracking_number, cols.update_carrier, strict=True))
        seen_before = [key in self.updates for key in keys]
        self.updates.update(keys)
        batch.updates = seen_before.count(False)
        rejected = [u for u, at in enumerate(batch.shipments.of_update) if at < 0]
        batch.rejected = [
            r for u, r in zip(rejected, batch.rejected, strict=True) if not seen_before[u]
        ]
        before = len(self.shipments)
        self.shipments.update(batch.shipments.keys)
        batch.touched = len(self.shipments) - before
        ev = batch.events
        if ev is not None:
            at = np.flatnonzero(ev.keep & (ev.rank < 0))
            before = len(self.unmapped)
            self.unmapped.update(
                (batch.shipments.keys[s], fp)
                for s, fp in zip(ev.ship[at].tolist(), ev.fp[at].tolist(), strict=True)
            )
            batch.unmapped = len(self.unmapped) - before
