"""The stored de-duplication key of an event: a 64-bit fingerprint of its identity key.

The fingerprint is the first 8 bytes of the SHA-1 of `identity_key` (as text), read as a signed
big-endian integer, so it fits a BIGINT. The database holds a unique (shipment, fingerprint)
pair, so a repeated report of the same raw event is ignored by the insert itself, whichever
batch or source it arrives in. 64 bits per shipment: two different events of one shipment
collide with probability about n²/2⁶⁵ (10⁻¹⁷ for a shipment of 20 events), which is accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from linkstar.tracking.core.events import TrackingEvent

_SEP = "\x1f"  # the ASCII unit separator never occurs in tidied carrier text
_SHA1 = hashlib.sha1
_DAY = 86_400_000_000  # microseconds
_YEAR_1, _YEAR_9999 = -719_162, 2_932_896  # days since 1970 of 0001-01-01 and 9999-12-31
_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)  # "00".."99"
_THREE = np.array([f"{i:03}" for i in range(1000)], dtype="S3")
# One time text and its newline as a record: its fields are filled column by column.
_ROW = np.dtype([("date", "S10"), ("space", "S1"), ("clock", "S8"), ("dot", "S1"),
                 ("milli", "S3"), ("micro", "S3"), ("end", "S1")])  # fmt: skip


def time_text(event: TrackingEvent) -> str:
    """The event time as fixed-width UTC text, `YYYY-MM-DD HH:MM:SS.ffffff` (sorts by time)."""
    return event.event_time.isoformat(" ", "microseconds")[:26]


def time_texts(micros: np.ndarray) -> list[str]:
    """`time_text` of int64 UTC microseconds since 1970, exactly, without a Python step per
    time: the fixed-width text of each is assembled as bytes from tables (the batch's calendar
    days, the 86,400 clock times of a day, the 1,000 three-digit groups), then decoded once and
    split. Times outside the years 1-9999 go through numpy's ISO conversion."""
    n = len(micros)
    if n == 0:
        return []
    days, of_day = np.divmod(micros, _DAY)
    first, last = int(days.min()), int(days.max())
    if first < _YEAR_1 or last > _YEAR_9999:
        return _iso_texts(micros)
    if last - first <= 2 * n + 366:  # the batch's days in one table, read by offset
        dates, at = _dates(np.arange(first, last + 1, dtype=np.int64)), days - first
    else:
        span, at = np.unique(days, return_inverse=True)
        dates = _dates(span)
    seconds, micro = np.divmod(of_day, 1_000_000)
    milli, micro = np.divmod(micro, 1000)
    rows = np.empty(n, dtype=_ROW)
    rows["date"] = dates[at]
    rows["space"] = b" "
    rows["clock"] = _CLOCK[seconds]
    rows["dot"] = b"."
    rows["milli"] = _THREE[milli]
    rows["micro"] = _THREE[micro]
    rows["end"] = b"\n"
    texts = rows.tobytes().decode("ascii").split("\n")
    del texts[-1]  # after the last newline
    return texts


def _clock() -> np.ndarray:
    """`HH:MM:SS` (S8) of every second of a day, by its number."""
    second = np.arange(86_400)
    out = np.empty((86_400, 8), dtype=np.uint8)
    out[:] = np.frombuffer(b"00:00:00", dtype=np.uint8)
    out[:, 0:2], out[:, 3:5] = _PAIRS[second // 3600], _PAIRS[second // 60 % 60]
    out[:, 6:8] = _PAIRS[second % 60]
    return out.view("S8").reshape(-1)


_CLOCK = _clock()


def _iso_texts(micros: np.ndarray) -> list[str]:
    """`time_texts` through numpy's ISO text (any year numpy prints)."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").astype("S26")
    text.view(np.uint8).reshape(-1, 26)[:, 10] = ord(" ")  # ISO's "T" -> SQLAlchemy's space
    joined = text.tobytes().decode("ascii")
    return [joined[i : i + 26] for i in range(0, len(joined), 26)]


def _dates(days: np.ndarray) -> np.ndarray:
    """`YYYY-MM-DD` (S10) of days since 1970 in the years 1-9999 (Hinnant's civil-from-days)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    out = np.empty((len(days), 10), dtype=np.uint8)
    out[:] = np.frombuffer(b"0000-00-00", dtype=np.uint8)
    out[:, 0:2], out[:, 2:4] = _PAIRS[year // 100], _PAIRS[year % 100]
    out[:, 5:7], out[:, 8:10] = _PAIRS[month], _PAIRS[doy - (153 * mp + 2) // 5 + 1]
    return out.view("S10").reshape(-1)


def fingerprints(
    whens: Sequence[str],
    carrier: Sequence[str],
    code_source: Sequence[str | None],
    raw_code: Sequence[str],
    raw_description: Sequence[str],
    places: tuple[Sequence[str | None], ...],
) -> np.ndarray:
    """`fingerprint` of every event of a batch given by columns (`core.columns`), with its time
    text (`time_texts`): the identity key as text (the UTC time text, then every raw field,
    joined by U+001F), hashed with SHA-1, and the digests' 8-byte prefixes read as int64 in one
    pass. `places` are the location, city, state, postcode and country columns."""
    sep = _SEP
    location, city, state, postcode, country = places
    digests = b"".join(
        [
            _SHA1(
                sep.join(
                    (w, c, s or c, code, text, lo or "", ci or "", st or "", po or "", co or "")
                ).encode(),
                usedforsecurity=False,
            ).digest()  # whole: numpy takes the prefixes below (no 8-byte slice an event)
            for w, c, s, code, text, lo, ci, st, po, co in zip(
                whens,
                carrier,
                code_source,
                raw_code,
                raw_description,
                location,
                city,
                state,
                postcode,
                country,
                strict=True,
            )
        ]
    )
    head = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 20)[:, :8]
    return np.ascontiguousarray(head).view(">i8").reshape(-1).astype(np.int64)


def fingerprint(event: TrackingEvent) -> int:
    """The signed 64-bit fingerprint of `identity_key(event)` (see the module docstring)."""
    e = event
    places = ([e.location], [e.city], [e.state], [e.postcode], [e.country])
    keys = fingerprints(
        [time_text(e)], [e.carrier], [e.code_source], [e.raw_code], [e.raw_description], places
    )
    return int(keys[0])
