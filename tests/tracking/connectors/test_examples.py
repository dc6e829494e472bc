"""The documented examples in examples/tracking/ parse as the docs say."""

from __future__ import annotations

from pathlib import Path

from linkstar.tracking.connectors import (
    parse_17track,
    parse_aftership,
    parse_csv,
    parse_dhl,
    parse_fedex,
    parse_generic,
    parse_jsonl,
    parse_ups,
    parse_usps,
)
from linkstar.tracking.core import Status

EXAMPLES = Path(__file__).parents[3] / "examples" / "tracking"


def read(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def test_webhook_and_api_examples_parse():
    assert len(parse_17track(read("17track-push.json"))[0].events) == 8
    assert len(parse_aftership(read("aftership-webhook.json"))[0].events) == 5
    assert len(parse_generic(read("generic-batch.json"))) == 2
    assert len(parse_usps(read("usps-tracking-v3.json")).events) == 7
    assert len(parse_ups(read("ups-track.json")).updates) == 1
    fedex = parse_fedex(read("fedex-track.json"))
    assert (len(fedex.updates), len(fedex.failures)) == (2, 1)
    assert len(parse_dhl(read("dhl-unified.json")).updates) == 1


def test_file_examples_import_without_errors():
    csv = parse_csv(read("events.csv"))
    assert (csv.rows, csv.events, csv.errors, csv.warnings) == (6, 6, (), ())
    assert [u.carrier for u in csv.updates] == ["usps", "ups", "fedex", "dhl_parcel"]
    assert csv.updates[1].events[0].status is Status.FAILED_ATTEMPT
    jsonl = parse_jsonl(read("events.jsonl"))
    assert (jsonl.rows, jsonl.events, jsonl.errors) == (3, 3, ())
    assert [e.status for e in jsonl.updates[0].events] == [
        Status.IN_TRANSIT,
        Status.FAILED_ATTEMPT,
        Status.RETURNING_TO_SENDER,
    ]
