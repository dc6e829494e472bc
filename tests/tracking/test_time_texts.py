"""`core.keys.time_texts` (tables, no Python step per time) equals `datetime.isoformat` text;
`core.keys.fingerprints` keeps the stored keys' values."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.core.keys import _iso_texts, fingerprints, time_texts

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST = -62_135_596_800_000_000  # 0001-01-01 00:00:00 UTC in microseconds since 1970
LAST = 253_402_300_799_999_999  # 9999-12-31 23:59:59.999999
# Whole range (the days go through np.unique) and a few days around leap days and 1970 (the
# days are read from one table by offset).
MICROS = st.one_of(
    st.integers(FIRST, LAST),
    st.integers(951_696_000_000_000, 951_955_200_000_000),  # 2000-02-28 .. 2000-03-02
    st.integers(-172_800_000_000, 172_800_000_000),
    st.sampled_from([FIRST, LAST, -1, 0, 1, 4_107_456_000_000_000]),  # 2100-02-28 (no leap day)
)


def _reference(micros: list[int]) -> list[str]:
    return [(EPOCH + timedelta(microseconds=m)).isoformat(" ", "microseconds")[:26] for m in micros]


@settings(max_examples=300)
@given(st.lists(MICROS, max_size=30))
def test_time_texts_equal_isoformat(micros):
    values = np.array(micros, dtype=np.int64)
    assert time_texts(values) == _reference(micros)
    assert time_texts(values) == _iso_texts(values)


def test_every_clock_second_and_a_long_run_of_days():
    seconds = np.arange(0, 86_400 * 1_000_000, 1_000_000, dtype=np.int64) + 123_456
    assert time_texts(seconds) == _reference(seconds.tolist())
    days = np.arange(-719_162, 2_932_897, 11, dtype=np.int64) * 86_400_000_000 + 999_999
    assert time_texts(days) == _reference(days.tolist())


def test_outside_the_years_1_to_9999_numpy_answers_and_empty_is_empty():
    beyond = np.array([LAST + 1], dtype=np.int64)
    assert time_texts(beyond) == _iso_texts(beyond)
    assert time_texts(np.zeros(0, dtype=np.int64)) == []


TEXT = st.one_of(
    st.none(), st.just(""), st.sampled_from(["usps", "DENVER", "CO"]), st.text(max_size=8)
)


@settings(max_examples=200)
@given(st.lists(st.tuples(MICROS, st.sampled_from(["usps", "ups"]), *[TEXT] * 8), max_size=12))
def test_fingerprints_are_the_sha1_prefixes_of_the_identity_keys(events):
    """The stored de-duplication keys keep their values: the first 8 bytes of the SHA-1 of the
    key text, as a signed big-endian integer (the formula of migration 0024)."""
    micros = [e[0] for e in events]
    columns = [[e[i] for e in events] for i in range(1, 10)]
    carrier, code_source, raw_code, raw_description, *places = columns
    raw_code = [v or "" for v in raw_code]
    raw_description = [v or "" for v in raw_description]
    whens = time_texts(np.array(micros, dtype=np.int64))
    got = fingerprints(whens, carrier, code_source, raw_code, raw_description, tuple(places))
    want = []
    for w, c, s, code, text, *where in zip(
        whens, carrier, code_source, raw_code, raw_description, *places, strict=True
    ):
        key = "\x1f".join((w, c, s or c, code, text, *(v or "" for v in where)))
        digest = hashlib.sha1(key.encode(), usedforsecurity=False).digest()
        want.append(int.from_bytes(digest[:8], "big", signed=True))
    assert got.dtype == np.int64
    assert got.tolist() == want
