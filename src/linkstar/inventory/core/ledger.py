"""Ledger arithmetic: every stock change is an entry; the counters are the sums of entries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from linkstar.inventory.core.model import LedgerKind
from linkstar.kit.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Counters:
    on_hand: int = 0
    allocated: int = 0

    def available(self, safety_stock: int = 0) -> int:
        """What can still be promised: on hand minus reserved minus the safety stock (>= 0)."""
        return max(0, self.on_hand - self.allocated - safety_stock)

    def is_valid(self) -> bool:
        """The invariant the database also enforces with CHECK constraints."""
        return self.on_hand >= 0 and 0 <= self.allocated <= self.on_hand


@dataclass(frozen=True, slots=True)
class Move:
    """The change one ledger entry makes to the two counters."""

    kind: LedgerKind
    on_hand_delta: int
    allocated_delta: int


def move(kind: LedgerKind, quantity: int) -> Move:
    """The deltas of a `kind` entry moving `quantity` units (adjustments may be negative)."""
    if quantity == 0:
        raise InvalidInput("a stock move needs a non-zero quantity", {"field": "quantity"})
    if kind is not LedgerKind.adjustment and quantity < 0:
        raise InvalidInput(f"a {kind.value} moves a positive quantity", {"field": "quantity"})
    match kind:
        case LedgerKind.receipt | LedgerKind.return_ | LedgerKind.transfer_in:
            return Move(kind, quantity, 0)
        case LedgerKind.adjustment:
            return Move(kind, quantity, 0)
        case LedgerKind.transfer_out | LedgerKind.write_off:
            return Move(kind, -quantity, 0)
        case LedgerKind.allocation:
            return Move(kind, 0, quantity)
        case LedgerKind.release:
            return Move(kind, 0, -quantity)
        case LedgerKind.shipment:
            return Move(kind, -quantity, -quantity)
    raise InvalidInput(f"unknown ledger kind {kind!r}")  # pragma: no cover


def apply(counters: Counters, entry: Move) -> Counters:
    """The counters after one entry, or InvalidInput when it would break the invariant."""
    after = Counters(
        counters.on_hand + entry.on_hand_delta, counters.allocated + entry.allocated_delta
    )
    if not after.is_valid():
        raise InvalidInput(
            f"{entry.kind.value} would leave on_hand={after.on_hand}, "
            f"allocated={after.allocated}: stock cannot go negative or below what is reserved",
            {"on_hand": after.on_hand, "allocated": after.allocated},
        )
    return after


def replay(entries: Iterable[Move], start: Counters | None = None) -> Counters:
    """The counters derived from a ledger (sums of deltas, without the invariant check)."""
    on_hand = start.on_hand if start else 0
    allocated = start.allocated if start else 0
    for entry in entries:
        on_hand += entry.on_hand_delta
        allocated += entry.allocated_delta
    return Counters(on_hand, allocated)


@dataclass(frozen=True, slots=True)
class Drift:
    """A stored counter that disagrees with its ledger."""

    key: tuple[str, str]  # (sku id, warehouse id)
    stored: Counters
    derived: Counters

    @property
    def on_hand_drift(self) -> int:
        return self.stored.on_hand - self.derived.on_hand

    @property
    def allocated_drift(self) -> int:
        return self.stored.allocated - self.derived.allocated


def drifts(
    stored: dict[tuple[str, str], Counters], derived: dict[tuple[str, str], Counters]
) -> list[Drift]:
    """Every key whose stored counters differ from the ledger's sums (missing = zero)."""
    found = []
    for key in sorted(stored.keys() | derived.keys()):
        have, want = stored.get(key, Counters()), derived.get(key, Counters())
        if have != want:
            found.append(Drift(key, have, want))
    return found
