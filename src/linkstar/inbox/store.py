"""Storing inbound buyer messages: idempotent, threaded, classified in one batch, linked to
orders and shipments. The channel connectors and `POST /inbox/messages` call
`ingest_messages`; it never commits (the entry point owns the transaction).

A message whose classification fails is stored all the same, with the warning
`classification_failed`; the raw payload is always kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.outbox import enqueue
from linkstar.db.repository import chunks
from linkstar.inbox import linking, settings_store
from linkstar.inbox.automation import ab_outcomes
from linkstar.inbox.automation.models import InboxRuleRow
from linkstar.inbox.core.automation.policy import InboxSettings
from linkstar.inbox.core.classify import Classifier, Message, Understanding
from linkstar.inbox.core.inbound import InboundMessage
from linkstar.inbox.core.threads import (
    Candidate,
    ThreadStatus,
    pick_thread,
    priority_for,
)
from linkstar.inbox.models import InboxMessage, InboxThread
from linkstar.inbox.sanitise import sanitise_html
from linkstar.kit.clock import as_utc
from linkstar.kit.ids import new_id

log = logging.getLogger(__name__)
# Runs the workspace's inbox rules on each new message (inbox.automation.executor).
AUTOMATE_JOB = "inbox.automate"
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


@dataclass
class IngestResult:
    """What one batch did: new messages and threads, duplicates skipped, warnings per message."""

    created: int = 0
    duplicates: int = 0
    threads_created: int = 0
    message_ids: list[str] = field(default_factory=list)
    thread_ids: list[str] = field(default_factory=list)
    links_created: int = 0
    warnings: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "threads_created": self.threads_created,
            "message_ids": self.message_ids,
            "thread_ids": self.thread_ids,
            "links_created": self.links_created,
            "warnings": self.warnings,
        }


def _default_classifier() -> Classifier:
    from linkstar.config import get_settings
    from linkstar.inbox.understanding import classifier

    return classifier(get_settings())


def ingest_messages(
    session: Session,
    organisation_id: str,
    messages: Sequence[InboundMessage],
    *,
    classifier: Classifier | None = None,
) -> IngestResult:
    """Store a batch of inbound messages (re-ingesting a known (channel, external_id) adds
    nothing), thread them, classify them in one batch and link them to orders and shipments."""
    result = IngestResult()
    fresh = _new_messages(session, organisation_id, messages, result)
    if not fresh:
        return result
    fresh.sort(key=lambda m: as_utc(m.received_at))
    understood = _classify(fresh, classifier, result)
    settings = settings_store.load(session, organisation_id)
    candidates = _candidates(session, organisation_id, fresh)
    threads: dict[str, InboxThread] = {t.id: t for t in candidates.threads}
    touched: dict[str, list[tuple[InboundMessage, Understanding | None]]] = {}
    new_threads: list[InboxThread] = []
    rows: list[InboxMessage] = []
    for message, understanding in zip(fresh, understood, strict=True):
        refs = _order_refs(message, understanding)
        thread_id, _why = pick_thread(
            list(candidates.by_id.values()),
            channel=message.channel.value,
            buyer_address=message.sender_address,
            external_thread_id=message.external_thread_id,
            in_reply_to=message.in_reply_to,
            order_refs=refs,
            received_at=as_utc(message.received_at),
        )
        if thread_id is None:
            thread = _new_thread(message, organisation_id)
            new_threads.append(thread)
            threads[thread.id] = thread
            result.threads_created += 1
        else:
            thread = threads[thread_id]
        row = _message_row(message, understanding, thread, organisation_id)
        rows.append(row)
        _apply(thread, message, understanding, refs, settings)
        candidates.by_id[thread.id] = _candidate(thread, candidates, message.external_id)
        touched.setdefault(thread.id, []).append((message, understanding))
        result.created += 1
        result.message_ids.append(row.id)
        if thread.id not in result.thread_ids:
            result.thread_ids.append(thread.id)
    # No ORM relationships: threads are flushed before the messages that point at them.
    session.add_all(new_threads)
    session.flush()
    session.add_all(rows)
    session.flush()
    result.links_created = linking.link_threads(
        session, organisation_id, [(threads[t], items) for t, items in touched.items()]
    )
    _enqueue_automation(session, organisation_id, result.message_ids)
    latest = {t: max(as_utc(m.received_at) for m, _u in items) for t, items in touched.items()}
    ab_outcomes.buyer_wrote(session, organisation_id, latest)
    return result


def _enqueue_automation(session: Session, organisation_id: str, message_ids: list[str]) -> None:
    """One `inbox.automate` job per new message, when the workspace has active inbox rules."""
    active = session.scalar(
        select(InboxRuleRow.id)
        .where(InboxRuleRow.organisation_id == organisation_id, InboxRuleRow.active.is_(True))
        .limit(1)
    )
    if active is None:
        return
    for message_id in message_ids:
        enqueue(
            session,
            AUTOMATE_JOB,
            {"message_id": message_id},
            organisation_id=organisation_id,
            idempotency_key=f"{AUTOMATE_JOB}:{message_id}",
        )


def _new_messages(
    session: Session, organisation_id: str, messages: Sequence[InboundMessage], result: IngestResult
) -> list[InboundMessage]:
    seen: set[tuple[str, str]] = set()
    keys = [(m.channel.value, m.external_id) for m in messages]
    known: set[tuple[str, str]] = set()
    for part in chunks(sorted({k[1] for k in keys})):
        rows = session.execute(
            select(InboxMessage.channel, InboxMessage.external_id).where(
                InboxMessage.organisation_id == organisation_id,
                InboxMessage.external_id.in_(part),
            )
        )
        known.update((c, e) for c, e in rows)
    fresh: list[InboundMessage] = []
    for message, key in zip(messages, keys, strict=True):
        if key in known or key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        fresh.append(message)
    return fresh


def _classify(
    fresh: Sequence[InboundMessage], classifier: Classifier | None, result: IngestResult
) -> list[Understanding | None]:
    batch = [Message(m.text, m.subject, m.channel.value) for m in fresh]
    try:
        model = classifier or _default_classifier()
        return list(model.classify_batch(batch))
    except Exception as exc:  # classification must never lose a message
        log.exception("inbox classification failed for a batch of %d", len(batch))
        reason = f"classification_failed: {type(exc).__name__}"
        for m in fresh:
            result.warnings.append({"external_id": m.external_id, "warning": reason})
        return [None] * len(fresh)


@dataclass
class _Candidates:
    threads: list[InboxThread]
    by_id: dict[str, Candidate]
    replies: dict[str, set[str]]  # thread id -> stored external ids others reply to


def _candidates(
    session: Session, organisation_id: str, fresh: Sequence[InboundMessage]
) -> _Candidates:
    buyers = sorted({m.sender_address.strip().lower() for m in fresh})
    thread_keys = sorted({m.external_thread_id for m in fresh if m.external_thread_id})
    reply_ids = sorted({r for m in fresh for r in m.in_reply_to})
    replies: dict[str, set[str]] = {}
    for part in chunks(reply_ids):
        for thread_id, external_id in session.execute(
            select(InboxMessage.thread_id, InboxMessage.external_id).where(
                InboxMessage.organisation_id == organisation_id,
                InboxMessage.external_id.in_(part),
            )
        ):
            replies.setdefault(thread_id, set()).add(external_id)
    found: dict[str, InboxThread] = {}
    T = InboxThread
    for part in chunks(buyers):
        stmt = select(T).where(T.organisation_id == organisation_id, T.buyer_address.in_(part))
        found.update((t.id, t) for t in session.scalars(stmt))
    for part in chunks(thread_keys):
        stmt = select(T).where(T.organisation_id == organisation_id, T.external_thread_id.in_(part))
        found.update((t.id, t) for t in session.scalars(stmt))
    for part in chunks(sorted(replies)):
        stmt = select(T).where(T.organisation_id == organisation_id, T.id.in_(part))
        found.update((t.id, t) for t in session.scalars(stmt))
    holder = _Candidates(list(found.values()), {}, replies)
    for thread in holder.threads:
        holder.by_id[thread.id] = _candidate(thread, holder, None)
    return holder


def _candidate(thread: InboxThread, holder: _Candidates, new_id: str | None) -> Candidate:
    ids = holder.replies.setdefault(thread.id, set())
    if new_id:
        ids.add(new_id)
    return Candidate(
        id=thread.id,
        channel=thread.channel,
        buyer_address=thread.buyer_address,
        external_thread_id=thread.external_thread_id,
        message_ids=frozenset(ids),
        order_refs=frozenset(str(r).upper() for r in thread.order_refs),
        status=thread.status,
        last_activity_at=thread.last_activity_at,
    )


def _order_refs(message: InboundMessage, understanding: Understanding | None) -> list[str]:
    refs = [r.strip() for r in message.order_refs if r.strip()]
    if understanding is not None:
        refs += [str(e.value) for e in understanding.entities if e.type == "order_id"]
    return list(dict.fromkeys(r.lstrip("#").upper() for r in refs))


def _new_thread(message: InboundMessage, organisation_id: str) -> InboxThread:
    at = as_utc(message.received_at)
    return InboxThread(
        id=new_id(),
        organisation_id=organisation_id,
        channel=message.channel.value,
        store_ref=message.store_ref[:120],
        external_thread_id=message.external_thread_id[:300],
        buyer_address=message.sender_address.strip().lower()[:320],
        buyer_name=message.sender_name[:200],
        subject=message.subject[:500],
        status=ThreadStatus.open.value,
        tags=[],
        order_refs=[],
        message_count=0,
        created_at=at,
        last_activity_at=at,
    )


def _message_row(
    message: InboundMessage,
    understanding: Understanding | None,
    thread: InboxThread,
    organisation_id: str,
) -> InboxMessage:
    warnings = list(message.warnings)
    if understanding is None:
        warnings.append("classification_failed")
    display = sanitise_html(message.display_body) if message.html else message.display_body
    return InboxMessage(
        id=new_id(),
        organisation_id=organisation_id,
        thread_id=thread.id,
        direction="in",
        channel=message.channel.value,
        external_id=message.external_id[:300],
        in_reply_to=list(message.in_reply_to),
        received_at=as_utc(message.received_at),
        sender_address=message.sender_address[:320],
        sender_name=message.sender_name[:200],
        subject=message.subject[:500],
        text=message.text,
        display_body=display,
        html=message.html,
        raw=message.raw,
        raw_content_type=message.raw_content_type[:120],
        understanding=understanding_json(understanding),
        attachments=[
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "kept": a.content is not None,
            }
            for a in message.attachments
        ],
        warnings=warnings,
    )


def understanding_json(u: Understanding | None) -> dict[str, Any] | None:
    """The stored form of what the classifier understood."""
    if u is None:
        return None
    return {
        "intent": u.intent.value,
        "confidence": u.confidence,
        "language": u.language,
        "sentiment": u.sentiment.value,
        "urgency": u.urgency.value,
        "entities": u.entities_json(),
        "rule": u.rule,
        "cues": list(u.cues),
        "alternatives": [[name, score] for name, score in u.alternatives],
    }


def _apply(
    thread: InboxThread,
    message: InboundMessage,
    understanding: Understanding | None,
    refs: list[str],
    settings: InboxSettings,
) -> None:
    """Fold one inbound message into its thread's summary, SLA (the workspace's calendar and
    target for the channel) and status."""
    at = as_utc(message.received_at)
    thread.message_count = (thread.message_count or 0) + 1
    thread.last_inbound_at = max(filter(None, [thread.last_inbound_at, at]))
    thread.last_activity_at = max(thread.last_activity_at, at)
    thread.snippet = " ".join(message.text.split())[:200]
    if refs:
        thread.order_refs = list(dict.fromkeys([*thread.order_refs, *refs]))[:50]
    if thread.status != ThreadStatus.open.value:
        thread.status = ThreadStatus.open.value  # the buyer wrote again
        thread.snoozed_until = None
        thread.closed_at = None  # unresolved again until it is closed again
    answered_after = thread.last_outbound_at is not None and thread.last_outbound_at >= at
    if not answered_after:
        soon, due = settings.sla_due(thread.channel, at)
        if thread.sla_due_at is None or due < thread.sla_due_at:  # the oldest unanswered counts
            thread.sla_due_soon_at, thread.sla_due_at = soon, due
        if thread.first_response_at is None:
            thread.first_response_due_at = min(filter(None, [thread.first_response_due_at, due]))
    if understanding is None:
        return
    better = (
        thread.intent == "other"
        or thread.message_count == 1
        or understanding.confidence > (thread.confidence or 0.0)
    )
    if better and understanding.intent.value != "other":
        thread.intent = understanding.intent.value
        thread.confidence = understanding.confidence
    elif thread.message_count == 1:
        thread.intent, thread.confidence = understanding.intent.value, understanding.confidence
    if understanding.language != "unknown" or thread.language == "unknown":
        thread.language = understanding.language
    thread.sentiment = understanding.sentiment.value
    thread.urgency = understanding.urgency.value
    computed = priority_for(thread.intent, thread.sentiment, thread.urgency).value
    if PRIORITY_RANK[computed] > PRIORITY_RANK.get(thread.priority, 1):
        thread.priority = computed
