"""/api/v1 inbox routes through the HTTP client: ingest, list, read, act, reply, templates."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.workspace.core import Role
from tests.api.conftest import assert_error
from tests.inbox.seed import seed_inbox

EXAMPLE = Path(__file__).parents[2] / "examples" / "inbox" / "messages.json"


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_ingest_the_documented_example_twice(owner, sessions):
    body = json.loads(EXAMPLE.read_text("utf-8"))
    first = owner.post("/inbox/messages", json=body)
    assert first.status_code == 200, first.text
    result = first.json()
    assert (result["created"], result["duplicates"]) == (len(body["messages"]), 0)
    again = owner.post("/inbox/messages", json=body).json()
    assert (again["created"], again["duplicates"]) == (0, len(body["messages"]))
    with sessions() as s:
        stored = s.scalars(select(InboxMessage).order_by(InboxMessage.received_at)).first()
        assert stored is not None
        assert json.loads(stored.raw)["external_id"] == body["messages"][0]["external_id"]
        assert stored.raw_content_type == "application/json"


def test_list_filter_read_and_patch(owner, api, sessions, tenant):
    ids = seed_inbox(sessions, tenant.org.id, "Api")
    listed = owner.get("/inbox/threads", params={"intent": "where_is_my_order"}).json()
    assert [t["id"] for t in listed["items"]] == [ids["thread_id"]]
    assert listed["items"][0]["sla_state"] == "ok"
    assert owner.get("/inbox/threads", params={"sla": "overdue"}).json()["items"] == []
    assert_error(owner.get("/inbox/threads", params={"channel": "fax"}), 422, "invalid_input")
    detail = owner.get(f"/inbox/threads/{ids['thread_id']}").json()
    assert detail["messages"][0]["understanding"]["intent"] == "where_is_my_order"
    agent = api.add_user(tenant, Role.agent)
    patched = owner.patch(
        f"/inbox/threads/{ids['thread_id']}",
        json={"assignee_user_id": agent.id, "tags": ["vip"], "priority": "urgent"},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["assignee_user_id"], patched.json()["tags"]) == (agent.id, ["vip"])
    unknown = owner.patch(f"/inbox/threads/{ids['thread_id']}", json={"assignee_user_id": "x"})
    assert_error(unknown, 422, "invalid_input")
    audit = [e["action"] for e in api.audit(tenant.org.id)]
    assert audit.count("inbox.thread.update") == 1


def test_reply_from_template_queues_with_variables(owner, sessions, tenant):
    ids = seed_inbox(sessions, tenant.org.id, "Rep")
    url = f"/inbox/threads/{ids['thread_id']}/replies"
    # The seeded thread has no linked shipment: the template's shipment variables are missing.
    missing = owner.post(url, json={"template_id": ids["template_id"]})
    assert_error(missing, 422, "invalid_input")
    assert "undefined variable" in missing.json()["error"]["message"]
    ok = owner.post(url, json={"template_id": ids["template_id"], "language": "es"})
    assert ok.status_code == 201, ok.text
    reply = ok.json()
    assert reply["message"]["outbound_status"] == "queued"
    assert reply["message"]["text"] == "Hola Buyer, gracias."
    assert reply["job_id"]
    with sessions() as s:
        thread = s.get(InboxThread, ids["thread_id"])
        assert thread is not None and thread.first_response_at is not None


def test_reply_lint_errors_block_and_write_nothing(owner, api, sessions, tenant):
    ids = seed_inbox(sessions, tenant.org.id, "Lint")
    counts = api.counts()
    url = f"/inbox/threads/{ids['thread_id']}/replies"
    refused = owner.post(url, json={"body": "Best seller! <script>x</script>"})
    error = assert_error(refused, 422, "invalid_input")
    rules = {f["rule_id"] for f in error["details"]["findings"]}
    assert "html.script" in rules
    assert api.counts() == counts
    both = owner.post(url, json={"body": "hi", "template_id": ids["template_id"]})
    assert_error(both, 422, "invalid_input")


def test_templates_crud_and_preview(owner, sessions, tenant):
    created = owner.post(
        "/inbox/templates",
        json={"name": "Hi", "variants": {"en": {"subject": "Hi", "body": "Hi {{ buyer.name }}"}}},
    )
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    dup = owner.post("/inbox/templates", json={"name": "Hi", "variants": {"en": {"body": "again"}}})
    assert_error(dup, 409, "conflict")
    broken = owner.patch(f"/inbox/templates/{tid}", json={"variants": {"en": {"body": "{{ x"}}})
    assert_error(broken, 422, "invalid_input")
    assert "line 1" in broken.json()["error"]["message"]
    changed = owner.patch(f"/inbox/templates/{tid}", json={"active": False})
    assert (changed.json()["version"], changed.json()["active"]) == (2, False)
    preview = owner.post("/inbox/templates/preview", json={"template_id": tid, "language": "en"})
    assert preview.json()["body"] == "Hi Emily Carter"
    inline = owner.post(
        "/inbox/templates/preview",
        json={"body": "We are the #1 rated shop, {{ buyer.first_name }}", "language": "en"},
    ).json()
    assert inline["body"] == "We are the #1 rated shop, Emily"
    assert [f["severity"] for f in inline["findings"]] == ["error"]  # forbidden claim
