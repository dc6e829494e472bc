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


def time_text(event: TrackingEvent) -> str:
    """The event time as fixed-width UTC text, `YYYY-MM-DD HH:MM:SS.ffffff` (sorts by time)."""
    return event.event_time.isoformat(" ", "microseconds")[:26]


def time_texts(micros: np.ndarray) -> list[str]:
    """`time_text` of int64 UTC microseconds since 1970, in one numpy pass (exact): the ISO
    text as one ASCII buffer, decoded once and sliced (a third of numpy's own str conversion)."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").astype("S26")
    text.view(np.uint8).reshape(-1, 26)[:, 10] = ord(" ")  # ISO's "T" -> SQLAlchemy's space
    joined = text.tobytes().decode("ascii")
    return [joined[i : i + 26] for i in range(0, len(joined), 26)]


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
    joined by U+001F), hashed with SHA-1, and the 8-byte prefixes read as int64 in one pass.
    `places` are the location, city, state, postcode and country columns."""
    sep = _SEP
    location, city, state, postcode, country = places
    head = b"".join(
        [
            _SHA1(
                sep.join(
                    (w, c, s or c, code, text, lo or "", ci or "", st or "", po or "", co or "")
                ).encode(),
                usedforsecurity=False,
            ).digest()[:8]
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
    return np.frombuffer(head, dtype=">i8").astype(np.int64)


def fingerprint(event: TrackingEvent) -> int:
    """The signed 64-bit fingerprint of `identity_key(event)` (see the module docstring)."""
    e = event
    places = ([e.location], [e.city], [e.state], [e.postcode], [e.country])
    keys = fingerprints(
        [time_text(e)], [e.carrier], [e.code_source], [e.raw_code], [e.raw_description], places
    )
    return int(keys[0])
