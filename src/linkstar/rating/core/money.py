"""Integer money arithmetic on minor units: percentages in basis points, rounded half-up.

Every amount in rating is an integer number of minor units (cents, pence, yen) of the service's
currency. A percentage is an integer number of basis points (1 bp = 0.01 %, so 12.5 % = 1250).
A percentage of an amount is rounded half-up to a whole minor unit: floor(x + ½), which for the
non-negative values of rating is Decimal's ROUND_HALF_UP (12.5 ¢ → 13 ¢, 12.49 ¢ → 12 ¢). The
scalar and numpy versions below are the only places that round money, so both pricers agree.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
from numpy.typing import NDArray

BP_PER_WHOLE = 10_000
# Bounds that keep amount x bp inside int64 in the vectorised pricer (2**40 x 10**5 < 2**63).
MAX_AMOUNT = 2**40
MAX_BP = 100_000


def percent_to_bp(text: str | Decimal) -> int:
    """Parse a percentage ("12.5", "12.50 %") into basis points; finer than 0.01 % is an error."""
    try:
        value = Decimal(str(text).strip().rstrip("%").strip())
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not a percentage") from exc
    scaled = value * 100
    if not value.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"{text!r}: percentages are kept to 0.01 %")
    return int(scaled)


def bp_of(amount: int, bp: int) -> int:
    """`bp` basis points of `amount` minor units, rounded half-up to a minor unit."""
    return (amount * bp + BP_PER_WHOLE // 2) // BP_PER_WHOLE


def bp_of_array(amounts: NDArray[np.int64], bp: int | NDArray[np.int64]) -> NDArray[np.int64]:
    """Vectorised `bp_of` (identical results: numpy's // on int64 floors like Python's)."""
    return (amounts * bp + BP_PER_WHOLE // 2) // BP_PER_WHOLE
