"""Running a poll plan against connectors: timing, 429 and carrier failures, DHL routing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx

from linkstar.tracking.connectors import DHLTracking
from linkstar.tracking.connectors.dispatch import run_plan
from linkstar.tracking.connectors.errors import CarrierAPIError, RateLimited
from linkstar.tracking.connectors.polling import (
    Bucket,
    CarrierLimit,
    PollTarget,
    after_rate_limit,
    plan_polls,
)
from linkstar.tracking.connectors.results import PullFailure, PullResult
from linkstar.tracking.core import Status
from tests.tracking.connectors.recorded import body

NOW = datetime(2025, 3, 6, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


class Recorder:
    """A connector that answers every number as not found and remembers the calls."""

    def __init__(self, carrier: str, batch_size: int = 1, fail: Exception | None = None):
        self.carrier = carrier
        self.batch_size = batch_size
        self.calls: list[list[str]] = []
        self.fail = fail

    def track(self, numbers: Sequence[str]) -> PullResult:
        self.calls.append(list(numbers))
        if self.fail is not None:
            raise self.fail
        return PullResult(failures=tuple(PullFailure(n, "not yet", True) for n in numbers))


def targets(carrier: str, count: int) -> list[PollTarget]:
    return [
        PollTarget(f"{carrier[:1].upper()}{i}", carrier, Status.IN_TRANSIT, NOW - timedelta(1))
        for i in range(count)
    ]


def test_batches_are_sent_at_their_time_and_results_merged():
    limits = {"usps": CarrierLimit(batch_size=1, calls_per_second=1, burst=1)}
    plan = plan_polls(targets("usps", 3), NOW, limits=limits)
    usps = Recorder("usps")
    clock = FakeClock()
    outcome = run_plan(plan, {"usps": usps}, clock=clock, sleep=clock.sleep, limits=limits)
    assert usps.calls == [["U0"], ["U1"], ["U2"]]
    assert clock.slept == [1.0, 1.0]  # one call per second
    assert outcome.polled == ("U0", "U1", "U2")
    assert [f.tracking_number for f in outcome.result.failures] == ["U0", "U1", "U2"]
    assert outcome.deferred == ()


def test_rate_limited_carrier_stops_and_its_bucket_honours_retry_after():
    limits = {
        "ups": CarrierLimit(batch_size=1, calls_per_second=10, burst=10),
        "fedex": CarrierLimit(batch_size=30, calls_per_second=10, burst=10),
    }
    plan = plan_polls(targets("ups", 3) + targets("fedex", 2), NOW, limits=limits)
    ups = Recorder("ups", fail=RateLimited("ups", 120.0))
    fedex = Recorder("fedex", 30)
    clock = FakeClock()
    outcome = run_plan(plan, {"ups": ups, "fedex": fedex}, clock=clock, sleep=clock.sleep,
                       limits=limits)  # fmt: skip
    assert ups.calls == [["U0"]]  # no further UPS calls after the 429
    assert fedex.calls == [["F0", "F1"]]
    assert sorted(outcome.deferred) == ["U0", "U1", "U2"]
    assert outcome.carrier_errors == {"ups": "rate limited; retry after 120 s"}
    later = plan_polls(targets("ups", 1), NOW, limits=limits, buckets=outcome.buckets)
    assert later.batches[0].not_before == NOW + timedelta(seconds=120)


def test_failing_carrier_does_not_stop_the_others():
    plan = plan_polls(targets("usps", 1) + targets("ups", 1), NOW)
    usps = Recorder("usps", fail=CarrierAPIError("usps", "server error 503", 503))
    ups = Recorder("ups")
    outcome = run_plan(plan, {"usps": usps, "ups": ups}, clock=FakeClock(), sleep=lambda s: None)
    assert outcome.carrier_errors == {"usps": "server error 503"}
    assert outcome.polled == ("U0",)
    assert outcome.deferred == ("U0",)  # the USPS number "U0" (both carriers start with U)


def test_missing_connector_defers_its_numbers():
    plan = plan_polls(targets("yunexpress", 2), NOW)
    outcome = run_plan(plan, {}, clock=FakeClock(), sleep=lambda s: None)
    assert outcome.carrier_errors == {"yunexpress": "no connector configured"}
    assert outcome.deferred == ("Y0", "Y1")


def test_dhl_carriers_share_the_dhl_api_and_its_rate_limit():
    parcels = targets("dhl_parcel", 1) + targets("dhl_express", 1)
    plan = plan_polls(parcels, NOW)
    assert [(b.carrier, b.numbers) for b in plan.batches] == [("dhl", ("D0",)), ("dhl", ("D0",))]
    assert plan.batches[1].not_before - plan.batches[0].not_before == timedelta(seconds=5)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["trackingNumber"])
        return httpx.Response(200, content=body("dhl_parcel_de.json"))

    clock = FakeClock()
    dhl = DHLTracking(api_key="k", transport=httpx.MockTransport(handler))
    outcome = run_plan(plan, {"dhl": dhl}, clock=clock, sleep=clock.sleep)
    assert seen == ["D0", "D0"]
    assert clock.slept == [5.0]
    assert len(outcome.result.updates) == 2


def test_after_rate_limit_bucket():
    limit = CarrierLimit(batch_size=1, calls_per_second=2, burst=4)
    bucket = after_rate_limit(Bucket(4.0, NOW), NOW, 30.0, limit)
    assert bucket == Bucket(-59.0, NOW)  # 1 token needs (1 + 59) / 2 = 30 s
    assert bucket.refill(NOW + timedelta(seconds=30), limit).tokens == 1.0
