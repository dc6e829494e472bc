"""Apply an address reviewer's decision to the order it held (job `addresses.review_decided`).

- approve: the order's address stands as imported; the `address` hold is released and a `new`
  order moves to `checked`, so allocation picks it up.
- edit: the ship-to columns take the reviewer's (re-checked, normalised) address, then as approve.
- reject: the order stays held. The `address` hold's detail says the reviewer rejected the address
  (with the comment); the order is NOT cancelled — the buyer can still be asked for a correct
  address, after which a channel update re-checks it (a new review), or a person cancels it.

A replayed job changes nothing: a decision already applied (no `address` hold left, or the hold
already says rejected for this review) is skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from linkstar.addresses.core import FIELDS
from linkstar.addresses.repository import ReviewRepository
from linkstar.db.outbox import enqueue
from linkstar.kit.errors import NotFound
from linkstar.orders.core.states import Hold, OrderState, holds_from_json, holds_to_json, release
from linkstar.orders.flow import Timeline
from linkstar.orders.ingest import ALLOCATE_JOB
from linkstar.orders.pipeline import ADDRESS_HOLD, REVIEW_SUBJECT
from linkstar.orders.repository import OrderRepository
from linkstar.workspace.core import system_principal

log = logging.getLogger(__name__)

# AddressInput field → order column (id is the subject reference, not an address field).
COLUMNS = {name: f"ship_{name}" for name in FIELDS if name != "id"}


@dataclass(frozen=True)
class Applied:
    order_id: str | None
    outcome: str  # released | rejected | skipped | ignored


def apply_decision(session: Session, organisation_id: str, payload: dict[str, Any]) -> Applied:
    """Apply one `addresses.review_decided` payload; see the module docstring."""
    if payload.get("subject_type") != REVIEW_SUBJECT:
        return Applied(None, "ignored")
    order_id = str(payload.get("subject_ref") or "")
    try:
        order = OrderRepository(session, organisation_id).get(order_id)
    except NotFound:
        log.warning("address review %s: order %s is gone", payload.get("review_id"), order_id)
        return Applied(order_id, "ignored")
    review_id = str(payload.get("review_id") or "")
    decision = str(payload.get("decision") or "")
    holds = holds_from_json(order.holds)
    address_holds = [h for h in holds if h.reason == ADDRESS_HOLD]
    reviewer = _reviewer(session, organisation_id, review_id)
    timeline = Timeline(session, system_principal(organisation_id, reviewer))
    if decision == "reject":
        detail = f"address rejected in review {review_id}"
        if address_holds and address_holds[0].detail.startswith(detail):
            return Applied(order.id, "skipped")
        comment = reviewer_comment(session, organisation_id, review_id)
        full = f"{detail}: {comment}" if comment else detail
        if address_holds:  # same hold, new reason text (it keeps its place and `since`)
            order.holds = holds_to_json(
                Hold(h.reason, full[:500], h.since) if h.reason == ADDRESS_HOLD else h
                for h in holds
            )
        else:
            timeline.hold(order, ADDRESS_HOLD, full, {"review_id": review_id})
        timeline.add(order, "address_rejected", {"review_id": review_id, "comment": comment})
        timeline.write()
        return Applied(order.id, "rejected")
    if decision not in ("approve", "edit"):
        log.warning("address review %s: unknown decision %r", review_id, decision)
        return Applied(order.id, "ignored")
    if not address_holds and order.state != OrderState.NEW.value:
        return Applied(order.id, "skipped")
    changed: list[str] = []
    final = payload.get("final_address") or {}
    if decision == "edit" and isinstance(final, dict):
        for name, column in COLUMNS.items():
            value = str(final.get(name) or "").strip() or None
            if column == "ship_country" and value:
                value = value.upper()[:2]
            if getattr(order, column) != value:
                setattr(order, column, value)
                changed.append(name)
        order.address_verdict = "corrected"
    kept, gone = release(holds, ADDRESS_HOLD)
    order.holds = holds_to_json(kept)
    order.is_held = bool(kept)
    timeline.add(
        order,
        "address_reviewed",
        {"review_id": review_id, "decision": decision, "changed": changed},
    )
    for hold in gone:
        timeline.add(order, "released", {"reason": hold.reason, "note": f"review {review_id}"})
    if order.state == OrderState.NEW.value:
        timeline.move(order, OrderState.CHECKED, why=f"address {decision}d in review")
    timeline.write()
    if not kept:
        enqueue(session, ALLOCATE_JOB, {"order_ids": [order.id]}, organisation_id=organisation_id)
    return Applied(order.id, "released")


def _reviewer(session: Session, organisation_id: str, review_id: str) -> str:
    row = _review(session, organisation_id, review_id)
    return (row.decided_by if row is not None and row.decided_by else "address review")[:254]


def reviewer_comment(session: Session, organisation_id: str, review_id: str) -> str:
    row = _review(session, organisation_id, review_id)
    return (row.comment or "")[:300] if row is not None else ""


def _review(session: Session, organisation_id: str, review_id: str) -> Any:
    if not review_id:
        return None
    try:
        return ReviewRepository(session, organisation_id).get(review_id)
    except NotFound:
        return None
