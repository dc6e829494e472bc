"""`linkstar inbox threads` through the real command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from linkstar.cli import context
from linkstar.cli.main import app
from linkstar.config import get_settings
from tests.inbox.seed import seed_inbox

runner = CliRunner()


@pytest.fixture
def org(monkeypatch, settings, sessions, tenant) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LINKSTAR_ENV", "test")
    monkeypatch.setenv("LINKSTAR_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LINKSTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LINKSTAR_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("LINKSTAR_ENCRYPTION_KEY", settings.encryption_key.get_secret_value())
    widths = [(c, c._width) for c in (context.console, context.err_console)]
    for c, _ in widths:
        c._width = 250
    get_settings.cache_clear()
    seed_inbox(sessions, tenant.org.id, "Cli")
    yield tenant.org.slug
    for c, width in widths:
        c._width = width
    get_settings.cache_clear()


def test_threads_lists_the_organisations_threads(org):
    result = runner.invoke(app, ["inbox", "threads", "--org", org], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "buyer-cli@example.com" not in result.output  # the name is shown
    assert "Buyer Cli" in result.output and "Order Cli" in result.output
    assert "where_is_my_order" in result.output and " ok " in result.output
    none = runner.invoke(app, ["inbox", "threads", "--org", org, "--status", "closed"])
    assert none.exit_code == 0 and "Buyer Cli" not in none.output


def test_unknown_organisation_and_filter_are_one_line_errors(org):
    missing = runner.invoke(app, ["inbox", "threads", "--org", "nope"])
    assert missing.exit_code == 1 and "no organisation with slug 'nope'" in missing.output
    bad = runner.invoke(app, ["inbox", "threads", "--org", org, "--sla", "late"])
    assert bad.exit_code == 1 and "unknown sla 'late'" in bad.output


def test_approvals_list_approve_and_reject(org, sessions, tenant):
    from sqlalchemy import select

    from linkstar.inbox.models import InboxMessage, InboxThread
    from tests.inbox.seed import seed_held_reply

    with sessions() as s:
        thread_id = s.scalars(select(InboxThread.id)).one()
    first = seed_held_reply(sessions, tenant.org.id, thread_id, "One")
    second = seed_held_reply(sessions, tenant.org.id, thread_id, "Two")
    listed = runner.invoke(app, ["inbox", "approvals", "--org", org], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    assert first in listed.output and second in listed.output and "legal_threat" in listed.output
    ok = runner.invoke(app, ["inbox", "approve", first, "--org", org, "--comment", "fine"])
    assert ok.exit_code == 0 and f"approved {first}" in ok.output
    no = runner.invoke(app, ["inbox", "reject", second, "--org", org])
    assert no.exit_code != 0  # a rejection needs --comment
    no = runner.invoke(app, ["inbox", "reject", second, "--org", org, "--comment", "rude"])
    assert no.exit_code == 0 and "nothing was sent" in no.output
    again = runner.invoke(app, ["inbox", "approve", second, "--org", org])
    assert again.exit_code == 1 and "already rejected" in again.output
    with sessions() as s:
        states = {m.id: m.outbound_status for m in s.scalars(select(InboxMessage))}
    assert (states[first], states[second]) == ("queued", "rejected")
    decided = runner.invoke(app, ["inbox", "approvals", "--org", org, "--state", "rejected"])
    assert second in decided.output and first not in decided.output
