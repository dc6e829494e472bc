"""A store's first consent through the service and the API: the state, the exchange, the audit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput, UpstreamFailed
from linkstar.orders.sync import connect, consent
from linkstar.workspace.models import AuditEntry, Store
from tests.api.conftest import Api
from tests.orders.sync.conftest import NOW, FakeClock

BACK = "https://linkstar.example/settings/authorise/callback"
AMAZON_APP = {
    "application_id": "amzn1.sp.solution.0f1e",
    "lwa_client_id": "amzn1.application-oa2-client.abc",
    "lwa_client_secret": "lwa-secret",
    "marketplace_ids": "ATVPDKIKX0DER",
}
GRANT = {"access_token": "Atza|first", "refresh_token": "Atzr|granted", "expires_in": 3600}


class TokenEndpoint:
    """LWA's token endpoint: answers `answer` and keeps every request."""

    def __init__(self) -> None:
        self.answer = httpx.Response(200, json=GRANT)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer


@pytest.fixture
def lwa() -> TokenEndpoint:
    return TokenEndpoint()


@pytest.fixture
def consent_env(lwa: TokenEndpoint) -> Iterator[FakeClock]:
    clock = FakeClock()
    transport = httpx.MockTransport(lwa)
    factory: Callable[[str, str], httpx.BaseTransport | None] = lambda _s, _c: transport  # noqa: E731
    previous = connect.configure(connect.SyncEnvironment(transport_factory=factory, clock=clock))
    yield clock
    connect.configure(previous)


@pytest.fixture
def box(settings) -> SecretBox:  # type: ignore[no-untyped-def]
    return SecretBox(settings.encryption_keys())


def _store(sessions, org_id: str, box: SecretBox, name: str = "Amazon US", **creds: str) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=org_id, name=name, channel="amazon", region="US", currency="USD",
            credentials_encrypted=box.seal({**AMAZON_APP, **creds}), credentials_hint="app keys",
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def _sealed(sessions, store_id: str) -> tuple[str | None, str, str | None]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = s.get(Store, store_id)
        assert row is not None
        return row.credentials_encrypted, row.credentials_hint, row.external_id


def _start(sessions, tenant, store_id: str, box: SecretBox) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        started = consent.start(s, tenant.principal, store_id, box, BACK, connect.environment())
    assert started.expires_at == NOW + timedelta(minutes=15)
    return {k: v[0] for k, v in parse_qs(urlsplit(started.url).query).items()}


def test_amazon_consent_keeps_the_refresh_token_and_the_seller_id(
    sessions, tenant, box, lwa, consent_env
) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(sessions, tenant.org.id, box)
    sent = _start(sessions, tenant, store_id, box)
    assert (sent["application_id"], sent["redirect_uri"]) == ("amzn1.sp.solution.0f1e", BACK)
    back = {"spapi_oauth_code": "ANxyz", "state": sent["state"], "selling_partner_id": "A3SELL"}
    with unit_of_work(sessions) as s:
        consent.complete(s, tenant.principal, back, box, connect.environment())
    sealed, hint, external = _sealed(sessions, store_id)
    assert sealed is not None
    assert box.open(sealed) == {
        **AMAZON_APP,
        "refresh_token": "Atzr|granted",
        "access_token": "Atza|first",
        "access_token_expires_at": (NOW + timedelta(hours=1)).isoformat(),
        "selling_partner_id": "A3SELL",
    }
    assert "refresh_token=••••nted" in hint and external == "A3SELL"
    (request,) = lwa.requests
    assert parse_qs(request.content.decode())["code"] == ["ANxyz"]
    assert parse_qs(request.content.decode())["redirect_uri"] == [BACK]  # the one in the state
    with unit_of_work(sessions) as s:
        (event,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "store.authorise"))
        assert (event.entity_id, event.organisation_id) == (store_id, tenant.org.id)


def _refused(sessions, tenant, store_id, box, lwa, query, error, text) -> None:  # type: ignore[no-untyped-def]
    before = _sealed(sessions, store_id)
    with pytest.raises(error, match=text), unit_of_work(sessions) as s:
        consent.complete(s, tenant.principal, query, box, connect.environment())
    assert _sealed(sessions, store_id) == before
    with unit_of_work(sessions) as s:
        assert (
            s.scalars(select(AuditEntry).where(AuditEntry.action == "store.authorise")).all() == []
        )


