"""A/B tests in real replies: a reply whose template belongs to a test gets the variant the
deterministic split chooses for its thread (the winner's template once a test is promoted),
and the thread's outcomes are recorded as they happen: the buyer wrote again, the thread was
closed, the buyer placed an order within the test's window. Each recorded outcome may promote
a significant winner (ab_service.promote_if_clear). Never commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.db.repository import chunks
from linkstar.inbox.automation import ab_service
from linkstar.inbox.automation.models import ABOutcomeRow, ABTestRow, ABVariantRow
from linkstar.inbox.core.automation.ab import ABTestSpec, assign_variant
from linkstar.inbox.models import InboxTemplate, InboxThread
from linkstar.inbox.report_sql import dialect, first_order_after
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.core import Principal, system_principal

log = logging.getLogger(__name__)
ACTIVE = ("running", "promoted")


@dataclass(frozen=True)
class Choice:
    """The template a reply uses and, when a test chose it, the test and variant."""

    template: InboxTemplate
    test: ABTestRow | None = None
    variant: str | None = None


def choose(session: Session, thread: InboxThread, template: InboxTemplate) -> Choice:
    """The variant of the oldest running (or promoted) test that has `template` as a variant;
    the template itself when no such test exists or the test was stopped."""
    org = thread.organisation_id
    test = session.scalars(
        select(ABTestRow)
        .join(ABVariantRow, ABVariantRow.test_id == ABTestRow.id)
        .where(
            ABTestRow.organisation_id == org,
            ABTestRow.status.in_(ACTIVE),
            ABVariantRow.organisation_id == org,
            ABVariantRow.template == template.name,
        )
        .order_by(ABTestRow.created_at, ABTestRow.id)
        .limit(1)
    ).first()
    if test is None:
        return Choice(template)
    spec = ABTestSpec.model_validate(test.spec)
    key = test.winner if test.status == "promoted" and test.winner else None
    key = key or assign_variant(spec, test.id, thread.id)
    name = next(v.template for v in spec.variants if v.key == key)
    if name == template.name:
        return Choice(template, test, key)
    chosen = session.scalars(
        select(InboxTemplate).where(
            InboxTemplate.organisation_id == org,
            InboxTemplate.name == name,
            InboxTemplate.active.is_(True),
        )
    ).first()
    if chosen is None:
        raise InvalidInput(
            f"A/B test {test.name!r} chose variant {key!r}, whose template {name!r} does not "
            "exist or is inactive",
            {"field": "template_id"},
        )
    return Choice(chosen, test, key)


def assigned(session: Session, actor: Principal, choice: Choice, thread_id: str) -> None:
    """Record the thread in a running test (once; later replies keep the first moment)."""
    if choice.test is None or choice.test.status != "running":
        return
    ab_service.record_outcome(session, actor, choice.test.id, thread_id, assigned_at=utcnow())


def _promote(session: Session, organisation_id: str, test_ids: set[str]) -> None:
    """After outcomes of these tests changed: promote those with a significant winner."""
    if not test_ids:
        return
    session.flush()
    actor = system_principal(organisation_id, "inbox A/B outcomes")
    for test in session.scalars(
        select(ABTestRow).where(
            ABTestRow.organisation_id == organisation_id,
            ABTestRow.id.in_(sorted(test_ids)),
            ABTestRow.status == "running",
        )
    ):
        ab_service.promote_if_clear(session, actor, test)


def _running_outcomes(
    session: Session, organisation_id: str, thread_ids: list[str]
) -> list[ABOutcomeRow]:
    out: list[ABOutcomeRow] = []
    for part in chunks(sorted(set(thread_ids))):
        out.extend(
            session.scalars(
                select(ABOutcomeRow)
                .join(ABTestRow, ABTestRow.id == ABOutcomeRow.test_id)
                .where(
                    ABOutcomeRow.organisation_id == organisation_id,
                    ABOutcomeRow.subject_id.in_(part),
                    ABTestRow.status == "running",
                )
            )
        )
    return out


def buyer_wrote(session: Session, organisation_id: str, inbound: Mapping[str, datetime]) -> int:
    """Threads whose buyer wrote at the given moments: outcomes assigned before that moment
    become `buyer_replied`; returns how many changed."""
    changed: set[str] = set()
    n = 0
    for outcome in _running_outcomes(session, organisation_id, list(inbound)):
        if not outcome.buyer_replied and inbound[outcome.subject_id] > outcome.assigned_at:
            outcome.buyer_replied = True
            changed.add(outcome.test_id)
            n += 1
    _promote(session, organisation_id, changed)
    return n


def thread_closed(session: Session, thread: InboxThread, at: datetime | None = None) -> None:
    """A thread was closed: remember when (reports) and resolve its open A/B outcomes."""
    at = at or utcnow()
    thread.closed_at = at
    changed: set[str] = set()
    for outcome in _running_outcomes(session, thread.organisation_id, [thread.id]):
        if outcome.resolved_at is None and at >= outcome.assigned_at:
            outcome.resolved_at = at
            changed.add(outcome.test_id)
    _promote(session, thread.organisation_id, changed)


def record_orders(session: Session, organisation_id: str, now: datetime | None = None) -> int:
    """Outcomes whose buyer placed an order within the test's window after the thread was
    assigned (same e-mail, or an order linked to the thread); returns how many were found."""
    now = now or utcnow()
    name = dialect(session)
    changed: set[str] = set()
    found = 0
    tests = session.scalars(
        select(ABTestRow).where(
            ABTestRow.organisation_id == organisation_id, ABTestRow.status == "running"
        )
    )
    for test in list(tests):
        window = ABTestSpec.model_validate(test.spec).order_window_days
        by_email, by_link = first_order_after(name, ABOutcomeRow.assigned_at, window)
        rows = session.execute(
            select(ABOutcomeRow, by_email, by_link)
            .join(InboxThread, InboxThread.id == ABOutcomeRow.subject_id)
            .where(
                ABOutcomeRow.organisation_id == organisation_id,
                ABOutcomeRow.test_id == test.id,
                ABOutcomeRow.order_placed_at.is_(None),
                # Channels deliver orders late: look a month past the window.
                ABOutcomeRow.assigned_at >= now - timedelta(days=window + 30),
                InboxThread.organisation_id == organisation_id,
            )
        ).all()
        for outcome, email_at, link_at in rows:
            moments: list[datetime] = [m for m in (email_at, link_at) if m is not None]
            at = min(moments, default=None)
            if at is not None:
                outcome.order_placed_at = at
                changed.add(test.id)
                found += 1
    _promote(session, organisation_id, changed)
    return found
