"""Property tests through HTTP: any text in any field gets a 200 verdict, wrong JSON types a 422,
and nothing ever gets a 500 (the API half of the issue's fuzz requirement)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkstar.addresses.core import FIELDS
from tests.api.conftest import Api

any_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Mn", "Lo", "So"]), max_size=30),
    st.sampled_from(["", "US", "usa", "GB", "XX", "APO", "PO Box 1", "\u202e", "\x00", "🙂",
                     "10001", "SW1A 1AA", "שלום", "مرحبا", "x" * 5000]),
)  # fmt: skip
texts = st.fixed_dictionaries({}, optional={name: any_text for name in FIELDS})
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
wrong_types = st.dictionaries(
    st.sampled_from(FIELDS), json_values.filter(lambda v: not isinstance(v, str)), min_size=1
)
FUZZ = settings(
    max_examples=int(os.environ.get("ADDRESS_API_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def caller(client, sessions, tenant):
    return Api(client, sessions).with_key(tenant)


@FUZZ
@given(address=texts, postal=st.booleans())
def test_any_text_gets_a_verdict(caller, address, postal):
    r = caller.post("/addresses/check", json={**address, "postal_service": postal})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] in {"valid", "corrected", "needs_review", "invalid"}
    assert "check_failed" not in [x["code"] for x in body["reasons"]]
    assert body["original"] == {name: address.get(name, "") for name in FIELDS}


@FUZZ
@given(batch=st.lists(texts, min_size=1, max_size=5))
def test_any_batch_gets_verdicts(caller, batch):
    r = caller.post("/addresses/check/batch", json={"addresses": batch})
    assert r.status_code == 200, r.text
    assert len(r.json()["results"]) == len(batch)
    assert sum(r.json()["counts"].values()) == len(batch)


@FUZZ
@given(body=wrong_types)
def test_wrong_types_are_422_never_500(caller, body):
    r = caller.post("/addresses/check", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_input"


@FUZZ
@given(body=json_values)
def test_any_json_body_is_never_a_500(caller, body):
    for path in ("/addresses/check", "/addresses/check/batch"):
        r = caller.post(path, json=body)
        assert r.status_code in {200, 422}, (path, r.text)
    r = caller.call("PUT", "/addresses/policy", json=body)
    assert r.status_code in {200, 422}, r.text


@FUZZ
@given(ref=st.text(max_size=40), comment=st.text(max_size=60), address=texts)
def test_holds_and_decisions_store_any_text_or_refuse_it(caller, ref, comment, address):
    body = {"addresses": [{**address, "id": ref}], "hold": True}
    r = caller.post("/addresses/check/batch", json=body)
    assert r.status_code in {200, 422}, r.text
    if r.status_code == 422:
        assert r.json()["error"]["details"] == {"field": "addresses[0].id"}
        return
    review_id = r.json()["results"][0]["review_id"]
    if review_id is None:
        return
    got = caller.get(f"/addresses/reviews/{review_id}")
    assert got.status_code == 200 and got.json()["original"]["id"] == ref
    decided = caller.post(f"/addresses/reviews/{review_id}/reject", json={"comment": comment})
    assert decided.status_code in {200, 409}, decided.text
    if decided.status_code == 200:
        assert "\x00" not in decided.json()["comment"]
