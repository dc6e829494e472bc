"""Validating a stored policy: any JSON is a Policy or a PolicyRejected naming paths."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from linkstar.addresses.core import Policy
from linkstar.addresses.policy_store import PolicyRejected, validate_policy

OPTIONS = list(Policy().to_dict())
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["97203", "BR", "review", "invalid"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=400)
@given(
    st.one_of(
        json_values, st.dictionaries(st.sampled_from(OPTIONS) | st.text(max_size=6), json_values)
    )
)
def test_any_json_is_a_policy_or_a_list_of_problems(data):
    try:
        policy = validate_policy(data)
    except PolicyRejected as exc:
        assert exc.errors and all(e["path"] and e["reason"] for e in exc.errors)
        assert exc.code == "policy_rejected"
    else:
        assert Policy.from_dict(policy.to_dict()) == policy


def test_the_stored_shape_round_trips():
    policy = validate_policy(
        {"severity_overrides": {"zip_unknown": "invalid"}, "block_military": True}
    )
    assert validate_policy(policy.to_dict()) == policy
    assert policy.to_dict()["severity_overrides"] == {"zip_unknown": "invalid"}
