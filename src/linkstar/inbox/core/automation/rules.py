"""Inbox automation rules: trigger event → condition tree → ordered actions, all as data.

`parse_rule` validates a JSON definition (every problem reported with its JSON path),
`compile_rules` turns stored rules into closures once, and `evaluate` returns a `Plan` for one
event on one thread snapshot without side effects. Semantics: rules run in position order; a
matching rule with `stop_processing` ends the pass; a rule fires at most once per thread per
event id (the caller passes the keys already fired, from the audit table); events caused by
rule actions carry a depth and the chain of rules that caused them, so a rule never re-triggers
itself in one chain and nothing runs past depth `MAX_CHAIN_DEPTH`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from linkstar.inbox.core.automation.actions import Action, Assign, PlannedAction
from linkstar.inbox.core.automation.conditions import (
    Check,
    Errors,
    compile_condition,
    validate_condition,
)
from linkstar.kit.errors import InvalidInput

MAX_CHAIN_DEPTH = 3
EVENTS = (
    "message_received",
    "thread_created",
    "thread_idle",
    "sla_due",
    "order_status_changed",
    "shipment_exception",
)


class RuleInvalid(InvalidInput):
    """A rule definition with problems; `details.errors` lists each with its JSON path."""

    code = "rule_invalid"

    def __init__(self, errors: Errors) -> None:
        first = "; ".join(f"{p}: {m}" for p, m in errors[:3])
        super().__init__(
            f"invalid rule, {len(errors)} problem(s): {first}",
            {"errors": [{"path": p, "message": m} for p, m in errors]},
        )
        self.errors = errors


class Trigger(BaseModel):
    """The event a rule listens to, with the event-specific filter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: Literal[
        "message_received",
        "thread_created",
        "thread_idle",
        "sla_due",
        "order_status_changed",
        "shipment_exception",
    ]
    # thread_idle: fire once the thread has been idle this many business hours.
    business_hours: Annotated[float, Field(gt=0, le=24 * 365)] | None = None
    # sla_due: which SLA state fires the rule (default both).
    sla_states: list[Literal["due_soon", "overdue"]] | None = None
    # order_status_changed: only these new statuses (default any).
    to_statuses: (
        Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)] | None
    ) = None

    @model_validator(mode="after")
    def _fits_event(self) -> Trigger:
        """Cross-field checks that need the event type."""
        if self.event == "thread_idle" and self.business_hours is None:
            raise ValueError("thread_idle needs business_hours")
        if self.event != "thread_idle" and self.business_hours is not None:
            raise ValueError("business_hours only applies to thread_idle")
        if self.event != "sla_due" and self.sla_states is not None:
            raise ValueError("sla_states only applies to sla_due")
        if self.event != "order_status_changed" and self.to_statuses is not None:
            raise ValueError("to_statuses only applies to order_status_changed")
        return self


class RuleDefinition(BaseModel):
    """A rule as stored (JSON): name, trigger, optional condition tree, ordered actions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] = ""
    trigger: Trigger
    when: dict[str, Any] | None = None
    actions: Annotated[list[Action], Field(min_length=1, max_length=20)]
    stop_processing: bool = False


_ADAPTER = TypeAdapter(RuleDefinition)


def _json_path(loc: Iterable[int | str]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parse_rule(data: Any) -> RuleDefinition:
    """A validated rule, or RuleInvalid listing every problem with its JSON path."""
    errors: Errors = []
    if isinstance(data, dict) and "when" in data and data["when"] is not None:
        validate_condition(data["when"], "$.when", errors)
    try:
        rule = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p in _ACTION_TAGS)]
            if loc[:1] == ["when"] and errors:
                continue  # the condition validator already explained it with a precise path
            message = str(err["msg"]).removeprefix("Value error, ")
            errors.append((_json_path(loc), message))
        raise RuleInvalid(errors) from None
    if errors:
        raise RuleInvalid(errors)
    return rule


_ACTION_TAGS = frozenset(
    {
        "reply_with_template",
        "assign",
        "tag",
        "set_priority",
        "request_approval",
        "snooze",
        "close",
        "call_webhook",
        "schedule_follow_up",
    }
)


@dataclass(frozen=True, slots=True)
class StoredRule:
    """A rule as the store hands it to the engine: id, version, position, active flag."""

    id: str
    version: int
    position: int
    definition: RuleDefinition
    active: bool = True


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    version: int
    position: int
    name: str
    trigger: Trigger
    check: Check
    actions: tuple[Any, ...]
    stop_processing: bool
    filtered: bool  # whether the trigger has an event-specific filter to check


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """Active rules compiled once, grouped by trigger event in position order."""

    by_event: Mapping[str, tuple[CompiledRule, ...]]

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_event.values())


def compile_rule(rule: StoredRule) -> CompiledRule:
    """One stored rule as closures."""
    d = rule.definition
    return CompiledRule(
        rule.id,
        rule.version,
        rule.position,
        d.name,
        d.trigger,
        compile_condition(d.when),
        tuple(d.actions),
        d.stop_processing,
        d.trigger.business_hours is not None
        or d.trigger.sla_states is not None
        or d.trigger.to_statuses is not None,
    )


def compile_rules(rules: Iterable[StoredRule]) -> CompiledRules:
    """Compile the active rules once; evaluation then only calls closures."""
    ordered = sorted((r for r in rules if r.active), key=lambda r: (r.position, r.id))
    grouped: dict[str, list[CompiledRule]] = {e: [] for e in EVENTS}
    for rule in ordered:
        grouped[rule.definition.trigger.event].append(compile_rule(rule))
    return CompiledRules({k: tuple(v) for k, v in grouped.items()})


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a thread; `depth`/`chain` trace events caused by rules."""

    type: str
    id: str
    thread_id: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    depth: int = 0
    causation_id: str | None = None
    chain: frozenset[str] = frozenset()  # ids of the rules whose actions caused this event

    def caused_by(self, rule_ids: Iterable[str], event_type: str, event_id: str) -> Event:
        """The follow-on event that rule actions cause (one level deeper in the chain)."""
        return Event(
            event_type,
            event_id,
            self.thread_id,
            self.at,
            {},
            self.depth + 1,
            self.id,
            self.chain | frozenset(rule_ids),
        )


