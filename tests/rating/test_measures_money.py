from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.rating.core import (
    DimRounding,
    billable_weight_array,
    billable_weight_g,
    bp_of,
    bp_of_array,
    dimensional_weight_g,
    percent_to_bp,
)


@pytest.mark.parametrize(
    ("dims", "divisor", "rounding", "grams"),
    [
        ((300, 200, 100), 5000, DimRounding.exact, 1200),  # 6,000 cm³ / 5,000 cm³/kg = 1.2 kg
        ((301, 200, 100), 5000, DimRounding.exact, 1204),
        ((301, 200, 100), 5000, DimRounding.up_cm, 1240),  # 31 x 20 x 10 cm
        ((305, 229, 152), 5000, DimRounding.nearest_cm, 2139),  # 31 (30.5 up) x 23 x 15 cm
        ((305, 229, 152), 5000, DimRounding.up_inch, 2557),  # 13 x 10 x 6 in = 12,781.9 cm³
        ((305, 229, 152), 5000, DimRounding.nearest_inch, 2124),  # 12 x 9 x 6 in
        ((400, 300, 250), 6000, DimRounding.exact, 5000),
        ((0, 300, 250), 5000, DimRounding.exact, 0),
        ((1, 1, 1), 5000, DimRounding.exact, 1),  # rounded up to a whole gram
    ],
)
def test_dimensional_weight(dims, divisor, rounding, grams):
    assert dimensional_weight_g(*dims, divisor, rounding) == grams


@pytest.mark.parametrize(
    ("weight", "dims", "divisor", "step", "expected"),
    [
        (1200, (300, 200, 100), 5000, 100, (1200, 1200)),
        (1201, (300, 200, 100), 5000, 100, (1200, 1300)),  # up to the next 100 g
        (900, (300, 200, 100), 5000, 100, (1200, 1200)),  # dimensional weight wins
        (500, (300, 200, 100), None, 454, (0, 908)),  # no divisor: actual weight, whole "pounds"
    ],
)
def test_billable_weight(weight, dims, divisor, step, expected):
    assert billable_weight_g(weight, dims, divisor, DimRounding.exact, step) == expected


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [
        (1555, 1000, 156),  # 155.5 rounds half-up
        (1554, 1000, 155),  # 155.4
        (1, 5000, 1),  # 0.5
        (1, 4999, 0),
        (0, 1250, 0),
        (12345, 0, 0),
        (1000, 10000, 1000),
        (1555, 1250, 194),  # 194.375
    ],
)
def test_basis_points_round_half_up(amount, bp, expected):
    assert bp_of(amount, bp) == expected
    assert bp_of_array(np.array([amount], dtype=np.int64), bp)[0] == expected


@pytest.mark.parametrize(
    ("text", "bp"), [("12.5", 1250), ("12.50 %", 1250), ("0.01", 1), (Decimal("7"), 700)]
)
def test_percent_to_bp(text, bp):
    assert percent_to_bp(text) == bp


@pytest.mark.parametrize("text", ["12.345", "abc", "", "NaN"])
def test_percent_to_bp_rejects(text):
    with pytest.raises(ValueError):
        percent_to_bp(text)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 100_000),
            st.integers(0, 3_000),
            st.integers(0, 3_000),
            st.integers(0, 3_000),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([None, 139, 4000, 5000, 6000]),
    st.sampled_from(list(DimRounding)),
    st.sampled_from([1, 10, 100, 454, 500]),
)
def test_vectorised_weights_equal_scalar(rows, divisor, rounding, step):
    columns = np.array(rows, dtype=np.int64).T
    dims = (columns[1], columns[2], columns[3])
    dim, billable = billable_weight_array(columns[0], dims, divisor, rounding, step)
    for i, (weight, *sides) in enumerate(rows):
        assert (dim[i], billable[i]) == billable_weight_g(
            weight, tuple(sides), divisor, rounding, step
        )


@given(st.integers(0, 2**40 - 1), st.integers(0, 100_000))
def test_basis_points_vectorised_equal_scalar(amount, bp):
    assert bp_of_array(np.array([amount], dtype=np.int64), bp)[0] == bp_of(amount, bp)
