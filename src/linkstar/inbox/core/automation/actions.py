"""Rule actions as validated data, and an executor that isolates each action's failure.

The rules engine only plans actions; an executor (wired to the thread store by the service
layer) performs them one by one through handlers, so one failing action (a webhook that times
out) never stops the next, and every outcome is recorded for the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PRIORITIES = ("low", "normal", "high", "urgent")
_Name = Annotated[str, Field(min_length=1, max_length=120)]


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplyWithTemplate(_Action):
    type: Literal["reply_with_template"]
    template: _Name
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] | None = None


class Assign(_Action):
    """Assign to one agent, or to a team (optionally round-robin over its members)."""

    type: Literal["assign"]
    agent: _Name | None = None
    team: _Name | None = None
    round_robin: Annotated[list[_Name], Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Assign:
        if (self.agent is None) == (self.team is None):
            raise ValueError("assign takes exactly one of agent or team")
        if self.round_robin is not None:
            if self.team is None:
                raise ValueError("round_robin needs a team")
            if not self.round_robin or len(set(self.round_robin)) != len(self.round_robin):
                raise ValueError("round_robin lists distinct agents, at least one")
        return self


class Tag(_Action):
    type: Literal["tag"]
    tags: Annotated[list[Annotated[str, Field(min_length=1, max_length=60)]], Field(min_length=1)]


class SetPriority(_Action):
    type: Literal["set_priority"]
    priority: Literal["low", "normal", "high", "urgent"]


class RequestApproval(_Action):
    type: Literal["request_approval"]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class Snooze(_Action):
    type: Literal["snooze"]
    hours: Annotated[float, Field(gt=0, le=24 * 90)]


class Close(_Action):
    type: Literal["close"]


class CallWebhook(_Action):
    type: Literal["call_webhook"]
    url: Annotated[str, Field(max_length=2000)]

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be an absolute http(s) URL")
        return value


class ScheduleFollowUp(_Action):
    type: Literal["schedule_follow_up"]
    business_hours: Annotated[float, Field(gt=0, le=24 * 365)]
    template: _Name


Action = Annotated[
    ReplyWithTemplate
    | Assign
    | Tag
    | SetPriority
    | RequestApproval
    | Snooze
    | Close
    | CallWebhook
    | ScheduleFollowUp,
    Field(discriminator="type"),
]
ACTION_TYPES = (
    "reply_with_template",
    "assign",
    "tag",
    "set_priority",
    "request_approval",
    "snooze",
    "close",
    "call_webhook",
    "schedule_follow_up",
)


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """One action a rule wants done, with the rule that produced it (for the audit)."""

    rule_id: str
    rule_version: int
    rule_name: str
    index: int  # position of the action inside its rule
    action: Any  # one of the Action models
    resolved: Mapping[str, Any]  # decisions taken at plan time, e.g. the round-robin agent

    @property
    def type(self) -> str:
        """The action's type name."""
        return str(self.action.type)

    def as_json(self) -> dict[str, Any]:
        """The action as stored in the audit trail."""
        return {
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "index": self.index,
            "action": self.action.model_dump(mode="json", exclude_none=True),
            **({"resolved": dict(self.resolved)} if self.resolved else {}),
        }


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What happened when one planned action ran: ok, or the error it raised."""

    planned: PlannedAction
    ok: bool
    error: str | None = None
    result: Any = None


Handler = Callable[[PlannedAction], Any]


def execute(
    actions: Sequence[PlannedAction], handlers: Mapping[str, Handler]
) -> list[ActionOutcome]:
    """Run each planned action through its handler; a failure is recorded, never propagated."""
    outcomes: list[ActionOutcome] = []
    for planned in actions:
        handler = handlers.get(planned.type)
        if handler is None:
            outcomes.append(ActionOutcome(planned, False, f"no handler for {planned.type}"))
            continue
        try:
            result = handler(planned)
        except Exception as exc:
            outcomes.append(ActionOutcome(planned, False, f"{type(exc).__name__}: {exc}"[:500]))
        else:
            outcomes.append(ActionOutcome(planned, True, None, result))
    return outcomes
