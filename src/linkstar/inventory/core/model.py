"""Value types of inventory: ledger kinds, allocation requests, policies and decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class LedgerKind(StrEnum):
    receipt = "receipt"  # stock arrives: on_hand +
    adjustment = "adjustment"  # count correction: on_hand ±
    allocation = "allocation"  # reserved for an order: allocated +
    release = "release"  # reservation given back: allocated -
    shipment = "shipment"  # reserved units leave: on_hand - and allocated -
    return_ = "return"  # a returned parcel restocked: on_hand +
    transfer_out = "transfer_out"  # moved to another warehouse: on_hand -
    transfer_in = "transfer_in"  # moved from another warehouse: on_hand +
    write_off = "write_off"  # a returned unit that cannot be sold again leaves: on_hand -


class TransferStatus(StrEnum):
    draft = "draft"  # planned: nothing has moved
    in_transit = "in_transit"  # dispatched: left the origin, counts as inbound at the destination
    received = "received"  # every unit booked in at the destination
    cancelled = "cancelled"  # given up (units still on the way are booked back at the origin)


class Disposition(StrEnum):
    """What happens to a returned unit."""

    restock = "restock"  # sellable again: on_hand + at the receiving warehouse
    write_off = "write_off"  # damaged or unsellable: booked in and written off at once


class AllocationState(StrEnum):
    reserved = "reserved"
    released = "released"
    shipped = "shipped"


class Strategy(StrEnum):
    priority = "priority"  # the workspace's warehouse priority order
    closest = "closest"  # nearest warehouse by postcode centroid distance
    fewest_splits = "fewest_splits"  # fewest warehouses per order, then nearest


class InboundLegKind(StrEnum):
    factory = "factory"
    consolidation = "consolidation"
    ocean = "ocean"
    air = "air"
    truck = "truck"
    warehouse = "warehouse"


@dataclass(frozen=True, slots=True)
class RequestLine:
    master_sku: str
    quantity: int
    line_ref: str


@dataclass(frozen=True, slots=True)
class AllocationRequest:
    """One order to allocate; plain data so the order pipeline can build it."""

    order_ref: str
    dest_country: str
    dest_postcode: str
    lines: tuple[RequestLine, ...]
    allow_split: bool = True
    excluded_warehouse_ids: frozenset[str] = frozenset()
    preferred_warehouse_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AllocationPolicy:
    """How warehouses are chosen: strategy, priority order, all-or-nothing."""

    strategy: Strategy = Strategy.priority
    warehouse_priority: tuple[str, ...] = ()  # warehouse ids, first is preferred
    all_or_nothing: bool = False  # True: an order that cannot be filled entirely gets nothing


@dataclass(frozen=True, slots=True)
class Site:
    """A warehouse as allocation sees it."""

    warehouse_id: str
    code: str
    country: str
    postcode: str


@dataclass(frozen=True, slots=True)
class Pick:
    warehouse_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_ref: str
    master_sku: str
    requested: int
    picks: tuple[Pick, ...]

    @property
    def allocated(self) -> int:
        return sum(p.quantity for p in self.picks)

    @property
    def shortfall(self) -> int:
        return self.requested - self.allocated


@dataclass(frozen=True, slots=True)
class AllocationDecision:
    """Per line the warehouse(s) and quantities or the shortfall, and why."""

    order_ref: str
    lines: tuple[LineDecision, ...]
    reasons: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """`allocated` (every unit), `partial` or `unallocated` (nothing)."""
        got = sum(line.allocated for line in self.lines)
        if got == 0:
            return "unallocated"
        return "allocated" if all(line.shortfall == 0 for line in self.lines) else "partial"

    @property
    def warehouses(self) -> tuple[str, ...]:
        """The distinct warehouses used, in first-use order."""
        seen: dict[str, None] = {}
        for line in self.lines:
            for pick in line.picks:
                seen.setdefault(pick.warehouse_id)
        return tuple(seen)

    def as_dict(self) -> dict[str, Any]:
        """The decision as JSON-able data."""
        return {
            "order_ref": self.order_ref,
            "status": self.status,
            "lines": [
                {
                    "line_ref": line.line_ref,
                    "master_sku": line.master_sku,
                    "requested": line.requested,
                    "picks": [
                        {"warehouse_id": p.warehouse_id, "quantity": p.quantity} for p in line.picks
                    ],
                    "shortfall": line.shortfall,
                }
                for line in self.lines
            ],
            "reasons": self.reasons,
        }
