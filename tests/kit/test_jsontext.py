"""`dumps_with` writes exactly what `json.dumps` writes with the same settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.kit.jsontext import dumps_with

SETTINGS: list[dict[str, Any]] = [
    {},
    {"separators": (",", ":"), "ensure_ascii": False},
    {"sort_keys": True, "separators": (",", ":"), "default": str},
]
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text() | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=20,
)


def outcome(dumps: Any, value: Any) -> tuple[str, str]:
    try:
        return "text", dumps(value)
    except (TypeError, ValueError) as exc:  # e.g. sorting keys of mixed types
        return "error", type(exc).__name__


@pytest.mark.parametrize("settings", SETTINGS)
@given(value=values)
def test_same_text_as_json_dumps(settings: dict[str, Any], value: Any) -> None:
    expected = outcome(lambda v: json.dumps(v, **settings), value)
    assert outcome(dumps_with(**settings), value) == expected


def test_unserialisable_values_fail_as_in_json_dumps() -> None:
    for value in (Decimal("1.5"), {"at": datetime(2026, 12, 5, tzinfo=UTC)}, {1, 2}):
        with pytest.raises(TypeError, match="is not JSON serializable"):
            dumps_with()(value)
    text = dumps_with(sort_keys=True, default=str)({"b": Decimal("1.5"), "a": 1})
    assert text == json.dumps({"b": Decimal("1.5"), "a": 1}, sort_keys=True, default=str)
