"""Workspace inbox settings as data: any JSON is either valid settings or a 422 listing the
problems with their paths (property test), and the stored document round-trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.inbox.core.automation.policy import InboxSettings, settings_from
from linkstar.inbox.settings_store import parse
from linkstar.kit.errors import InvalidInput

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
calendar = st.fixed_dictionaries(
    {},
    optional={
        "timezone": st.sampled_from(["UTC", "Europe/Berlin", "Asia/Shanghai", "Mars/Base", ""]),
        "weekly": st.dictionaries(
            st.sampled_from(["mon", "tue", "sat", "sun", "xyz"]),
            st.lists(
                st.tuples(st.sampled_from(["09:00", "17:00", "24:00", "25:00", "8"]),
                          st.sampled_from(["12:00", "18:00", "00:00", "24:00"])),
                max_size=2,
            ),
            max_size=3,
        ),
        "holiday_country": st.text(alphabet="ABDEFGSUZ", min_size=2, max_size=2) | json_values,
        "holiday_subdivision": st.sampled_from(["BY", "CA", "ZZ", None]),
        "continuous": st.booleans(),
    },
)  # fmt: skip
documents = st.fixed_dictionaries(
    {},
    optional={
        "calendars": st.dictionaries(st.sampled_from(["default", "support", "BAD NAME"]), calendar,
                                     max_size=2) | json_values,
        "sla": st.dictionaries(
            st.sampled_from(["amazon", "email", "x"]),
            st.fixed_dictionaries(
                {"hours": st.one_of(st.floats(-1, 1000), json_values)},
                optional={"basis": st.sampled_from(["calendar", "business", "moon"]),
                          "calendar": st.sampled_from(["default", "support", "nope"])},
            ),
            max_size=2,
        ),
        "auto_close_idle_days": st.none() | st.floats(-5, 400) | json_values,
        "approval": st.dictionaries(st.sampled_from(["refund_limits", "legal_words"]), json_values),
    },
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(documents)
def test_any_document_is_settings_or_a_422_with_paths(data: dict[str, Any]) -> None:
    try:
        parsed = parse(data)
    except InvalidInput as exc:
        assert exc.details["errors"] and all(e["path"] for e in exc.details["errors"])
        return
    again = settings_from(parsed.model_dump(mode="json"))
    assert again == parsed
    for channel in ("amazon", "email", "ebay", "unknown"):
        soon, due = parsed.sla_due(channel, _monday())
        assert soon <= due


def _monday():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_named_problems() -> None:
    with pytest.raises(InvalidInput) as missing:
        parse({"calendars": {"support": {"continuous": True}}})
    assert "calendars needs one named 'default'" in str(missing.value.details)
    with pytest.raises(InvalidInput) as unknown:
        parse({"sla": {"email": {"hours": 4, "calendar": "support"}}})
    assert "sla.email: no calendar named 'support'" in str(unknown.value.details)
    with pytest.raises(InvalidInput):  # found by the property test: a KeyError before
        parse({"sla": {"amazon": {"hours": 1, "basis": "calendar", "calendar": "support"}}})
    assert settings_from(None) == InboxSettings()
