"""`core.pairs.pairs_in` is exact set membership of (group, key) pairs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.tracking.core.pairs import _MIX, mix, pairs_in

INT64 = st.integers(-(2**63), 2**63 - 1)
# Keys that share their low or high 32 bits, and the extremes: a packing that dropped bits of
# the key or of the group would call them equal.
KEYS = st.one_of(
    INT64,
    st.sampled_from([-(2**63), 2**63 - 1, 0, 1, -1, 2**32, 2**32 + 1, -(2**32), 7 << 40]),
)
PAIRS = st.lists(st.tuples(st.integers(0, 2**31 - 1) | st.integers(0, 3), KEYS), max_size=25)


def _arrays(pairs):
    return (
        np.array([g for g, _ in pairs], dtype=np.int64),
        np.array([k for _, k in pairs], dtype=np.int64),
    )


@given(PAIRS, PAIRS)
def test_pairs_in_is_set_membership(asked, stored):
    mixed = asked + stored[: len(stored) // 2]  # some asked pairs are stored for sure
    got = pairs_in(*_arrays(mixed), *_arrays(stored))
    expected = [pair in set(stored) for pair in mixed]
    assert got.tolist() == expected


def test_the_same_key_in_another_group_is_not_a_repeat():
    got = pairs_in(
        np.array([0, 1, 2]), np.array([5, 5, 5]), np.array([1]), np.array([5], dtype=np.int64)
    )
    assert got.tolist() == [False, True, False]


def test_groups_out_of_range_are_refused():
    with pytest.raises(ValueError):
        pairs_in(np.array([2**31]), np.array([1]), np.array([0]), np.array([1]))


def test_pairs_that_share_a_mix_are_told_apart():
    x = 12345
    other = int(np.int64(x) ^ _MIX)  # group 1 with this key mixes to the same int64 as (0, x)
    assert mix(np.array([0]), np.array([x]))[0] == mix(np.array([1]), np.array([other]))[0]
    # an asked pair that shares the mix of a stored one is not stored
    got = pairs_in(np.array([1, 0]), np.array([other, x]), np.array([0]), np.array([x]))
    assert got.tolist() == [False, True]
    # two stored pairs that share a mix: the exact path answers
    got = pairs_in(
        np.array([0, 1, 1]),
        np.array([x, other, x]),
        np.array([0, 1]),
        np.array([x, other]),
    )
    assert got.tolist() == [True, True, False]
