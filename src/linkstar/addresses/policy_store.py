"""The workspace's stored address policy: validation naming the JSON path of every problem,
numbered versions (audited; unchanged content adds none), and the policy in force (the built-in
default until one is set).

Never commits: the entry point owns the transaction, so a refused policy writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from linkstar.addresses.core import Policy
from linkstar.addresses.models import AddressPolicyVersion
from linkstar.addresses.permissions import MANAGE, READ
from linkstar.addresses.repository import PolicyRepository
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import InvalidInput
from linkstar.workspace import audit
from linkstar.workspace.core import Principal


class PolicyRejected(InvalidInput):
    """A policy with problems; `details.errors` lists each one with the JSON path it concerns."""

    code = "policy_rejected"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        first = "; ".join(f"{e['path']}: {e['reason']}" for e in errors[:3])
        super().__init__(f"policy rejected, {len(errors)} problem(s): {first}", {"errors": errors})
        self.errors = errors


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
