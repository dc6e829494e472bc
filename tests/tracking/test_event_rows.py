"""`Events.rows` (built a chunk of events at a time) equals the one-pass build it replaced,
kept here as the reference, for batches longer than a chunk and any mask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import repeat

import numpy as np
import pytest

from linkstar.tracking.core.columns import from_updates
from linkstar.tracking.core.events import TrackingEvent
from linkstar.tracking.core.updates import TrackingUpdate
from linkstar.tracking.core.vocabulary import Status
from linkstar.tracking.ingest_events import _CHUNK, _ROW, Events, _cut, gather
from linkstar.tracking.ingest_prepare import prepare

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def _reference(ev: Events, org: str, mask: np.ndarray, sid, source, received):
    """The one-pass build (before the chunks)."""
    at = np.flatnonzero(mask)
    ship = ev.ship[at]
    every = len(at) == len(ev.ship)
    when = ev.when if every else gather(ev.when, at)
    columns = [getattr(ev.cols, n) if every else gather(getattr(ev.cols, n), at) for n in _ROW]
    (carrier, code_source, raw_code, raw_description, status, sub_status, rule_id,
     location, city, state, postcode, country) = columns  # fmt: skip
    return list(
        zip(
            repeat(org), gather(sid, ship), ev.fp[at].tolist(), when,
            carrier, code_source, raw_code, raw_description, status, sub_status, rule_id,
            _cut(location, 200), _cut(city, 120), _cut(state, 80), _cut(postcode, 16), country,
            gather(source, ship), repeat(received, len(at)),
        )
    )  # fmt: skip


def _events(n: int, as_text: bool) -> tuple[Events, list[str], list[str]]:
    rng = np.random.default_rng(n)
    updates = []
    for u in range(n // 5):
        events = tuple(
            TrackingEvent(
                T0 + timedelta(minutes=int(rng.integers(0, 10_000))),
                "usps",
                str(rng.integers(0, 3)),
                "Processed",
                Status.IN_TRANSIT,
                location=None if u % 3 else "L" * int(rng.integers(150, 260)),  # some cut
                city=["DENVER", "C" * 130, None][u % 3],
                postcode=None if u % 2 else "9" * 20,
            )
            for _ in range(5)
        )
        updates.append(TrackingUpdate(f"9400{u:018d}", "usps", events, f"src{u % 4}"))
    ready = prepare(from_updates(updates), as_text)
    assert ready.events is not None
    ids = [f"id{i}" for i in range(len(ready.shipments.keys))]
    return ready.events, ids, ready.shipments.source


@pytest.mark.parametrize("as_text", [True, False])
@pytest.mark.parametrize("n", [5, _CHUNK, 2 * _CHUNK + 35])
def test_chunked_rows_equal_the_one_pass_build(n, as_text):
    ev, ids, source = _events(n, as_text)
    size = len(ev.ship)
    every, kept = np.ones(size, dtype=bool), ev.keep
    some = np.random.default_rng(1).random(size) < 0.6
    for mask in (every, kept, some, ~some, np.zeros(size, dtype=bool)):
        got = list(ev.rows("org", mask, ids, source, "now"))
        assert got == _reference(ev, "org", mask, ids, source, "now")
        assert len(got) == int(mask.sum())


@pytest.mark.parametrize("n", [5, 2 * _CHUNK + 35])
def test_shared_values_are_every_row_s_and_leave_the_rows(n):
    """`Events.shared` names only positions where every row under the mask has that value
    (of that type), and always the organisation and receipt time; `rows` leaves them out."""
    ev, ids, source = _events(n, True)
    size = len(ev.ship)
    some = np.random.default_rng(2).random(size) < 0.6
    one = ev.ship == ev.ship[0]
    for mask in (np.ones(size, dtype=bool), ev.keep, some, one):
        reference = _reference(ev, "org", mask, ids, source, "now")
        shared = ev.shared("org", mask, ids, source, "now")
        assert {0, 17} <= set(shared)
        assert (1 in shared) == (len(set(ev.ship[mask].tolist())) == 1)
        for i, value in shared.items():
            assert all(row[i] == value and type(row[i]) is type(value) for row in reference)
        kept = [i for i in range(18) if i not in shared]
        got = list(ev.rows("org", mask, ids, source, "now", leave_out=shared))
        assert got == [tuple(row[i] for i in kept) for row in reference]
