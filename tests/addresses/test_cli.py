"""`linkstar address check` on files: good rows kept, bad rows reported, no database needed."""

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from linkstar.addresses.files import RESULT_COLUMNS
from linkstar.cli.main import app

runner = CliRunner()
HEADER = "id,name,company,line1,line2,city,state,postcode,country,phone,email\n"
SAMPLE = Path(__file__).parents[2] / "examples" / "addresses" / "sample.csv"


def run(*args):
    return runner.invoke(app, ["address", "check", *map(str, args)], catch_exceptions=False)


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_checks_a_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        HEADER
        + "1,Maria Gonzalez,,1450 north lake shore drive,apt 12b,Chicago,IL,60610,US,"
        + "312-555-0187,\n"
        + "2,Priya Raman,,88 Elm Street,,Boston,MA,2134,US,,\n"
        + "3,Test,,asdf,,asdf,NY,10001,US,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = run(source, "--out", out)
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert list(got[0]) == list(RESULT_COLUMNS)
    assert [r["verdict"] for r in got] == ["valid", "corrected", "invalid"]
    assert got[0]["norm_line1"] == "1450 N LAKE SHORE DR" and got[0]["norm_phone"] == "+13125550187"
    assert (
        got[1]["suggestions"] == "postcode=02134"
        and got[1]["reasons"] == "zip_zero_padded:postcode"
    )
    assert "junk" in got[2]["flags"].split(";")
    for verdict, count in (("valid", "1"), ("corrected", "1"), ("invalid", "1")):
        assert any(verdict in line and count in line for line in result.output.splitlines())


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(
        HEADER.encode()
        + b"1,Ann,,1 Main St,,Austin,TX,78701,US,,\n"
        + b"2,too,many,fields,,,,,,,,,extra\n"
        + b"3,Bob,,\xff\xfe broken,,Austin,TX,78701,US,,\n"
        + b'4,"unclosed,,1 Main St,,Austin,TX,78701,US,,\n'
    )
    out = tmp_path / "out.csv"
    result = run(source, "--out", out)
    assert result.exit_code == 0
    assert [r["id"] for r in rows(out)] == ["1"]
    assert "in.csv: row 3: has 13 fields, the header has 11" in result.output
    assert "in.csv: row 4: column line1: not valid UTF-8" in result.output
    assert "in.csv: row 5: has 2 fields, the header has 11" in result.output


def test_missing_column_is_reported_and_taken_as_empty(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,line1,city,state,postcode,country\n1,1 Main St,Austin,TX,78701,US\n")
    out = tmp_path / "out.csv"
    result = run(source, "--out", out)
    assert result.exit_code == 0
    assert "in.csv: row 1: column phone: missing column" in result.output
    assert rows(out)[0]["verdict"] == "valid"


def test_unusable_files_exit_1(tmp_path):
    out = tmp_path / "out.csv"
    assert run(tmp_path / "nope.csv", "--out", out).exit_code == 1
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run(empty, "--out", out).exit_code == 1
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    result = run(other, "--out", out)
    assert result.exit_code == 1 and "none of the columns" in result.output
    assert not out.exists()


def test_policy_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "1,Sgt Hill,,PSC 1234 Box 5678,,APO,AE,09001,US,,\n")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"block_military": True}))
    out = tmp_path / "out.csv"
    assert run(source, "--out", out, "--policy", policy).exit_code == 0
    assert rows(out)[0]["verdict"] == "invalid"
    policy.write_text('{"block_militari": true}')
    result = run(source, "--out", out, "--policy", policy)
    assert result.exit_code == 1 and "unknown policy options" in result.output


def test_sample_file(tmp_path):
    out = tmp_path / "out.csv"
    assert run(SAMPLE, "--out", out).exit_code == 0
    verdicts = {r["id"]: r["verdict"] for r in rows(out)}
    assert len(verdicts) == 20
    assert verdicts["A001"] == "valid" and verdicts["A008"] == "invalid"
    assert {"valid", "corrected", "needs_review", "invalid"} <= set(verdicts.values())
