"""Which modules hold tables, so migrations see the whole schema.

Imported by name so the persistence layer does not depend on the domains above it.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

MODEL_MODULES = (
    "linkstar.db.outbox",
    "linkstar.workspace.models",
    "linkstar.rating.models",
    "linkstar.orders.models",
    "linkstar.addresses.models",
    "linkstar.tracking.models",
    "linkstar.tracking.poll_models",
    "linkstar.inventory.models",
    "linkstar.tracking.hooks.models",
    "linkstar.inbox.models",
    "linkstar.inbox.automation.models",
    "linkstar.inbox.mail.models",
    "linkstar.rating.optimise_models",
    "linkstar.rating.simulation_models",
    "linkstar.orders.sync.models",
    "linkstar.orders.stock.models",
)


def load_metadata() -> MetaData:
    """Import every model module and return the complete metadata."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
    from linkstar.db.base import Base

    return Base.metadata
