"""Running the workspace's inbox rules on a new buyer message: plan (pure core), then act.

`inbox.automate` runs once per stored inbound message. The rules engine plans; each planned
action then runs in its own savepoint, so a failing action (an unknown agent, a template that
does not exist, a reply the channel's lint refuses) is recorded with its error and never undoes
or stops the others. Every fired rule leaves a run record with each action's outcome, and a
rule fires at most once per message (the run records are the memory).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linkstar.db.outbox import JobContext, enqueue
from linkstar.inbox import replies, service, settings_store
from linkstar.inbox.automation import ab_outcomes, rules_service
from linkstar.inbox.automation.models import InboxRuleRunRow
from linkstar.inbox.core.automation.actions import Assign, PlannedAction, execute
from linkstar.inbox.core.automation.calendar import add_business_hours
from linkstar.inbox.core.automation.rules import (
    CompiledRules,
    Event,
    Plan,
    evaluate,
    round_robin_key,
)
from linkstar.inbox.core.threads import ThreadStatus
from linkstar.inbox.models import InboxMessage, InboxTemplate, InboxThread
from linkstar.inbox.schemas import ReplyCreate
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.rating.cells import currency_exponent
from linkstar.workspace.core import Principal, system_principal
from linkstar.workspace.models import User

log = logging.getLogger(__name__)
WEBHOOK_JOB = "inbox.call_webhook"
FOLLOW_UP_JOB = "inbox.follow_up"


def snapshot(session: Session, thread: InboxThread, message: InboxMessage) -> dict[str, Any]:
    """The fields rules can test: the thread, the message, the buyer and the newest order."""
    understood = message.understanding or {}
    orders, shipments = service.linked_records(session, thread)
    order = orders[0].order if orders else None
    return {
        "thread": {
            "status": thread.status,
            "priority": thread.priority,
            "intent": thread.intent,
            "channel": thread.channel,
            "language": thread.language,
            "sentiment": thread.sentiment,
            "urgency": thread.urgency,
            "tags": list(thread.tags),
            "message_count": thread.message_count,
            "subject": thread.subject,
            "assigned": thread.assignee_user_id is not None,
        },
        "message": {
            "intent": understood.get("intent", "other"),
            "confidence": understood.get("confidence", 0.0),
            "language": understood.get("language", "unknown"),
            "sentiment": understood.get("sentiment", "neutral"),
            "urgency": understood.get("urgency", "normal"),
            "channel": message.channel,
            "subject": message.subject,
            "text": message.text,
            "entities": [e.get("kind") for e in understood.get("entities", [])],
        },
        "buyer": {"address": thread.buyer_address, "name": thread.buyer_name},
        "order": None
        if order is None
        else {
            "state": order.state,
            "channel": order.channel,
            "currency": order.currency,
            "total_amount": int(order.total * 10 ** currency_exponent(order.currency)),
        },
        "shipment": None if not shipments else {"status": shipments[0].shipment.status},
    }


def _counters(session: Session, organisation_id: str, compiled: CompiledRules) -> dict[str, int]:
    """Round-robin counters: how many times the rules assigning to each team have fired."""
    teams: dict[str, set[str]] = {}
    for rules in compiled.by_event.values():
        for rule in rules:
            for action in rule.actions:
                if isinstance(action, Assign) and action.round_robin:
                    teams.setdefault(round_robin_key(action), set()).add(rule.id)
    counters: dict[str, int] = {}
    for key, rule_ids in teams.items():
        counters[key] = (
            session.scalar(
                select(func.count())
                .select_from(InboxRuleRunRow)
                .where(
                    InboxRuleRunRow.organisation_id == organisation_id,
                    InboxRuleRunRow.rule_id.in_(sorted(rule_ids)),
                )
            )
            or 0
        )
    return counters


class _Actions:
    """The handlers of one plan, bound to its thread."""

    def __init__(self, session: Session, actor: Principal, thread: InboxThread, message_id: str):
        self.session, self.actor, self.thread, self.message_id = session, actor, thread, message_id

    def handlers(self) -> Mapping[str, Callable[[PlannedAction], Any]]:
        names = ("reply_with_template", "assign", "tag", "set_priority", "request_approval")
        more = ("snooze", "close", "call_webhook", "schedule_follow_up")
        return {name: self._savepoint(getattr(self, name)) for name in names + more}

    def _savepoint(self, handler: Callable[[Any], Any]) -> Callable[[PlannedAction], Any]:
        def run(planned: PlannedAction) -> Any:
            with self.session.begin_nested():
                return handler(planned)

        return run

    def reply_with_template(self, planned: PlannedAction) -> str:
        return self.reply(planned.action.template, planned.action.language)

    def reply(self, name: str, language: str | None = None) -> str:
        """Queue a reply from the active template called `name` (lint errors refuse it)."""
        template = self.session.scalars(
            select(InboxTemplate).where(
                InboxTemplate.organisation_id == self.thread.organisation_id,
                InboxTemplate.name == name,
                InboxTemplate.active.is_(True),
            )
        ).first()
        if template is None:
            raise InvalidInput(f"no active template named {name!r}")
        data = ReplyCreate(template_id=template.id, language=language)
        message, _findings, _job = replies.reply(self.session, self.actor, self.thread.id, data)
        return message.id

    def assign(self, planned: PlannedAction) -> str:
        agent = planned.resolved.get("agent") or planned.action.agent
        if agent is None:  # a team without round-robin: the team is a tag a person picks up
            self._add_tags([f"team:{planned.action.team}"])
            return f"team:{planned.action.team}"
        user = self.session.scalars(
            select(User).where(
                User.organisation_id == self.thread.organisation_id,
                func.lower(User.email) == str(agent).lower(),
            )
        ).first()
        if user is None:
            raise InvalidInput(f"no user with the e-mail {agent!r} in this workspace")
        self.thread.assignee_user_id = user.id
        return user.id

    def tag(self, planned: PlannedAction) -> list[str]:
        return self._add_tags(planned.action.tags)

    def _add_tags(self, tags: list[str]) -> list[str]:
        self.thread.tags = sorted({*self.thread.tags, *tags})
        return list(self.thread.tags)

    def set_priority(self, planned: PlannedAction) -> str:
        self.thread.priority = planned.action.priority
        return str(self.thread.priority)

    def request_approval(self, planned: PlannedAction) -> str:
        # A person must look before anything more is sent: the tag holds the thread's next
        # reply in the approval queue (set before the plan runs, see `run_plan`), and the
        # thread is raised to high priority.
        self._add_tags([replies.APPROVAL_TAG])
        if self.thread.priority in ("low", "normal"):
            self.thread.priority = "high"
        return str(planned.action.reason)

    def snooze(self, planned: PlannedAction) -> str:
        until = utcnow() + timedelta(hours=planned.action.hours)
        self.thread.status = ThreadStatus.snoozed.value
        self.thread.snoozed_until = until
        return until.isoformat()

    def close(self, planned: PlannedAction) -> str:
        if self.thread.status != ThreadStatus.closed.value:
            self.thread.status = ThreadStatus.closed.value
            ab_outcomes.thread_closed(self.session, self.thread)
        return self.thread.status

    def call_webhook(self, planned: PlannedAction) -> str:
        job = enqueue(
            self.session,
            WEBHOOK_JOB,
            {"url": planned.action.url, "thread_id": self.thread.id, "rule": planned.rule_name},
            organisation_id=self.thread.organisation_id,
            idempotency_key=f"{WEBHOOK_JOB}:{self.message_id}:{planned.rule_id}:{planned.index}",
        )
        return job.id

    def schedule_follow_up(self, planned: PlannedAction) -> str:
        settings = settings_store.load(self.session, self.thread.organisation_id)
        calendar = settings.calendar_of_timers()
        due = add_business_hours(calendar, utcnow(), planned.action.business_hours)
        job = enqueue(
            self.session,
            FOLLOW_UP_JOB,
            {
                "thread_id": self.thread.id,
                "template": planned.action.template,
                "after": self.message_id,
            },
            organisation_id=self.thread.organisation_id,
            idempotency_key=f"{FOLLOW_UP_JOB}:{self.message_id}:{planned.rule_id}:{planned.index}",
            run_after=due,
        )
        return job.id


def automate_message(session: Session, organisation_id: str, message_id: str) -> list[str]:
    """Run the rules on one stored inbound message; returns the ids of the rules that fired."""
    message = session.get(InboxMessage, message_id)
    if message is None or message.organisation_id != organisation_id or message.direction != "in":
        return []
    compiled = rules_service.load_compiled(session, organisation_id)
    if not compiled.by_event.get("message_received"):
        return []
    thread = session.get(InboxThread, message.thread_id)
    assert thread is not None  # the foreign key guarantees it
    event = Event("message_received", message.id, thread.id, utcnow())
    plan = evaluate(
        compiled,
        event,
        snapshot(session, thread, message),
        fired=rules_service.fired_keys(session, organisation_id, event),
        counters=_counters(session, organisation_id, compiled),
    )
    if not plan.matched:
        return []
    run_plan(session, thread, event, plan, message.id)
    return list(plan.matched)


def automate_event(
    session: Session, thread: InboxThread, event: Event, compiled: CompiledRules
) -> list[str]:
    """Run the rules of a timer event (`sla_due`, `thread_idle`) on a thread, against its
    newest message; returns the ids of the rules that fired (each once per event)."""
    message = session.scalars(
        select(InboxMessage)
        .where(
            InboxMessage.organisation_id == thread.organisation_id,
            InboxMessage.thread_id == thread.id,
        )
        .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc())
    ).first()
    if message is None:
        return []
    plan = evaluate(
        compiled,
        event,
        snapshot(session, thread, message),
        fired=rules_service.fired_keys(session, thread.organisation_id, event),
        counters=_counters(session, thread.organisation_id, compiled),
    )
    if plan.matched:
        run_plan(session, thread, event, plan, event.id)
    return list(plan.matched)


def run_plan(
    session: Session, thread: InboxThread, event: Event, plan: Plan, cause_id: str
) -> None:
    """Run a plan's actions on the thread (each in its savepoint) and record the runs."""
    if any(p.type == "request_approval" for p in plan.actions):
        # Held whatever the action order: a reply planned before the request waits too.
        thread.tags = sorted({*thread.tags, replies.APPROVAL_TAG})
    actor = system_principal(thread.organisation_id, "inbox rules")
    outcomes = execute(plan.actions, _Actions(session, actor, thread, cause_id).handlers())
    rules_service.record_runs(session, thread.organisation_id, event, plan, outcomes)
    session.flush()


