"""A store's first consent: send the seller to the platform, keep what the code is traded for.

`start` checks the store's app keys (`connectors.consent.CONSENT_KEYS`) and returns the
platform's consent URL with a `state` that is the workspace key's sealed (encrypted and
authenticated) note of the organisation, the store, the redirect URL and an expiry: nothing is
stored until the seller comes back. `complete` opens that state (a forged, altered, expired or
another workspace's state is refused), reads the code from the redirect, trades it at the
platform's token endpoint and seals the granted credentials over the stored ones, audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from sqlalchemy.orm import Session

from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput, LinkStarError, UpstreamFailed
from linkstar.orders.connectors import consent
from linkstar.orders.connectors.clients import ChannelUnavailable
from linkstar.orders.core.canonical import Channel
from linkstar.orders.sync.connect import POLLED, SyncEnvironment
from linkstar.workspace import audit, service
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import Store

STATE_TTL = timedelta(minutes=15)  # the seller's time on the platform's sign-in and consent pages
_PURPOSE = "store_consent"
CALLBACK_PATH = "/settings/authorise/callback"  # the console page the platforms send back to


@dataclass(frozen=True, slots=True)
class Consent:
    url: str  # where to send the seller
    redirect_uri: str  # what the app must have registered as its redirect (eBay: accept) URL
    expires_at: datetime


def channel_of(store: Store) -> Channel:
    """The platform whose consent the store takes; InvalidInput for the others."""
    channel = POLLED.get(store.channel)
    if channel is None or channel not in consent.CONSENT_KEYS:
        raise InvalidInput(
            f"{store.channel} stores have no consent step; enter their credentials instead",
            {"channel": store.channel},
        )
    return channel


def missing_keys(store: Store, box: SecretBox) -> list[str]:
    """The app keys the store still lacks before its seller can be sent to consent."""
    values = _values(store, box)
    keys = consent.CONSENT_KEYS.get(POLLED.get(store.channel) or Channel.FILE, ())
    return [k for k in keys if not str(values.get(k) or "").strip()]


def _values(store: Store, box: SecretBox) -> dict[str, Any]:
    return box.open(store.credentials_encrypted) if store.credentials_encrypted else {}


def _redirect(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        raise InvalidInput(
            "redirect_uri must be an absolute http(s) URL without a fragment",
            {"field": "redirect_uri"},
        )
    return value.strip()


def start(
    session: Session,
    actor: Principal,
    store_id: str,
    box: SecretBox,
    redirect_uri: str,
    env: SyncEnvironment,
) -> Consent:
    """The consent URL for the store's seller (InvalidInput naming missing app keys)."""
    actor.require(Permission.workspace_manage)
    store = repo.StoreRepository(session, actor.organisation_id).get(store_id)
    channel = channel_of(store)
    redirect = _redirect(redirect_uri)
    expires = env.clock.utcnow() + STATE_TTL
    state = box.seal({
        "purpose": _PURPOSE, "org": actor.organisation_id, "store": store.id,
        "redirect_uri": redirect, "exp": expires.isoformat(), "nonce": secrets.token_urlsafe(12),
    })  # fmt: skip
    url = consent.authorize_url(channel, _values(store, box), store.region, state, redirect)
    return Consent(url, redirect, expires)


def callback_query(callback_url: str) -> dict[str, str]:
    """The query of a pasted redirect URL (the CLI's and the API's way back)."""
    query = dict(parse_qsl(urlsplit(callback_url.strip()).query, keep_blank_values=True))
    if not query:
        raise InvalidInput("the callback URL has no query (paste the whole address)")
    return query


def opened_state(
    actor: Principal, query: Mapping[str, str], box: SecretBox, now: datetime
) -> dict[str, Any]:
    """A redirect's state (its `store`, `redirect_uri`), once it is shown to be this
    workspace's own, unaltered and unexpired."""
    try:
        state = box.open(query.get("state") or "")
    except LinkStarError:
        state = {}
    if state.get("purpose") != _PURPOSE or state.get("org") != actor.organisation_id:
        raise InvalidInput("this authorisation is not one this workspace started; start again")
    if datetime.fromisoformat(str(state["exp"])) < now:
        raise InvalidInput("this authorisation took too long and expired; start again")
    return state


def complete(
    session: Session,
    actor: Principal,
    query: Mapping[str, str],
    box: SecretBox,
    env: SyncEnvironment,
    store_id: str | None = None,
) -> Store:
    """Trade the redirect's code and keep the granted credentials on the store (`store_id`,
    when given, must be the store the consent was started for)."""
    actor.require(Permission.workspace_manage)
    now = env.clock.utcnow()
    state = opened_state(actor, query, box, now)
    if store_id is not None and state["store"] != store_id:
        raise InvalidInput("this redirect authorises another store", {"store_id": state["store"]})
    store = repo.StoreRepository(session, actor.organisation_id).get(str(state["store"]))
    channel = channel_of(store)
    values = _values(store, box)
    code = consent.callback_code(channel, values, query)
    try:
        with httpx.Client(
            transport=env.transport_factory(store.id, store.channel), timeout=30
        ) as c:
            granted = consent.exchange(channel, values, code, str(state["redirect_uri"]), c, now)
    except ChannelUnavailable as exc:
        raise UpstreamFailed(f"{exc}; nothing was stored, authorise again") from exc
    before = audit.snapshot(store)
    merged = {**values, **granted.values}
    partner = (query.get("selling_partner_id") or "").strip()
    if channel is Channel.AMAZON and partner:
        merged["selling_partner_id"] = partner
        store.external_id = store.external_id or partner
    service.seal_credentials(store, merged, box)
    session.flush()
    audit.record(
        session, actor, "store.authorise", store, before=before, after=audit.snapshot(store)
    )
    return store
