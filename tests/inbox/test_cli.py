"""`linkstar inbox classify` on files: good rows kept, bad rows reported, no database needed."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.inbox.files import RESULT_COLUMNS

runner = CliRunner()
SAMPLE = Path(__file__).parents[2] / "examples" / "inbox" / "messages.csv"


@pytest.fixture
def cli_env(monkeypatch, model_cache):
    # The session's model cache doubles as the data dir's models/ folder: trained once.
    data_dir = model_cache.parent / "inbox-cli-var"
    (data_dir / "models").mkdir(parents=True, exist_ok=True)
    for item in model_cache.glob("*.joblib"):
        target = data_dir / "models" / item.name
        if not target.exists():
            target.symlink_to(item)
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


def run(*args):
    return runner.invoke(app, ["inbox", "classify", *map(str, args)], catch_exceptions=False)


def rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_classifies_a_file(tmp_path, cli_env, classifier):
    source = tmp_path / "in.csv"
    source.write_text(
        "id,text,subject,channel\n"
        'm1,"Where is my order 112-3456789-1234567? Still waiting!",Late order,amazon\n'
        "m2,Wir sind Großhändler und brauchen 2.000 Stück mit eigenem Logo,,email\n"
        "m3,我要退款,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = run(source, "--out", out)
    assert result.exit_code == 0, result.output
    got = rows(out)
    assert list(got[0]) == list(RESULT_COLUMNS)
    assert [r["id"] for r in got] == ["m1", "m2", "m3"]
    assert [r["intent"] for r in got] == [
        "where_is_my_order",
        "bulk_or_oem_inquiry",
        "refund_request",
    ]
    assert [r["language"] for r in got] == ["en", "de", "zh"]
    assert json.loads(got[0]["entities"]) == [
        {
            "type": "order_id",
            "value": "112-3456789-1234567",
            "start": 29,
            "end": 48,
            "format": "amazon",
        }
    ]
    assert json.loads(got[1]["entities"])[0]["value"] == "2000"
    assert got[1]["rule"] == "de.b2b"
    assert 0 < float(got[0]["confidence"]) <= 1
    assert "3 messages classified" in result.output


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path, cli_env, classifier):
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"id,text,channel\n"
        b"1,Please cancel my order,amazon\n"
        b"2,too,many,fields\n"
        b"3,\xff\xfe broken bytes,ebay\n"
        b",no id here,ebay\n"
        b"5,Is it waterproof?,whatsapp\n"
        b'6,"unclosed quote,amazon\n'
    )
    out = tmp_path / "out.csv"
    result = run(source, "--out", out)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in rows(out)] == ["1", "5"]
    assert "row 3: has 4 fields, the header has 3" in result.output
    assert "row 4: column text: not valid UTF-8" in result.output
    assert "row 5: column id: empty id" in result.output
    assert "unknown channel 'whatsapp'" in result.output
    assert "row 7: has 2 fields" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"id,body\n1,hello\n", "needs the columns id and text (missing: text)"),
    ],
)
def test_unusable_files_fail_with_one_line_and_write_nothing(tmp_path, cli_env, content, message):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    result = run(source, "--out", out)
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_missing_input_file(tmp_path, cli_env):
    result = run(tmp_path / "nope.csv", "--out", tmp_path / "out.csv")
    assert result.exit_code == 1
    assert "is not a file" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_huge_message_is_classified(tmp_path, cli_env, classifier):
    source = tmp_path / "in.csv"
    source.write_text("id,text\nbig," + "where is my order " * 60_000 + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run(source, "--out", out).exit_code == 0
    assert rows(out)[0]["intent"] == "where_is_my_order"


def test_the_documented_example(tmp_path, cli_env, classifier):
    out = tmp_path / "out.csv"
    result = run(SAMPLE, "--out", out)
    assert result.exit_code == 0, result.output
    got = rows(out)
    expected = rows(SAMPLE.with_name("messages.classified.csv"))
    assert [(r["id"], r["intent"], r["language"]) for r in got] == [
        (r["id"], r["intent"], r["language"]) for r in expected
    ]
