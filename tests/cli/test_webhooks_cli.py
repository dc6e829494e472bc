"""`linkstar webhooks list | create | delete` through the real command line."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from linkstar.tracking.hooks.models import WebhookEndpoint

runner = CliRunner()


@pytest.fixture
def org(monkeypatch, settings, sessions, tenant) -> str:
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    yield tenant.org.slug
    get_settings.cache_clear()
    for c, width in widths:
        c._width = width


def _count(sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0)


def test_create_list_delete(org, sessions):
    made = runner.invoke(
        app, ["webhooks", "create", "tracking:17track", "--org", org, "--secret", "17t-key-1234"]
    )
    assert made.exit_code == 0, made.output
    assert "17t-key-1234" in made.output
    path = re.search(r"/hooks/[A-Za-z0-9_-]{32}", made.output)
    assert path is not None
    with sessions() as s:
        row = s.scalars(select(WebhookEndpoint)).one()
    assert path.group(0) == f"/hooks/{row.token}" and row.kind == "tracking:17track"

    listed = runner.invoke(app, ["webhooks", "list", "--org", org])
    assert listed.exit_code == 0, listed.output
    assert row.id in listed.output and path.group(0) in listed.output
    assert "17t-key-1234" not in listed.output and "••••1234" in listed.output

    gone = runner.invoke(app, ["webhooks", "delete", row.id, "--org", org])
    assert gone.exit_code == 0, gone.output
    assert _count(sessions) == 0


def test_bad_input_is_one_line_and_writes_nothing(org, sessions):
    short = runner.invoke(
        app, ["webhooks", "create", "tracking:aftership", "--org", org, "--secret", "short"]
    )
    assert short.exit_code == 1
    assert "secret: String should have at least 8 characters" in short.output
    no_store = runner.invoke(app, ["webhooks", "create", "orders:generic", "--org", org])
    assert no_store.exit_code == 1 and "needs the store_id" in no_store.output
    unknown = runner.invoke(app, ["webhooks", "delete", "0" * 32, "--org", org])
    assert unknown.exit_code == 1 and "not found" in unknown.output
    wrong_org = runner.invoke(app, ["webhooks", "list", "--org", "nope"])
    assert wrong_org.exit_code == 1 and "no organisation with slug 'nope'" in wrong_org.output
    assert _count(sessions) == 0
