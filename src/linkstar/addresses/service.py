"""Use cases of addresses: the workspace policy, checks with it, and the review queue.

Never commits: the entry point (API request, console action, CLI command, job) owns the
transaction, so a refused policy or decision writes nothing at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from linkstar.addresses.core import (
    FIELDS,
    AddressInput,
    CheckedAddress,
    Policy,
    Verdict,
    check,
    check_many,
)
from linkstar.addresses.models import AddressPolicyVersion, AddressReview
from linkstar.addresses.repository import PolicyRepository, ReviewRepository
from linkstar.addresses.schemas import address_dict, checked_dict
from linkstar.db.bulk import insert_rows
from linkstar.db.outbox import enqueue
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.kit.ids import new_id
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

READ = Permission.orders_read
DECIDE = Permission.orders_write
MANAGE = Permission.workspace_manage
REVIEW_DECIDED_JOB = "addresses.review_decided"


class ReviewState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"


class Decision(StrEnum):
    APPROVE = "approve"
    EDIT = "edit"
    REJECT = "reject"


_DECIDED_STATE = {
    Decision.APPROVE: ReviewState.APPROVED,
    Decision.EDIT: ReviewState.EDITED,
    Decision.REJECT: ReviewState.REJECTED,
}


class PolicyRejected(InvalidInput):
    """A policy with problems; `details.errors` lists each one with the JSON path it concerns."""

    code = "policy_rejected"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = "; ".join(f"{e['path']}: {e['reason']}" for e in errors[:3])
        super().__init__(f"policy rejected, {len(errors)} problem(s): {first}", {"errors": errors})
        self.errors = errors


# policy -----------------------------------------------------------------------------------


def validate_policy(data: Any) -> Policy:
    """A core Policy from parsed JSON, or PolicyRejected listing every problem with its path."""
    if not isinstance(data, dict):
        raise PolicyRejected([{"path": "$", "reason": "a policy is a JSON object"}])
    errors: list[dict[str, str]] = []
    known = set(Policy().to_dict())
    for key, value in data.items():
        if key not in known:
            errors.append({"path": key or '""', "reason": f"unknown policy option {key!r}"})
            continue
        try:
            Policy.from_dict({key: value})
        except InvalidInput as exc:
            errors.append({"path": _item_path(key, value), "reason": exc.message})
    if errors:
        raise PolicyRejected(errors)
    try:
        return Policy.from_dict(data)
    except InvalidInput as exc:  # a rule spanning several options
        raise PolicyRejected([{"path": "$", "reason": exc.message}]) from None


def _item_path(key: str, value: Any) -> str:
    # Point at the first bad element of a list, so a long ZIP list names the culprit.
    if isinstance(value, list):
        for index, item in enumerate(value):
            try:
                Policy.from_dict({key: [item]})
            except InvalidInput:
                return f"{key}[{index}]"
    return str(key)


@dataclass(frozen=True)
class PolicyInForce:
    """The policy a workspace checks with; version 0 is the built-in default."""

    policy: Policy
    version: int
    set_by: str | None = None
    set_at: Any = None


def current_policy(session: Session, organisation_id: str) -> PolicyInForce:
    """The organisation's newest stored policy, else the default."""
    row = PolicyRepository(session, organisation_id).current()
    if row is None:
        return PolicyInForce(Policy(), 0)
    return PolicyInForce(Policy.from_dict(row.policy), row.version, row.set_by, row.set_at)


def get_policy(session: Session, actor: Principal) -> PolicyInForce:
    """The policy in force, for someone allowed to see it."""
    actor.require(READ)
    return current_policy(session, actor.organisation_id)


def set_policy(session: Session, actor: Principal, data: Any) -> PolicyInForce:
    """Store a validated policy as the next version (unchanged content adds nothing)."""
    actor.require(MANAGE)
    policy = validate_policy(data)
    stored = policy.to_dict()
    repo = PolicyRepository(session, actor.organisation_id)
    latest = repo.current()
    before = latest.policy if latest is not None else Policy().to_dict()
    if latest is not None and latest.policy == stored:
        return PolicyInForce(policy, latest.version, latest.set_by, latest.set_at)
    row = repo.add(
        AddressPolicyVersion(
            version=repo.next_version(), policy=stored, set_by=actor.label[:254], set_at=utcnow()
        )
    )
    audit.record(session, actor, "address_policy.set", row, before=before, after=stored)
    return PolicyInForce(policy, row.version, row.set_by, row.set_at)


# checks -----------------------------------------------------------------------------------


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
        if not _usable_ref(ref):
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


# review queue -----------------------------------------------------------------------------


def open_review(
    session: Session,
    organisation_id: str,
    subject_type: str,
    subject_ref: str,
    checked: CheckedAddress,
    original: AddressInput,
) -> AddressReview:
    """Hold an address for review; a re-check of the same subject updates its review."""
    ids = open_reviews(session, organisation_id, subject_type, [(subject_ref, checked, original)])
    return ReviewRepository(session, organisation_id).get(ids[0])


