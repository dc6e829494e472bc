"""Buyer-message polling per store as jobs, on recorded eBay GetMemberMessages pages through
httpx.MockTransport: off until enabled (demo stores never poll), planned once per due time,
cursor moved only by a complete window, bad messages kept as dead letters, backoff on errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from linkstar.db.outbox import JobContext, OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.inbox import dead_letters, message_polls, understanding
from linkstar.inbox.channels.polling import OVERLAP
from linkstar.inbox.models import InboxMessage, InboxMessagePoll, InboxThread
from linkstar.inbox.tasks import plan_message_polls
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput
from linkstar.orders.sync import connect
from linkstar.tracking.models import TrackingDeadLetter
from linkstar.workspace.models import Store
from tests.inbox.channels.test_marketplaces import FakeClock
from tests.inbox.seed import seed_only_classifier

PAYLOADS = Path(__file__).parent / "channels" / "payloads"
NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)  # FakeClock's start


@pytest.fixture
def box(settings) -> SecretBox:  # type: ignore[no-untyped-def]
    return SecretBox(settings.encryption_keys())


@pytest.fixture(autouse=True)
def small_model(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(understanding, "classifier", lambda settings: seed_only_classifier())


def _store(sessions, tenant, box, name: str, channel: str) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id, name=name, channel=channel, region="US",
            currency="USD", credentials_encrypted=box.seal({"access_token": "v^1.1#i^1#demo"}),
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def _env(handler: Callable[[httpx.Request], httpx.Response]) -> connect.SyncEnvironment:
    transport = httpx.MockTransport(handler)
    return connect.SyncEnvironment(lambda _s, _c: transport, FakeClock(), max_wait_seconds=0.0)


def _recorded(requests: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    pages = ["ebay_get_member_messages.xml", "ebay_get_member_messages_page2.xml"]

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=(PAYLOADS / pages[len(requests) - 1]).read_bytes())

    return handler


def test_stores_are_polled_only_once_enabled_and_then_once_per_due_time(sessions, tenant, box):
    ebay = _store(sessions, tenant, box, "Demo eBay", "ebay")
    _store(sessions, tenant, box, "Demo TikTok", "tiktok_shop")
    shopify = _store(sessions, tenant, box, "Shop", "shopify")
    with unit_of_work(sessions) as s:
        assert message_polls.plan(s, tenant.org.id, NOW) == []  # placeholder credentials: off
        with pytest.raises(InvalidInput, match="shopify stores have no buyer messages"):
            message_polls.set_polling(s, tenant.principal, shopify, True, 5)
    with unit_of_work(sessions) as s:
        message_polls.set_polling(s, tenant.principal, ebay, True, 5)
    with unit_of_work(sessions) as s:
        plan_message_polls(s, JobContext("j", message_polls.PLAN_JOB, tenant.org.id, {}))
        assert message_polls.plan(s, tenant.org.id, NOW) == []  # already enqueued
    with sessions() as s:
        jobs = list(s.scalars(select(OutboxJob).where(OutboxJob.name == message_polls.POLL_JOB)))
    assert [(j.payload, j.idempotency_key) for j in jobs] == [
        ({"store_id": ebay}, f"inbox.poll_store_messages:{ebay}@first")
    ]


def test_a_poll_stores_messages_keeps_bad_ones_and_moves_the_cursor(sessions, tenant, box):
    ebay = _store(sessions, tenant, box, "eBay", "ebay")
    with unit_of_work(sessions) as s:
        message_polls.set_polling(s, tenant.principal, ebay, True, 5)
    requests: list[httpx.Request] = []
    with unit_of_work(sessions) as s:
        done = message_polls.poll(s, tenant.org.id, ebay, box, _env(_recorded(requests)))
    assert (done.status, done.created, done.dead_letters) == ("ok", 3, 1)
    assert requests[0].headers["X-EBAY-API-IAF-TOKEN"] == "v^1.1#i^1#demo"
    assert str(requests[0].url).startswith("https://api.ebay.com/ws/api.dll")
    with sessions() as s:
        row = s.scalars(select(InboxMessagePoll)).one()
        assert (row.cursor, row.last_status, row.failures) == (NOW - OVERLAP, "ok", 0)
        assert row.next_run_at == NOW + timedelta(minutes=5)
        stored = list(s.scalars(select(InboxMessage)))
        assert {m.channel for m in stored} == {"ebay"} and len(stored) == 3
        assert {m.raw_content_type for m in stored} == {"application/xml"}
        dead = s.scalars(select(TrackingDeadLetter)).one()
        assert dead.source == "ebay_messages" and "MessageID" in dead.reason

    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    with unit_of_work(sessions) as s:
        broken = message_polls.poll(s, tenant.org.id, ebay, box, _env(failing))
    # The first retry would wait longer than a job may block: stop and come back later.
    assert (broken.status, broken.error) == (
        "error",
        "throttled: the next request is allowed in 1 s",
    )
    with sessions() as s:
        row = s.scalars(select(InboxMessagePoll)).one()
        assert (row.cursor, row.failures) == (NOW - OVERLAP, 1)  # the window is asked again
        assert row.next_run_at == NOW + timedelta(minutes=2)
        assert s.scalar(select(func.count()).select_from(InboxMessage)) == 3


def test_a_disabled_store_is_skipped_without_a_request(sessions, tenant, box):
    ebay = _store(sessions, tenant, box, "eBay", "ebay")
    with unit_of_work(sessions) as s:
        message_polls.set_polling(s, tenant.principal, ebay, False, 5)

    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be made")

    with unit_of_work(sessions) as s:
        outcome = message_polls.poll(s, tenant.org.id, ebay, box, _env(never))
    assert outcome.status == "skipped"


def _poll_tiktok(sessions, tenant, box):  # type: ignore[no-untyped-def]
    """A TikTok Shop store polled once over the recorded conversation (one message refused)."""
    with unit_of_work(sessions) as s:
        row = Store(
            organisation_id=tenant.org.id, name="TikTok", channel="tiktok_shop", region="US",
            currency="USD", credentials_encrypted=box.seal(
                {"access_token": "tts-token", "app_key": "a", "app_secret": "s",
                 "shop_cipher": "c"}),
        )  # fmt: skip
        s.add(row)
        s.flush()
        store_id = row.id
        message_polls.set_polling(s, tenant.principal, store_id, True, 5)
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        name = "tiktok_conversations.json"
        if not request.url.path.endswith("/conversations"):
            name = "tiktok_messages.json"
        return httpx.Response(200, content=(PAYLOADS / name).read_bytes())

    with unit_of_work(sessions) as s:
        # The recorded conversation is from early December: a cursor before it.
        s.scalars(select(InboxMessagePoll)).one().cursor = datetime.fromtimestamp(1764800000, UTC)
    with unit_of_work(sessions) as s:
        done = message_polls.poll(s, tenant.org.id, store_id, box, _env(handler))
    return store_id, done, requests


def test_a_tiktok_shop_store_is_polled_with_signed_requests(sessions, tenant, box):
    _store_id, done, requests = _poll_tiktok(sessions, tenant, box)
    assert (done.status, done.created, done.dead_letters) == ("ok", 3, 1)
    assert {r.headers["x-tts-access-token"] for r in requests} == {"tts-token"}
    assert all("sign" in r.url.params for r in requests)
    with sessions() as s:
        assert {m.channel for m in s.scalars(select(InboxMessage))} == {"tiktok"}
        assert s.scalars(select(TrackingDeadLetter)).one().source == "tiktok_shop_messages"


def _letter(sessions) -> TrackingDeadLetter:  # type: ignore[no-untyped-def]
    with sessions() as s:
        row = s.scalars(select(TrackingDeadLetter)).one()
        s.expunge(row)
        return row


def test_a_refused_tiktok_message_is_kept_with_its_store_and_retried_through_the_poll_parser(
    sessions, tenant, box
):
    store_id, _done, _requests = _poll_tiktok(sessions, tenant, box)
    dead = _letter(sessions)
    assert dead.headers == {"store_id": store_id, "conversation_id": "7434567890123456789",
                            "path": "$.data.messages[4]"}  # fmt: skip
    assert dead.reason == "is not valid JSON at $.data.messages[4].content"
    with unit_of_work(sessions) as s:  # an old reason, to see the retry write the new one
        s.get(TrackingDeadLetter, dead.id).reason = "stale"  # type: ignore[union-attr]
    before = _count(sessions, InboxMessage)

    with unit_of_work(sessions) as s:  # the same payload: refused again, nothing written
        again = dead_letters.retry(s, tenant.principal, dead.id)
    assert (again.messages, again.error) == (0, "is not valid JSON at $.data.messages[4].content")
    assert (_letter(sessions).state, _letter(sessions).reason) == ("new", again.error)
    assert _count(sessions, InboxMessage) == before

    # The platform's payload as a fixed parser would read it: stored in its store and thread.
    with unit_of_work(sessions) as s:
        row = s.get(TrackingDeadLetter, dead.id)
        assert row is not None
        body = json.loads(row.body)
        row.body = json.dumps({**body, "content": '{"content": "is it shipped?"}'})
    with unit_of_work(sessions) as s:
        done = dead_letters.retry(s, tenant.principal, dead.id)
    assert (done.messages, done.error, _letter(sessions).state) == (1, None, "retried")
    with sessions() as s:
        message = s.scalars(
            select(InboxMessage).where(InboxMessage.external_id == "7434567890123456798")
        ).one()
        thread = s.get(InboxThread, message.thread_id)
        assert (message.channel, message.text) == ("tiktok", "is it shipped?")
        assert thread is not None
        assert (thread.store_ref, thread.external_thread_id) == (store_id, "7434567890123456789")


def test_a_refused_ebay_exchange_is_retried_with_its_store(sessions, tenant, box):
    ebay = _store(sessions, tenant, box, "eBay", "ebay")
    with unit_of_work(sessions) as s:
        message_polls.set_polling(s, tenant.principal, ebay, True, 5)
    with unit_of_work(sessions) as s:
        message_polls.poll(s, tenant.org.id, ebay, box, _env(_recorded([])))
    dead = _letter(sessions)
    assert (dead.source, dead.headers["store_id"], dead.headers["path"]) == (
        "ebay_messages", ebay, "$.MemberMessageExchange[2]")  # fmt: skip
    with unit_of_work(sessions) as s:
        again = dead_letters.retry(s, tenant.principal, dead.id)
    assert again.error == dead.reason and _letter(sessions).state == "new"

    with unit_of_work(sessions) as s:  # a store deleted meanwhile: said, the letter stays
        s.get(TrackingDeadLetter, dead.id).headers = {"store_id": "0" * 32}  # type: ignore[union-attr]
    with unit_of_work(sessions) as s:
        gone = dead_letters.retry(s, tenant.principal, dead.id)
    assert gone.error == f"store {'0' * 32} is gone: discard this letter"
    assert _letter(sessions).state == "new"


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)
