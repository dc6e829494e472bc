"""Quality gates on the shipped mapping tables and on the docs that describe them."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from linkstar.tracking.core import FORMATS, Status, SubStatus, mapping_tables
from linkstar.tracking.core.mapping import WILDCARD, MappingTable, Rule, fold_text, phrase_in

TABLES = sorted({table.name: table for table in mapping_tables().values()}.values(), key=str)
TABLE_IDS = [table.name for table in TABLES]
DOC = Path(__file__).resolve().parents[2] / "docs" / "formats" / "tracking.md"


def test_the_six_tables_are_shipped_inside_the_package():
    assert set(TABLE_IDS) == {"usps", "ups", "fedex", "dhl", "17track", "aftership"}
    directory = files("linkstar.tracking").joinpath("mappings")
    names = sorted(entry.name for entry in directory.iterdir() if entry.name.endswith(".json"))
    assert names == sorted(f"{name}.json" for name in TABLE_IDS)
    for name in names:  # plain JSON a human can edit and diff
        json.loads(directory.joinpath(name).read_text("utf-8"))


def _covers(earlier: tuple[str, ...], later: tuple[str, ...]) -> bool:
    return len(earlier) == len(later) and all(
        e in (WILDCARD, part) for e, part in zip(earlier, later, strict=True)
    )


def _shadowed_by(rule: Rule, table: MappingTable) -> Rule | None:
    for earlier in table.rules[: rule.order]:
        if earlier.any or earlier.none or not earlier.codes or not rule.codes:
            continue
        if all(any(_covers(e, c) for e in earlier.codes) for c in rule.codes):
            return earlier
    return None


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_no_rule_is_unreachable(table):
    for rule in table.rules:
        shadow = _shadowed_by(rule, table)
        assert shadow is None, f"{table.name}:{rule.id} can never match, {shadow.id} wins first"


@pytest.mark.parametrize("table", TABLES, ids=TABLE_IDS)
def test_every_table_covers_returns_and_failed_attempts(table):
    statuses = {rule.status for rule in table.rules}
    assert Status.FAILED_ATTEMPT in statuses
    assert statuses & {Status.RETURNING_TO_SENDER, Status.RETURNED}
    assert Status.DELIVERED in statuses
    assert table.sources and table.version and table.code_format


def test_every_sub_status_is_used_by_some_table():
    used = {rule.sub_status for table in TABLES for rule in table.rules}
    assert set(SubStatus) - used == set()


def test_prefix_phrases_match_inside_a_word_only_at_its_start():
    folded = fold_text("Returning package to shipper")
    assert phrase_in("return*", folded)
    assert not phrase_in("turn*", folded)
    assert not phrase_in("return", folded)


def test_docs_describe_every_format_table_status_and_sub_status():
    text = DOC.read_text("utf-8")
    for fmt in FORMATS:
        assert f"`{fmt.id}`" in text, fmt.id
    for name in TABLE_IDS:
        assert f"`{name}`" in text, name
    for value in [*Status, *SubStatus]:
        assert f"`{value.value}`" in text, value
