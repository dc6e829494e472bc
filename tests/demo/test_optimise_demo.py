"""The demo workspace's capacities and its optimised wave."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.demo import optimise as demo_optimise
from linkstar.rating.models import RoutingDecision
from linkstar.rating.optimise_models import OptimisationRun, RoutingCapacity
from linkstar.rating.simulation_models import RoutingSimulation
from tests.demo.test_rating_demo import DATA_DIR, _load, needs_usps


@needs_usps
def test_demo_has_capacities_and_one_optimised_wave(sessions, settings):
    _load(sessions, settings, DATA_DIR)
    with sessions() as s:
        caps = list(s.scalars(select(RoutingCapacity)))
        assert len(caps) == len(demo_optimise.CAPACITIES)
        (run,) = s.scalars(select(OptimisationRun))
        assert (run.status, run.solver, run.parcels) == ("done", "min_cost_flow", 40)
        assert run.assigned + run.deferred + run.held == 40
        assert run.assigned >= 30 and run.unplaced_priority == 0
        assert run.saving_vs_naive is not None and run.saving_vs_naive >= 0
        assert run.baseline == "uspost" and run.cost_by_carrier
        # The binding capacities hold: no service gets more than its cap.
        picked = [
            d.chosen_service_id
            for d in s.scalars(select(RoutingDecision))
            if d.inputs.get("optimisation_id") == run.id and d.status == "assigned"
        ]
        assert picked.count("USNP-GA") <= 14 and picked.count("PN-GND") <= 8
        (sim,) = s.scalars(select(RoutingSimulation))
        assert sim.status == "done" and sim.orders_done == sim.orders_total >= 40
        total = sim.result["total"]
        assert total["baseline"]["orders"] == total["candidate"]["orders"] == sim.orders_total
        # The cheapest service for every order never costs more than what was decided.
        assert total["cost_delta"]["USD"] <= 0 and sim.result["carriers"]
