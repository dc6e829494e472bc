"""`linkstar route simulate --org` and the stored-simulation service: past decisions against a
policy replayed on their inputs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.rating import routing, service, simulation_runs
from linkstar.rating.models import RoutingDecision
from linkstar.rating.sheets import read_folder
from linkstar.rating.simulation_models import RoutingSimulation
from linkstar.rating.simulation_repository import SimulationRepository
from tests.rating.importing import EXAMPLE
from tests.rating.routing_data import good_row
from tests.rating.test_cli_ratecards import cli_env  # noqa: F401 - fixture

FAST = {"name": "fast only", "filters": [{"id": "2day", "only_services": ["WCP-2DAY"]}]}
NOTHING = {"name": "nothing", "filters": [{"id": "none", "only_carriers": ["nobody"]}]}


@pytest.fixture
def org(cli_env, sessions, tenant) -> str:  # noqa: F811
    with unit_of_work(sessions) as s:
        service.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
        rows = [good_row("SIM-1"), good_row("SIM-2", weight_g="2500"), good_row("SIM-3")]
        routing.route(s, tenant.principal, rows, date(2026, 12, 7))
        routing.route(s, tenant.principal, [good_row("SIM-3", weight_g="-1")], date(2026, 12, 7))
    return tenant.org.slug


def _count(sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(RoutingDecision)))


def _result(s, tenant, body, **options):  # type: ignore[no-untyped-def]
    sim = simulation_runs.start(s, tenant.principal, body=body, **options)
    assert sim.status == "done"
    return sim.result


def test_replay_compares_with_what_was_decided(org, sessions, tenant):
    with sessions() as s:
        repo = SimulationRepository(s, tenant.principal.organisation_id)
        rows = repo.decisions(repo.newest_decision_ids(None, utcnow()))
        stored = {r.subject_ref: r for r in rows}
        assert [r.subject_ref for r in rows] == ["SIM-1", "SIM-2", "SIM-3"]
        assert stored["SIM-3"].status == "held"  # the newest decision counts
    with unit_of_work(sessions) as s:
        result = _result(s, tenant, FAST)
    base, cand = result["total"]["baseline"], result["total"]["candidate"]
    assert (base["orders"], base["held"], cand["orders"], cand["held"]) == (3, 1, 3, 1)
    paid = stored["SIM-1"].price + stored["SIM-2"].price
    assert base["cost"] == {"USD": paid}
    assert [r["key"] for r in result["carriers"]] == ["westcoast", "(held)"]
    assert result["changed_service"] == 2  # ground → 2-day for both priced orders
    assert cand["cost"]["USD"] > paid
    assert _count(sessions) == 4  # no decision written


def test_batches_add_up_to_the_same_result(org, sessions, tenant, monkeypatch):
    with unit_of_work(sessions) as s:
        whole = _result(s, tenant, FAST)
    monkeypatch.setattr(simulation_runs, "BATCH", 1)
    with unit_of_work(sessions) as s:
        batched = _result(s, tenant, FAST)
    assert batched == whole


def test_a_policy_refusing_everything_holds_every_order(org, sessions, tenant):
    with unit_of_work(sessions) as s:
        result = _result(s, tenant, NOTHING, since=date(2000, 1, 1))
        total = result["total"]
        assert total["candidate"]["held"] == 3 and total["candidate"]["cost"] == {}
        assert total["cost_delta"] == {"USD": -total["baseline"]["cost"]["USD"]}
        later = _result(s, tenant, FAST, since=date(2999, 1, 1))
        assert later["total"]["baseline"]["orders"] == 0
    with pytest.raises(InvalidInput), unit_of_work(sessions) as s:
        simulation_runs.start(s, tenant.principal, body={"name": "x", "filters": "no"})
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(RoutingSimulation)) == 2


def test_cli_workspace_mode(org, tmp_path, sessions):
    policy = tmp_path / "fast.json"
    policy.write_text(json.dumps(FAST))
    report = tmp_path / "sim.json"
    result = CliRunner().invoke(
        app, ["route", "simulate", "--org", org, "--policy", str(policy), "--out", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "2 order(s) change service" in result.output
    assert "stored simulation " in result.output
    data = json.loads(report.read_text())
    assert data["total"]["baseline"]["orders"] == 3 and data["changed_service"] == 2
    missing = CliRunner().invoke(app, ["route", "simulate", "--policy", str(policy)])
    assert missing.exit_code == 1 and "--org" in missing.output
    assert _count(sessions) == 4
    with sessions() as s:
        (stored,) = s.scalars(select(RoutingSimulation)).all()
        assert (stored.status, stored.result) == ("done", data)
    listed = CliRunner().invoke(app, ["route", "simulations", "list", "--org", org])
    assert listed.exit_code == 0, listed.output
    assert stored.id in listed.output and "3/3" in listed.output
    shown = CliRunner().invoke(app, ["route", "simulations", "show", stored.id, "--org", org])
    assert shown.exit_code == 0, shown.output
    assert "2 order(s) change service" in shown.output and "fast only" in shown.output
