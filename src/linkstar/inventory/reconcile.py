"""Reconciliation: recompute every counter from the ledger and report (or repair) drift."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from linkstar.inventory.core import Counters, Drift, drifts
from linkstar.inventory.repository import LedgerRepository, StockLevelRepository


@dataclass(frozen=True)
class Reconciliation:
    checked: int
    drifts: list[Drift]
    repaired: bool


def reconcile(session: Session, organisation_id: str, repair: bool = False) -> Reconciliation:
    """Compare stored counters with the ledger's sums; with `repair`, set them to the sums."""
    levels = StockLevelRepository(session, organisation_id)
    stored_rows = levels.counters()
    stored = {key: Counters(h, a) for key, (_, h, a) in stored_rows.items()}
    derived = {
        key: Counters(h, a)
        for key, (h, a) in LedgerRepository(session, organisation_id).sums().items()
    }
    found = drifts(stored, derived)
    if repair:
        for drift in found:
            if drift.key in stored_rows and drift.derived.is_valid():
                levels.overwrite(
                    stored_rows[drift.key][0], drift.derived.on_hand, drift.derived.allocated
                )
        session.expire_all()
    return Reconciliation(len(stored_rows), found, repair and bool(found))
