"""SQL building blocks the inbox reports and A/B outcomes share: durations between two stored
times, day/week keys, percentiles and "the buyer's first order after a moment", written once
for SQLite and PostgreSQL so both databases give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    func,
    literal,
    select,
    union,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement as Expr

from linkstar.inbox.models import InboxLink, InboxThread
from linkstar.orders.models import Order

Grain = Literal["day", "week"]


def dialect(session: Session) -> str:
    """The name of the database dialect the session talks to."""
    return session.get_bind().dialect.name


def seconds_between(name: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """`later - earlier` in seconds as a float (date_part, not EXTRACT: since PostgreSQL 14
    EXTRACT answers numeric, several times slower to average and sort)."""
    if name == "postgresql":
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


EPOCH = date(1970, 1, 1)  # a Thursday: Monday-based week w starts 7w - 3 days after it


def period_key(name: str, column: Any, grain: Grain) -> ColumnElement[int]:
    """The UTC day (days since 1970-01-01) or Monday-based week a time falls in, as an
    integer: cheap to compute and group per row; `period_label` names it afterwards."""
    if name == "postgresql":
        days = func.date_part("epoch", column) / 86400
        return func.floor((days + 3) / 7 if grain == "week" else days)
    days = func.julianday(column) - 2440587.5
    return cast((days + 3) / 7 if grain == "week" else days, Integer)


def period_label(key: int, grain: Grain) -> str:
    """The ISO date of a period key: the day, or the Monday of the week."""
    offset = int(key) * 7 - 3 if grain == "week" else int(key)
    return (EPOCH + timedelta(days=offset)).isoformat()


def percentiles(
    session: Session, base: Select[Any], value: Expr[Any], qs: Sequence[float]
) -> list[float | None]:
    """Continuous percentiles (linear interpolation, as PostgreSQL's percentile_cont) of
    `value` over the rows of `base` whose value is not null; None when there are none."""
    rows = base.where(value.is_not(None))
    if dialect(session) == "postgresql":
        cols = [func.percentile_cont(q).within_group(value) for q in qs]
        found = session.execute(rows.with_only_columns(*cols)).one()
        return [None if v is None else float(v) for v in found]
    n = int(session.scalar(rows.with_only_columns(func.count())) or 0)
    out: list[float | None] = []
    for q in qs:
        if n == 0:
            out.append(None)
            continue
        position = q * (n - 1)
        k = math.floor(position)
        pair = [
            float(v)
            for v in session.scalars(
                rows.with_only_columns(value).order_by(value).limit(2).offset(k)
            )
        ]
        low = pair[0]
        high = pair[1] if len(pair) > 1 else low
        out.append(low + (position - k) * (high - low))
    return out


def _placed(name: str, since: Any, window_days: int | None) -> list[Any]:
    T = InboxThread
    conditions = [Order.organisation_id == T.organisation_id, Order.placed_at >= since]
    if window_days is not None:
        limit = literal(window_days * 86400.0)
        conditions.append(seconds_between(name, Order.placed_at, since) <= limit)
    return conditions


def buyer_orders(name: str, since: Any, window_days: int | None = None) -> tuple[Any, Any]:
    """Correlated selects of the orders the thread's buyer placed at or after `since` (within
    `window_days` when given): (by the buyer's e-mail, by an order linked to the thread).
    Two selects rather than one with OR, so each uses its index (buyer e-mail; thread links)."""
    T = InboxThread
    by_email = (
        select(Order.placed_at)
        .where(*_placed(name, since, window_days), Order.buyer_email == T.buyer_address)
        .correlate_except(Order)
    )
    by_link = (
        select(Order.placed_at)
        .select_from(InboxLink)
        .join(Order, Order.id == InboxLink.target_id)
        .where(
            InboxLink.organisation_id == T.organisation_id,
            InboxLink.thread_id == T.id,
            InboxLink.kind == "order",
            *_placed(name, since, window_days),
        )
        .correlate_except(Order, InboxLink)
    )
    return by_email, by_link


def threads_that_ordered(name: str, threads: Select[Any], window_days: int) -> Select[Any]:
    """The ids among `threads` (a select of InboxThread.id) whose buyer ordered within
    `window_days` after the thread was opened: joins (hashed on e-mail, or through the thread's
    order links) rather than one correlated look-up per thread."""
    T = InboxThread
    placed = and_(*_placed(name, T.created_at, window_days))
    by_email = threads.join(Order, and_(Order.buyer_email == T.buyer_address, placed))
    by_link = threads.join(
        InboxLink,
        and_(
            InboxLink.organisation_id == T.organisation_id,
            InboxLink.thread_id == T.id,
            InboxLink.kind == "order",
        ),
    ).join(Order, and_(Order.id == InboxLink.target_id, placed))
    return union(by_email, by_link).subquery().select()


def first_order_after(name: str, since: Any, window_days: int | None = None) -> tuple[Any, Any]:
    """The buyer's first order at or after `since`: (by e-mail, by link) as scalar subqueries
    (None when there is none); the caller takes the earlier of the two."""
    by_email, by_link = buyer_orders(name, since, window_days)
    first = func.min(Order.placed_at)
    return (
        by_email.with_only_columns(first).scalar_subquery(),
        by_link.with_only_columns(first).scalar_subquery(),
    )
