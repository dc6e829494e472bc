"""A small inbox with known times, for exact report numbers (see tests/inbox/test_reports.py).

T0 is Monday 2026-11-30 10:00 UTC; the report covers 2026-11-30..2026-12-06 and is computed
at NOW = T0 + 10 days. Per thread: channel, intent, opened (hours after T0), first response,
first SLA deadline and close (hours after opening; None = never).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxLink, InboxThread
from linkstar.orders.models import Order
from linkstar.workspace.models import Store

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=10)
H = timedelta(hours=1)
D = timedelta(days=1)

# key: (channel, intent, opened, first response, first deadline, closed)
THREADS: dict[str, tuple[str, str, timedelta, float | None, float, float | None]] = {
    "t1": ("email", "where_is_my_order", 0 * H, 2, 24, 10),
    "t2": ("email", "where_is_my_order", 1 * D, 30, 24, None),  # answered late
    "t3": ("amazon", "refund_request", 1 * D, 4, 24, 48),
    "t4": ("amazon", "bulk_or_oem_inquiry", 2 * D, 1, 24, 20),  # lead, orders on day 5
    "t5": ("ebay", "price_negotiation", 3 * D, None, 24, None),  # lead, orders too late
    "t6": ("ebay", "bulk_or_oem_inquiry", 4 * D, None, 168, None),  # lead, linked order
    "t9": ("website", "complaint", 5 * D, 6, 48, 30),
    "late": ("email", "other", 8 * D, 1, 24, None),  # opened after the range
}


def order_row(org_id: str, store_id: str, number: str, email: str, placed: datetime) -> Order:
    """An order row of 120 USD by `email` (no lines: the reports read only who and when)."""
    zero = Decimal("0")
    return Order(
        organisation_id=org_id,
        store_id=store_id,
        channel="amazon",
        external_id=number,
        external_number=number,
        state="checked",
        channel_status="open",
        version=placed,
        content_hash=number,
        placed_at=placed,
        buyer_email=email,
        currency="USD",
        subtotal=Decimal("120"),
        shipping=zero,
        tax=zero,
        discount=zero,
        total=Decimal("120"),
    )


def seed_report_inbox(sessions: sessionmaker[Session], org_id: str) -> dict[str, str]:
    """The threads above (buyer `<key>@buyers.example`) and the leads' orders; their ids."""
    ids: dict[str, str] = {}
    with unit_of_work(sessions) as s:
        store = Store(
            organisation_id=org_id, name="Report US", channel="amazon", region="US", currency="USD"
        )
        s.add(store)
        s.flush()
        for key, (channel, intent, opened, answered, due, closed) in THREADS.items():
            at = T0 + opened
            thread = InboxThread(
                organisation_id=org_id,
                channel=channel,
                buyer_address=f"{key}@buyers.example",
                subject=f"Thread {key}",
                intent=intent,
                status="closed" if closed is not None else "open",
                tags=[],
                order_refs=[],
                created_at=at,
                last_activity_at=at,
                first_response_at=None if answered is None else at + answered * H,
                first_response_due_at=at + due * H,
                closed_at=None if closed is None else at + closed * H,
                message_count=1,
            )
            s.add(thread)
            s.flush()
            ids[key] = thread.id
        orders = [
            order_row(org_id, store.id, "R-4", "t4@buyers.example", T0 + 7 * D),  # 5 days after
            order_row(org_id, store.id, "R-5a", "t5@buyers.example", T0 - D),  # before the thread
            order_row(org_id, store.id, "R-5b", "t5@buyers.example", T0 + 23 * D),  # 20 days after
            order_row(org_id, store.id, "R-6", "someone@else.example", T0 + 5 * D),  # linked
        ]
        s.add_all(orders)
        s.flush()
        s.add(
            InboxLink(
                organisation_id=org_id,
                thread_id=ids["t6"],
                kind="order",
                target_id=orders[3].id,
                evidence="order number",
                matched_value="R-6",
            )
        )
        ids["store_id"] = store.id
    return ids
