"""Pure parts of carrier polling: credential checks and the saved token bucket (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkstar.kit.errors import InvalidInput
from linkstar.tracking.carrier_accounts import CREDENTIAL_FIELDS, check_credentials
from linkstar.tracking.connectors.polling import Bucket
from linkstar.tracking.poll_store import bucket_from_json, bucket_to_json

names = st.sampled_from(["client_id", "client_secret", "api_key", "token", "x"])
values = st.one_of(st.text(max_size=20), st.integers(), st.none())


@given(st.sampled_from(sorted(CREDENTIAL_FIELDS)), st.dictionaries(names, values, max_size=4))
def test_credentials_are_exactly_the_carriers_fields_or_refused(carrier, given_credentials):
    fields = CREDENTIAL_FIELDS[carrier]
    try:
        clean = check_credentials(carrier, given_credentials)
    except InvalidInput:
        ok = set(given_credentials) == set(fields) and all(
            isinstance(v, str) and v.strip() for v in given_credentials.values()
        )
        assert not ok  # refused only when something is missing, empty, wrong or extra
        return
    assert set(clean) == set(fields) == set(given_credentials)
    assert clean == {k: str(given_credentials[k]).strip() for k in fields}


def test_an_unknown_carrier_is_refused_by_name():
    with pytest.raises(InvalidInput) as error:
        check_credentials("tnt", {"api_key": "k"})
    assert error.value.details == {"field": "carrier"}


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
)
def test_a_saved_bucket_reads_back_the_same(tokens, at):
    bucket = Bucket(tokens, at)
    assert bucket_from_json(bucket_to_json(bucket)) == bucket


@pytest.mark.parametrize("saved", [None, {}, {"tokens": "x", "at": "now"}, {"tokens": 1.0}])
def test_an_unreadable_saved_bucket_is_forgotten(saved):
    assert bucket_from_json(saved) is None
