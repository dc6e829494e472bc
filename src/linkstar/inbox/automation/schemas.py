"""Request and response models of the inbox automation API (rules and A/B tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

DEFINITION_FIELDS = ("name", "description", "trigger", "when", "actions", "stop_processing")


class InboxRuleWrite(BaseModel):
    """A rule in the format of docs/inbox-automation.md; validated as a whole (JSON paths)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    trigger: dict[str, Any]
    when: dict[str, Any] | None = None
    actions: list[dict[str, Any]] = Field(min_length=1, max_length=20)
    stop_processing: bool = False
    active: bool = True
    position: int | None = Field(default=None, ge=1, le=10_000)

    def definition(self) -> dict[str, Any]:
        """The stored definition (without the storage-only fields)."""
        return self.model_dump(include=set(DEFINITION_FIELDS))


class InboxRulePatch(BaseModel):
    """Omitted fields stay; a changed definition field makes a new version."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    trigger: dict[str, Any] | None = None
    when: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=20)
    stop_processing: bool | None = None
    active: bool | None = None
    position: int | None = Field(default=None, ge=1, le=10_000)


class InboxRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    position: int
    name: str
    trigger_event: str
    active: bool
    version: int
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class InboxRuleVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    definition: dict[str, Any]
    created_at: datetime
    created_by: str | None


class SnapshotIn(BaseModel):
    """One past moment of a thread: when, the snapshot (thread/message/order/…), event data."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime
    snapshot: dict[str, Any]
    event: dict[str, Any] = Field(default_factory=dict)


class InboxRuleDryRun(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: dict[str, Any]
    snapshots: list[SnapshotIn] = Field(min_length=1, max_length=1000)


class DryRunRowRead(BaseModel):
    snapshot_index: int
    matched: bool
    actions: list[dict[str, Any]]


class InboxRuleDryRunRead(BaseModel):
    examined: int
    matched: int
    rows: list[DryRunRowRead]


class ABVariantWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=40)
    template: str = Field(min_length=1, max_length=120)
    percent: float = Field(gt=0, le=100)


class ABTestWrite(BaseModel):
    """An A/B test of templates (docs/inbox-automation.md); percentages add up to 100."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    metric: Literal["buyer_replied", "order_placed", "resolution_hours"] = "buyer_replied"
    variants: list[ABVariantWrite] = Field(min_length=2, max_length=10)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    min_samples: int = Field(default=100, ge=1, le=1_000_000)
    order_window_days: int = Field(default=14, ge=1, le=365)
    auto_promote: bool = True


class ABVariantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    template: str
    percent: float


class ABTestRead(BaseModel):
    id: str
    name: str
    metric: str
    status: str
    winner: str | None
    promoted_at: datetime | None
    spec: dict[str, Any]
    variants: list[ABVariantRead]
    created_at: datetime


class ABOutcomeWrite(BaseModel):
    """Assigns the thread on first sight (deterministically), then records what happened."""

    model_config = ConfigDict(extra="forbid")

    subject_id: str = Field(min_length=1, max_length=64)
    assigned_at: AwareDatetime
    buyer_replied: bool | None = None
    resolved_at: AwareDatetime | None = None
    order_placed_at: AwareDatetime | None = None


class ABVariantResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    n: int
    successes: int
    rate: float
    ci_low: float
    ci_high: float
    mean_resolution_hours: float | None


class ABResultRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    metric: str
    test: str
    p_value: float | None
    enough_samples: bool
    winner: str | None
    promote: bool
    variants: list[ABVariantResultRead]


class ABOutcomeRead(BaseModel):
    subject_id: str
    variant_key: str
    result: ABResultRead
