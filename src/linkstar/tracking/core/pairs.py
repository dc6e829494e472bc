"""Membership of (group, key) pairs, exact and vectorised: which reported (shipment,
fingerprint) pairs are stored already, without a Python set per shipment.

Each pair is mixed into one int64 (key XOR group times an odd constant, wrapping); the stored
mixes are sorted once and each asked pair is looked up by binary search, then confirmed on its
group and key, so a mix shared by two different pairs never answers yes. When two stored pairs
share a mix (a 2⁻⁶⁴ accident, or a pair given twice), the exact slow path decides instead:
each key replaced by its rank among the distinct keys present (fewer than 2³² of them), and
group * 2³² + rank is one int64 per pair, equal exactly when both the group and the key are.
"""

from __future__ import annotations

import numpy as np

_RANK_BITS = 32
_MIX = np.int64(-7046029254386353131)  # 0x9E3779B97F4A7C15, odd, as a signed int64


def mix(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """One int64 per (group, key) pair; different pairs may share one (the caller confirms)."""
    return np.asarray(key, dtype=np.int64) ^ (np.asarray(group, dtype=np.int64) * _MIX)


def pairs_in(
    group: np.ndarray, key: np.ndarray, stored_group: np.ndarray, stored_key: np.ndarray
) -> np.ndarray:
    """For each (group[i], key[i]), whether it is one of the (stored_group, stored_key) pairs.

    Groups are non-negative integers below 2³¹ (positions in a batch); keys any int64.
    """
    group, key = np.asarray(group, dtype=np.int64), np.asarray(key, dtype=np.int64)
    stored_group = np.asarray(stored_group, dtype=np.int64)
    stored_key = np.asarray(stored_key, dtype=np.int64)
    if not len(group) or not len(stored_group):
        return np.zeros(len(group), dtype=bool)
    for groups in (group, stored_group):
        if groups.min() < 0 or groups.max() >= 1 << (63 - _RANK_BITS):
            raise ValueError("groups must lie in [0, 2**31)")
    stored = mix(stored_group, stored_key)
    order = np.argsort(stored)
    ordered = stored[order]
    if len(ordered) > 1 and bool((ordered[1:] == ordered[:-1]).any()):
        return _by_rank(group, key, stored_group, stored_key)
    asked = mix(group, key)
    at = np.searchsorted(ordered, asked).clip(max=len(ordered) - 1)
    found = order[at]
    return (ordered[at] == asked) & (stored_group[found] == group) & (stored_key[found] == key)


def _by_rank(
    group: np.ndarray, key: np.ndarray, stored_group: np.ndarray, stored_key: np.ndarray
) -> np.ndarray:
    rank = np.unique(np.concatenate([stored_key, key]), return_inverse=True)[1]
    pair = (np.concatenate([stored_group, group]) << _RANK_BITS) | rank.reshape(-1)
    n = len(stored_key)
    return np.isin(pair[n:], pair[:n])
