"""Thread decisions: SLA state, priority from what the buyer wrote, and which stored thread a
new message belongs to. Pure functions, no database.

Due times come from the workspace's stored calendars and SLA targets
(`core.automation.policy.InboxSettings.sla_due`); a thread stores both its due-soon and due
instants. `DUE_SOON` only serves threads stored before due-soon instants were (4 hours ahead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

THREAD_WINDOW = timedelta(days=14)  # an open thread of the same buyer and order stays current
DUE_SOON = timedelta(hours=4)
HIGH_VALUE_INTENTS = frozenset({"bulk_or_oem_inquiry", "price_negotiation"})
PROBLEM_INTENTS = frozenset(
    {"delivery_problem", "complaint", "refund_request", "return_request", "cancel_order"}
)


class SlaState(StrEnum):
    overdue = "overdue"
    due_soon = "due_soon"
    ok = "ok"
    none = "none"  # answered, closed, or nothing is owed


class ThreadStatus(StrEnum):
    open = "open"
    pending = "pending"
    snoozed = "snoozed"
    closed = "closed"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


def sla_state(
    due: datetime | None, status: str, now: datetime, due_soon: datetime | None = None
) -> SlaState:
    """Overdue, due soon (from `due_soon`, else within 4 hours of `due`) or ok; `none` when
    nothing is owed."""
    if due is None or status in (ThreadStatus.closed, ThreadStatus.pending):
        return SlaState.none
    if due <= now:
        return SlaState.overdue
    if now >= (due_soon if due_soon is not None else due - DUE_SOON):
        return SlaState.due_soon
    return SlaState.ok


def priority_for(intent: str, sentiment: str, urgency: str) -> Priority:
    """Urgent for threats or angry urgent buyers, high for leads and problems, else normal."""
    if urgency == "high" and sentiment == "negative":
        return Priority.urgent
    if intent in HIGH_VALUE_INTENTS or urgency == "high":
        return Priority.high
    if intent in PROBLEM_INTENTS and sentiment == "negative":
        return Priority.high
    if intent in ("feedback", "subscription"):
        return Priority.low
    return Priority.normal


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored thread a new message might continue."""

    id: str
    channel: str
    buyer_address: str
    external_thread_id: str
    message_ids: frozenset[str]
    order_refs: frozenset[str]
    status: str
    last_activity_at: datetime


def pick_thread(
    candidates: Sequence[Candidate],
    *,
    channel: str,
    buyer_address: str,
    external_thread_id: str,
    in_reply_to: Sequence[str],
    order_refs: Sequence[str],
    received_at: datetime,
) -> tuple[str | None, str]:
    """The thread a message continues and why ("channel thread", "reply to", "buyer and order",
    "buyer"), or (None, "new")."""
    if external_thread_id:
        for c in candidates:
            if c.channel == channel and c.external_thread_id == external_thread_id:
                return c.id, "channel thread"
    replies = set(in_reply_to)
    if replies:
        for c in candidates:
            if c.message_ids & replies:
                return c.id, "reply to"
    buyer = buyer_address.strip().lower()
    refs = {r.strip().upper() for r in order_refs if r.strip()}
    recent = [
        c
        for c in candidates
        if c.buyer_address == buyer
        and c.status != ThreadStatus.closed
        and received_at - c.last_activity_at <= THREAD_WINDOW
        and c.last_activity_at - received_at <= THREAD_WINDOW
    ]
    recent.sort(key=lambda c: c.last_activity_at, reverse=True)
    if refs:
        for c in recent:
            if c.order_refs & refs:
                return c.id, "buyer and order"
        # A new order reference from the same buyer starts its own topic unless the open
        # thread never named an order.
        for c in recent:
            if not c.order_refs and c.channel == channel:
                return c.id, "buyer"
        return None, "new"
    for c in recent:
        if c.channel == channel:
            return c.id, "buyer"
    return None, "new"


_QUOTE_MARKERS = ("-----original message-----", "---- original message ----")


def split_quoted(text: str) -> tuple[str, str]:
    """A plain-text body split into what the buyer wrote and the quoted history below it."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        stripped = line.strip()
        lowered = stripped.lower()
        is_attribution = lowered.startswith("on ") and lowered.endswith("wrote:")
        if stripped.startswith(">") or is_attribution or lowered in _QUOTE_MARKERS:
            rest = "".join(lines[i:])
            if rest.strip():
                return "".join(lines[:i]).rstrip(), rest
    return text, ""
