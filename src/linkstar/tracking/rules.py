"""A workspace's exception rules: validated JSON stored per organisation as numbered versions
(audited), defaults built in until it sets its own. Never commits.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from linkstar.kit.errors import InvalidInput
from linkstar.tracking.core.disruption import DisruptionThresholds
from linkstar.tracking.core.exceptions import ExceptionKind, Thresholds
from linkstar.tracking.models import TrackingRuleSet
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal
from linkstar.workspace.repository import active_user_ids

_AUTO_RESOLVE = [
    ExceptionKind.STALLED,
    ExceptionKind.LOST,
    ExceptionKind.CUSTOMS_HOLD,
    ExceptionKind.FAILED_ATTEMPT,
    ExceptionKind.ADDRESS_ISSUE,
    ExceptionKind.UNMAPPED,
]


class DisruptionRule(BaseModel):
    """When a carrier (or one of its destination countries) is suspended for routing."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    window_hours: float = Field(72, gt=0, le=24 * 30)
    baseline_days: float = Field(28, gt=0, le=365)
    min_exceptions: int = Field(10, ge=1)
    ratio: float = Field(3.0, ge=1.0)  # recent count vs the expected count
    # The reference rate never goes below this many exceptions per moving parcel.
    prior_rate: float = Field(0.05, gt=0, le=1)
    max_p_value: float = Field(0.001, gt=0, lt=1)  # one-sided Poisson test of the burst
    min_baseline_shipments: int = Field(20, ge=1)  # fewer parcels before the window: no baseline
    no_baseline_rate: float = Field(0.25, gt=0, le=1)  # share in trouble needed without one
    # Exceptions on parcels not scanned for longer are old news (a parcel lost for months does
    # not make its carrier disrupted today), and such parcels are not counted as moving.
    recent_scan_days: float = Field(7, gt=0, le=60)
    suspend_hours: float = Field(48, gt=0, le=24 * 60)
    kinds: list[ExceptionKind] = Field(
        default_factory=lambda: [
            ExceptionKind.STALLED,
            ExceptionKind.LOST,
            ExceptionKind.CUSTOMS_HOLD,
            ExceptionKind.FAILED_ATTEMPT,
        ]
    )

    def thresholds(self) -> DisruptionThresholds:
        """The numbers the pure disruption judgement needs."""
        return DisruptionThresholds(
            min_exceptions=self.min_exceptions,
            ratio=self.ratio,
            prior_rate=self.prior_rate,
            max_p_value=self.max_p_value,
            min_baseline_shipments=self.min_baseline_shipments,
            no_baseline_rate=self.no_baseline_rate,
        )


class ExceptionRules(BaseModel):
    """Every threshold of the exception sweep; see docs/tracking.md."""

    model_config = ConfigDict(extra="forbid")

    enabled: list[ExceptionKind] = Field(default_factory=lambda: list(ExceptionKind))
    stalled_floor_business_hours: float = Field(48, ge=1, le=24 * 60)
    customs_hold_hours: float = Field(48, ge=1, le=24 * 60)
    lost_days: float = Field(14, ge=1, le=365)
    recent_days: int = Field(30, ge=1, le=365)  # delivered/returned shipments still checked
    auto_resolve: list[ExceptionKind] = Field(default_factory=lambda: list(_AUTO_RESOLVE))
    owners: dict[ExceptionKind, str] = Field(default_factory=dict)  # kind → user id
    default_owner_user_id: str | None = None
    disruption: DisruptionRule = Field(default_factory=DisruptionRule)

    def thresholds(self) -> Thresholds:
        """The numbers the pure sweep needs."""
        return Thresholds(
            stalled_floor_business_hours=self.stalled_floor_business_hours,
            customs_hold_hours=self.customs_hold_hours,
            lost_days=self.lost_days,
            enabled=frozenset(self.enabled),
        )

    def owner_for(self, kind: ExceptionKind) -> str | None:
        """Who a new exception of this kind is assigned to."""
        return self.owners.get(kind, self.default_owner_user_id)


def parse_rules(data: dict[str, Any]) -> ExceptionRules:
    """Validate stored or submitted rules; every problem is listed in a 422."""
    try:
        return ExceptionRules.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]}
            for err in exc.errors()
        ]
        first = "; ".join(f"{p['field']}: {p['reason']}" for p in problems[:3])
        raise InvalidInput(f"invalid exception rules: {first}", {"errors": problems}) from None


def _stored(session: Session, organisation_id: str) -> TrackingRuleSet | None:
    return session.scalars(
        select(TrackingRuleSet).where(TrackingRuleSet.organisation_id == organisation_id)
    ).first()


def load_rules(session: Session, organisation_id: str) -> ExceptionRules:
    """The workspace's rules, or the defaults when it has not set any."""
    stored = _stored(session, organisation_id)
    return parse_rules(stored.rules) if stored else ExceptionRules()


def rules_version(session: Session, actor: Principal) -> TrackingRuleSet | None:
    """The stored rules' row (version, who set them, when), None while the defaults apply."""
    actor.require(Permission.tracking_read)
    return _stored(session, actor.organisation_id)


def get_rules(session: Session, actor: Principal) -> ExceptionRules:
    """The workspace's exception rules (defaults until it sets its own)."""
    actor.require(Permission.tracking_read)
    return load_rules(session, actor.organisation_id)


def _check_owners(session: Session, organisation_id: str, rules: ExceptionRules) -> None:
    """Every owner the rules name is an active user of the workspace: the sweep assigns new
    exceptions to them, and an unknown id would leave those exceptions with nobody."""
    named = [(f"owners.{kind.value}", user) for kind, user in rules.owners.items()]
    if rules.default_owner_user_id:
        named.append(("default_owner_user_id", rules.default_owner_user_id))
    known = active_user_ids(session, organisation_id, [user for _field, user in named])
    problems = [
        {"field": field, "reason": f"no active user {user!r} in this workspace"}
        for field, user in named
        if user not in known
    ]
    if problems:
        first = "; ".join(f"{p['field']}: {p['reason']}" for p in problems[:3])
        raise InvalidInput(f"invalid exception rules: {first}", {"errors": problems})


def set_rules(session: Session, actor: Principal, data: dict[str, Any]) -> ExceptionRules:
    """Validate and store new rules as the next version."""
    actor.require(Permission.tracking_write)
    rules = parse_rules(data)
    _check_owners(session, actor.organisation_id, rules)
    row = _stored(session, actor.organisation_id)
    stored = rules.model_dump(mode="json")
    if row is None:
        row = TrackingRuleSet(
            organisation_id=actor.organisation_id, version=1, rules=stored, updated_by=actor.label
        )
        session.add(row)
        before: dict[str, Any] = {}
    else:
        before = {"rules": row.rules, "version": row.version}
        row.rules, row.version, row.updated_by = stored, row.version + 1, actor.label[:254]
    session.flush()
    audit.record(session, actor, "tracking_rules.update", row, before=before,
                 after={"rules": stored, "version": row.version})  # fmt: skip
    return rules