@dataclass(frozen=True, slots=True)
class Skipped:
    rule_id: str
    reason: str  # already_fired | same_chain | max_depth


@dataclass(frozen=True, slots=True)
class Plan:
    """What the matching rules want done, in order; evaluation itself changes nothing."""

    event_id: str
    thread_id: str
    actions: tuple[PlannedAction, ...]
    matched: tuple[str, ...]  # rule ids in order
    skipped: tuple[Skipped, ...] = ()
    counters: Mapping[str, int] = field(default_factory=dict)  # round-robin counters to store
    stopped_by: str | None = None

    def fired_keys(self) -> tuple[tuple[str, str, str], ...]:
        """(rule id, thread id, event id) for every rule that fired, to store as run records."""
        return tuple((r, self.thread_id, self.event_id) for r in self.matched)


def _trigger_fits(trigger: Trigger, event: Event) -> bool:
    if trigger.event == "thread_idle":
        idle = event.data.get("idle_business_hours")
        return (
            isinstance(idle, int | float)
            and trigger.business_hours is not None
            and (idle >= trigger.business_hours)
        )
    if trigger.event == "sla_due" and trigger.sla_states is not None:
        return event.data.get("sla_state") in trigger.sla_states
    if trigger.event == "order_status_changed" and trigger.to_statuses is not None:
        return event.data.get("to_status") in trigger.to_statuses
    return True


def evaluate(
    compiled: CompiledRules,
    event: Event,
    snapshot: Mapping[str, Any],
    *,
    fired: frozenset[tuple[str, str, str]] | set[tuple[str, str, str]] = frozenset(),
    counters: Mapping[str, int] | None = None,
) -> Plan:
    """The plan for one event on one thread snapshot (pure: no side effects)."""
    rules = compiled.by_event.get(event.type, ())
    if event.depth >= MAX_CHAIN_DEPTH:
        too_deep = tuple(Skipped(r.id, "max_depth") for r in rules)
        return Plan(event.id, event.thread_id, (), (), too_deep)
    if event.data:
        # Expose the event's own fields to conditions as `event.*`.
        snapshot = {**snapshot, "event": {"type": event.type, **event.data}}
    actions: list[PlannedAction] = []
    matched: list[str] = []
    skipped: list[Skipped] = []
    new_counters: dict[str, int] = {}
    stopped_by = None
    now = event.at
    for rule in rules:
        if rule.filtered and not _trigger_fits(rule.trigger, event):
            continue
        if not rule.check(snapshot, now):
            continue
        if rule.id in event.chain:
            skipped.append(Skipped(rule.id, "same_chain"))
            continue
        if fired and (rule.id, event.thread_id, event.id) in fired:
            skipped.append(Skipped(rule.id, "already_fired"))
            continue
        matched.append(rule.id)
        for index, action in enumerate(rule.actions):
            resolved: Mapping[str, Any] = {}
            if isinstance(action, Assign) and action.round_robin:
                resolved = _round_robin(action, counters or {}, new_counters)
            actions.append(PlannedAction(rule.id, rule.version, rule.name, index, action, resolved))
        if rule.stop_processing:
            stopped_by = rule.id
            break
    return Plan(
        event.id,
        event.thread_id,
        tuple(actions),
        tuple(matched),
        tuple(skipped),
        new_counters,
        stopped_by,
    )


def round_robin_key(action: Assign) -> str:
    """The stored counter a round-robin assignment advances (one per team)."""
    return f"team:{action.team}"


def _round_robin(
    action: Assign, stored: Mapping[str, int], pending: dict[str, int]
) -> Mapping[str, Any]:
    assert action.round_robin is not None
    key = round_robin_key(action)
    count = pending.get(key, stored.get(key, 0))
    agent = action.round_robin[count % len(action.round_robin)]
    pending[key] = count + 1
    return {"agent": agent, "counter": key, "turn": count}


@dataclass(frozen=True, slots=True)
class DryRunRow:
    snapshot_index: int
    matched: bool
    actions: tuple[dict[str, Any], ...]


def dry_run(
    rule: RuleDefinition,
    event_type: str,
    snapshots: Sequence[tuple[datetime, Mapping[str, Any], Mapping[str, Any]]],
) -> list[DryRunRow]:
    """Replay one rule against past (time, snapshot, event data) triples: what it would do."""
    compiled = compile_rules([StoredRule("dry-run", 0, 0, rule)])
    rows: list[DryRunRow] = []
    counters: dict[str, int] = {}
    for i, (at, snapshot, data) in enumerate(snapshots):
        event = Event(event_type, f"dry-run-{i}", str(i), at, data)
        plan = evaluate(compiled, event, snapshot, counters=counters)
        counters.update(plan.counters)
        rows.append(DryRunRow(i, bool(plan.matched), tuple(a.as_json() for a in plan.actions)))
    return rows
