"""Polite HTTP for channel polling: a token bucket per store, 429/Retry-After, capped backoff.

`ChannelHttp` wraps an `httpx.Client` whose transport is injectable (tests pass an
`httpx.MockTransport`); `Clock` is injectable too, so tests never really sleep. `run_poll`
drives a channel's page iterator and parses every payload: a payload that fails to parse is
returned as a `PayloadFailure` (for the dead-letter table) and never stops the poll; a page the
platform keeps refusing stops it, and then the cursor does NOT move, so the next poll asks for
the same window again and no order is skipped (the store keeps the newest `version`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from linkstar.orders.connectors.errors import PayloadError
from linkstar.orders.core.canonical import ChannelOrder

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Overlap between polls: orders whose update landed while the last poll ran are asked for again.
OVERLAP = timedelta(minutes=2)


class Clock(Protocol):
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def utcnow(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def utcnow(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A platform's documented request budget for one store: `rate` tokens/s, `burst` tokens."""

    rate: float
    burst: float


class TokenBucket:
    """Classic token bucket; `take()` sleeps (on the injected clock) until a token is free."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        if limit.rate <= 0 or limit.burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self.limit = limit
        self.clock = clock
        self.tokens = float(limit.burst)
        self.updated = clock.monotonic()

    def _refill(self) -> None:
        now = self.clock.monotonic()
        if now < self.updated:  # held back by a Retry-After until `updated` (see throttle)
            return
        self.tokens = min(self.limit.burst, self.tokens + (now - self.updated) * self.limit.rate)
        self.updated = now

    def take(self, cost: float = 1.0) -> float:
        """Take `cost` tokens, waiting if needed; returns the seconds waited."""
        waited = 0.0
        self._refill()
        held = self.updated - self.clock.monotonic()
        if held > 0:
            self.clock.sleep(held)
            waited += held
            self._refill()
        # A token short by rounding (59.88 s at 0.0167/s refills 0.99999…) counts as whole: a
        # pause below the clock's resolution would not move it, and the loop would never end.
        while self.tokens < cost - 1e-9:
            pause = (cost - self.tokens) / self.limit.rate
            self.clock.sleep(pause)
            waited += pause
            self._refill()
        self.tokens -= cost
        return waited

    def throttle(self, retry_after: float) -> None:
        """The platform said we are over budget and to come back in `retry_after` seconds (0
        when it did not say): nothing before then, and by then it has refilled what this
        bucket refills in that time. `updated` lies in the future until then, so a bucket kept
        between runs holds every later run back too."""
        self._refill()
        wait = max(0.0, retry_after)
        self.tokens = min(self.limit.burst, wait * self.limit.rate)
        self.updated = max(self.updated, self.clock.monotonic() + wait)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with a cap; a server's Retry-After wins when it gives one."""

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap * 5)
        return min(self.cap, self.base * 2**attempt)


class ChannelUnavailable(Exception):
    """A request the platform kept refusing (throttled or failing) after every retry."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # the platform's Retry-After, when it sent one


def retry_after(response: httpx.Response, clock: Clock) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - clock.utcnow()).total_seconds())


class ChannelHttp:
    """One store's connection: every request takes a token from that store's bucket."""

    def __init__(
        self,
        base_url: str,
        *,
        limit: RateLimit,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.clock = clock or SystemClock()
        self.bucket = TokenBucket(limit, self.clock)
        self.backoff = backoff or Backoff()
        self.client = httpx.Client(
            base_url=base_url, headers=dict(headers or {}), transport=transport, timeout=timeout
        )
        self.requests = 0
        self.throttled = 0
        self.slept = 0.0
        self._operations: dict[str, TokenBucket] = {}

    def operation_bucket(self, name: str, limit: RateLimit) -> TokenBucket:
        """The bucket of an operation with a usage plan of its own (Amazon's Feeds API), kept
        for this connection; the store's bucket is the orders API's."""
        return self._operations.setdefault(name, TokenBucket(limit, self.clock))

    def close(self) -> None:
        self.client.close()

    def wait(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        self.slept += seconds

    def send(
        self, method: str, url: str, *, bucket: TokenBucket | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send with rate limiting and retries; ChannelUnavailable when every attempt failed."""
        bucket = bucket or self.bucket
        last: httpx.Response | None = None
        for attempt in range(self.backoff.attempts):
            self.slept += bucket.take()
            self.requests += 1
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt + 1 == self.backoff.attempts:
                    raise ChannelUnavailable(f"{method} {url}: {exc}") from exc
                self.wait(self.backoff.delay(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            last = response
            pause = retry_after(response, self.clock)
            if response.status_code == 429:
                self.throttled += 1
                bucket.throttle(pause or 0.0)
            if attempt + 1 < self.backoff.attempts:
                self.wait(self.backoff.delay(attempt, pause))
        status = last.status_code if last is not None else None
        raise ChannelUnavailable(
            f"{method} {url}: still {status} after {self.backoff.attempts} attempts",
            status,
            retry_after(last, self.clock) if last is not None else None,
        )

    def fetch(self, method: str, url: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """A JSON body and its response (for Link headers); HTTP errors are ChannelUnavailable."""
        response = self.send(method, url, **kwargs)
        if response.status_code >= 400:
            raise ChannelUnavailable(
                f"{method} {url}: HTTP {response.status_code}: {response.text[:200]}",
                response.status_code,
            )
        try:
            return response.json(), response
        except ValueError as exc:
            raise ChannelUnavailable(f"{method} {url}: the response is not JSON") from exc


@dataclass(frozen=True, slots=True)
class PayloadFailure:
    """A payload that did not parse: keep it whole, with the reason, for the dead-letter table."""

    raw: Any
    error: PayloadError


@dataclass(slots=True)
class PollResult:
    orders: list[ChannelOrder] = field(default_factory=list)
    raw: list[Any] = field(default_factory=list)  # the payload each order came from, same order
    errors: list[PayloadFailure] = field(default_factory=list)
    cursor: datetime | None = None  # pass back as `since` next time
    complete: bool = False
    interrupted_by: str | None = None  # why an incomplete poll stopped
    requests: int = 0
    throttled: int = 0
    slept: float = 0.0


def run_poll(
    http: ChannelHttp,
    pages: Iterator[list[Any]],
    parse: Callable[[Any], ChannelOrder],
    since: datetime,
) -> PollResult:
    """Drain `pages`, parse every payload, and move the cursor only when nothing was missed."""
    started = http.clock.utcnow()
    result = PollResult(cursor=since)
    try:
        for page in pages:
            for raw in page:
                try:
                    order = parse(raw)
                except PayloadError as exc:
                    result.errors.append(PayloadFailure(raw, exc))
                    continue
                result.orders.append(order)
                result.raw.append(raw)
    except (ChannelUnavailable, PayloadError) as exc:
        result.interrupted_by = str(exc)
    else:
        result.complete = True
        result.cursor = max(since, started - OVERLAP)
    result.requests, result.throttled, result.slept = http.requests, http.throttled, http.slept
    return result
