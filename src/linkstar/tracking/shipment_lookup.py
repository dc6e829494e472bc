"""The stored shipments and event keys a bulk ingestion reads first, through the driver.

`find_shipments` finds a batch's known shipments with their derived columns; `stored_pairs`
reads the fingerprints already stored for some of them from the unique index. Split from
`event_store` (the statements that write), whose helpers they share. Never commits.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from linkstar.db.repository import chunks
from linkstar.tracking.event_store import (
    ARRAY_CHUNK,
    CHUNK,
    DERIVED_COLUMNS,
    is_sqlite,
    raw_connection,
)
from linkstar.tracking.event_store_pg import find_known, known_times, text_array


@dataclass(slots=True)
class Known:
    """The stored shipments among the keys asked, by column: each one's position among the
    keys, its id, the key the status write-back finds its row by (`event_store.write_status`:
    the rowid on SQLite, the id on PostgreSQL), and its derived columns (`DERIVED_COLUMNS`
    order, database form; on PostgreSQL the times as int64 microseconds)."""

    at: list[int]
    ids: list[str]
    rows: Sequence[Any]
    derived: Sequence[Any]


def find_shipments(
    session: Session, organisation_id: str, keys: Sequence[tuple[str, str]]
) -> Known:
    """Known shipments of these distinct (carrier, number) keys, read as plain rows and turned
    into columns once (no object per shipment)."""
    positions: dict[str, dict[str, int]] = defaultdict(dict)
    for i, (carrier, number) in enumerate(keys):
        positions[carrier][number] = i
    sqlite = is_sqlite(session)
    columns = (
        "s.tracking_number, s.id, s.rowid, s.status, s.sub_status, s.status_since, "
        "s.last_event_at, s.first_scan_at, s.delivered_at, s.event_count, s.unmapped_count"
    )
    at: list[int] = []
    rows: list[Any] = []
    raw = raw_connection(session)
    cursor = raw.cursor()
    try:
        for carrier, where in positions.items():
            distinct = sorted(where)
            if sqlite:
                # SQLite answers an IN list with one seek per number in the unique
                # (organisation, carrier, number) index.
                for part in chunks(distinct, CHUNK):
                    cursor.execute(
                        f"SELECT {columns} FROM shipments s WHERE s.organisation_id = ? "  # noqa: S608
                        "AND s.carrier = ? "
                        f"AND s.tracking_number IN ({', '.join(['?'] * len(part))})",
                        [organisation_id, carrier, *part],
                    )
                    found = cursor.fetchall()
                    at.extend(map(where.__getitem__, [row[0] for row in found]))
                    rows += found
            else:
                found = find_known(raw, organisation_id, carrier, distinct)
                at.extend(map(where.__getitem__, [row[0] for row in found]))
                rows += found
    finally:
        cursor.close()
    if not sqlite:  # the times come packed (`event_store_pg.find_known`)
        packed = list(zip(*rows, strict=True)) if rows else [()] * 7
        times = known_times(packed[4])
        ids = list(packed[1])
        return Known(at, ids, ids, [*packed[2:4], *times, *packed[5:]])
    by_column = list(zip(*rows, strict=True)) if rows else [()] * (3 + len(DERIVED_COLUMNS))
    return Known(at, list(by_column[1]), by_column[2], by_column[3:])


def stored_pairs(session: Session, shipment_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The fingerprints already stored for these shipments, read from the unique index: each
    pair's shipment as its position in `shipment_ids`, and the fingerprint (int64 arrays)."""
    if not shipment_ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cursor = raw_connection(session).cursor()
    try:
        if is_sqlite(session):
            # One statement: the ids' positions come from json_each, whose rows drive a seek
            # each in the unique (shipment_id, fingerprint) index (CROSS JOIN fixes that order),
            # so only integers cross into Python.
            cursor.execute(
                "SELECT j.key, e.fingerprint FROM json_each(?) AS j "
                "CROSS JOIN tracking_events AS e ON e.shipment_id = j.value",
                [json.dumps(list(shipment_ids))],
            )
            flat = np.fromiter(chain.from_iterable(cursor.fetchall()), dtype=np.int64)
            return flat[0::2], flat[1::2]
        position = {shipment_id: i for i, shipment_id in enumerate(shipment_ids)}
        ships: list[int] = []
        keys: list[int] = []
        for part in chunks(list(shipment_ids), ARRAY_CHUNK):
            # One array parameter, not an IN list of 900 (which PostgreSQL turns into the same
            # `= ANY(array)`): nothing to parse per id, and one statement per 10,000 shipments,
            # so a small table is scanned once (with the array hashed) instead of once per 900.
            wanted, param = text_array(part)
            cursor.execute(
                "SELECT shipment_id, fingerprint FROM tracking_events "  # noqa: S608
                f"WHERE shipment_id = ANY({wanted})",
                [param],
            )
            found = cursor.fetchall()
            ships += map(position.__getitem__, [row[0] for row in found])
            keys += [row[1] for row in found]
        return np.array(ships, dtype=np.int64), np.array(keys, dtype=np.int64)
    finally:
        cursor.close()
