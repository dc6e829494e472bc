"""A store's channel credentials opened for a call, with a live access token.

A store whose credentials hold refresh credentials (`connectors.tokens.REFRESH_KEYS`: LWA client
and refresh token for Amazon, and so on) gets its access token from the platform whenever the
stored one is missing or expires within `MARGIN`; the new token and its expiry are sealed back
into the store's encrypted credentials, so the poller, the stock publisher, the feed checks and
the message poller share it. Stores with only an `access_token` are used as they are.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from linkstar.kit.crypto import SecretBox
from linkstar.orders.connectors import tokens
from linkstar.orders.sync.connect import POLLED, SyncEnvironment
from linkstar.workspace.models import Store

MARGIN = timedelta(minutes=5)  # a token this close to expiry is replaced before the call
EXPIRES = tokens.EXPIRES_KEY


def _live(values: dict[str, Any], now: datetime) -> bool:
    stamp = str(values.get(EXPIRES) or "")
    if not str(values.get("access_token") or "").strip() or not stamp:
        return False
    try:
        return datetime.fromisoformat(stamp) - MARGIN > now
    except ValueError:
        return False


def open_credentials(
    session: Session, store: Store, box: SecretBox, env: SyncEnvironment
) -> dict[str, Any]:
    """The store's credentials with a live access token; raises InvalidInput when the platform
    refuses the refresh credentials, ChannelUnavailable when its token endpoint fails."""
    values = dict(box.open(store.credentials_encrypted or ""))
    channel = POLLED.get(store.channel)
    now = env.clock.utcnow()
    if channel is None or not tokens.can_refresh(channel, values) or _live(values, now):
        return values
    transport = env.transport_factory(store.id, store.channel)
    with httpx.Client(transport=transport, timeout=30.0) as client:
        token = tokens.refresh(channel, values, client, now)
    values["access_token"], values[EXPIRES] = token.value, token.expires_at.isoformat()
    if token.refresh_token:
        values["refresh_token"] = token.refresh_token
    store.credentials_encrypted = box.seal(values)
    session.flush()
    return values
