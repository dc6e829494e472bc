"""Carrier accounts over HTTP: the environment (production or sandbox) is set on creation,
shown, and changed with PATCH together with new credentials; secrets never come back."""

from __future__ import annotations

from tests.api.conftest import assert_error


def test_an_account_is_created_in_the_sandbox_and_moved_to_production(api, tenant) -> None:  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    made = caller.post("/tracking/carrier-accounts", json={
        "carrier": "fedex", "name": "FedEx test", "environment": "sandbox",
        "credentials": {"client_id": "sandbox-id-1234", "client_secret": "sandbox-secret-5678"},
    })  # fmt: skip
    assert made.status_code == 201, made.text
    account = made.json()
    assert (account["environment"], account["credentials_masked"]) == (
        "sandbox", "client_id=••••1234, client_secret=••••5678",
    )  # fmt: skip
    moved = caller.patch(f"/tracking/carrier-accounts/{account['id']}", json={
        "environment": "production",
        "credentials": {"client_id": "live-id-4321", "client_secret": "live-secret-8765"},
    })  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["environment"] == "production"
    assert "live-secret-8765" not in moved.text
    listed = caller.get("/tracking/carrier-accounts").json()["items"]
    assert [(a["carrier"], a["environment"]) for a in listed] == [("fedex", "production")]
    actions = [e["action"] for e in api.audit(tenant.org.id)]
    assert actions[-2:] == ["tracking_carrier_account.create", "tracking_carrier_account.update"]
    counts = api.counts()
    refused = caller.patch(f"/tracking/carrier-accounts/{account['id']}",
                           json={"environment": "staging"})  # fmt: skip
    assert_error(refused, 422, "invalid_input")
    assert api.counts() == counts
