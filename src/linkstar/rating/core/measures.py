"""Dimensional and billable weight in integer units, one definition for every pricer.

Dimensional weight in grams is L·W·H (mm³) / divisor (cm³ per kg): the factors 1000 (mm³ → cm³)
and 1000 (kg → g) cancel. Before multiplying, each side may be rounded to whole centimetres or
inches (up, or to nearest with halves up), as carriers' rules say; the volume of one rounded
step is kept as an exact fraction so that inches (25.4 mm) need no floating point. Dimensional
weight is rounded up to a whole gram; billable weight = max(actual, dimensional) rounded up to
the service's `weight_rounding_g`. Rounding dimensional weight up to a gram first changes nothing,
since the billable weight is rounded up to whole grams anyway.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

# Input bounds: within them every intermediate product below fits in int64.
MAX_LENGTH_MM = 100_000
MAX_WEIGHT_G = 10_000_000


class DimRounding(StrEnum):
    """How each side is rounded before the volume is taken."""

    exact = "exact"
    up_cm = "up_cm"
    nearest_cm = "nearest_cm"
    up_inch = "up_inch"
    nearest_inch = "nearest_inch"


# Step of each unit in micrometres, and the volume of one step cubed in mm³ as (num, den).
_STEP_UM = {"exact": 1_000, "cm": 10_000, "inch": 25_400}
_STEP_VOLUME = {"exact": (1, 1), "cm": (1_000, 1), "inch": (2_048_383, 125)}  # 25.4³ = 16387.064
# Per rule: (step in µm, rounds to nearest?, volume numerator, volume denominator).
_RULES = {
    rule: (
        _STEP_UM[rule.value.split("_")[-1]],
        rule.value.startswith("nearest"),
        *_STEP_VOLUME[rule.value.split("_")[-1]],
    )
    for rule in DimRounding
}


def _steps(length_mm: int, step: int, nearest: bool) -> int:
    if nearest:
        return (2 * length_mm * 1000 + step) // (2 * step)
    return (length_mm * 1000 + step - 1) // step


def dimensional_weight_g(
    length_mm: int, width_mm: int, height_mm: int, divisor: int, rounding: DimRounding
) -> int:
    """Dimensional weight in whole grams (rounded up) for a divisor in cm³ per kg."""
    if rounding is DimRounding.exact:
        return -(-(length_mm * width_mm * height_mm) // divisor)
    step, nearest, num, den = _RULES[rounding]
    steps = (
        _steps(length_mm, step, nearest)
        * _steps(width_mm, step, nearest)
        * _steps(height_mm, step, nearest)
    )
    return -(-(steps * num) // (den * divisor))


def round_up(value: int, step: int) -> int:
    """The smallest multiple of `step` that is ≥ `value`."""
    return -(-value // step) * step


def billable_weight_g(
    weight_g: int,
    dims_mm: tuple[int, int, int],
    divisor: int | None,
    rounding: DimRounding,
    step_g: int,
) -> tuple[int, int]:
    """(dimensional weight, billable weight) in grams; no divisor means no dimensional weight."""
    dim = 0 if divisor is None else dimensional_weight_g(*dims_mm, divisor, rounding)
    heavier = weight_g if weight_g >= dim else dim
    return dim, -(-heavier // step_g) * step_g


def _steps_array(length_mm: NDArray[np.int64], rounding: DimRounding) -> NDArray[np.int64]:
    step, nearest, _, _ = _RULES[rounding]
    if rounding is DimRounding.exact:
        return length_mm
    if nearest:
        return (2000 * length_mm + step) // (2 * step)
    return (1000 * length_mm + step - 1) // step


def billable_weight_array(
    weight_g: NDArray[np.int64],
    dims_mm: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
    divisor: int | None,
    rounding: DimRounding,
    step_g: int,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Vectorised `billable_weight_g` (identical results)."""
    if divisor is None:
        dim = np.zeros_like(weight_g)
        heavier = weight_g
    else:
        length, width, height = (_steps_array(d, rounding) for d in dims_mm)
        _, _, num, den = _RULES[rounding]
        volume = length * width * height
        dim = -(-(volume * num if num != 1 else volume) // (den * divisor))
        heavier = np.maximum(weight_g, dim)
    if step_g == 1:
        return dim, heavier
    return dim, -(-heavier // step_g) * step_g
