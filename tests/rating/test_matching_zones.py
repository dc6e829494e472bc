import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.rating.core import (
    NO_ZONE,
    PatternError,
    PostcodeMatcher,
    PostcodePattern,
    PostcodeSet,
    ZoneChart,
    ZoneChartError,
    ZoneRow,
    postcode_key,
)
from tests.rating.cards import demo_chart
from tests.rating.strategies import charts, pattern_lists


def test_pattern_parse():
    assert PostcodePattern.parse("US", "", "") == PostcodePattern()
    assert PostcodePattern.parse("US", "100") == PostcodePattern("100")
    assert PostcodePattern.parse("US", "100", "100") == PostcodePattern("100")
    assert PostcodePattern.parse("US", "100", "199") == PostcodePattern("100", "199")
    assert PostcodePattern.parse("US", "10001-1234") == PostcodePattern("10001")
    assert PostcodePattern.parse("GB", "kw1", "kw17") == PostcodePattern("KW01", "KW17")


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("", "199", "without a start"),
        ("100", "19", "same width"),
        ("199", "100", "start is after end"),
        ("1x", "", "not a US postcode"),
    ],
)
def test_pattern_parse_errors(first, last, message):
    with pytest.raises(PatternError, match=message):
        PostcodePattern.parse("US", first, last)


def _matcher(*rows: tuple[str, str, str]) -> PostcodeMatcher[str]:
    return PostcodeMatcher((PostcodePattern.parse("US", a, b), v) for a, b, v in rows)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("10001", "exact"),  # exact beats the prefix 100 and the range 100..199
        ("10002", "prefix 100"),  # longest prefix beats the shorter one and every range
        ("12345", "prefix 1"),  # a prefix beats a range
        ("25000", "range 3 digits"),  # ranges on longer keys first
        ("29000", "range 1 digit"),
        ("50000", "everything"),
        ("100", "prefix 100"),  # a ZIP3 key
        ("1", "prefix 1"),
    ],
)
def test_match_order(key, expected):
    matcher = _matcher(
        ("", "", "everything"),
        ("2", "3", "range 1 digit"),
        ("240", "259", "range 3 digits"),
        ("1", "", "prefix 1"),
        ("100", "", "prefix 100"),
        ("100", "199", "range never reached"),
        ("10001", "", "exact"),
    )
    assert matcher.lookup(key) == expected


def test_no_match_is_none():
    assert _matcher(("100", "", "a")).lookup("20000") is None


def test_contradictions_are_rejected():
    with pytest.raises(PatternError, match="two different values"):
        _matcher(("100", "", "a"), ("100", "", "b"))
    with pytest.raises(PatternError, match="overlaps"):
        _matcher(("100", "150", "a"), ("150", "199", "b"))
    with pytest.raises(PatternError, match="catch-all"):
        _matcher(("", "", "a"), ("", "", "b"))
    # The same value twice is no contradiction.
    assert _matcher(("100", "", "a"), ("100", "", "a")).lookup("10099") == "a"


def test_postcode_set_merges_overlapping_ranges():
    remote = PostcodeSet.parse("US", [("995", "997"), ("996", "999"), "96799"])
    matcher = remote.matcher()
    assert [matcher.lookup(k) for k in ("99501", "99999", "96799", "96701")] == [
        True,
        True,
        True,
        None,
    ]
    mask = remote.mask(5)
    assert mask[99501] and mask[99999] and mask[96799] and not mask[96701]
    assert PostcodeSet().is_everything and PostcodeSet().mask(3).all()
    with pytest.raises(PatternError, match="need a country"):
        PostcodeSet.parse(None, ["100"])


def test_dense_refuses_what_it_cannot_decide():
    with pytest.raises(PatternError, match="cannot be decided"):
        _matcher(("10001", "", "a")).dense(3, -1, np.int16)
    british = PostcodeMatcher([(PostcodePattern.parse("GB", "KW"), 1)])
    with pytest.raises(PatternError, match="not all digits"):
        british.dense(3, -1, np.int16)


