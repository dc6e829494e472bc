"""Use cases of the inbox behind the API, the console and the CLI: the thread list with its
filters, one thread with its messages and links, thread actions (each audited), ingest for
a principal. Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.inbox import search
from linkstar.inbox.automation import ab_outcomes
from linkstar.inbox.core.classify import Classifier
from linkstar.inbox.core.inbound import InboundMessage
from linkstar.inbox.core.intents import Intent
from linkstar.inbox.core.threads import DUE_SOON, SlaState, ThreadStatus, sla_state
from linkstar.inbox.models import InboxLink, InboxMessage, InboxThread
from linkstar.inbox.schemas import ThreadUpdate
from linkstar.inbox.store import IngestResult, ingest_messages
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.orders.models import Order, OrderLine
from linkstar.tracking.models import Shipment
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.models import User

READ = Permission.inbox_read
REPLY = Permission.inbox_reply
MANAGE = Permission.inbox_manage
CHANNELS = ("email", "amazon", "ebay", "tiktok", "shopify", "website")
SLA_STATES = ("overdue", "due_soon", "ok")
OPEN_STATES = (ThreadStatus.open.value, ThreadStatus.snoozed.value)


class ThreadRepository(Repository[InboxThread]):
    model = InboxThread
    order_column = "last_activity_at"


class _Filtered(ThreadRepository):
    """A repository whose base select already carries the list filters (for keyset paging)."""

    def __init__(self, session: Session, organisation_id: str, stmt: Select[Any]) -> None:
        super().__init__(session, organisation_id)
        self._stmt = stmt

    def select(self) -> Select[Any]:
        return self._stmt


@dataclass(frozen=True)
class ThreadFilters:
    intent: str | None = None
    channel: str | None = None
    status: str | None = None
    sla: str | None = None
    assignee: str | None = None
    q: str | None = None

    def check(self) -> None:
        """InvalidInput naming the first unknown filter value."""
        allowed = {
            "intent": [i.value for i in Intent],
            "channel": list(CHANNELS),
            "status": [s.value for s in ThreadStatus],
            "sla": list(SLA_STATES),
        }
        for name, values in allowed.items():
            value = getattr(self, name)
            if value and value not in values:
                raise InvalidInput(
                    f"unknown {name} {value!r}; one of {', '.join(values)}", {"field": name}
                )


def filtered(repo: ThreadRepository, f: ThreadFilters, now: datetime) -> Select[Any]:
    """The thread select with the list filters applied."""
    T = InboxThread
    stmt = repo.select()
    if f.intent:
        stmt = stmt.where(T.intent == f.intent)
    if f.channel:
        stmt = stmt.where(T.channel == f.channel)
    if f.status:
        stmt = stmt.where(T.status == f.status)
    if f.assignee:
        stmt = stmt.where(T.assignee_user_id == f.assignee)
    dialect = repo.session.get_bind().dialect.name
    if f.sla:
        stmt = search.open_with_sla(stmt)
        due = search.due_at(dialect)
        if f.sla == "overdue":
            stmt = stmt.where(due <= now)
        elif f.sla == "due_soon":
            stmt = stmt.where(due > now, due_soon(now))
        else:
            stmt = stmt.where(due > now, ~due_soon(now))
    if f.q and f.q.strip():
        stmt = stmt.where(search.matching(f.q, dialect))
    return stmt


def due_soon(now: datetime) -> ColumnElement[bool]:
    """Past the thread's due-soon instant (threads stored without one: 4 hours before due)."""
    T = InboxThread
    # Never NULL (so that `~due_soon(now)` keeps the threads that are not due soon).
    return or_(
        and_(T.sla_due_soon_at.is_not(None), T.sla_due_soon_at <= now),
        and_(T.sla_due_soon_at.is_(None), T.sla_due_at <= now + DUE_SOON),
    )


