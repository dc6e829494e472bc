"""`linkstar inventory publish`: push each store's listed quantities through its connector now."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.cli.inventory import ORG_OPTION, _actor, _say, app
from linkstar.cli.orders import _store
from linkstar.kit.crypto import SecretBox
from linkstar.orders.stock import service
from linkstar.orders.stock.models import StockPublishLine
from linkstar.workspace import repository as repo

SHOWN_FAILURES = 20


@app.command("publish")
@guarded
def publish(
    org: str = ORG_OPTION,
    store: str | None = typer.Option(None, "--store", help="Store name; omit for every store."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Record what would be sent; send nothing (any store)."
    ),
) -> None:
    """Publish stock: only quantities that differ from the last accepted ones are sent."""
    current = settings()
    box = SecretBox(current.encryption_keys())
    table = Table(
        "store", "channel", "run", "status", "sent", "submitted", "failed", "unchanged", "unmatched"
    )
    failures: list[tuple[str, str, str]] = []
    deferred: list[str] = []
    with transaction(engine(current)) as session:
        actor = _actor(session, org)
        if store is not None:
            stores = [_store(session, actor, store)]
        else:
            stores = [
                s
                for s in repo.StoreRepository(session, actor.organisation_id).list(is_active=True)
                if dry_run or service.is_publishable(s)
            ]
        for row in stores:
            run = service.publish_store(
                session, actor.organisation_id, row.id, box, trigger="cli", dry_run=dry_run
            )
            counts = (run.sent, run.submitted, run.failed, run.unchanged, run.unmatched)
            table.add_row(row.name, row.channel, run.id, run.status, *map(str, counts))
            if run.status == service.DEFERRED:
                deferred.append(f"deferred {row.name}: {run.error}")
            failed = session.scalars(
                select(StockPublishLine)
                .where(StockPublishLine.run_id == run.id, StockPublishLine.status == "failed")
                .order_by(StockPublishLine.channel_sku)
                .limit(SHOWN_FAILURES)
            )
            failures += [(row.name, x.channel_sku, x.response) for x in failed]
    console.print(table if stores else "no store to publish to")
    for name, sku, response in failures:
        _say(f"failed {name} {sku}: {response}")
    for note in deferred:
        _say(note)
