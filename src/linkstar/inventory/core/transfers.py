"""Transfer and return rules: which status moves are allowed, what a receipt may book."""

from __future__ import annotations

from collections.abc import Mapping

from linkstar.inventory.core.model import TransferStatus
from linkstar.kit.errors import Conflict, InvalidInput

T = TransferStatus
TRANSFER_MOVES: dict[TransferStatus, frozenset[TransferStatus]] = {
    T.draft: frozenset({T.in_transit, T.cancelled}),
    T.in_transit: frozenset({T.received, T.cancelled}),
    T.received: frozenset(),
    T.cancelled: frozenset(),
}


def check_move(current: TransferStatus, target: TransferStatus) -> None:
    """Conflict when a transfer in `current` cannot become `target`."""
    if target not in TRANSFER_MOVES[current]:
        raise Conflict(
            f"a {current.value} transfer cannot become {target.value}",
            {"status": current.value, "to": target.value},
        )


def receipt_plan(
    outstanding: Mapping[str, int], requested: Mapping[str, int] | None
) -> dict[str, int]:
    """Units to book in per SKU: all outstanding when `requested` is empty, else each requested
    quantity after checking it names a SKU of the transfer and does not exceed what is still
    on the way (over-receipt is refused, nothing is booked)."""
    if not requested:
        plan = {sku: qty for sku, qty in outstanding.items() if qty > 0}
        if not plan:
            raise Conflict("nothing is left to receive on this transfer")
        return plan
    plan = {}
    for sku, qty in requested.items():
        if sku not in outstanding:
            raise InvalidInput(f"SKU {sku} is not on this transfer", {"field": "lines", "sku": sku})
        if qty <= 0:
            raise InvalidInput(f"SKU {sku}: quantity must be positive", {"field": "lines"})
        if qty > outstanding[sku]:
            raise InvalidInput(
                f"SKU {sku}: receiving {qty} but only {outstanding[sku]} still on the way",
                {"field": "lines", "sku": sku, "outstanding": outstanding[sku]},
            )
        plan[sku] = qty
    return plan


def returnable(ordered: Mapping[str, int], returned: Mapping[str, int], sku: str, qty: int) -> None:
    """InvalidInput unless `qty` more units of `sku` can come back from an order that shipped
    `ordered` units and has already had `returned` units back."""
    if sku not in ordered:
        raise InvalidInput(f"SKU {sku} is not on this order", {"field": "lines", "sku": sku})
    left = ordered[sku] - returned.get(sku, 0)
    if qty > left:
        raise InvalidInput(
            f"SKU {sku}: returning {qty} but only {left} of {ordered[sku]} can still come back",
            {"field": "lines", "sku": sku, "returnable": left},
        )