def threads_page(
    session: Session,
    actor: Principal,
    limit: int,
    cursor: str | None = None,
    filters: ThreadFilters | None = None,
    *,
    now: datetime | None = None,
) -> Page[InboxThread]:
    """A page of threads, latest activity first (keyset on (last_activity_at, id))."""
    actor.require(READ)
    f = filters or ThreadFilters()
    f.check()
    repo = ThreadRepository(session, actor.organisation_id)
    stmt = filtered(repo, f, now or utcnow())
    return _Filtered(session, actor.organisation_id, stmt).page_newest_first(limit, cursor)


COUNT_CAP = 1000  # the badges say "1000+": an exact count would scan every open thread


def sla_counts(session: Session, actor: Principal, now: datetime | None = None) -> dict[str, int]:
    """How many open threads are overdue or due soon (for the list's badges), capped."""
    actor.require(READ)
    now = now or utcnow()
    T = InboxThread
    base = select(T.id).where(
        T.organisation_id == actor.organisation_id,
        T.status.in_(OPEN_STATES),
        T.sla_due_at.is_not(None),
    )

    def capped(stmt: Select[Any]) -> int:
        sub = stmt.limit(COUNT_CAP).subquery()
        return int(session.scalar(select(func.count()).select_from(sub)) or 0)

    overdue = capped(base.where(T.sla_due_at <= now))
    soon = capped(base.where(T.sla_due_at > now, due_soon(now)))
    return {"overdue": overdue, "due_soon": soon}


def thread_sla(thread: InboxThread, now: datetime | None = None) -> SlaState:
    """The SLA state of a thread now."""
    return sla_state(thread.sla_due_at, thread.status, now or utcnow(), thread.sla_due_soon_at)


def get_thread(session: Session, actor: Principal, thread_id: str) -> InboxThread:
    """One thread of the actor's organisation, or NotFound."""
    actor.require(READ)
    return ThreadRepository(session, actor.organisation_id).get(thread_id)


def thread_messages(session: Session, thread: InboxThread) -> list[InboxMessage]:
    """The thread's messages, oldest first."""
    stmt = (
        select(InboxMessage)
        .where(
            InboxMessage.organisation_id == thread.organisation_id,
            InboxMessage.thread_id == thread.id,
        )
        .order_by(InboxMessage.received_at, InboxMessage.id)
    )
    return list(session.scalars(stmt))


