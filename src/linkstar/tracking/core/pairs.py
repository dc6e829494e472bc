"""Membership of (group, key) pairs, exact and vectorised: which reported (shipment,
fingerprint) pairs are stored already, without a Python set per shipment.

Fingerprints are full 64-bit integers and cannot share an int64 with a group number, so each
key is replaced by its rank among the distinct keys present (fewer than 2³² of them), and
group * 2³² + rank is one int64 per pair: equal exactly when both the group and the key are.
"""

from __future__ import annotations

import numpy as np

_RANK_BITS = 32


def pairs_in(
    group: np.ndarray, key: np.ndarray, stored_group: np.ndarray, stored_key: np.ndarray
) -> np.ndarray:
    """For each (group[i], key[i]), whether it is one of the (stored_group, stored_key) pairs.

    Groups are non-negative integers below 2³¹ (positions in a batch); keys any int64.
    """
    out = np.zeros(len(group), dtype=bool)
    if not len(group) or not len(stored_group):
        return out
    keys = np.concatenate([np.asarray(stored_key, dtype=np.int64), np.asarray(key, np.int64)])
    groups = np.concatenate(
        [np.asarray(stored_group, dtype=np.int64), np.asarray(group, dtype=np.int64)]
    )
    if groups.min() < 0 or groups.max() >= 1 << (63 - _RANK_BITS):
        raise ValueError("groups must lie in [0, 2**31)")
    rank = np.unique(keys, return_inverse=True)[1].reshape(-1).astype(np.int64)
    pair = (groups << _RANK_BITS) | rank
    n = len(stored_key)
    return np.isin(pair[n:], pair[:n])
