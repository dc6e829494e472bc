"""One unit of work per request, finished before the response is sent."""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.kit.errors import Conflict
from tests.api.conftest import assert_error

STORE = {"name": "S", "channel": "ebay", "region": "DE", "currency": "EUR"}


def test_a_failing_commit_is_the_response(api, tenant, monkeypatch):
    """Were the session closed after the response, the client would get 201 for lost work."""
    caller = api.with_key(tenant)
    counts = api.counts()

    def refuse(self: Session) -> None:
        raise Conflict("commit refused")

    monkeypatch.setattr(Session, "commit", refuse)
    r = caller.post("/stores", json=STORE, headers={"Idempotency-Key": "c"})
    monkeypatch.undo()
    assert_error(r, 409, "conflict")
    assert api.counts() == counts


def test_an_error_rolls_back_everything_the_request_wrote(api, tenant):
    """A request that fails after writing (audit entry, idempotency record) leaves no trace."""
    caller = api.with_key(tenant)
    caller.post("/stores", json=STORE)
    counts = api.counts()
    other = caller.post("/stores", json={**STORE, "name": "T"}).json()
    counts = api.counts()
    r = caller.patch(f"/stores/{other['id']}", json={"name": "S", "region": "FR"})
    assert_error(r, 409, "conflict")
    assert api.counts() == counts
    assert caller.get(f"/stores/{other['id']}").json()["region"] == "DE"
