"""Inbox rules engine: events evaluated per second over 100 active rules (realistic mix).

100 rules spread over the six trigger events like a real workspace (most on
message_received), each with a 2-5 leaf AND/OR condition tree mixing eq/in/contains/matches/
gt/within_hours/exists over thread, message, order, shipment and buyer fields; 1-3 actions,
some round-robin. Events follow a realistic mix (70 % message_received). Reports events/s
(wall and process CPU), matched rules and planned actions per event.

Usage: python benchmarks/inbox_rules.py [--events N] [--rules N]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import report

from linkstar.inbox.core.automation.rules import (
    Event,
    StoredRule,
    compile_rules,
    evaluate,
    parse_rule,
)

SEED = 20261204
INTENTS = [
    "where_is_my_order", "delivery_problem", "return_request", "refund_request", "cancel_order",
    "change_order", "shipping_question", "invoice_request", "bulk_or_oem_inquiry",
    "price_negotiation", "product_question", "complaint", "feedback", "other",
]  # fmt: skip
CHANNELS = ["amazon", "ebay", "tiktok", "email", "shopify"]
EVENT_MIX = [
    ("message_received", 70),
    ("thread_created", 10),
    ("thread_idle", 8),
    ("sla_due", 5),
    ("order_status_changed", 4),
    ("shipment_exception", 3),
]
RULE_MIX = [
    ("message_received", 60),
    ("thread_created", 10),
    ("thread_idle", 10),
    ("sla_due", 8),
    ("order_status_changed", 6),
    ("shipment_exception", 6),
]
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def _leaf(rng: random.Random) -> dict[str, Any]:
    kind = rng.randrange(8)
    if kind == 0:
        return {"field": "message.intent", "op": "eq", "value": rng.choice(INTENTS)}
    if kind == 1:
        return {"field": "message.intent", "op": "in", "value": rng.sample(INTENTS, 3)}
    if kind == 2:
        return {"field": "thread.channel", "op": "in", "value": rng.sample(CHANNELS, 2)}
    if kind == 3:
        return {"field": "order.total_amount", "op": "gt", "value": rng.choice([5000, 20000])}
    if kind == 4:
        word = rng.choice(["refund", "broken", "wholesale", "invoice", "late", "lawyer"])
        return {"field": "message.text", "op": "contains", "value": word}
    if kind == 5:
        pattern = rng.choice([r"\b(moq|oem|odm)\b", r"(?i)\bchargeback\b", r"#\d{3}-\d{7}"])
        return {"field": "message.text", "op": "matches", "value": pattern}
    if kind == 6:
        return {"field": "order.placed_at", "op": "within_hours", "value": rng.choice([24, 72])}
    return {"field": "shipment.status", "op": "eq", "value": rng.choice(["exception", "delayed"])}


def _tree(rng: random.Random) -> dict[str, Any]:
    leaves = [_leaf(rng) for _ in range(rng.randint(2, 5))]
    if len(leaves) >= 4:
        return {"all": [leaves[0], {"any": leaves[1:3]}, *leaves[3:]]}
    return {rng.choice(["all", "any"]): leaves}


def _actions(rng: random.Random, i: int) -> list[dict[str, Any]]:
    pool: list[dict[str, Any]] = [
        {"type": "tag", "tags": [f"auto-{i}"]},
        {"type": "set_priority", "priority": rng.choice(["high", "urgent"])},
        {"type": "assign", "team": f"team-{i % 4}", "round_robin": ["ann", "bo", "cy"]},
        {"type": "reply_with_template", "template": f"tpl-{i % 9}"},
        {"type": "request_approval", "reason": "sensitive"},
    ]
    return rng.sample(pool, rng.randint(1, 3))


def make_rules(n: int, rng: random.Random) -> list[StoredRule]:
    """n realistic stored rules over the trigger mix."""
    events = [e for e, w in RULE_MIX for _ in range(w)]
    rules = []
    for i in range(n):
        event = events[i * len(events) // n]
        trigger: dict[str, Any] = {"event": event}
        if event == "thread_idle":
            trigger["business_hours"] = rng.choice([8, 24, 48])
        definition = parse_rule(
            {
                "name": f"rule {i}",
                "trigger": trigger,
                "when": _tree(rng),
                "actions": _actions(rng, i),
                "stop_processing": rng.random() < 0.05,
            }
        )
        rules.append(StoredRule(f"r{i}", 1, i, definition))
    return rules


def make_events(n: int, rng: random.Random) -> list[tuple[Event, dict[str, Any]]]:
    """n (event, snapshot) pairs following the event mix."""
    kinds = [e for e, w in EVENT_MIX for _ in range(w)]
    texts = [
        "Where is my order #112-1234567? It is late",
        "I want a refund, the item arrived broken",
        "Hi, we need 500 pcs with custom logo, what is your MOQ for OEM?",
        "Please send the invoice for my company",
        "My bank will file a chargeback if you do not answer",
        "Can you do a better price for 20 units?",
    ]
    out = []
    for i in range(n):
        kind = rng.choice(kinds)
        snapshot = {
            "thread": {"channel": rng.choice(CHANNELS), "priority": "normal", "tags": []},
            "message": {"intent": rng.choice(INTENTS), "text": rng.choice(texts)},
            "order": {
                "total_amount": rng.randrange(500, 50000),
                "placed_at": NOW - timedelta(hours=rng.randrange(1, 200)),
            },
            "shipment": {"status": rng.choice(["in_transit", "exception", "delayed", "delivered"])},
            "buyer": {"lifetime_value": rng.randrange(0, 200000)},
        }
        data: dict[str, Any] = {}
        if kind == "thread_idle":
            data = {"idle_business_hours": rng.choice([8, 24, 48, 72])}
        out.append((Event(kind, f"e{i}", f"t{i % 5000}", NOW, data), snapshot))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(SEED)
    start = time.perf_counter()
    compiled = compile_rules(make_rules(args.rules, rng))
    compile_s = time.perf_counter() - start
    events = make_events(args.events, rng)
    counters: dict[str, int] = {}
    matched = planned = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for event, snapshot in events:
        plan = evaluate(compiled, event, snapshot, counters=counters)
        if plan.counters:
            counters.update(plan.counters)
        matched += len(plan.matched)
        planned += len(plan.actions)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print("load (uptime):", os.getloadavg())
    report(
        "inbox_rules",
        [
            {
                "rules": len(compiled),
                "events": args.events,
                "compile_ms": compile_s * 1000,
                "events_per_s": args.events / wall,
                "events_per_cpu_s": args.events / cpu,
                "us_per_event_cpu": cpu / args.events * 1e6,
                "matched_per_event": matched / args.events,
                "actions_per_event": planned / args.events,
                "load_1min": os.getloadavg()[0],
            }
        ],
    )


if __name__ == "__main__":
    main()
