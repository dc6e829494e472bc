"""The steps an imported order goes through after it is stored in canonical form.

`check_addresses` is the one seam to the address domain: it runs the pure checker with the
workspace's stored policy (addresses.policy_store.current_policy), records the verdict on each order
draft and holds the order (reason `address`) when the verdict is needs_review or invalid.
`open_address_reviews` then puts those orders in the address review queue (subject_type
"order", subject_ref = order id) in the same transaction, with one read and one flush per batch;
orders.tasks applies the reviewer's decision back to the order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from linkstar.addresses.core import DEFAULT_POLICY, AddressInput, CheckedAddress, Policy, Verdict
from linkstar.addresses.core import check as check_address
from linkstar.addresses.reviews import open_reviews
from linkstar.orders.core.canonical import PostalAddress
from linkstar.orders.core.states import Hold, add_hold

ADDRESS_HOLD = "address"
REVIEW_SUBJECT = "order"
HOLDING_VERDICTS = frozenset({Verdict.NEEDS_REVIEW, Verdict.INVALID})


@dataclass
class AddressTarget:
    """What the address step reads and writes on one order (an import draft or a stored row)."""

    ship_to: PostalAddress | None
    holds: tuple[Hold, ...] = ()
    verdict: str | None = None
    flags: list[str] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    checked: CheckedAddress | None = None  # the checker's full result, for the review queue
    original: AddressInput | None = None


def address_input(address: PostalAddress | None) -> AddressInput:
    """The checker's input for an order's ship-to address."""
    if address is None:
        return AddressInput()
    return AddressInput(
        name=address.name or "",
        company=address.company or "",
        line1=address.line1 or "",
        line2=address.line2 or "",
        city=address.city or "",
        state=address.state or "",
        postcode=address.postcode or "",
        country=address.country or "",
        phone=address.phone or "",
        email=address.email or "",
    )


def check_addresses(
    targets: Sequence[AddressTarget],
    at: datetime,
    policy: Policy = DEFAULT_POLICY,
    checked: Mapping[AddressInput, CheckedAddress] | None = None,
) -> None:
    """Check every target's ship-to address; store verdict and flags, hold what needs a human.

    `checked` holds results already computed with `policy` (orders.lookahead's worker).
    """
    seen = dict(checked or {})  # one check per distinct address per batch
    for target in targets:
        address = address_input(target.ship_to)
        result = seen.get(address)
        if result is None:
            result = seen[address] = check_address(address, policy)
        target.checked, target.original = result, address
        target.verdict = result.verdict.value
        target.flags = [f.value for f in result.flags]
        reasons = [
            {"code": r.code, "field": r.field, "message": r.message, "severity": r.severity.value}
            for r in result.reasons
        ]
        target.events.append(
            (
                "address_checked",
                {"verdict": target.verdict, "flags": target.flags, "reasons": reasons},
            )
        )
        if result.verdict in HOLDING_VERDICTS:
            detail = "; ".join(r["message"] for r in reasons[:3]) or f"address {target.verdict}"
            target.holds, added = add_hold(target.holds, ADDRESS_HOLD, detail, at)
            if added:
                target.events.append(("held", {"reason": ADDRESS_HOLD, "detail": detail}))


def open_address_reviews(
    session: Session, organisation_id: str, items: Sequence[tuple[str, AddressTarget]]
) -> dict[str, str]:
    """Open (or refresh) a review for every (order id, target) the check held; review ids by
    order id. Orders with a clean verdict are skipped."""
    held = [
        (order_id, t.checked, t.original or AddressInput(id=order_id))
        for order_id, t in items
        if t.checked is not None and t.checked.verdict in HOLDING_VERDICTS
    ]
    if not held:
        return {}
    ids = open_reviews(
        session,
        organisation_id,
        REVIEW_SUBJECT,
        [(ref, checked, replace(original, id=ref)) for ref, checked, original in held],
    )
    return {ref: review_id for (ref, _, _), review_id in zip(held, ids, strict=True)}