def test_another_workspaces_state_is_refused_and_nothing_is_written(
    sessions, tenant, make_tenant, box, lwa, consent_env
) -> None:  # type: ignore[no-untyped-def]
    other = make_tenant("Bravo Freight")
    theirs = _store(sessions, other.org.id, box)
    sent = _start(sessions, other, theirs, box)
    back = {"spapi_oauth_code": "ANxyz", "state": sent["state"]}
    _refused(sessions, tenant, theirs, box, lwa, back, InvalidInput, "not one this workspace")
    assert lwa.requests == []


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (lambda q: {**q, "state": q["state"][:-4] + "AAAA"}, "not one this workspace started"),
        (lambda q: {**q, "state": ""}, "not one this workspace started"),
        (lambda q: {"error": "access_denied", "state": q["state"]}, "not given: access_denied"),
        (lambda q: {"state": q["state"]}, "has no spapi_oauth_code"),
    ],
    ids=["altered", "no-state", "declined", "no-code"],
)
def test_a_forged_or_declined_redirect_writes_nothing(
    sessions, tenant, box, lwa, consent_env, change, text
) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(sessions, tenant.org.id, box)
    sent = _start(sessions, tenant, store_id, box)
    back = change({"spapi_oauth_code": "ANxyz", "state": sent["state"]})
    _refused(sessions, tenant, store_id, box, lwa, back, InvalidInput, text)
    assert lwa.requests == []


def test_an_expired_state_is_refused(sessions, tenant, box, lwa, consent_env) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(sessions, tenant.org.id, box)
    sent = _start(sessions, tenant, store_id, box)
    consent_env.t = 15 * 60 + 1
    back = {"spapi_oauth_code": "ANxyz", "state": sent["state"]}
    _refused(sessions, tenant, store_id, box, lwa, back, InvalidInput, "expired; start again")


def test_a_failing_or_refusing_platform_writes_nothing(
    sessions, tenant, box, lwa, consent_env
) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(sessions, tenant.org.id, box)
    back = {"spapi_oauth_code": "ANxyz", "state": _start(sessions, tenant, store_id, box)["state"]}
    lwa.answer = httpx.Response(503, text="down")
    _refused(sessions, tenant, store_id, box, lwa, back, UpstreamFailed, "HTTP 503; nothing was")
    lwa.answer = httpx.Response(400, json={"error": "invalid_grant", "error_description": "used"})
    _refused(
        sessions, tenant, store_id, box, lwa, back, InvalidInput, "amazon consent refused: used"
    )


def test_starting_names_the_missing_app_keys_and_refuses_walmart(sessions, tenant, box) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(sessions, tenant.org.id, box, application_id="")
    with pytest.raises(InvalidInput, match=r"need application_id$"), unit_of_work(sessions) as s:
        consent.start(s, tenant.principal, store_id, box, BACK, connect.environment())
    with pytest.raises(InvalidInput, match="absolute http"), unit_of_work(sessions) as s:
        consent.start(
            s, tenant.principal, store_id, box, "javascript:alert(1)", connect.environment()
        )
    with unit_of_work(sessions) as s:
        s.get(Store, store_id).channel = "walmart"  # type: ignore[union-attr]
    with (
        pytest.raises(InvalidInput, match="walmart stores have no consent"),
        unit_of_work(sessions) as s,
    ):
        consent.start(s, tenant.principal, store_id, box, BACK, connect.environment())


def test_the_api_starts_and_completes_a_consent(
    client, sessions, tenant, box, lwa, consent_env
) -> None:  # type: ignore[no-untyped-def]
    store_id = _store(sessions, tenant.org.id, box)
    other_id = _store(sessions, tenant.org.id, box, name="Amazon CA")
    caller = Api(client, sessions).with_key(tenant)
    r = caller.post(f"/stores/{store_id}/authorisation", json={})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["redirect_uri"] == "http://testserver/settings/authorise/callback"
    assert body["authorize_url"].startswith(
        "https://sellercentral.amazon.com/apps/authorize/consent?"
    )
    state = parse_qs(urlsplit(body["authorize_url"]).query)["state"][0]
    landed = body["redirect_uri"] + "?" + urlencode({"spapi_oauth_code": "ANxyz", "state": state})

    r = caller.post(f"/stores/{other_id}/authorisation/complete", json={"callback_url": landed})
    assert (r.status_code, r.json()["error"]["message"]) == (
        422,
        "this redirect authorises another store",
    )
    assert lwa.requests == []

    r = caller.post(f"/stores/{store_id}/authorisation/complete", json={"callback_url": landed})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == store_id and "refresh_token=••••nted" in r.json()["credentials_hint"]
    sealed, _hint, _ = _sealed(sessions, store_id)
    assert box.open(sealed or "")["refresh_token"] == "Atzr|granted"

    r = caller.post(f"/stores/{store_id}/authorisation/complete", json={"callback_url": "nope"})
    assert (r.status_code, r.json()["error"]["message"]) == (
        422, "the callback URL has no query (paste the whole address)",
    )  # fmt: skip
