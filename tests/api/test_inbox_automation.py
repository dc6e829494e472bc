"""Inbox automation API: rules with versions and dry run, A/B tests with outcomes and promotion."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import assert_error
from tests.api.test_tenant_isolation import BODIES

RULE = BODIES[("POST", "/api/v1/inbox/rules")]
TEST = BODIES[("POST", "/api/v1/inbox/ab-tests")]


def test_rule_lifecycle_with_versions(api, tenant):
    caller = api.with_key(tenant)
    r = caller.post("/inbox/rules", json=RULE)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert (rule["position"], rule["version"], rule["active"]) == (1, 1, True)
    assert rule["trigger_event"] == "message_received"
    assert rule["definition"]["actions"] == RULE["actions"]
    second = caller.post("/inbox/rules", json={**RULE, "name": "First now", "position": 1}).json()
    assert second["position"] == 1
    assert [x["name"] for x in caller.get("/inbox/rules").json()["items"]] == [
        "First now",
        "Refunds to billing",
    ]
    patched = caller.patch(f"/inbox/rules/{rule['id']}", json={"stop_processing": True})
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2 and patched.json()["definition"]["stop_processing"]
    only_flag = caller.patch(f"/inbox/rules/{rule['id']}", json={"active": False}).json()
    assert (only_flag["version"], only_flag["active"]) == (2, False)
    versions = caller.get(f"/inbox/rules/{rule['id']}/versions").json()["items"]
    assert [(v["version"], v["definition"]["stop_processing"]) for v in versions] == [
        (1, False),
        (2, True),
    ]
    assert caller.delete(f"/inbox/rules/{rule['id']}").status_code == 204
    assert_error(caller.get(f"/inbox/rules/{rule['id']}"), 404, "not_found")
    actions = [e["action"] for e in api.audit(tenant.org.id) if e["action"].startswith("inbox")]
    assert actions == [
        "inbox_rule.create",
        "inbox_rule.create",
        "inbox_rule.update",
        "inbox_rule.update",
        "inbox_rule.delete",
    ]


def test_invalid_rules_list_every_problem_and_write_nothing(api, tenant):
    caller = api.with_key(tenant)
    counts = api.counts()
    bad: dict[str, Any] = {
        **RULE,
        "trigger": {"event": "thread_idle"},
        "when": {"all": [{"field": "message.intent", "op": "like", "value": 1}]},
        "actions": [{"type": "call_webhook", "url": "file:///etc/passwd"}],
    }
    error = assert_error(caller.post("/inbox/rules", json=bad), 422, "rule_invalid")
    assert [(e["path"], e["message"]) for e in error["details"]["errors"]] == [
        ("$.when.all[0].op", error["details"]["errors"][0]["message"]),
        ("$.trigger", "thread_idle needs business_hours"),
        ("$.actions[0].url", "url must be an absolute http(s) URL"),
    ]
    assert api.counts() == counts


def test_dry_run_shows_what_the_rule_would_do(api, tenant):
    caller = api.with_key(tenant)
    counts = api.counts()
    body = {
        "rule": {**RULE, "stop_processing": True},
        "snapshots": [
            {"at": "2026-12-01T10:00:00Z", "snapshot": {"message": {"intent": "refund_request"}}},
            {"at": "2026-12-01T11:00:00Z", "snapshot": {"message": {"intent": "other"}}},
            {"at": "2026-12-01T12:00:00Z", "snapshot": {"message": {"intent": "refund_request"}}},
        ],
    }
    r = caller.post("/inbox/rules/dry-run", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["examined"], out["matched"]) == (3, 2)
    assert [row["matched"] for row in out["rows"]] == [True, False, True]
    assert [row["actions"][0]["resolved"]["agent"] for row in out["rows"] if row["matched"]] == [
        "ann",
        "bo",
    ]
    assert api.counts() == counts
    naive = {**body, "snapshots": [{"at": "2026-12-01T10:00:00", "snapshot": {}}]}
    assert_error(caller.post("/inbox/rules/dry-run", json=naive), 422, "invalid_input")


def test_ab_test_assigns_records_and_promotes_the_winner(api, tenant):
    caller = api.with_key(tenant)
    r = caller.post("/inbox/ab-tests", json={**TEST, "min_samples": 20})
    assert r.status_code == 201, r.text
    test = r.json()
    assert [(v["key"], v["percent"]) for v in test["variants"]] == [("short", 50), ("long", 50)]
    url = f"/inbox/ab-tests/{test['id']}/outcomes"
    seen: dict[str, str] = {}
    for i in range(120):
        first = caller.post(
            url, json={"subject_id": f"t{i}", "assigned_at": "2026-12-01T10:00:00Z"}
        )
        assert first.status_code == 200, first.text
        seen[f"t{i}"] = first.json()["variant_key"]
    # "short" gets answers on 80 % of its threads, "long" on 20 %.
    for n, (subject, key) in enumerate(seen.items()):
        replied = (n % 5 != 0) if key == "short" else (n % 5 == 0)
        body = {
            "subject_id": subject,
            "assigned_at": "2026-12-01T10:00:00Z",
            "buyer_replied": replied,
        }
        again = caller.post(url, json=body)
        assert again.json()["variant_key"] == key  # the assignment never changes
    results = caller.get(f"/inbox/ab-tests/{test['id']}/results").json()
    assert results["test"] == "z_test" and results["p_value"] < 0.001
    assert results["winner"] == "short" and results["enough_samples"]
    assert sum(v["n"] for v in results["variants"]) == 120
    read = caller.get(f"/inbox/ab-tests/{test['id']}").json()
    assert (read["status"], read["winner"]) == ("promoted", "short")
    # A promoted test takes no new threads.
    late = caller.post(url, json={"subject_id": "new", "assigned_at": "2026-12-02T10:00:00Z"})
    assert_error(late, 409, "conflict")
    assert "ab_test.promote" in [e["action"] for e in api.audit(tenant.org.id)]


def test_bad_ab_tests_are_refused_and_write_nothing(api, tenant):
    caller = api.with_key(tenant)
    counts = api.counts()
    uneven = {**TEST, "variants": [{**TEST["variants"][0], "percent": 70}, TEST["variants"][1]]}
    error = assert_error(caller.post("/inbox/ab-tests", json=uneven), 422, "invalid_input")
    assert "add up to 100, not 120" in error["message"]
    assert api.counts() == counts
    test = caller.post("/inbox/ab-tests", json=TEST).json()
    url = f"/inbox/ab-tests/{test['id']}/outcomes"
    counts = api.counts()
    body = {
        "subject_id": "t1",
        "assigned_at": "2026-12-02T10:00:00Z",
        "resolved_at": "2026-12-01T10:00:00Z",
    }
    assert_error(caller.post(url, json=body), 422, "invalid_input")
    assert api.counts() == counts