def open_reviews(
    session: Session,
    organisation_id: str,
    subject_type: str,
    items: Sequence[tuple[str, CheckedAddress, AddressInput]],
) -> list[str]:
    """`open_review` for many subjects of one type, in one read and one write; the review ids,
    in the order of `items`.

    A pending review is refreshed with the new check. A decided review is left alone when the
    address is the one already decided on (a replayed check must not undo a decision), and
    re-opened when the address changed. New reviews are written with one multi-row insert (an
    import of 100,000 orders opens about 20,000: ORM objects cost ~0.2 ms each).
    """
    if not subject_type or len(subject_type) > 20:
        raise InvalidInput("subject_type must have 1 to 20 characters")
    repo = ReviewRepository(session, organisation_id)
    existing = repo.by_subjects(subject_type, (ref for ref, _, _ in items))
    ids: list[str] = []
    new_rows: dict[str, dict[str, Any]] = {}
    now = utcnow()
    for ref, checked, original in items:
        if not _usable_ref(ref):
            raise InvalidInput(
                "subject_ref must have 1 to 200 characters, no control characters or "
                "surrounding spaces"
            )
        values = _review_values(checked, original)
        row = existing.get(ref)
        if row is None:
            fresh = new_rows.get(ref)
            if fresh is None:
                # One microsecond apart: the queue (oldest first) keeps the order they came in.
                at = now + timedelta(microseconds=len(new_rows))
                fresh = new_rows[ref] = dict(
                    id=new_id(), organisation_id=organisation_id, subject_type=subject_type,
                    subject_ref=ref, state=ReviewState.PENDING.value, comment="",
                    created_at=at, updated_at=at,
                )  # fmt: skip
            fresh.update(values)
            ids.append(fresh["id"])
            continue
        if row.state == ReviewState.PENDING or values["original"] not in (
            row.original,
            row.final_address,
        ):
            for name, value in values.items():
                setattr(row, name, value)
            row.state = ReviewState.PENDING.value
            row.decided_by = row.decided_at = row.final_address = None
            row.comment = ""
        ids.append(row.id)
    session.flush()
    insert_rows(session.connection(), AddressReview.__table__, [*new_rows.values()])  # type: ignore[arg-type]
    return ids


def _usable_ref(ref: str) -> bool:
    # A reference is stored in a text column and matched exactly: PostgreSQL text cannot hold
    # NUL, and invisible differences would make two subjects look the same to a person.
    return (
        0 < len(ref) <= 200
        and ref == ref.strip()
        and not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in ref)
    )


def _review_values(checked: CheckedAddress, original: AddressInput) -> dict[str, Any]:
    data = checked_dict(checked)
    kept = ("normalised", "verdict", "flags", "reasons", "suggestions", "differences")
    return {"original": address_dict(original)} | {name: data[name] for name in kept}


def list_reviews(
    session: Session,
    actor: Principal,
    state: ReviewState | None,
    limit: int,
    cursor: str | None = None,
) -> Page[AddressReview]:
    """A page of reviews, oldest first (the queue's order), optionally in one state."""
    actor.require(READ)
    filters = {"state": state.value} if state is not None else {}
    return ReviewRepository(session, actor.organisation_id).page(limit, cursor, **filters)


def count_pending(session: Session, organisation_id: str) -> int:
    """How many addresses wait for a decision."""
    return ReviewRepository(session, organisation_id).count(state=ReviewState.PENDING.value)


def get_review(session: Session, actor: Principal, review_id: str) -> AddressReview:
    """One review of the actor's organisation."""
    actor.require(READ)
    return ReviewRepository(session, actor.organisation_id).get(review_id)


def decide(
    session: Session,
    actor: Principal,
    review_id: str,
    action: Decision | str,
    edited_address: AddressInput | None = None,
    comment: str | None = None,
) -> AddressReview:
    """Approve, edit or reject a pending review; audited, and announced to the order hub.

    An edit re-checks the edited address with the workspace policy: an `invalid` result is
    refused with its reasons, anything else is accepted in its normalised form (a human has
    looked at it).
    """
    actor.require(DECIDE)
    try:
        decision = Decision(action)
    except ValueError:
        raise InvalidInput(
            f"unknown decision {action!r}; use approve, edit or reject", {"field": "action"}
        ) from None
    row = ReviewRepository(session, actor.organisation_id).get(review_id)
    if row.state != ReviewState.PENDING:
        raise Conflict(f"review {review_id} is already {row.state}", {"state": row.state})
    before = audit.snapshot(row)
    final: dict[str, Any] | None
    recheck: dict[str, Any] | None = None
    if decision is Decision.EDIT:
        if edited_address is None:
            raise InvalidInput("an edit needs the corrected address", {"field": "address"})
        edited = _keep_id(edited_address, row.original)
        result = check(edited, current_policy(session, actor.organisation_id).policy)
        if result.verdict is Verdict.INVALID:
            raise InvalidInput(
                "the edited address is invalid: "
                + "; ".join(r.message for r in result.reasons if r.severity.value == "invalid"),
                {"field": "address", "reasons": checked_dict(result)["reasons"]},
            )
        final = address_dict(result.normalised)
        recheck = {"verdict": result.verdict.value, "reasons": [r.code for r in result.reasons]}
    elif decision is Decision.APPROVE:
        final = dict(row.normalised)
    else:
        final = None
    row.state = _DECIDED_STATE[decision].value
    row.decided_by = actor.label[:254]
    row.decided_at = utcnow()
    row.comment = _printable(comment or "")[:2000]
    row.final_address = final
    session.flush()
    after = audit.snapshot(row)
    if recheck is not None:
        after["recheck"] = recheck
    audit.record(
        session, actor, f"address_review.{decision.value}", row, before=before, after=after
    )
    enqueue(
        session,
        REVIEW_DECIDED_JOB,
        {
            "review_id": row.id,
            "subject_type": row.subject_type,
            "subject_ref": row.subject_ref,
            "decision": decision.value,
            "final_address": final,
        },
        organisation_id=actor.organisation_id,
    )
    return row


def _printable(text: str) -> str:
    """A comment without control characters other than newlines and tabs (NUL breaks text)."""
    return "".join(c for c in text if c in "\n\t" or not (ord(c) < 32 or ord(c) == 0x7F)).strip()


def _keep_id(address: AddressInput, original: dict[str, Any]) -> AddressInput:
    values = address_dict(address)
    values["id"] = str(original.get("id", ""))
    return AddressInput(**{name: values[name] for name in FIELDS})
