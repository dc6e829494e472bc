"""Settings → Stores: authorising a store on its platform, and secrets added to stored ones."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.workspace.models import Store
from tests.orders.sync import test_consent as flow

# Fixtures shared with tests/orders/sync/test_consent.py (pytest finds module attributes).
lwa = flow.lwa
consent_env = flow.consent_env
box = flow.box
CALLBACK = "http://testserver/settings/authorise/callback"


def _form(name: str, **secrets: str) -> dict[str, str]:
    data = {"name": name, "channel": "amazon", "region": "us", "currency": "usd"}
    for i, (key, value) in enumerate(secrets.items(), start=1):
        data[f"cred_key_{i}"], data[f"cred_value_{i}"] = key, value
    return data


def _stored(sessions, box: SecretBox, name: str) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = s.scalars(select(Store).where(Store.name == name)).one()
        return row.id, box.open(row.credentials_encrypted or "")


def test_a_seller_authorises_an_amazon_store_from_its_page(owner, sessions, box, lwa, consent_env):  # type: ignore[no-untyped-def]
    app = {k: v for k, v in flow.AMAZON_APP.items() if k != "application_id"}
    assert owner.post("/settings/stores", _form("Amazon <US>", **app)).status_code == 303
    store_id, _ = _stored(sessions, box, "Amazon <US>")
    page = owner.get(f"/settings/stores/{store_id}").text
    assert "Authorise on Amazon" in page and CALLBACK in page
    assert "Add these credentials first: <code>application_id</code>." in page

    # secrets typed later are added to the stored ones, not put in their place
    edit = {"name": "Amazon <US>", "region": "US", "currency": "USD",
            "cred_key_1": "application_id", "cred_value_1": "amzn1.sp.solution.0f1e"}  # fmt: skip
    assert owner.post(f"/settings/stores/{store_id}", edit).status_code == 303
    assert _stored(sessions, box, "Amazon <US>")[1] == flow.AMAZON_APP
    page = owner.get(f"/settings/stores/{store_id}").text
    assert f'href="/settings/stores/{store_id}/authorise"' in page

    sent = owner.get(f"/settings/stores/{store_id}/authorise")
    assert sent.status_code == 303
    target = sent.headers["location"]
    assert target.startswith("https://sellercentral.amazon.com/apps/authorize/consent?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
    assert query["redirect_uri"] == CALLBACK

    back = owner.get("/settings/authorise/callback?" + urlencode(
        {"spapi_oauth_code": "ANxyz", "state": query["state"], "selling_partner_id": "A3SELL"}
    ))  # fmt: skip
    assert (back.status_code, back.headers["location"]) == (303, f"/settings/stores/{store_id}")
    shown = owner.follow(back).text
    assert "Amazon authorised Amazon &lt;US&gt;; its credentials are stored" in shown
    assert "refresh_token=••••nted" in shown.replace("&bull;", "•")
    assert _stored(sessions, box, "Amazon <US>")[1]["refresh_token"] == "Atzr|granted"


def test_a_declined_consent_says_why_and_keeps_the_store_as_it_was(
    owner, sessions, box, lwa, consent_env
):  # type: ignore[no-untyped-def]
    owner.post("/settings/stores", _form("Amazon DE", **flow.AMAZON_APP))
    store_id, before = _stored(sessions, box, "Amazon DE")
    target = owner.get(f"/settings/stores/{store_id}/authorise").headers["location"]
    state = parse_qs(urlsplit(target).query)["state"][0]
    back = owner.get("/settings/authorise/callback?" + urlencode(
        {"error": "access_denied", "error_description": "The seller said no", "state": state}
    ))  # fmt: skip
    assert (back.status_code, back.headers["location"]) == (303, "/settings/stores")
    assert "Authorisation failed: Amazon consent was not given: The seller said no" in (
        owner.follow(back).text
    )
    assert _stored(sessions, box, "Amazon DE")[1] == before and lwa.requests == []
