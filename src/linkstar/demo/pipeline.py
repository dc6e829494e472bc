"""Demo: push the open demo orders through the pipeline once the orders, stock, cards and
routing set-up are loaded, so the console shows allocated and routed orders with decisions
(and `stock` / `routing` holds where the demo stock or cards fall short).

Runs the same steps as the jobs `orders.allocate` and `orders.route`; deterministic given the
loaded data, and idempotent (a second run finds no checked or allocated order left to move).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from linkstar.orders import flow
from linkstar.workspace.core import Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineDemo:
    allocated: int
    stock_held: int
    routed: int
    routing_held: int


def run_pipeline(session: Session, actor: Principal) -> PipelineDemo:
    """Allocate, then route, every open demo order waiting for it."""
    allocated = flow.allocate_orders(session, actor)
    routed = flow.route_orders(session, actor)
    result = PipelineDemo(
        len(allocated.advanced), len(allocated.held), len(routed.advanced), len(routed.held)
    )
    log.info("demo pipeline: %s", result)
    return result
