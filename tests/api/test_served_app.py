"""The API behaves the same inside the served application (console mounted beside it)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import envelope


@pytest.fixture
def served(settings, engine, sessions):  # type: ignore[no-untyped-def]
    from linkstar.server import build_app

    with TestClient(build_app(settings, engine)) as c:
        yield c


def test_api_keeps_json_errors_next_to_the_console(api, tenant, served):
    _, secret = api.key_secret(tenant)
    auth = {"Authorization": f"Bearer {secret}"}
    assert served.get("/api/v1/me", headers=auth).json()["organisation"]["id"] == tenant.org.id
    for r, status in [
        (served.get("/api/v1/me"), 401),
        (served.get("/api/v1/stores/nope", headers=auth), 404),
        (served.get("/api/v1/stores", params={"cursor": "x"}, headers=auth), 422),
        (served.post("/api/v1/stores", content=b"{", headers=auth), 422),
    ]:
        assert r.status_code == status
        envelope(r)
    created = served.post(
        "/api/v1/stores",
        json={"name": "S", "channel": "ebay", "region": "DE", "currency": "EUR"},
        headers={**auth, "Idempotency-Key": "served"},
    )
    assert created.status_code == 201
    replay = served.post(
        "/api/v1/stores",
        json={"name": "S", "channel": "ebay", "region": "DE", "currency": "EUR"},
        headers={**auth, "Idempotency-Key": "served"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
