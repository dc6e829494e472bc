"""Pure inventory core: allocation strategies and ledger arithmetic (no database)."""

from linkstar.inventory.core.geo import centroid, distance_km
from linkstar.inventory.core.ledger import Counters, Drift, Move, apply, drifts, move, replay
from linkstar.inventory.core.model import (
    AllocationDecision,
    AllocationPolicy,
    AllocationRequest,
    AllocationState,
    Disposition,
    InboundLegKind,
    LedgerKind,
    LineDecision,
    Pick,
    RequestLine,
    Site,
    Strategy,
    TransferStatus,
)
from linkstar.inventory.core.publishing import StorePolicy, published_quantity
from linkstar.inventory.core.strategies import Allocator, Stock

__all__ = [
    "AllocationDecision",
    "AllocationPolicy",
    "AllocationRequest",
    "AllocationState",
    "Allocator",
    "Counters",
    "Disposition",
    "Drift",
    "InboundLegKind",
    "LedgerKind",
    "LineDecision",
    "Move",
    "Pick",
    "RequestLine",
    "Site",
    "Stock",
    "StorePolicy",
    "Strategy",
    "TransferStatus",
    "apply",
    "centroid",
    "distance_km",
    "drifts",
    "move",
    "published_quantity",
    "replay",
]
