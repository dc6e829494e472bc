"""The address review queue: open or refresh reviews (one read and one write for any number),
list and count them, and decide one (approve, edit after a re-check, reject), audited and
announced to the order hub through the job `addresses.review_decided`.

Never commits: the entry point owns the transaction, so a refused decision writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from linkstar.addresses.core import FIELDS, AddressInput, CheckedAddress, Verdict, check
from linkstar.addresses.models import AddressReview
from linkstar.addresses.permissions import DECIDE, READ
from linkstar.addresses.policy_store import current_policy
from linkstar.addresses.repository import ReviewRepository
from linkstar.addresses.schemas import address_dict, checked_dict
from linkstar.db.bulk import insert_rows
from linkstar.db.outbox import enqueue
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.kit.ids import new_id
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace.core import Principal

REVIEW_DECIDED_JOB = "addresses.review_decided"

# C0 and C1 control characters and DEL (NUL included).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
        if not usable_ref(ref):
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


def usable_ref(ref: str) -> bool:
    """1 to 200 characters, no control characters, no surrounding spaces."""
    # A reference is stored in a text column and matched exactly: PostgreSQL text cannot hold
    # NUL, and invisible differences would make two subjects look the same to a person.
    return 0 < len(ref) <= 200 and ref == ref.strip() and _CONTROL.search(ref) is None


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
