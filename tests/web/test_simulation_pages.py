"""Console → Routing → Simulations (form, list, detail with chart) and the capacities upload."""

from __future__ import annotations

import json
from datetime import date

from linkstar.db.uow import unit_of_work
from linkstar.rating import routing, simulation_runs
from linkstar.rating import service as rating
from linkstar.rating.optimise_models import RoutingCapacity
from linkstar.rating.sheets import read_folder
from linkstar.rating.simulation_models import RoutingSimulation
from tests.rating.importing import EXAMPLE
from tests.rating.routing_data import good_row
from tests.web.conftest import count

FAST = {"name": "fast only", "filters": [{"id": "2day", "only_services": ["WCP-2DAY"]}]}


def _routed(sessions, tenant) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        rating.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
        rows = [good_row("SIM-1"), good_row("SIM-2", weight_g="2500")]
        routing.route(s, tenant.principal, rows, date(2026, 12, 7))


def _form(**values: str) -> dict[str, str]:
    return {"policy_id": "", "body": json.dumps(FAST), "cards_on": "", "since": "", **values}


def test_a_simulation_from_the_form_shows_the_comparison_and_chart(owner, tenant, sessions):
    _routed(sessions, tenant)
    r = owner.post("/routing/simulations", _form())
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    (sim_id,) = [row.id for row in _simulations(sessions)]
    assert url == f"/routing/simulations/{sim_id}"
    page = owner.get(url).text
    assert "Simulation: fast only" in page and ">done<" in page
    assert '<svg class="bar-chart"' in page and 'class="series-simulated"' in page
    assert "Cost per carrier (USD)" in page and "westcoast · now" in page
    assert "Per lane (destination country and zone)" in page and "US zone 2" in page
    assert "hx-trigger" not in page  # finished: no polling
    listing = owner.get("/routing/simulations").text
    assert f'href="/routing/simulations/{sim_id}"' in listing and "2 / 2 orders" in listing
    assert 'hx-trigger="every 2s"' not in listing


def test_a_stored_policy_version_can_be_picked(owner, tenant, sessions):
    _routed(sessions, tenant)
    from linkstar.rating import routing_policies

    with unit_of_work(sessions) as s:
        policy_id = routing_policies.create_policy(s, tenant.principal, FAST, 5, True).id
    assert f'<option value="{policy_id}"' in owner.get("/routing/simulations").text
    r = owner.post("/routing/simulations", _form(policy_id=policy_id, body="ignored"))
    assert r.status_code == 303, r.text
    assert "Simulation: fast only v1" in owner.get(r.headers["location"]).text


def test_bad_input_is_shown_and_nothing_is_stored(owner, tenant, sessions):
    _routed(sessions, tenant)
    r = owner.post("/routing/simulations", _form(body='{"filters": 3}'))
    assert r.status_code == 422
    assert "policy" in r.text.lower() and 'role="alert"' in r.text
    r = owner.post("/routing/simulations", _form(body="{oops", since="last week"))
    assert r.status_code == 422
    assert "not valid JSON" in r.text and "must be a date (YYYY-MM-DD)" in r.text
    assert count(sessions, RoutingSimulation) == 0


def test_a_queued_simulation_polls_until_done(owner, tenant, sessions, app, monkeypatch):
    _routed(sessions, tenant)
    monkeypatch.setattr(app.state.settings, "simulation_inline_orders", 1)
    r = owner.post("/routing/simulations", _form())
    assert r.status_code == 303
    url = r.headers["location"]
    page = owner.get(url).text
    assert f'hx-get="{url}" hx-trigger="every 2s"' in page and "<progress" in page
    assert "0 of 2 orders replayed" in page
    assert 'hx-trigger="every 2s"' in owner.get("/routing/simulations").text
    with unit_of_work(sessions) as s:
        (sim,) = s.query(RoutingSimulation).all()
        simulation_runs.advance(s, tenant.principal, sim)
    done = owner.get(url).text
    assert "2 of 2 orders replayed" in done and "hx-trigger" not in done


def test_a_failed_simulation_says_why(owner, tenant, sessions):
    with unit_of_work(sessions) as s:
        sim = simulation_runs.start(s, tenant.principal, body=FAST)
        simulation_runs.fail(s, sim, "RuntimeError: disk on fire")
        url = f"/routing/simulations/{sim.id}"
    page = owner.get(url).text
    assert "The simulation failed:</strong> RuntimeError: disk on fire" in page


def test_a_capacities_file_with_a_bad_row_changes_nothing(owner, sessions):
    bad = "warehouse,service_id,carrier,day,max_parcels\nLAX,WCP-GND,,,4\n,WCP-GND,,,4\n"
    files = {"file": ("caps.csv", bad.encode(), "text/csv")}
    r = owner.post("/routing/capacities/upload", files=files)
    assert r.status_code == 422
    assert "Problems in the file (nothing was stored)" in r.text
    assert "<td>3</td><td>warehouse</td><td>a service capacity needs a warehouse</td>" in r.text
    assert count(sessions, RoutingCapacity) == 0
    good = {"file": ("caps.csv", bad.splitlines()[0].encode() + b"\nLAX,WCP-GND,,,4\n", "text/csv")}
    r = owner.post("/routing/capacities/upload", files=good)
    assert r.status_code == 303 and count(sessions, RoutingCapacity) == 1


def _simulations(sessions) -> list[RoutingSimulation]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return list(s.query(RoutingSimulation).all())
