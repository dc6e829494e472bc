"""Checking addresses with the workspace's policy: one (writes nothing) or a batch, which with
`hold` opens a review for each address that needs one.

Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from linkstar.addresses.core import AddressInput, CheckedAddress, Verdict, check, check_many
from linkstar.addresses.permissions import DECIDE, READ
from linkstar.addresses.policy_store import current_policy
from linkstar.addresses.reviews import open_reviews, usable_ref
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.core import Principal


def check_one(
    session: Session, actor: Principal, address: AddressInput, *, postal_service: bool = False
) -> CheckedAddress:
    """Check one address with the workspace's policy; writes nothing."""
    actor.require(READ)
    policy = current_policy(session, actor.organisation_id).policy
    return check(address, policy, postal_service=postal_service)


@dataclass(frozen=True)
class BatchResult:
    results: list[CheckedAddress]
    review_ids: list[str | None]
    counts: dict[str, int]


def check_batch(
    session: Session,
    actor: Principal,
    addresses: Sequence[AddressInput],
    *,
    postal_service: bool = False,
    hold: bool = False,
) -> BatchResult:
    """Check many addresses; with `hold`, open a review for each `needs_review` one."""
    actor.require(DECIDE if hold else READ)
    if hold:
        _distinct_ids(addresses)
    policy = current_policy(session, actor.organisation_id).policy
    results = list(check_many(addresses, policy, postal_service=postal_service))
    review_ids: list[str | None] = [None] * len(results)
    if hold:
        held = [(i, r) for i, r in enumerate(results) if r.verdict is Verdict.NEEDS_REVIEW]
        ids = open_reviews(
            session,
            actor.organisation_id,
            "api",
            [(addresses[i].id, r, addresses[i]) for i, r in held],
        )
        for (index, _), review_id in zip(held, ids, strict=True):
            review_ids[index] = review_id
    counts = Counter(r.verdict.value for r in results)
    return BatchResult(results, review_ids, {v.value: counts[v.value] for v in Verdict})


def _distinct_ids(addresses: Sequence[AddressInput]) -> None:
    seen: dict[str, int] = {}
    for index, address in enumerate(addresses):
        ref = address.id
        if not usable_ref(ref):
            raise InvalidInput(
                "with hold, every address needs an id of 1 to 200 characters without control "
                "characters or surrounding spaces",
                {"field": f"addresses[{index}].id"},
            )
        if ref in seen:
            raise InvalidInput(
                f"with hold, ids must be distinct: {ref!r} is also addresses[{seen[ref]}]",
                {"field": f"addresses[{index}].id"},
            )
        seen[ref] = index
