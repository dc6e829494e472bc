"""What one store lists per channel SKU, and which of those quantities must be sent.

Master SKUs reach a store under their channel SKUs through the SKU mappings (the store's own
mapping of a channel SKU wins over the channel's, as on import). A bundle lists as many units as
its scarcest component allows. A master SKU that no mapping of the store targets is listed under
its own code (most sellers use one SKU everywhere, and import reads it the same way). The
store's buffers (inventory.core.publishing) apply to each channel SKU's available quantity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from linkstar.inventory.core import StorePolicy, published_quantity
from linkstar.orders.core.skus import SkuMapping


class LineStatus(StrEnum):
    sent = "sent"  # the platform accepted the quantity
    failed = "failed"  # refused or never confirmed: sent again next run
    unchanged = "skipped_unchanged"  # equals the last quantity the platform accepted
    unmatched = "skipped_unmatched"  # the platform has no listing with this SKU
    dry_run = "dry_run"  # would be sent; a dry run sends nothing
    submitted = "submitted"  # in a bulk feed the platform has not answered yet


@dataclass(frozen=True, slots=True)
class ChannelListing:
    """One channel SKU of a store: what is available for it and the quantity to list."""

    channel_sku: str
    master_skus: tuple[str, ...]  # the master SKU, or a bundle's components
    available: int
    quantity: int


def store_mappings(
    mappings: Iterable[SkuMapping], store_id: str, channel: str
) -> dict[str, SkuMapping]:
    """The store's mappings by channel SKU: the channel's, overridden by the store's own."""
    found: dict[str, SkuMapping] = {}
    for m in mappings:
        if m.store_id is None and m.channel == channel:
            found.setdefault(m.channel_sku, m)
    for m in mappings:
        if m.store_id == store_id:
            found[m.channel_sku] = m
    return found


def channel_listings(
    available: Mapping[str, int],
    mappings: Mapping[str, SkuMapping],
    policy: StorePolicy,
) -> list[ChannelListing]:
    """Per channel SKU, sorted: available units (bundles: the scarcest component) and quantity.

    `available` holds every active master SKU (zero included); mappings to SKUs that are not
    there (inactive or unknown) are left out rather than listed at zero by guess.
    """
    out: dict[str, ChannelListing] = {}
    targeted: set[str] = set()
    for channel_sku, m in mappings.items():
        if m.master_sku is not None:
            if m.master_sku not in available:
                continue
            targeted.add(m.master_sku)
            units = max(0, available[m.master_sku])
            masters: tuple[str, ...] = (m.master_sku,)
        else:
            if any(c.sku not in available for c in m.components):
                continue
            units = min(max(0, available[c.sku]) // c.quantity for c in m.components)
            masters = tuple(c.sku for c in m.components)
        out[channel_sku] = ChannelListing(
            channel_sku, masters, units, published_quantity(units, policy)
        )
    for sku, units in available.items():
        if sku in targeted or sku in out:
            continue
        units = max(0, units)
        out[sku] = ChannelListing(sku, (sku,), units, published_quantity(units, policy))
    return [out[k] for k in sorted(out)]


def to_send(
    listings: Iterable[ChannelListing], last_sent: Mapping[str, int]
) -> tuple[list[ChannelListing], list[ChannelListing]]:
    """(changed, unchanged): a quantity is sent when it differs from the last one accepted."""
    changed: list[ChannelListing] = []
    same: list[ChannelListing] = []
    for listing in listings:
        previous = last_sent.get(listing.channel_sku)
        (same if previous == listing.quantity else changed).append(listing)
    return changed, same
