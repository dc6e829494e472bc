"""GET /tracking/estimate-check: the estimates' scores on later deliveries over HTTP."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.tracking.test_estimate_check import seed


def test_estimate_check_scores_later_deliveries(api, tenant, make_tenant) -> None:  # type: ignore[no-untyped-def]
    seed(api.sessions, tenant)
    seed(api.sessions, make_tenant("Other"))  # another workspace's shipments change nothing
    body = api.with_key(tenant).get("/tracking/estimate-check", params={"split": "2026-10-01"})
    assert body.status_code == 200, body.text
    got = body.json()
    assert (got["split"], got["lookback_days"], got["fitted_on"]) == (
        "2026-10-01T00:00:00Z", 180, 10,
    )  # fmt: skip
    assert got["overall"] == {
        "delivered": 6, "estimated": 5, "from_lane": 4, "p50_hit": 0.6, "p90_hit": 0.6,
        "p90_margin_days": pytest.approx(5.7667, abs=1e-4), "p90_late_days": 1.65,
        "p50_error_days": 3.5,
    }  # fmt: skip
    ups = got["by_carrier"][0]
    assert (ups["carrier"], ups["delivered"], ups["estimated"], ups["p90_hit"]) == (
        "ups", 1, 0, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("split", "status", "code"),
    [("2026-13-01", 422, "invalid_input"), ("x" * 41, 422, "invalid_input")],
)
def test_estimate_check_refuses_a_bad_split(api, tenant, split, status, code) -> None:  # type: ignore[no-untyped-def]
    caller = api.with_key(tenant)
    counts = api.counts()
    r = caller.get("/tracking/estimate-check", params={"split": split})
    assert_error(r, status, code)
    assert api.counts() == counts
