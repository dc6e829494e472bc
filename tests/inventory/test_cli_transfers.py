"""`linkstar inventory transfer …` and `linkstar orders return` through the command line."""

from __future__ import annotations

from linkstar.cli.main import app
from linkstar.db.uow import unit_of_work
from linkstar.orders import service as orders
from tests.inventory.seed import add_skus, counts, receive
from tests.inventory.test_cli_inventory import cli_env as cli_env
from tests.inventory.test_cli_inventory import org as org
from tests.inventory.test_cli_inventory import runner
from tests.orders import pipeline_seed as seed
from tests.orders.conftest import make_order
from tests.orders.conftest import store as store

MUG = "HP-85123A"


def run(*args: str):
    return runner.invoke(app, list(args))


def test_a_transfer_from_the_command_line(org, sessions):
    slug = org.org.slug
    add_skus(sessions, org.principal, MUG)
    receive(sessions, org.principal, MUG, "US-CA-ONT", 10)
    r = run("inventory", "transfer", "create", "TR-CLI-1", "--from", "US-CA-ONT", "--to",
            "US-NJ-EDI", "--line", f"{MUG}=6", "--eta", "2026-12-20", "--org", slug)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "transfer TR-CLI-1: US-CA-ONT -> US-NJ-EDI, draft, ETA 2026-12-20" in r.output
    r = run("inventory", "transfer", "dispatch", "TR-CLI-1", "--org", slug)
    assert r.exit_code == 0 and "in_transit" in r.output
    r = run("inventory", "transfer", "receive", "TR-CLI-1", "--line", f"{MUG}=4", "--org", slug)
    assert f"{MUG}: 6 unit(s), 4 received, 2 outstanding" in r.output
    before = counts(sessions)
    r = run("inventory", "transfer", "receive", "TR-CLI-1", "--line", f"{MUG}=3", "--org", slug)
    assert r.exit_code == 1 and "only 2 still on the way" in r.output
    r = run("inventory", "transfer", "receive", "TR-CLI-1", "--line", "MUG", "--org", slug)
    assert r.exit_code == 1 and "expected SKU=QUANTITY" in r.output
    assert counts(sessions) == before
    r = run("inventory", "transfer", "receive", "TR-CLI-1", "--org", slug)
    assert "received" in r.output
    r = run("inventory", "transfer", "list", "--org", slug)
    assert "TR-CLI-1" in r.output and "received" in r.output
    r = run("inventory", "list", "--warehouse", "US-NJ-EDI", "--org", slug)
    assert MUG in r.output


def test_a_return_from_the_command_line(cli_env, sessions, tenant, store):
    ready = seed.prepare(sessions, tenant.principal, store, stock=5)
    (order_id,) = seed.import_orders(sessions, ready, make_order("CLI-RET-1"))
    with unit_of_work(sessions) as s:
        orders.change_state(s, ready.actor, order_id, "shipped")
    args = ["orders", "return", "CLI-RET-1", "--return-id", "RMA-CLI", "--warehouse",
            "US-CA-ONT", "--line", f"{MUG}=1", "--line", f"{MUG}=1:write_off",
            "--org", tenant.org.slug]  # fmt: skip
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert f"return RMA-CLI booked: {MUG} x1 restock, {MUG} x1 write_off" in r.output
    r = run(*args)
    assert "was already booked: nothing changed" in r.output
    assert seed.order(sessions, order_id).state == "returned"
