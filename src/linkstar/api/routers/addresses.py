"""Address checks (one and batches), the workspace's address policy and the review queue."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from linkstar.addresses import checks, policy_store, reviews
from linkstar.addresses.models import AddressReview
from linkstar.addresses.permissions import DECIDE, READ
from linkstar.addresses.policy_store import PolicyInForce
from linkstar.addresses.reviews import Decision, ReviewState
from linkstar.addresses.schemas import (
    MAX_BATCH,
    BatchRead,
    BatchRequest,
    CheckedRead,
    CheckRequest,
    DecisionRequest,
    EditRequest,
    PolicyRead,
    PolicyWrite,
    ReviewRead,
    checked_dict,
)
from linkstar.api.deps import DbSession
from linkstar.api.pagination import Paging
from linkstar.api.routing import api_router, errors, needs
from linkstar.api.schemas import PageOf
from linkstar.kit.clock import utcnow
from linkstar.rating.remote import remote_lookup
from linkstar.workspace.core import Permission, Principal

router = api_router("addresses")


def render_review(row: AddressReview) -> ReviewRead:
    """The public view of a review."""
    return ReviewRead.model_validate(row)


def render_policy(found: PolicyInForce) -> PolicyRead:
    """The public view of the policy in force."""
    return PolicyRead(
        version=found.version,
        set_by=found.set_by,
        set_at=found.set_at,
        policy=found.policy.to_dict(),
    )


@router.post(
    "/addresses/check",
    summary="Check one address",
    description="Normalises, validates and classifies one address with the workspace's policy "
    "and returns the verdict (`valid`, `corrected`, `needs_review`, `invalid`) with every "
    "reason, suggestion and difference. Any text in any field gets a verdict; only wrong JSON "
    "types are a 422. Changes nothing.",
    response_model=CheckedRead,
    responses=errors(403, 413, 422),
)
def check_address(
    data: CheckRequest, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    """One address's verdict."""
    address = data.to_input()
    result = checked_dict(
        checks.check_one(session, actor, address, postal_service=data.postal_service)
    )
    return _with_remote_areas(session, actor, [result])[0]


def _with_remote_areas(
    session: Session, actor: Principal, results: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add the carriers whose cards charge each normalised destination as remote."""
    lookup = remote_lookup(session, actor.organisation_id, utcnow().date())
    for result in results:
        where = result["normalised"]
        areas = lookup(where.get("country", ""), where.get("postcode", ""))
        result["remote_areas"] = [asdict(area) for area in areas]
    return results


@router.post(
    "/addresses/check/batch",
    summary="Check addresses in a batch",
    description=f"Up to {MAX_BATCH:,} addresses (and at most 1 MiB), results in the order "
    "given. With `hold: true` (needs `orders:write`), every `needs_review` address opens a "
    "review in the queue (subject type `api`, reference = its `id`), and its result names "
    "the review.",
    response_model=BatchRead,
    responses=errors(403, 413, 422),
)
def check_batch(
    data: BatchRequest, session: DbSession, actor: Principal = Depends(needs(READ))
) -> dict[str, Any]:
    """Every address's verdict, and the counts per verdict."""
    found = checks.check_batch(
        session,
        actor,
        [a.to_input() for a in data.addresses],
        postal_service=data.postal_service,
        hold=data.hold,
    )
    results = [
        {**checked_dict(result), "review_id": review_id}
        for result, review_id in zip(found.results, found.review_ids, strict=True)
    ]
    return {"results": _with_remote_areas(session, actor, results), "counts": found.counts}


@router.get(
    "/addresses/policy",
    summary="Read the address policy",
    description="The policy in force, every option spelled out; version 0 is the default.",
    response_model=PolicyRead,
    responses=errors(403),
)
def read_policy(session: DbSession, actor: Principal = Depends(needs(READ))) -> PolicyRead:
    return render_policy(policy_store.get_policy(session, actor))


@router.put(
    "/addresses/policy",
    summary="Set the address policy",
    description="Stores the policy as the next version; options left out (or null) take their "
    "default. Wrong types and unknown options are a 422 `invalid_input`; wrong values are a "
    "422 `policy_rejected` whose `details.errors` lists each problem with its JSON path. "
    "Sending the policy in force changes nothing.",
    response_model=PolicyRead,
    responses=errors(403, 413, 422),
)
def write_policy(
    data: PolicyWrite,
    session: DbSession,
    actor: Principal = Depends(needs(Permission.workspace_manage)),
) -> PolicyRead:
    return render_policy(policy_store.set_policy(session, actor, data.options()))


@router.get(
    "/addresses/reviews",
    summary="List address reviews",
    description="The review queue, oldest first; filter with `state`.",
    response_model=PageOf[ReviewRead],
    responses=errors(403, 422),
)
def list_reviews(
    paging: Paging,
    session: DbSession,
    state: Annotated[ReviewState | None, Query(description="Only reviews in this state.")] = None,
    actor: Principal = Depends(needs(READ)),
) -> dict[str, object]:
    page = reviews.list_reviews(session, actor, state, paging.limit, paging.cursor)
    return paging.out(page, render_review)


@router.get(
    "/addresses/reviews/{review_id}",
    summary="Read an address review",
    response_model=ReviewRead,
    responses=errors(403, 404),
)
def read_review(
    review_id: str, session: DbSession, actor: Principal = Depends(needs(READ))
) -> ReviewRead:
    return render_review(reviews.get_review(session, actor, review_id))


_DECIDED = (
    " Decided reviews are a 409. The decision is audited and enqueues the job "
    "`addresses.review_decided` for the holder of the subject."
)


@router.post(
    "/addresses/reviews/{review_id}/approve",
    summary="Approve a held address",
    description='Ships the normalised address as it is. Body: `{}` or `{"comment": ...}`.'
    + _DECIDED,
    response_model=ReviewRead,
    responses=errors(403, 404, 409, 413, 422),
)
def approve_review(
    review_id: str,
    session: DbSession,
    data: DecisionRequest,
    actor: Principal = Depends(needs(DECIDE)),
) -> ReviewRead:
    return render_review(
        reviews.decide(session, actor, review_id, Decision.APPROVE, None, data.comment)
    )


@router.post(
    "/addresses/reviews/{review_id}/edit",
    summary="Correct a held address",
    description="The corrected address is re-checked with the workspace policy: an `invalid` "
    "result is a 422 with its reasons, anything else is accepted in its normalised form."
    + _DECIDED,
    response_model=ReviewRead,
    responses=errors(403, 404, 409, 413, 422),
)
def edit_review(
    review_id: str,
    data: EditRequest,
    session: DbSession,
    actor: Principal = Depends(needs(DECIDE)),
) -> ReviewRead:
    return render_review(
        reviews.decide(
            session, actor, review_id, Decision.EDIT, data.address.to_input(), data.comment
        )
    )


@router.post(
    "/addresses/reviews/{review_id}/reject",
    summary="Reject a held address",
    description="The subject is not shipped to this address. Body: `{}` or "
    '`{"comment": ...}`.' + _DECIDED,
    response_model=ReviewRead,
    responses=errors(403, 404, 409, 413, 422),
)
def reject_review(
    review_id: str,
    session: DbSession,
    data: DecisionRequest,
    actor: Principal = Depends(needs(DECIDE)),
) -> ReviewRead:
    return render_review(
        reviews.decide(session, actor, review_id, Decision.REJECT, None, data.comment)
    )