@settings(max_examples=150)
@given(pattern_lists(5), st.lists(st.integers(0, 99_999), min_size=1, max_size=50))
def test_dense_arrays_agree_with_the_matcher(patterns, keys):
    matcher = PostcodeMatcher((p, i) for i, p in enumerate(patterns))
    dense = matcher.dense(5, -1, np.int32)
    for key in keys:
        found = matcher.lookup(f"{key:05d}")
        assert dense[key] == (-1 if found is None else found)


@pytest.mark.parametrize(
    ("dest", "zone"),
    [
        ("10001", "5"),  # exact
        ("10001-0001", "5"),  # ZIP+4
        ("10002", "7"),  # prefix 100
        ("94105", "4"),  # prefix 94 beats the range 940..949
        ("90210", "2"),  # range 900..935
        ("99950", "9"),  # range 995..999
        ("60601", "8"),  # everything else
        ("not a zip", None),
    ],
)
def test_demo_chart(dest, zone):
    assert demo_chart().zone("90058", "US", dest) == zone


def test_demo_chart_by_origin_and_country():
    chart = demo_chart()
    assert chart.zone("10001", "US", "90210") is None  # no block for this origin
    assert chart.zone("90058", "CA", "M5V 3L9") == "8"
    assert chart.zone("90058", "MX", "01000") is None
    assert chart.zone_labels == ("2", "3", "4", "5", "7", "8", "9")


def test_zone_chart_reports_every_bad_row():
    rows = [
        ZoneRow("900", "", "US", "100", "", "5"),
        ZoneRow("900", "", "USA", "100", "", "5"),
        ZoneRow("900", "", "US", "1x", "", "5"),
        ZoneRow("900", "", "US", "200", "", " "),
    ]
    with pytest.raises(ZoneChartError) as error:
        ZoneChart.from_rows("bad", "US", rows)
    assert [i for i, _ in error.value.problems] == [1, 2, 3]


def test_zone_chart_rejects_contradicting_rows():
    rows = [
        ZoneRow("900", "", "US", "100", "150", "5"),
        ZoneRow("900", "", "US", "140", "199", "6"),
    ]
    with pytest.raises(ZoneChartError, match="overlaps"):
        ZoneChart.from_rows("bad", "US", rows)


def test_british_and_canadian_charts():
    gb = ZoneChart.from_rows(
        "uk-regional",
        "GB",
        [
            ZoneRow("", "", "GB", "", "", "mainland"),
            ZoneRow("", "", "GB", "KW1", "KW14", "highlands"),
            ZoneRow("", "", "GB", "KW15", "KW17", "orkney"),
            ZoneRow("", "", "GB", "HS", "", "islands"),
            ZoneRow("", "", "GB", "BT", "", "northern-ireland"),
        ],
    )
    assert gb.zone("SW1A 1AA", "GB", "kw15 1ab") == "orkney"
    assert gb.zone("SW1A 1AA", "GB", "KW1 4AB") == "highlands"
    assert gb.zone("SW1A 1AA", "GB", "KW10 6AB") == "highlands"
    assert gb.zone("SW1A 1AA", "GB", "HS1 2AB") == "islands"
    assert gb.zone("SW1A 1AA", "UK", "bt1 1aa") == "northern-ireland"
    assert gb.zone("SW1A 1AA", "GB", "B33 8TH") == "mainland"
    ca = ZoneChart.from_rows(
        "ca",
        "CA",
        [ZoneRow("M", "", "CA", "M", "", "1"), ZoneRow("M", "", "CA", "V", "", "5")],
    )
    assert ca.zone("M5V 3L9", "CA", "v6b 1a1") == "5"
    assert ca.zone("H2X 1Y4", "CA", "V6B 1A1") is None  # origin block only for M


@settings(max_examples=100)
@given(charts(), st.lists(st.integers(0, 99_999), min_size=1, max_size=40))
def test_vectorised_zone_lookups_agree_with_scalar(chart, zips):
    codes = chart.lookup_many("90058", "US", np.array(zips), 5)
    for zip5, code in zip(zips, codes, strict=True):
        dest_key = postcode_key("US", f"{zip5:05d}")
        assert code == chart.zone_code("90058", "US", dest_key)
    assert (chart.lookup_many("55555", "US", np.array(zips), 5) == NO_ZONE).all()
