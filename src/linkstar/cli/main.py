"""The `linkstar` command: processes, database, demo, accounts and one group per module."""

from __future__ import annotations

import typer

from linkstar.cli import (
    accounts,
    address,
    db,
    demo,
    inbox,
    inbox_approvals,
    inbox_mail,
    inventory,
    inventory_publish,  # noqa: F401  (adds `inventory publish`)
    order_sync,  # noqa: F401  (adds `orders sync`)
    orders,
    processes,
    ratecards,
    route,
    track,
    webhooks,
)

app = typer.Typer(
    name="linkstar",
    help="LinkStar: orders, stock, carrier routing, tracking, returns and buyer inbox "
    "for cross-border sellers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(processes.serve)
app.command("worker")(processes.worker)
app.command("scheduler")(processes.scheduler)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(accounts.org_app, name="org")
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.apikeys_app, name="apikeys")
app.add_typer(address.app, name="address")
app.add_typer(ratecards.app, name="ratecards")
app.add_typer(orders.app, name="orders")
app.add_typer(inbox.app, name="inbox")
app.add_typer(track.app, name="track")
app.add_typer(inventory.app, name="inventory")
app.add_typer(route.app, name="route")
app.add_typer(route.fx_app, name="fx")
app.add_typer(webhooks.app, name="webhooks")
inbox_mail.register(inbox.app)
inbox_approvals.register(inbox.app)

if __name__ == "__main__":
    app()
