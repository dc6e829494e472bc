"""The rate card importer: the example card, exact error lists on broken files, XLSX, money."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.rating.cells import format_money, parse_money
from linkstar.rating.core import Parcel, quote_all
from linkstar.rating.importer import ImportResult, parse_path, parse_tables, parse_workbook
from linkstar.rating.sheets import read_csv_files, read_upload
from tests.rating.importing import EXAMPLE, broken_copy, example_files, xlsx_of, zip_of


def _issues(result: ImportResult) -> list[str]:
    assert result.card is None
    return [str(issue) for issue in result.issues]


def _parcel(**changes: object) -> Parcel:
    fields: dict[str, object] = {
        "weight_g": 1_200,
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "origin_country": "US",
        "origin_postcode": "91761",
        "dest_country": "US",
        "dest_postcode": "90210",
        "ship_date": date(2026, 12, 1),
        "residential": True,
    }
    fields.update(changes)
    return Parcel(**fields)  # type: ignore[arg-type]


def test_the_example_card_imports():
    result = parse_path(EXAMPLE)
    assert result.ok and result.issues == []
    card = result.card
    assert card is not None and card.carrier == "westcoast"
    assert card.row_counts == {
        "services": 2,
        "zones": 9,
        "prices": 32,
        "price_steps": 9,
        "surcharges": 7,
        "postcode_lists": 5,
    }
    assert card.effective_from == date(2026, 1, 1)
    assert card.external_charts == ()
    ground = card.card.services[0]
    assert (ground.fuel_bp, ground.min_charge, ground.restricted) == (
        1250,
        650,
        frozenset({"battery", "liquid"}),
    )


def test_the_example_card_prices_by_hand():
    card = parse_path(EXAMPLE).card
    assert card is not None
    ground = quote_all(_parcel(), card.compiled)[0]
    # 1.2 kg, 30x20x10 cm: 12x8x4 in → 384 in³ x 16387.064 / 5000 = 1259 g → 3 x 454 g steps.
    # Zone 2 bracket to 2268 g: 7.95; residential 4.10; peak 1.25 (Oct-Jan); fuel override
    # 14.25 % from November of 13.30 = 1.895 → 1.90 (half-up).
    assert ground.billable_weight_g == 1362  # type: ignore[union-attr]
    assert [(line.code, line.amount) for line in ground.lines] == [  # type: ignore[union-attr]
        ("base", 795),
        ("residential", 410),
        ("peak", 125),
        ("fuel", 190),
    ]
    assert ground.total == 1520  # type: ignore[union-attr]
    remote = quote_all(_parcel(dest_postcode="96150"), card.compiled)[0]  # Lake Tahoe
    assert "remote" in [line.code for line in remote.lines]  # type: ignore[union-attr]


def test_stored_tables_rebuild_the_same_card():
    parsed = parse_path(EXAMPLE).card
    assert parsed is not None
    charts = {"wcp-west": parsed.card.zone_charts["wcp-west"]}
    rebuilt = parse_tables("stored", parsed.tables, charts).card
    assert rebuilt is not None
    assert rebuilt.card.services == parsed.card.services
    assert rebuilt.card.brackets == parsed.card.brackets
    assert rebuilt.card.steps == parsed.card.steps
    assert rebuilt.card.surcharges == parsed.card.surcharges
    parcel = _parcel(dest_postcode="93514")
    assert quote_all(parcel, rebuilt.compiled) == quote_all(parcel, parsed.compiled)


def test_xlsx_and_zip_give_the_same_card_as_the_folder():
    folder = parse_path(EXAMPLE).card
    workbook = parse_workbook(read_upload("card.xlsx", xlsx_of(example_files())))
    archive = parse_workbook(read_upload("card.zip", zip_of(example_files())))
    assert workbook.ok, workbook.issues
    assert archive.ok, archive.issues
    for other in (workbook.card, archive.card):
        assert other is not None and folder is not None
        assert other.card.services == folder.card.services
        assert other.card.brackets == folder.card.brackets
        assert other.card.surcharges == folder.card.surcharges


def test_every_row_error_is_listed_with_file_row_and_column(tmp_path):
    broken = broken_copy(
        tmp_path / "card",
        {
            "services.csv": [
                ("Parcel Ground,USD,", "Parcel Ground,US,"),
                (",12.5,9.95,", ",abc,9.95,"),
            ],
            "prices.csv": [
                ("WCP-GND,2,908,6.40", "WCP-GND,2,908,6.405"),
                ("3,454,6.25", "3,1.5,6.25"),
            ],
            "surcharges.csv": [("WCP-GND,,signature", "WCP-GND,,mystery")],
            "zones.csv": [("wcp-west,900,935,US,936", "wcp-west,900,935,USA,936")],
            "postcode_lists.csv": [("wcp-remote,93517,", "wcp-remote,9351X,")],
        },
    )
    kinds = (
        "residential, remote, extended_remote, oversize, additional_handling, signature, ddp, "
        "peak, fuel_override"
    )
    assert _issues(parse_path(broken)) == [
        "postcode_lists.csv:3:postcode_from: '9351X'..'' is not a US postcode or prefix",
        "prices.csv:3:price: '6.405' has more than 2 decimals for USD",
        "prices.csv:6:max_weight_g: '1.5' is not a whole number",
        "services.csv:2:currency: 'US' is not an ISO 4217 code",
        "services.csv:3:fuel_pct: 'abc' is not a percentage like 12.5",
        f"surcharges.csv:6:kind: 'mystery' is not one of {kinds}",
        "zones.csv:3:dest_country: dest_country 'USA' is not ISO alpha-2",
    ]


def test_a_bad_postcode_list_row_is_reported_where_it_is(tmp_path):
    broken = broken_copy(
        tmp_path / "card", {"postcode_lists.csv": [("wcp-remote,93517,", "wcp-remote,9351X,")]}
    )
    assert _issues(parse_path(broken)) == [
        "postcode_lists.csv:3:postcode_from: '9351X'..'' is not a US postcode or prefix"
    ]


def test_cross_table_problems_are_located(tmp_path):
    broken = broken_copy(
        tmp_path / "card",
        {
            "prices.csv": [("WCP-2DAY,5,2268,23.90", "WCP-2DAY,7,2268,23.90")],
            "surcharges.csv": [("*,westcoast,residential", "*,eastcoast,residential")],
        },
    )
    assert _issues(parse_path(broken)) == [
        # Zone 5 of WCP-2DAY lost its last bracket: its step row has nothing to build on.
        "prices.csv:31:price: WCP-2DAY zone 5: no price at from_weight_g 2268 to build on",
        "prices.csv:33:zone: zone not in the service's chart",
        "surcharges.csv:2:carrier: no service of this carrier",
    ]


def test_missing_tables_and_columns(tmp_path):
    broken = broken_copy(
        tmp_path / "card",
        {
            "zones.csv": [("dest_country,", "destination,")],
            "prices.csv": [(",price\n", ",prise\n")],
        },
    )
    (broken / "services.csv").unlink()
    (broken / "notes.txt").write_text("hello")
    assert _issues(parse_path(broken)) == [
        "card:0:: the services table is missing",
        "notes.txt:0:: not a .csv file",
        "prices.csv:1:price: missing column",
        "prices.csv:1:prise: unknown column",
        "zones.csv:1:dest_country: missing column",
        "zones.csv:1:destination: unknown column",
    ]


def test_a_service_zone_chart_must_exist(tmp_path):
    broken = broken_copy(tmp_path / "card", {})
    (broken / "zones.csv").unlink()
    assert _issues(parse_path(broken)) == [
        "services.csv:2:zone_chart: zone chart 'wcp-west' is neither in the zones table nor stored",
        "services.csv:3:zone_chart: zone chart 'wcp-west' is neither in the zones table nor stored",
    ]
    chart = parse_path(EXAMPLE).card.card.zone_charts["wcp-west"]  # type: ignore[union-attr]
    stored = parse_path(broken, {"wcp-west": chart}.get)
    assert stored.ok and stored.card.external_charts == ("wcp-west",)  # type: ignore[union-attr]


def test_uploads_that_are_not_cards():
    assert _issues(parse_workbook(read_upload("x.pdf", b"%PDF-1.4"))) == [
        "x.pdf:0:: expected an .xlsx workbook or a .zip of CSVs"
    ]
    assert _issues(parse_workbook(read_upload("x.zip", b"PK\x03\x04garbage"))) == [
        "x.zip:0:: unreadable zip archive: File is not a zip file"
    ]
    latin = parse_workbook(read_csv_files("c", [("services.csv", "id,é\n".encode("latin-1"))]))
    assert _issues(latin)[0].startswith("services.csv:1:: not UTF-8 text")


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.34", "USD", 1234),
        ("12.3", "USD", 1230),
        ("12", "USD", 1200),
        ("12.340", "USD", 1234),
        ("0.99", "GBP", 99),
        ("1500", "JPY", 1500),
        ("1.234", "KWD", 1234),
        (".5", "EUR", 50),
    ],
)
def test_money_is_exact(text, currency, expected):
    assert parse_money(text, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "USD", "more than 2 decimals"),
        ("12.5", "JPY", "more than 0 decimals"),
        ("1,234.00", "USD", "not a decimal"),
        ("$12", "USD", "not a decimal"),
        ("-1", "USD", "negative"),
        ("1e3", "USD", "not a decimal"),
        ("NaN", "USD", "not a decimal"),
    ],
)
def test_money_refuses_what_is_not_exact(text, currency, message):
    with pytest.raises(ValueError, match=message):
        parse_money(text, currency)


def test_money_formats_back():
    assert [format_money(1234, "USD"), format_money(5, "GBP"), format_money(1500, "JPY")] == [
        "12.34",
        "0.05",
        "1500",
    ]


# Fuzzing: whatever the bytes, the importer answers with a card or a list of issues.

_cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_names = st.sampled_from([*sorted(example_files()), "other.csv", "x.txt"])


@settings(max_examples=150)
@given(files=st.dictionaries(_names, st.binary(max_size=300), max_size=4))
def test_fuzz_random_bytes_never_raise(files):
    result = parse_workbook(read_csv_files("fuzz", list(files.items())))
    assert result.ok or result.issues


@settings(max_examples=150)
@given(data=st.data())
def test_fuzz_cells_of_the_example_never_raise(data):
    files = {name: raw.decode().splitlines() for name, raw in example_files().items()}
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        name = data.draw(st.sampled_from(sorted(files)), label="file")
        lines = files[name]
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1), label="cell")
        cells[j] = data.draw(_cells, label="value").replace("\n", " ").replace("\r", " ")
        lines[i] = ",".join(cells)
    raw = [(name, ("\n".join(lines) + "\n").encode()) for name, lines in files.items()]
    result = parse_workbook(read_csv_files("fuzz", raw))
    assert result.ok or result.issues
    if result.card is None:
        assert all(issue.source and issue.reason for issue in result.issues)


def test_blank_header_cells_name_no_column():
    files = example_files()
    padded = {
        name: ("\n".join(line + ",," for line in data.decode().splitlines()) + "\n").encode()
        for name, data in files.items()
    }
    assert parse_workbook(read_upload("card.xlsx", xlsx_of(padded))).ok
    stray = dict(files)
    stray["prices.csv"] = files["prices.csv"].replace(
        b"WCP-GND,2,454,5.85", b"WCP-GND,2,454,5.85,,x"
    )
    stray["prices.csv"] = stray["prices.csv"].replace(b",price\n", b",price,,\n", 1)
    result = parse_workbook(read_csv_files("card", list(stray.items())))
    assert _issues(result) == ["prices.csv:2:: a value under a blank header"]


@settings(max_examples=100)
@given(data=st.binary(max_size=400), cut=st.integers(0, 2000))
def test_fuzz_uploads_never_raise(data, cut):
    """Random bytes, and real archives and workbooks cut short or corrupted."""
    zipped = zip_of(example_files())
    workbook = xlsx_of({"services.csv": example_files()["services.csv"]})
    for raw in (data, b"PK\x03\x04" + data, zipped[:cut] + data, workbook[:cut] + data):
        result = parse_workbook(read_upload("upload", raw))
        assert result.ok or result.issues
