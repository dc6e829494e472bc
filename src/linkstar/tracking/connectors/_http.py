"""The HTTP part shared by the carrier connectors: OAuth tokens, 401 refresh, 429 back-off.

Everything goes through an `httpx.Client` the caller may build with any transport, so tests
answer with recorded payloads through `httpx.MockTransport` and never touch the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import httpx

from linkstar.tracking.connectors.errors import CarrierAPIError, RateLimited

TokenStyle = Literal["json", "form", "form_basic"]
DEFAULT_RETRY_AFTER = 1.0


class OAuthClientCredentials:
    """An OAuth 2 client-credentials token, fetched once and reused until shortly before expiry.

    `style` is how the carrier wants the credentials: USPS takes a JSON body, FedEx a form
    body, UPS a form body with the id and secret in HTTP Basic authentication.
    """

    def __init__(
        self,
        *,
        carrier: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        style: TokenStyle,
        clock: Callable[[], float] = time.monotonic,
        margin_seconds: float = 60.0,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError(f"{carrier}: client id and secret are required")
        self.carrier = carrier
        self.token_url = token_url
        self._id = client_id
        self._secret = client_secret
        self._style = style
        self._clock = clock
        self._margin = margin_seconds
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0  # how many tokens were requested (tests and metrics read it)

    def invalidate(self) -> None:
        """Forget the cached token (the API answered 401)."""
        self._token = None

    def token(self, http: httpx.Client) -> str:
        """A valid bearer token, from the cache when it has not expired."""
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        grant = {"grant_type": "client_credentials"}
        kwargs: dict[str, Any]
        if self._style == "json":
            kwargs = {"json": {**grant, "client_id": self._id, "client_secret": self._secret}}
        elif self._style == "form":
            kwargs = {"data": {**grant, "client_id": self._id, "client_secret": self._secret}}
        else:
            kwargs = {"data": grant, "auth": (self._id, self._secret)}
        try:
            response = http.post(self.token_url, **kwargs)
        except httpx.HTTPError as error:
            raise CarrierAPIError(self.carrier, f"token request failed: {error}") from None
        self.fetches += 1
        if response.status_code != 200:
            raise CarrierAPIError(
                self.carrier,
                f"token request refused ({response.status_code}): {response.text[:200]}",
                response.status_code,
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))  # UPS sends it as a string
        except (ValueError, KeyError, TypeError):
            raise CarrierAPIError(self.carrier, "token response is not an OAuth token") from None
        self._token = token
        self._expires_at = self._clock() + max(0.0, lifetime - self._margin)
        return token


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


class CarrierHTTP:
    """Sends one request with the carrier's auth; refreshes a rejected token once and waits
    out a short 429 once. A longer 429 raises `RateLimited` for the dispatcher to honour."""

    def __init__(
        self,
        *,
        carrier: str,
        client: httpx.Client,
        auth: Callable[[], Mapping[str, str]],
        refresh: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_seconds: float = 10.0,
    ) -> None:
        self.carrier = carrier
        self.client = client
        self._auth = auth
        self._refresh = refresh
        self._sleep = sleep
        self._max_wait = max_wait_seconds

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The response to a request; 401 and 429 handled as described above."""
        refreshed = waited = False
        while True:
            headers = {**kwargs.pop("headers", {}), **self._auth()}
            try:
                response = self.client.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as error:
                raise CarrierAPIError(self.carrier, f"request failed: {error}") from None
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if response.status_code == 401 and self._refresh is not None and not refreshed:
                self._refresh()
                refreshed = True
                continue
            if response.status_code == 429:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if waited or wait > self._max_wait:
                    raise RateLimited(self.carrier, wait)
                self._sleep(wait)
                waited = True
                continue
            if response.status_code == 401:
                raise CarrierAPIError(self.carrier, "credentials refused (401)", 401)
            if response.status_code >= 500:
                raise CarrierAPIError(
                    self.carrier, f"server error {response.status_code}", response.status_code
                )
            return response


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON of a response, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