def automate(session: Session, job: JobContext) -> None:
    """Job handler of `inbox.automate` (idempotent: a rule fires once per message)."""
    if not job.organisation_id:
        raise ValueError("inbox.automate needs the organisation of the message")
    fired = automate_message(session, job.organisation_id, str(job.payload["message_id"]))
    log.info("inbox rules on message %s: %s", job.payload["message_id"], fired or "none fired")


def call_webhook(session: Session, job: JobContext) -> None:
    """Job handler of `inbox.call_webhook`: POST the thread's summary; a failure retries."""
    thread = session.get(InboxThread, str(job.payload["thread_id"]))
    if thread is None or thread.organisation_id != job.organisation_id:
        return
    body = {
        "event": "inbox.rule",
        "rule": job.payload.get("rule", ""),
        "thread": {
            "id": thread.id,
            "channel": thread.channel,
            "intent": thread.intent,
            "priority": thread.priority,
            "status": thread.status,
            "subject": thread.subject,
            "tags": list(thread.tags),
        },
    }
    response = httpx.post(str(job.payload["url"]), json=body, timeout=10.0)
    response.raise_for_status()


def follow_up(session: Session, job: JobContext) -> None:
    """Job handler of `inbox.follow_up`: reply with the template unless the buyer wrote since."""
    org = job.organisation_id
    thread = session.get(InboxThread, str(job.payload["thread_id"]))
    if org is None or thread is None or thread.organisation_id != org:
        return
    after = session.get(InboxMessage, str(job.payload["after"]))
    newer = session.scalar(
        select(func.count())
        .select_from(InboxMessage)
        .where(
            InboxMessage.thread_id == thread.id,
            InboxMessage.direction == "in",
            InboxMessage.received_at > (after.received_at if after else thread.created_at),
            InboxMessage.id != str(job.payload["after"]),
        )
    )
    if newer or thread.status == ThreadStatus.closed.value:
        log.info("follow-up on thread %s not needed", thread.id)
        return
    actor = system_principal(org, "inbox follow-up")
    _Actions(session, actor, thread, str(job.payload["after"])).reply(str(job.payload["template"]))
