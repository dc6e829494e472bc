"""`linkstar orders allocate|route --org S` and `linkstar route suspend` re-routing orders."""

from __future__ import annotations

from typer.testing import CliRunner

from linkstar.cli.main import app
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order
from tests.rating.test_cli_ratecards import cli_env  # noqa: F401 - fixture

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_allocate_route_and_suspend_from_the_command_line(cli_env, sessions, tenant, store):  # noqa: F811
    ready = seed.prepare(sessions, tenant.principal, store, stock=2)
    ok, short = seed.import_orders(
        sessions, ready, make_order("K-1"), make_order("K-2", placed_at=make_order().placed_at)
    )
    slug = tenant.org.slug
    allocated = run("orders", "allocate", "--org", slug)
    assert allocated.exit_code == 0, allocated.output
    assert "allocate: 1 order(s) advanced, 1 held" in allocated.output
    routed = run("orders", "route", "--org", slug)
    assert routed.exit_code == 0 and "route: 1 order(s) advanced, 0 held" in routed.output
    held_id = ok if seed.order(sessions, ok).is_held else short  # same placed_at: either one
    assert f"held {held_id}: {seed.MUG} short 2 of 2" in allocated.output
    stopped = run("route", "suspend", "--org", slug, "--carrier", "westcoast",
                  "--service", "WCP-GND", "--reason", "depot closed")  # fmt: skip
    assert stopped.exit_code == 0, stopped.output
    assert "1 decision(s) chose it; 1 unshipped order(s) re-routed, 0 held" in stopped.output
    moved = ok if held_id == short else short
    kind, detail = seed.events(sessions, moved)[-1]
    assert (kind, detail["service_id"], detail["fallback"]) == ("rerouted", "WCP-2DAY", True)
    missing = run("orders", "allocate", "--org", "no-such-org")
    assert missing.exit_code != 0 and "no organisation" in missing.output