def thread_links(session: Session, thread: InboxThread) -> list[InboxLink]:
    """The thread's order and shipment links."""
    stmt = (
        select(InboxLink)
        .where(
            InboxLink.organisation_id == thread.organisation_id, InboxLink.thread_id == thread.id
        )
        .order_by(InboxLink.kind, InboxLink.created_at)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class LinkedOrder:
    order: Order
    lines: list[OrderLine]
    evidence: str


@dataclass(frozen=True)
class LinkedShipment:
    shipment: Shipment
    evidence: str


def linked_records(
    session: Session, thread: InboxThread
) -> tuple[list[LinkedOrder], list[LinkedShipment]]:
    """The orders (with lines) and shipments a thread is linked to."""
    links = thread_links(session, thread)
    org = thread.organisation_id
    order_ev = {x.target_id: x.evidence for x in links if x.kind == "order"}
    ship_ev = {x.target_id: x.evidence for x in links if x.kind == "shipment"}
    orders: list[LinkedOrder] = []
    if order_ev:
        rows = session.scalars(
            select(Order).where(Order.organisation_id == org, Order.id.in_(sorted(order_ev)))
        )
        found = list(rows)
        lines: dict[str, list[OrderLine]] = {}
        for line in session.scalars(
            select(OrderLine)
            .where(OrderLine.organisation_id == org, OrderLine.order_id.in_([o.id for o in found]))
            .order_by(OrderLine.position)
        ):
            lines.setdefault(line.order_id, []).append(line)
        found.sort(key=lambda o: o.placed_at, reverse=True)
        orders = [LinkedOrder(o, lines.get(o.id, []), order_ev[o.id]) for o in found]
    shipments: list[LinkedShipment] = []
    if ship_ev:
        rows2 = session.scalars(
            select(Shipment).where(
                Shipment.organisation_id == org, Shipment.id.in_(sorted(ship_ev))
            )
        )
        shipments = [LinkedShipment(s, ship_ev[s.id]) for s in rows2]
        shipments.sort(key=lambda x: x.shipment.created_at, reverse=True)
    return orders, shipments


def update_thread(
    session: Session, actor: Principal, thread_id: str, data: ThreadUpdate
) -> InboxThread:
    """Assign, set status, tags, priority or snooze; one audit entry with before/after."""
    actor.require(REPLY)
    thread = ThreadRepository(session, actor.organisation_id).get(thread_id)
    before = audit.snapshot(thread)
    if data.assignee_user_id is not None:
        user = session.scalars(
            select(User).where(
                User.organisation_id == actor.organisation_id,
                User.id == data.assignee_user_id,
                User.is_active.is_(True),
            )
        ).first()
        if user is None:
            raise InvalidInput(
                f"user {data.assignee_user_id} not found", {"field": "assignee_user_id"}
            )
        thread.assignee_user_id = user.id
    elif data.unassign:
        thread.assignee_user_id = None
    if data.priority is not None:
        thread.priority = data.priority
    if data.tags is not None:
        tags = [t.strip() for t in data.tags if t.strip()]
        if any(len(t) > 40 for t in tags):
            raise InvalidInput("a tag has at most 40 characters", {"field": "tags"})
        thread.tags = sorted(set(tags))
    if data.snoozed_until is not None:
        if data.snoozed_until <= utcnow():
            raise InvalidInput("snooze until a time in the future", {"field": "snoozed_until"})
        thread.status = ThreadStatus.snoozed.value
        thread.snoozed_until = data.snoozed_until
    if data.status is not None:
        if data.status == ThreadStatus.snoozed.value and thread.snoozed_until is None:
            raise InvalidInput("snoozing needs snoozed_until", {"field": "snoozed_until"})
        was_closed = thread.status == ThreadStatus.closed.value
        thread.status = data.status
        if data.status != ThreadStatus.snoozed.value:
            thread.snoozed_until = None
        if data.status == ThreadStatus.closed.value:
            thread.sla_due_at = thread.sla_due_soon_at = None
            if not was_closed:
                ab_outcomes.thread_closed(session, thread)
        else:
            thread.closed_at = None
    thread.updated_at = utcnow()
    session.flush()
    after = audit.snapshot(thread)
    audit.record(session, actor, "inbox.thread.update", thread, before=before, after=after)
    return thread


def wake_snoozed(session: Session, organisation_id: str, now: datetime | None = None) -> int:
    """Reopen snoozed threads whose time has come; returns how many."""
    now = now or utcnow()
    T = InboxThread
    rows = list(
        session.scalars(
            select(T).where(
                T.organisation_id == organisation_id,
                T.status == ThreadStatus.snoozed.value,
                T.snoozed_until <= now,
            )
        )
    )
    for thread in rows:
        thread.status, thread.snoozed_until = ThreadStatus.open.value, None
    session.flush()
    return len(rows)


def ingest(
    session: Session,
    actor: Principal,
    messages: Sequence[InboundMessage],
    classifier: Classifier | None = None,
) -> IngestResult:
    """Ingest messages on behalf of a principal (integrations posting canonical JSON)."""
    actor.require(MANAGE)
    return ingest_messages(session, actor.organisation_id, messages, classifier=classifier)


def users_of(session: Session, actor: Principal) -> list[User]:
    """Active users of the organisation (assignee picker)."""
    stmt = (
        select(User)
        .where(User.organisation_id == actor.organisation_id, User.is_active.is_(True))
        .order_by(User.email)
    )
    return list(session.scalars(stmt))


def overdue_since(thread: InboxThread, now: datetime | None = None) -> timedelta | None:
    """How long the thread's SLA has been missed, or None."""
    now = now or utcnow()
    if thread.sla_due_at is None or thread.sla_due_at > now:
        return None
    return now - thread.sla_due_at
