"""examples/addresses/*.json are what the API really answers (ids and times aside)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.addresses.helpers import jobs
from tests.api.conftest import Api

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "addresses"
VOLATILE = {"review_id", "created_at", "updated_at", "decided_at", "set_at"}


def load(name: str) -> Any:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def stable(value: Any) -> Any:
    """The payload without generated ids and timestamps (kept: whether they are set)."""
    if isinstance(value, dict):
        return {
            k: (v is not None) if k in VOLATILE or (k == "id" and _is_row_id(v)) else stable(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


def _is_row_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 32 and value.isalnum()


@pytest.fixture
def caller(client, sessions, tenant):
    return Api(client, sessions).with_key(tenant)


def test_the_examples_are_real_answers(caller, sessions):
    r = caller.post("/addresses/check", json=load("check-request.json"))
    assert stable(r.json()) == stable(load("check-response.json"))
    r = caller.call("PUT", "/addresses/policy", json=load("policy.json"))
    expected = load("policy-response.json")
    assert r.json()["policy"] == expected["policy"] and r.json()["version"] == 1
    r = caller.post("/addresses/check/batch", json=load("batch-request.json"))
    assert stable(r.json()) == stable(load("batch-response.json"))
    review_id = r.json()["results"][0]["review_id"]
    r = caller.get(f"/addresses/reviews/{review_id}")
    assert stable(r.json()) == stable(load("review-pending.json"))
    r = caller.post(f"/addresses/reviews/{review_id}/edit", json=load("review-edit.json"))
    edited = stable(r.json())
    assert edited | {"decided_by": ""} == stable(load("review-edited.json")) | {"decided_by": ""}
    (payload,) = jobs(sessions, "addresses.review_decided")
    assert stable(payload) == stable(load("review-decided-job.json")["payload"])
