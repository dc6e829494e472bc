"""Facts from the real USPS zone chart (../shared/data), looked up in the file by hand."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from linkstar.rating.core import ZoneChartError, load_usps_zone_chart, zip3_zone_matrix

DATA = Path(__file__).parents[3] / "shared" / "data"
CHART = DATA / "usps_zone_chart_2018-06_zip3_ranges.csv.gz"


@pytest.fixture(scope="module")
def chart():
    if not CHART.exists():
        pytest.skip(f"{CHART} is absent: the shared data folder beside the checkout is needed")
    return load_usps_zone_chart(CHART)


@pytest.mark.parametrize(
    ("origin", "dest", "zone"),
    [
        ("90001", "10001", "8"),  # Los Angeles → New York
        ("10001", "90210", "8"),
        ("60601", "10001", "5"),  # Chicago → New York (row 606,100,119,5)
        ("10001", "60601", "5"),
        ("94105", "98101", "5"),  # San Francisco → Seattle
        ("30301", "33101", "4"),  # Atlanta → Miami
        ("75001", "77001", "3"),  # Dallas → Houston
        ("00501", "00601", "7"),  # Holtsville NY (IRS) → Puerto Rico: row 005,006,009,7
        ("00501", "00501", "1"),  # same ZIP3: row 005,005,005,1,*
        ("10001", "00801", "7"),  # New York → US Virgin Islands
        ("60601", "99501", "8"),  # Chicago → Anchorage
        ("00501", "96910", "9"),  # → Guam, zone 9 (row 005,969,969,9)
        ("10001", "09001", "1"),  # military APO AE ZIPs are in New York's zone 1
        ("10001-1234", "90210-9999", "8"),  # ZIP+4 on both sides
    ],
)
def test_real_zones(chart, origin, dest, zone):
    assert chart.zone(origin, "US", dest) == zone


def test_unassigned_zip3s_have_no_zone(chart):
    assert chart.zone("10001", "US", "00001") is None  # 000-004 are not assigned
    assert chart.zone("10001", "US", "21301") is None  # 213 neither
    assert chart.zone("21301", "US", "10001") is None  # nor as an origin


def test_chart_shape(chart):
    assert len(chart.entries) == 136_430
    assert len(chart.origins) == 930
    assert chart.zone_labels == tuple("123456789")


def test_zip3_matrix_matches_scalar_lookups(chart):
    matrix = zip3_zone_matrix(chart)
    assert matrix.shape == (1000, 1000) and matrix.dtype == np.int8
    assert matrix[900, 100] == 8 and matrix[606, 100] == 5 and matrix[5, 969] == 9
    assert matrix[100, 0] == 0 and matrix[213].max() == 0
    # Every origin serves the same 930 destination ZIP3s.
    assert (np.count_nonzero(matrix, axis=1)[matrix.any(axis=1)] == 930).all()
    rng = np.random.default_rng(7)
    for origin, dest in rng.integers(0, 1000, (300, 2)):
        expected = chart.zone(f"{origin:03d}00", "US", f"{dest:03d}00")
        assert matrix[origin, dest] == (0 if expected is None else int(expected))


def test_vectorised_zip5_lookups(chart):
    dests = np.array([10001, 90210, 99501, 213, 96910])
    codes = chart.lookup_many("60601", "US", dests, 5)
    labels = [None if c < 0 else chart.zone_labels[c] for c in codes]
    assert labels == ["5", "7", "8", None, "9"]  # 606→902: row 606,900,908,7


def test_bad_files_are_reported_row_by_row(tmp_path):
    bad = tmp_path / "chart.csv.gz"
    with gzip.open(bad, "wt") as handle:
        handle.write("origin_zip,dest_zip_start,dest_zip_end,zone,modifier_1,modifier_2\n")
        handle.write(
            "005,005,005,1,*,NA\n005,7,9,2,NA,NA\n005,010,009,2,NA,NA\n005,010,019,X,NA,NA\n"
        )
    with pytest.raises(ZoneChartError) as error:
        load_usps_zone_chart(bad)
    assert [row for row, _ in error.value.problems] == [2, 3, 4]
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b,c\n")
    with pytest.raises(ZoneChartError, match="expected columns"):
        load_usps_zone_chart(wrong)
