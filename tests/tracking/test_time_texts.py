"""`core.keys.time_texts` (tables, no Python step per time) equals `datetime.isoformat` text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.tracking.core.keys import _iso_texts, time_texts

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
