"""Reading the publication log: runs newest first, a run's lines, each store's last run."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.inventory.service import READ
from linkstar.kit.errors import InvalidInput
from linkstar.kit.pagination import Page
from linkstar.orders.core.stock import LineStatus
from linkstar.orders.stock.models import StockPublishFeed, StockPublishLine, StockPublishRun
from linkstar.workspace import repository as wrepo
from linkstar.workspace.core import Principal


class RunRepository(Repository[StockPublishRun]):
    model = StockPublishRun


class LineRepository(Repository[StockPublishLine]):
    model = StockPublishLine
    order_column = "channel_sku"


def runs_page(
    session: Session, actor: Principal, limit: int, cursor: str | None, store_id: str | None
) -> Page[StockPublishRun]:
    """Publication runs, newest first, of every store or of one (NotFound for unknown stores)."""
    actor.require(READ)
    runs = RunRepository(session, actor.organisation_id)
    if store_id is None:
        return runs.page_newest_first(limit, cursor)
    wrepo.StoreRepository(session, actor.organisation_id).get(store_id)
    return runs.page_newest_first(limit, cursor, store_id=store_id)


def get_run(session: Session, actor: Principal, run_id: str) -> StockPublishRun:
    """One run of the organisation (NotFound otherwise)."""
    actor.require(READ)
    return RunRepository(session, actor.organisation_id).get(run_id)


def run_feeds(session: Session, actor: Principal, run_id: str) -> list[StockPublishFeed]:
    """The bulk feeds a run submitted (Amazon, Walmart), oldest first, with their state."""
    run = get_run(session, actor, run_id)
    return list(
        session.scalars(
            select(StockPublishFeed)
            .where(
                StockPublishFeed.organisation_id == run.organisation_id,
                StockPublishFeed.run_id == run.id,
            )
            .order_by(StockPublishFeed.submitted_at, StockPublishFeed.id)
        )
    )


def lines_page(
    session: Session,
    actor: Principal,
    run_id: str,
    limit: int,
    cursor: str | None,
    status: str | None = None,
) -> Page[StockPublishLine]:
    """A run's lines by channel SKU, optionally of one status."""
    get_run(session, actor, run_id)
    filters: dict[str, str] = {"run_id": run_id}
    if status is not None:
        if status not in {s.value for s in LineStatus}:
            allowed = ", ".join(s.value for s in LineStatus)
            raise InvalidInput(f"status must be one of {allowed}", {"field": "status"})
        filters["status"] = status
    return LineRepository(session, actor.organisation_id).page(limit, cursor, **filters)


def last_runs(session: Session, organisation_id: str) -> dict[str, StockPublishRun]:
    """Each store's newest run (dry runs included), by store id."""
    newest = (
        select(StockPublishRun.store_id, func.max(StockPublishRun.created_at).label("at"))
        .where(StockPublishRun.organisation_id == organisation_id)
        .group_by(StockPublishRun.store_id)
        .subquery()
    )
    rows = session.scalars(
        select(StockPublishRun).join(
            newest,
            (StockPublishRun.store_id == newest.c.store_id)
            & (StockPublishRun.created_at == newest.c.at),
        )
    )
    return {row.store_id: row for row in rows}
