"""The inbox in headless Chromium: open a thread, reply with a template, see it queued."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxMessage
from tests.conftest import OWNER_PASSWORD
from tests.web.test_browser import page  # noqa: F401  (the Chromium tab fixture)

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, tenant, path: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server}/login?next={path}")
    page.fill("#f-email", tenant.owner.email)
    page.fill("#f-password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_server}{path}")


def test_open_thread_reply_with_template(page, live_server, tenant, seeded, sessions):  # noqa: F811
    from playwright.sync_api import expect

    _sign_in(page, live_server, tenant, "/inbox/threads")
    page.click("text=Buyer Alpha")
    expect(page.locator("h1")).to_contain_text("Order Alpha")
    expect(page.locator(".inbox-badges").first).to_contain_text("where is my order")
    page.select_option("#reply-template", label="Where is my order (where is my order)")
    page.select_option("select[name=language]", "es")
    page.click("button:has-text('Preview')")
    expect(page.locator("#reply-preview")).to_contain_text("Hola Buyer, gracias.")
    expect(page.locator("#reply-findings")).to_contain_text("No compliance findings")
    page.click("#reply-send")
    expect(page.locator("#flash, .notice").first).to_contain_text("Reply queued for sending.")
    expect(page.locator(".inbox-message.out").last).to_contain_text("queued")
    with unit_of_work(sessions) as s:
        out = s.scalars(select(InboxMessage).where(InboxMessage.outbound_status == "queued")).one()
        assert (out.outbound_status, out.text) == ("queued", "Hola Buyer, gracias.")
    assert page.problems == []


def test_approve_a_held_reply(page, live_server, tenant, seeded, sessions):  # noqa: F811
    from playwright.sync_api import expect

    _sign_in(page, live_server, tenant, "/inbox/approvals")
    held = page.locator(f"#approval-{seeded.reply_id}")
    expect(held).to_contain_text("legal threat")
    expect(held).to_contain_text("our lawyer has read your message")
    held.locator("details summary").click()
    held.locator("textarea[name=body]").fill("Thank you, we have answered your question by phone.")
    held.locator("input[name=comment]").first.fill("softer")
    held.locator("button:has-text('Save edit and approve')").click()
    expect(page.locator("#flash, .notice").first).to_contain_text("approved and queued")
    expect(page.locator(".empty-state")).to_contain_text("No pending replies")
    with unit_of_work(sessions) as s:
        out = s.get(InboxMessage, seeded.reply_id)
        assert out is not None and out.outbound_status == "queued"
        assert out.text == "Thank you, we have answered your question by phone."
    assert page.problems == []
