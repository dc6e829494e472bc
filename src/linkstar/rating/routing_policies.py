"""Routing policies: stored as versions (a new version never changes the older ones), checked
as a whole before they are stored, ranked for the chooser.

Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.errors import InvalidInput
from linkstar.rating.core.choose import RankedPolicy
from linkstar.rating.core.policy_format import PolicyError, parse_policy
from linkstar.rating.models import RoutingPolicyVersion
from linkstar.rating.repository import PolicyRepository
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal


class PolicyRejected(InvalidInput):
    """A policy body with problems; `details.errors` lists each with its JSON path."""

    code = "policy_rejected"

    def __init__(self, error: PolicyError) -> None:
        super().__init__(
            f"policy rejected: {error}",
            {"errors": [{"path": p, "reason": m} for p, m in error.problems]},
        )


def check_policy(body: Any) -> None:
    """PolicyRejected with every problem of a policy body."""
    try:
        parse_policy(body)
    except PolicyError as exc:
        raise PolicyRejected(exc) from None


def create_policy(
    session: Session, actor: Principal, body: dict[str, Any], precedence: int, enabled: bool
) -> RoutingPolicyVersion:
    """Store a new policy as version 1 (its name comes from the body)."""
    actor.require(Permission.routing_manage)
    check_policy(body)
    name = str(body["name"]).strip()
    repo = PolicyRepository(session, actor.organisation_id)
    if repo.versions(name):
        raise InvalidInput(f"a policy named {name!r} exists; add a version to it instead")
    return _store_policy(session, actor, repo, name, 1, body, precedence, enabled)


def add_policy_version(
    session: Session,
    actor: Principal,
    policy_id: str,
    body: dict[str, Any],
    precedence: int | None,
    enabled: bool | None,
) -> RoutingPolicyVersion:
    """The next version of the policy `policy_id` belongs to; older versions stay as they were."""
    actor.require(Permission.routing_manage)
    repo = PolicyRepository(session, actor.organisation_id)
    current = repo.get(policy_id)
    check_policy(body)
    if str(body["name"]).strip() != current.name:
        raise InvalidInput("a new version keeps the policy's name", {"field": "body.name"})
    latest = repo.versions(current.name)[0]
    return _store_policy(
        session,
        actor,
        repo,
        current.name,
        latest.version + 1,
        body,
        latest.precedence if precedence is None else precedence,
        latest.enabled if enabled is None else enabled,
    )


def _store_policy(
    session: Session,
    actor: Principal,
    repo: PolicyRepository,
    name: str,
    version: int,
    body: dict[str, Any],
    precedence: int,
    enabled: bool,
) -> RoutingPolicyVersion:
    row = repo.add(
        RoutingPolicyVersion(
            name=name,
            version=version,
            precedence=precedence,
            enabled=enabled,
            body=body,
            created_by=actor.label[:254],
        )
    )
    audit.record(
        session,
        actor,
        "routing_policy.version",
        row,
        after={"name": name, "version": version, "precedence": precedence, "enabled": enabled},
    )
    return row


def policies(session: Session, actor: Principal) -> list[RoutingPolicyVersion]:
    """The newest version of every policy."""
    actor.require(Permission.routing_read)
    return PolicyRepository(session, actor.organisation_id).latest_of_each()


def policy_versions(
    session: Session, actor: Principal, policy_id: str
) -> list[RoutingPolicyVersion]:
    """Every version of the policy `policy_id` belongs to, newest first."""
    actor.require(Permission.routing_read)
    repo = PolicyRepository(session, actor.organisation_id)
    return repo.versions(repo.get(policy_id).name)


def get_policy(session: Session, actor: Principal, policy_id: str) -> RoutingPolicyVersion:
    """One stored policy version."""
    actor.require(Permission.routing_read)
    return PolicyRepository(session, actor.organisation_id).get(policy_id)


def ranked_policies(rows: Iterable[RoutingPolicyVersion]) -> list[RankedPolicy]:
    return [
        RankedPolicy(parse_policy(r.body), r.id, r.version, r.precedence) for r in rows if r.enabled
    ]
