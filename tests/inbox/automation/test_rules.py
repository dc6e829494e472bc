"""Rules engine: validation with JSON paths, evaluation order, stop, loops, round-robin, dry run."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from linkstar.inbox.core.automation.actions import PlannedAction, Tag, execute
from linkstar.inbox.core.automation.rules import (
    MAX_CHAIN_DEPTH,
    Event,
    RuleInvalid,
    StoredRule,
    compile_rules,
    dry_run,
    evaluate,
    parse_rule,
)

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def rule(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "refunds to billing",
        "trigger": {"event": "message_received"},
        "when": {"field": "message.intent", "op": "eq", "value": "refund_request"},
        "actions": [{"type": "tag", "tags": ["refund"]}],
    }
    return base | overrides


def stored(rule_id: str, position: int, **overrides: Any) -> StoredRule:
    return StoredRule(rule_id, 1, position, parse_rule(rule(**overrides)))


def event(kind: str = "message_received", **kw: Any) -> Event:
    return Event(kind, kw.pop("id", "e1"), kw.pop("thread_id", "t1"), NOW, **kw)


SNAP = {
    "message": {"intent": "refund_request", "text": "I want my money back"},
    "order": {"total_amount": 12000, "placed_at": NOW - timedelta(hours=30)},
    "thread": {"channel": "amazon", "tags": ["vip"]},
}


def errors_of(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(RuleInvalid) as caught:
        parse_rule(data)
    return caught.value.errors


def test_errors_name_the_json_path_of_every_problem() -> None:
    errors = errors_of(
        rule(
            trigger={"event": "thread_idle"},
            when={"any": [{"field": "message.intent", "op": "like", "value": 1}, {"not": 3}]},
            actions=[{"type": "snooze", "hours": 0}, {"type": "assign"}],
        )
    )
    assert [p for p, _ in errors] == [
        "$.when.any[0].op",
        "$.when.any[1].not",
        "$.trigger",
        "$.actions[0].hours",
        "$.actions[1]",
    ]
    assert errors[2][1] == "thread_idle needs business_hours"
    assert errors[4][1] == "assign takes exactly one of agent or team"


@pytest.mark.parametrize(
    ("when", "path", "message"),
    [
        ({"field": "secret.x", "op": "eq", "value": 1}, "$.when.field", "is not a path"),
        ({"field": "message.text", "op": "matches", "value": "(["}, "$.when.value", "invalid reg"),
        ({"field": "message.text", "op": "matches", "value": "a" * 301}, "$.when.value", "at most"),
        ({"field": "order.total", "op": "gt", "value": "lots"}, "$.when.value", "a number or"),
        ({"field": "order.total", "op": "in", "value": []}, "$.when.value", "non-empty list"),
        ({"field": "order.total", "op": "eq"}, "$.when.value", "eq needs a value"),
        *[
            ({"field": "order.placed_at", "op": "within_hours", "value": v}, "$.when.value", "(0, ")
            for v in (0, float("nan"), float("inf"))
        ],
        ({"all": []}, "$.when.all", "non-empty list"),
        ({"all": [], "any": []}, "$.when", "exactly one key"),
        ({"field": "order.total", "op": "eq", "value": 1, "x": 2}, "$.when", "unknown key"),
    ],
)
def test_condition_errors(when: Any, path: str, message: str) -> None:
    errors = errors_of(rule(when=when))
    assert errors[0][0] == path
    assert message in errors[0][1]


def test_action_and_trigger_errors() -> None:
    assert errors_of(rule(actions=[]))[0][0] == "$.actions"
    assert errors_of(rule(actions=[{"type": "call_webhook", "url": "ftp://x"}])) == [
        ("$.actions[0].url", "url must be an absolute http(s) URL")
    ]
    assert errors_of(rule(trigger={"event": "message_received", "business_hours": 3}))[0] == (
        "$.trigger",
        "business_hours only applies to thread_idle",
    )
    assert errors_of(rule(extra=1))[0][0] == "$.extra"


def test_rules_run_in_position_order_and_stop_processing_ends_the_pass() -> None:
    rules = compile_rules(
        [
            stored("c", 3),
            stored("a", 1, actions=[{"type": "set_priority", "priority": "high"}]),
            stored("b", 2, stop_processing=True),
        ]
    )
    plan = evaluate(rules, event(), SNAP)
    assert plan.matched == ("a", "b")
    assert plan.stopped_by == "b"
    assert [(a.rule_id, a.type) for a in plan.actions] == [("a", "set_priority"), ("b", "tag")]


def test_inactive_rules_and_other_triggers_do_not_run() -> None:
    rules = compile_rules(
        [
            StoredRule("off", 1, 0, parse_rule(rule()), active=False),
            stored("created", 1, trigger={"event": "thread_created"}),
        ]
    )
    assert evaluate(rules, event(), SNAP).matched == ()
    assert evaluate(rules, event("thread_created"), SNAP).matched == ("created",)


def test_trigger_filters() -> None:
    triggers = [
        {"event": "thread_idle", "business_hours": 24},
        {"event": "sla_due", "sla_states": ["overdue"]},
        {"event": "order_status_changed", "to_statuses": ["shipped"]},
    ]
    names = ["idle24", "overdue", "shipped"]
    rules = compile_rules(
        [stored(n, i, trigger=t, when=None) for i, (n, t) in enumerate(zip(names, triggers))]
    )
    idle = evaluate(rules, event("thread_idle", data={"idle_business_hours": 8}), SNAP)
    assert idle.matched == ()
    idle = evaluate(rules, event("thread_idle", data={"idle_business_hours": 24}), SNAP)
    assert idle.matched == ("idle24",)
    assert evaluate(rules, event("sla_due", data={"sla_state": "due_soon"}), SNAP).matched == ()
    assert evaluate(rules, event("sla_due", data={"sla_state": "overdue"}), SNAP).matched == (
        "overdue",
    )
    changed = evaluate(rules, event("order_status_changed", data={"to_status": "shipped"}), SNAP)
    assert changed.matched == ("shipped",)


def test_event_fields_are_visible_to_conditions() -> None:
    rules = compile_rules(
        [
            stored(
                "x",
                0,
                trigger={"event": "shipment_exception"},
                when={"field": "event.code", "op": "in", "value": ["customs_hold"]},
            )
        ]
    )
    hit = evaluate(rules, event("shipment_exception", data={"code": "customs_hold"}), SNAP)
    assert hit.matched == ("x",)


def test_a_rule_fires_once_per_thread_per_event_id() -> None:
    rules = compile_rules([stored("a", 0)])
    first = evaluate(rules, event(), SNAP)
    again = evaluate(rules, event(), SNAP, fired=set(first.fired_keys()))
    assert first.fired_keys() == (("a", "t1", "e1"),)
    assert again.matched == () and again.actions == ()
    assert [(s.rule_id, s.reason) for s in again.skipped] == [("a", "already_fired")]
    assert evaluate(rules, event(id="e2"), SNAP, fired=set(first.fired_keys())).matched == ("a",)


def test_caused_events_do_not_retrigger_the_chain_and_stop_at_max_depth() -> None:
    rules = compile_rules([stored("a", 0), stored("b", 1)])
    root = event()
    plan = evaluate(rules, root, SNAP)
    child = root.caused_by(plan.matched, "message_received", "e1.1")
    assert child.depth == 1 and child.causation_id == "e1" and child.chain == {"a", "b"}
    again = evaluate(rules, child, SNAP)
    assert again.matched == ()
    assert {s.reason for s in again.skipped} == {"same_chain"}
    deep = Event("message_received", "e9", "t1", NOW, depth=MAX_CHAIN_DEPTH)
    assert evaluate(rules, deep, SNAP).actions == ()
    assert {s.reason for s in evaluate(rules, deep, SNAP).skipped} == {"max_depth"}


def test_round_robin_is_deterministic_given_the_stored_counter() -> None:
    assign = {"type": "assign", "team": "support", "round_robin": ["ann", "bo", "cy"]}
    rules = compile_rules([stored("a", 0, actions=[assign]), stored("b", 1, actions=[assign])])
    plan = evaluate(rules, event(), SNAP, counters={"team:support": 4})
    assert [a.resolved["agent"] for a in plan.actions] == ["bo", "cy"]
    assert plan.counters == {"team:support": 6}
    assert evaluate(rules, event(), SNAP, counters={"team:support": 4}) == plan


def test_plain_assign_needs_no_counter() -> None:
    rules = compile_rules([stored("a", 0, actions=[{"type": "assign", "agent": "ann"}])])
    plan = evaluate(rules, event(), SNAP)
    assert plan.counters == {} and plan.actions[0].resolved == {}


def test_evaluation_has_no_side_effects_on_the_snapshot() -> None:
    snapshot = {"message": {"intent": "refund_request"}}
    rules = compile_rules([stored("a", 0)])
    evaluate(rules, event(data={"x": 1}), snapshot)
    assert snapshot == {"message": {"intent": "refund_request"}}


def test_dry_run_reports_what_would_have_matched() -> None:
    definition = parse_rule(
        rule(actions=[{"type": "assign", "team": "t", "round_robin": ["ann", "bo"]}])
    )
    rows = dry_run(
        definition,
        "message_received",
        [
            (NOW, SNAP, {}),
            (NOW, {"message": {"intent": "other"}}, {}),
            (NOW, SNAP, {}),
        ],
    )
    assert [r.matched for r in rows] == [True, False, True]
    assert [a["resolved"]["agent"] for r in rows for a in r.actions] == ["ann", "bo"]
    assert rows[0].actions[0]["action"] == {
        "type": "assign",
        "team": "t",
        "round_robin": ["ann", "bo"],
    }


def test_executor_isolates_each_failing_action() -> None:
    actions = [PlannedAction("r", 1, "r", i, Tag(type="tag", tags=[str(i)]), {}) for i in range(3)]
    seen: list[int] = []

    def tag(planned: PlannedAction) -> int:
        if planned.index == 1:
            raise TimeoutError("webhook timed out")
        seen.append(planned.index)
        return planned.index

    outcomes = execute(actions, {"tag": tag})
    assert [(o.ok, o.error, o.result) for o in outcomes] == [
        (True, None, 0),
        (False, "TimeoutError: webhook timed out", None),
        (True, None, 2),
    ]
    assert seen == [0, 2]
    assert execute(actions[:1], {})[0].error == "no handler for tag"


def test_every_example_rule_is_valid() -> None:
    import json
    from pathlib import Path

    folder = Path(__file__).parents[3] / "examples" / "inbox" / "rules"
    files = sorted(folder.glob("*.json"))
    assert len(files) == 5
    for path in files:
        parse_rule(json.loads(path.read_text()))
