"""`linkstar address policy show | set` through the real command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from linkstar.addresses import policy_store
from linkstar.cli import context
from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from tests.addresses.helpers import counts

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch, settings, sessions):
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


@pytest.fixture
def org(cli_env, tenant) -> str:
    return tenant.org.slug


def run(*args: str):
    from linkstar.cli.main import app

    return runner.invoke(app, ["address", "policy", *args], catch_exceptions=False)


def test_show_the_default_then_set_a_file(org, tmp_path, sessions, tenant):
    shown = run("show", "--org", org)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["block_military"] is False
    assert "version 0" in shown.stderr and "default" in shown.stderr
    policy = tmp_path / "policy.json"
    policy.write_text('{"block_military": true, "require_phone_countries": ["br", "MX"]}')
    done = run("set", str(policy), "--org", org)
    assert done.exit_code == 0, done.output
    assert "version 1" in done.stdout
    with unit_of_work(sessions) as s:
        found = policy_store.get_policy(s, tenant.principal)
    assert found.policy.block_military is True
    assert found.policy.require_phone_countries == ("BR", "MX")
    assert found.set_by == "cli"
    again = run("show", "--org", org)
    assert json.loads(again.stdout)["require_phone_countries"] == ["BR", "MX"]
    assert "version 1, set by cli" in again.stderr


def test_a_bad_policy_lists_every_problem_and_stores_nothing(org, tmp_path, sessions):
    before = counts(sessions)
    policy = tmp_path / "bad.json"
    policy.write_text('{"forwarder_hold_score": -1, "forwarder_hub_zips": ["97203", "9720"]}')
    done = run("set", str(policy), "--org", org)
    assert done.exit_code == 1
    assert done.stderr.splitlines()[:3] == [
        f"{policy}: forwarder_hold_score: forwarder scores are whole numbers from 0 to 101",
        f"{policy}: forwarder_hub_zips[1]: '9720' is not a five-digit ZIP",
        "rejected: 2 problem(s), nothing was stored",
    ]
    policy.write_text("{not json")
    broken = run("set", str(policy), "--org", org)
    assert broken.exit_code == 1 and "is not valid JSON" in broken.stderr
    missing = run("set", str(tmp_path / "nope.json"), "--org", org)
    assert missing.exit_code == 1 and "cannot read the policy" in missing.stderr
    assert run("show", "--org", "no-such-org").exit_code == 1
    assert counts(sessions) == before
