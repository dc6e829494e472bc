"""The order state machine: which transitions are allowed, holds and their release.

    new → checked → allocated → routed → label_created → shipped → delivered
    any open state → exception → back into the flow, cancelled or returned
    new … label_created → cancelled;  shipped / delivered / exception → returned

A held order (one or more holds with reasons) does not advance; it can still be cancelled or
moved to exception. Cancelled and returned are terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from linkstar.kit.errors import Conflict, InvalidInput


class OrderState(StrEnum):
    NEW = "new"
    CHECKED = "checked"
    ALLOCATED = "allocated"
    ROUTED = "routed"
    LABEL_CREATED = "label_created"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    CANCELLED = "cancelled"
    RETURNED = "returned"


S = OrderState
FLOW: tuple[OrderState, ...] = (
    S.NEW,
    S.CHECKED,
    S.ALLOCATED,
    S.ROUTED,
    S.LABEL_CREATED,
    S.SHIPPED,
    S.DELIVERED,
)
TERMINAL = frozenset({S.CANCELLED, S.RETURNED})
CANCELLABLE = frozenset({S.NEW, S.CHECKED, S.ALLOCATED, S.ROUTED, S.LABEL_CREATED, S.EXCEPTION})
_PRE_SHIPMENT = (S.NEW, S.CHECKED, S.ALLOCATED, S.ROUTED, S.LABEL_CREATED)

TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.NEW: frozenset({S.CHECKED, S.EXCEPTION, S.CANCELLED, S.SHIPPED}),
    S.CHECKED: frozenset({S.ALLOCATED, S.NEW, S.EXCEPTION, S.CANCELLED, S.SHIPPED}),
    S.ALLOCATED: frozenset({S.ROUTED, S.CHECKED, S.EXCEPTION, S.CANCELLED, S.SHIPPED}),
    S.ROUTED: frozenset({S.LABEL_CREATED, S.ALLOCATED, S.EXCEPTION, S.CANCELLED, S.SHIPPED}),
    S.LABEL_CREATED: frozenset({S.SHIPPED, S.ROUTED, S.EXCEPTION, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.EXCEPTION, S.RETURNED}),
    S.DELIVERED: frozenset({S.RETURNED, S.EXCEPTION}),
    S.EXCEPTION: frozenset({*_PRE_SHIPMENT, S.SHIPPED, S.DELIVERED, S.CANCELLED, S.RETURNED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}
# Moves a held order may still make: stopping it is always allowed, advancing it is not.
ALLOWED_WHILE_HELD = frozenset({S.CANCELLED, S.EXCEPTION, S.NEW})


class InvalidTransition(Conflict):
    code = "invalid_transition"


class OrderHeld(Conflict):
    code = "order_held"


_REASON = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, slots=True)
class Hold:
    """Why an order may not advance: a short reason code, a sentence, since when."""

    reason: str
    detail: str
    since: datetime

    def as_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "detail": self.detail, "since": self.since.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hold:
        return cls(str(data["reason"]), str(data.get("detail", "")), _when(data["since"]))


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def check_reason(reason: str) -> str:
    """Hold reasons are snake_case codes (address, fraud_check, …) of at most 40 characters."""
    cleaned = reason.strip().lower()
    if not _REASON.match(cleaned):
        raise InvalidInput(
            "hold reason must be 1-40 characters of a-z, 0-9 and _ starting with a letter",
            {"field": "reason", "value": reason},
        )
    return cleaned


def can_transition(current: OrderState, target: OrderState) -> bool:
    """Whether the machine has the edge current → target."""
    return target in TRANSITIONS[current]


def transition(current: OrderState, target: OrderState, holds: Sequence[Hold] = ()) -> OrderState:
    """The next state, or InvalidTransition / OrderHeld with the reason."""
    current, target = OrderState(current), OrderState(target)
    if current in TERMINAL:
        raise InvalidTransition(
            f"order is {current.value}: no further transitions",
            {"from": current.value, "to": target.value},
        )
    if not can_transition(current, target):
        allowed = sorted(s.value for s in TRANSITIONS[current])
        raise InvalidTransition(
            f"cannot go from {current.value} to {target.value}",
            {"from": current.value, "to": target.value, "allowed": allowed},
        )
    if holds and target not in ALLOWED_WHILE_HELD:
        reasons = sorted({h.reason for h in holds})
        raise OrderHeld(
            f"order is on hold ({', '.join(reasons)}): release it first",
            {"holds": reasons, "to": target.value},
        )
    return target


def add_hold(
    holds: Sequence[Hold], reason: str, detail: str, at: datetime
) -> tuple[tuple[Hold, ...], bool]:
    """Holds with `reason` added (one hold per reason), and whether anything changed."""
    code = check_reason(reason)
    if any(h.reason == code for h in holds):
        return tuple(holds), False
    return (*holds, Hold(code, detail.strip()[:500], at)), True


def release(
    holds: Sequence[Hold], reason: str | None = None
) -> tuple[tuple[Hold, ...], list[Hold]]:
    """Holds left after releasing `reason` (all when None), and the holds released."""
    if reason is None:
        return (), list(holds)
    code = check_reason(reason)
    kept = tuple(h for h in holds if h.reason != code)
    gone = [h for h in holds if h.reason == code]
    return kept, gone


def holds_from_json(items: Iterable[dict[str, Any]] | None) -> tuple[Hold, ...]:
    """Holds as stored in the order's JSON column."""
    return tuple(Hold.from_json(item) for item in items or ())


def holds_to_json(holds: Iterable[Hold]) -> list[dict[str, Any]]:
    return [h.as_json() for h in holds]
