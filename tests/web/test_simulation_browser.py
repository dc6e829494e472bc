"""Routing → Simulations in headless Chromium: start one, follow its progress, see the chart."""

from __future__ import annotations

import json

import pytest

from linkstar.db.uow import unit_of_work
from linkstar.rating import simulation_runs
from linkstar.rating.simulation_models import RoutingSimulation
from tests.conftest import OWNER_PASSWORD
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import page  # noqa: F401  (the Chromium fixture)
from tests.web.test_simulation_pages import FAST, _routed

pytestmark = pytest.mark.browser


def test_simulate_a_policy_and_follow_a_queued_run(
    page,  # noqa: F811
    live_server,
    tenant,
    sessions,
    app,
    monkeypatch,
):
    from playwright.sync_api import expect

    _routed(sessions, tenant)
    page.goto(f"{live_server}/login")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/routing/decisions")
    page.click("nav[aria-label='Routing sections'] >> text=Simulations")
    page.fill("#f-body", json.dumps(FAST))
    page.click("button:has-text('Simulate')")
    expect(page.locator(".notice-success")).to_contain_text("Simulation done.")
    expect(page.locator("svg.bar-chart")).to_be_visible()
    expect(page.locator("svg.bar-chart rect.series-simulated")).to_have_count(1)
    expect(page.locator("h2#sim-totals + .kpis")).to_contain_text("→")
    page.screenshot(path=str(ARTIFACTS / "routing-simulation.png"), full_page=True)

    # A big one (here: more than one order) is queued; the page polls until the job is done.
    monkeypatch.setattr(app.state.settings, "simulation_inline_orders", 1)
    page.click("text=All simulations")
    page.fill("#f-body", json.dumps(FAST))
    page.click("button:has-text('Simulate')")
    expect(page.locator(".notice-success")).to_contain_text("queued")
    expect(page.locator("#simulation")).to_contain_text("0 of 2 orders replayed")
    with unit_of_work(sessions) as s:
        sim = s.query(RoutingSimulation).filter_by(status="queued").one()
        simulation_runs.advance(s, tenant.principal, sim)
    expect(page.locator("#simulation")).to_contain_text("2 of 2 orders replayed", timeout=8000)
    expect(page.locator("svg.bar-chart")).to_be_visible()
    assert page.problems == []
