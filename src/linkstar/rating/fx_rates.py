"""The organisation's FX table: read it, give it to the core, replace it as a whole.

Never commits: the entry point owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.ids import new_id
from linkstar.rating.core.fx import FxRate, FxTable
from linkstar.rating.models import FxRateRow
from linkstar.rating.order_files import fx_from_rows
from linkstar.rating.repository import FxRateRepository
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

DEFAULT_BASE = "USD"


def fx_rows(session: Session, actor: Principal) -> list[FxRateRow]:
    """The organisation's FX table."""
    actor.require(Permission.routing_read)
    return FxRateRepository(session, actor.organisation_id).table_rows()


def fx_table(session: Session, organisation_id: str) -> FxTable:
    """The FX table as the core uses it (base USD while the table is empty)."""
    rows = FxRateRepository(session, organisation_id).table_rows()
    base = rows[0].base_currency if rows else DEFAULT_BASE
    rates = [FxRate(r.currency, Decimal(r.rate_to_base), r.effective_date) for r in rows]
    return FxTable(base, rates)


def set_fx_table(
    session: Session, actor: Principal, base: str, rows: Sequence[Mapping[str, Any]]
) -> list[FxRateRow]:
    """Replace the whole FX table; a table with any bad row is refused and nothing changes."""
    actor.require(Permission.routing_manage)
    base = base.strip().upper()
    table = fx_from_rows(rows, base, "FX table")  # InvalidInput names every bad row
    repo = FxRateRepository(session, actor.organisation_id)
    before = len(repo.table_rows())
    repo.clear()
    values = []
    for row in rows:
        currency = str(row["currency"]).strip().upper()
        if currency == base:
            continue
        values.append(
            {
                "id": new_id(),
                "organisation_id": actor.organisation_id,
                "base_currency": base,
                "currency": currency,
                "rate_to_base": str(Decimal(str(row["rate_to_base"]).strip())),
                "effective_date": date.fromisoformat(str(row["effective_date"]).strip()),
                "created_at": utcnow(),
                "updated_at": utcnow(),
            }
        )
    if values:
        session.execute(insert(FxRateRow), values)
    audit.record(
        session,
        actor,
        "fx_rates.replace",
        None,
        entity_type="fx_rates",
        entity_id=actor.organisation_id,
        before={"rates": before},
        after={"base": base, "rates": len(values), "currencies": list(table.currencies)},
    )
    session.flush()
    return repo.table_rows()
