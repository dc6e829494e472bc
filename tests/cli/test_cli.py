import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.db.uow import unit_of_work
from linkstar.demo import workspace as demo
from linkstar.workspace.models import ApiKey, AuditEntry, Organisation, Store, User, Warehouse

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch, settings, sessions):
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def _count(sessions, model):
    with unit_of_work(sessions) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_db_upgrade_is_idempotent(cli_env):
    result = run("db", "upgrade")
    assert result.exit_code == 0
    assert "already at revision" in result.output


def test_demo_load_twice_keeps_data_and_reset_recreates(cli_env, sessions):
    first = run("demo", "load")
    assert first.exit_code == 0, first.output
    assert "created" in first.output and demo.DEMO_PASSWORD in first.output
    assert "lsk_" in first.output
    counts = {m: _count(sessions, m) for m in (Organisation, User, Store, Warehouse, ApiKey)}
    assert counts == {Organisation: 1, User: 5, Store: 3, Warehouse: 3, ApiKey: 1}
    with sessions() as s:  # the printed key reads every area and changes nothing
        scopes = s.scalars(select(ApiKey.scopes)).one()
    assert "tracking:read" in scopes and "orders:read" in scopes
    assert all(scope.endswith(":read") for scope in scopes)
    second = run("demo", "load")
    assert (
        second.exit_code == 0 and "kept as it is" in second.output and "lsk_" not in second.output
    )
    assert {m: _count(sessions, m) for m in counts} == counts
    with unit_of_work(sessions) as s:
        org_id = s.scalars(select(Organisation.id)).one()
    reset = run("demo", "reset")
    assert reset.exit_code == 0
    with unit_of_work(sessions) as s:
        assert s.scalars(select(Organisation.id)).one() != org_id
        # the cascade removed every row of the old organisation
        assert (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.organisation_id == org_id)
            )
            == 0
        )
    assert {m: _count(sessions, m) for m in counts} == counts


def test_org_users_and_apikeys_commands(cli_env, sessions):
    assert (
        run(
            "org",
            "create",
            "Blue Fin Goods",
            "--owner-email",
            "boss@bluefin.example",
            "--owner-password",
            "Blue-Fin-Pass-1",
        ).exit_code
        == 0
    )
    listed = run("org", "list")
    assert "blue-fin-goods" in listed.output
    made = run(
        "users",
        "create",
        "pack@bluefin.example",
        "--org",
        "blue-fin-goods",
        "--role",
        "operator",
        "--password",
        "Shipping-Crew-22",
    )
    assert made.exit_code == 0 and "role operator" in made.output
    key = run(
        "apikeys",
        "create",
        "warehouse scanner",
        "--org",
        "blue-fin-goods",
        "--scope",
        "orders:read",
    )
    assert key.exit_code == 0
    secret = next(w for w in key.output.split() if w.startswith("lsk_"))
    with unit_of_work(sessions) as s:
        row = s.scalars(select(ApiKey)).one()
        assert row.scopes == ["orders:read"] and row.key_hash != secret
    assert row.prefix in run("apikeys", "list", "--org", "blue-fin-goods").output
    assert secret not in run("apikeys", "list", "--org", "blue-fin-goods").output
    revoked = run("apikeys", "revoke", row.prefix, "--org", "blue-fin-goods")
    assert revoked.exit_code == 0
    with unit_of_work(sessions) as s:
        assert s.scalars(select(ApiKey)).one().revoked_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("users", "create", "a@b.example", "--org", "missing", "--password", "Whatever-Pass-1"),
            "no organisation with slug 'missing'",
        ),
        (("apikeys", "create", "k", "--org", "x", "--scope", "orders:fly"), "known scopes"),
        (("apikeys", "revoke", "nope", "--org", "missing"), "no organisation"),
    ],
)
def test_clear_one_line_errors(cli_env, sessions, args, message):
    before = _count(sessions, User)
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert _count(sessions, User) == before


def test_unreachable_database_fails_with_one_line(monkeypatch, cli_env):
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    result = run("db", "upgrade")
    assert result.exit_code == 1
    assert "database unreachable" in result.output


def test_invalid_setting_fails_with_exit_2(monkeypatch, cli_env):
    monkeypatch.setenv("LINKSTAR_ENV", "production")
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", "")
    get_settings.cache_clear()
    result = run("db", "upgrade")
    assert result.exit_code == 2
    assert "LINKSTAR_SECRET_KEY" in result.output


def test_worker_without_broker_explains(cli_env):
    result = run("worker")
    assert result.exit_code == 2 and "LINKSTAR_BROKER_URL is not set" in result.output


def test_unreachable_broker_fails_with_one_line(monkeypatch, cli_env):
    monkeypatch.setenv("LINKSTAR_BROKER_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    result = run("worker")
    assert result.exit_code == 1 and "broker unreachable" in result.output
