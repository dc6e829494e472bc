"""Website contact forms posted to a signed webhook endpoint land in the inbox as threads."""

from __future__ import annotations

from sqlalchemy import select

from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.jobs.runner import Outcome
from linkstar.tracking.hooks.schemas import EndpointKind
from linkstar.tracking.models import TrackingDeadLetter
from tests.tracking.hooks.conftest import compact

FORM = {
    "id": "form-5501",
    "submitted_at": "2026-12-03T08:15:00Z",
    "email": "Lena.Fischer@example.de",
    "name": "Lena Fischer",
    "subject": "Bestellung #1065",
    "message": "Hallo, wo ist meine Bestellung #1065? Sie ist seit zwei Wochen unterwegs.",
    "order_number": "#1065",
}


def test_a_signed_contact_form_becomes_one_thread_once(hooks, tenant):
    hook = hooks.endpoint(tenant, EndpointKind.inbox_contact_form)
    body = compact(FORM)
    first = hooks.post(hook, body)
    assert first.status_code == 202, first.text
    assert hooks.run_jobs() == [Outcome.done]
    again = hooks.post(hook, body)  # the form plugin retries: the same job, nothing new
    assert again.json()["duplicate"] is True
    assert hooks.run_jobs() == []
    with hooks.sessions() as s:
        [thread] = s.scalars(select(InboxThread)).all()
        [message] = s.scalars(select(InboxMessage)).all()
        assert (thread.channel, thread.buyer_address) == ("website", "lena.fischer@example.de")
        assert thread.organisation_id == tenant.org.id
        assert message.external_id == "form-5501" and message.text == FORM["message"]
        assert s.get(InboxMessage, message.id).raw == body  # kept byte for byte


def test_a_tampered_form_is_401_and_a_dead_letter_only(hooks, tenant):
    hook = hooks.endpoint(tenant, EndpointKind.inbox_contact_form)
    body = compact(FORM)
    signed_for = hook.headers(body)
    before = hooks.written()
    refused = hooks.post(hook, body.replace(b"5501", b"5502"), signed_for)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_signature"
    after = hooks.written()
    assert after == {**before, "tracking_dead_letters": before["tracking_dead_letters"] + 1}
    assert hooks.count(InboxMessage) == 0


def test_a_signed_form_that_is_not_a_form_is_dead_lettered_with_the_reason(hooks, tenant):
    hook = hooks.endpoint(tenant, EndpointKind.inbox_contact_form)
    accepted = hooks.post(hook, compact({"id": "form-9", "email": "not-an-address"}))
    assert accepted.status_code == 202
    assert hooks.run_jobs() == [Outcome.done]  # retrying would not change the body
    [dead] = hooks.tracking_dead_letters()
    assert dead.source == "contact_form" and "$.email" in dead.reason
    assert hooks.count(InboxMessage) == 0 and hooks.count(TrackingDeadLetter) == 1
