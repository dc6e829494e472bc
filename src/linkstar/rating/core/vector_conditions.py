"""Policy conditions over columns of orders, vectorised: `Condition.holds` for a whole batch.

Columns are numbers (float64, NaN = missing), per-row values (tags), or `Coded`: codes into a
list of distinct values, so that a condition is checked once per value, not once per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from linkstar.rating.core.policy import NUMBER_FIELDS, SET_FIELDS, Condition, Op

Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Coded:
    """A column as codes into a list of distinct values: conditions are checked per value."""

    codes: NDArray[np.int32]
    values: list[Any]

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, rows: Ints) -> Coded:
        """The values of some rows."""
        return Coded(self.codes[rows], self.values)

    def __getitem__(self, rows: slice | Ints) -> Coded:
        return Coded(self.codes[rows], self.values)


def condition_mask(cond: Condition, columns: Mapping[str, Any], n: int) -> Bools:
    """Vectorised `Condition.holds` over order columns (numbers as float64, NaN = missing).

    A `Coded` column is checked with the scalar `holds` once per distinct value.
    """
    column = columns.get(cond.field)
    if isinstance(column, Coded):
        table = np.array([cond.holds({cond.field: v}) for v in column.values], dtype=np.bool_)
        return table[column.codes]
    if cond.field in SET_FIELDS:
        tags = columns.get(cond.field)
        rows = [frozenset()] * n if tags is None else tags
        return np.fromiter((cond.holds({cond.field: t}) for t in rows), np.bool_, count=n)
    column = columns.get(cond.field)
    if column is None:  # missing for every parcel
        return np.full(n, cond.op in (Op.ne, Op.not_in))
    value = cond.value
    if cond.field in NUMBER_FIELDS:
        column = np.asarray(column, dtype=np.float64)
    if cond.op in (Op.in_, Op.not_in):
        found = np.isin(column, np.array(sorted(value)))
        return found if cond.op is Op.in_ else ~found
    ops = {
        Op.eq: np.equal,
        Op.ne: np.not_equal,
        Op.gt: np.greater,
        Op.gte: np.greater_equal,
        Op.lt: np.less,
        Op.lte: np.less_equal,
    }
    return np.asarray(ops[cond.op](column, value), dtype=np.bool_)


def all_hold(conds: tuple[Condition, ...], columns: Mapping[str, Any], n: int) -> Bools:
    """Rows where every condition holds (all rows when there is none)."""
    mask = np.ones(n, dtype=np.bool_)
    for cond in conds:
        mask &= condition_mask(cond, columns, n)
    return mask


def take_rows(column: Any, rows: Ints) -> Any:
    """Some rows of a condition column, whatever its kind."""
    if isinstance(column, np.ndarray | Coded):
        return column[rows]
    return [column[i] for i in rows]
