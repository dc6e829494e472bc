"""`linkstar webhooks list | create | delete`: the URLs marketplaces and aggregators push to."""

from __future__ import annotations

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli.accounts import ORG_OPTION
from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.tracking.hooks import service
from linkstar.tracking.hooks.schemas import EndpointKind, WebhookEndpointCreate
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Principal, system_principal

app = typer.Typer(help="Inbound webhook endpoints (orders and tracking).", no_args_is_help=True)


def actor_of(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


@app.command("list")
@guarded
def list_endpoints(org: str = ORG_OPTION) -> None:
    """List an organisation's webhook endpoints (never their secrets)."""
    eng = engine(settings())
    with transaction(eng) as session:
        actor = actor_of(session, org)
        table = Table("id", "kind", "url path", "store", "secret", "last received")
        for row in service.list_endpoints(session, actor):
            seen = (
                row.last_received_at.isoformat(timespec="seconds") if row.last_received_at else "-"
            )
            table.add_row(
                row.id, row.kind, service.url_path(row), row.store_id or "-", row.secret_hint, seen
            )
    console.print(table)


@app.command("create")
@guarded
def create_endpoint(
    kind: EndpointKind = typer.Argument(..., help="Who posts, e.g. orders:shopify."),
    org: str = ORG_OPTION,
    store: str | None = typer.Option(None, "--store", help="Store id (orders:* kinds)."),
    secret: str | None = typer.Option(
        None,
        "--secret",
        envvar="LINKSTAR_WEBHOOK_SECRET",
        help="The sender's signing secret (generated for *:generic when omitted).",
    ),
    app_key: str | None = typer.Option(None, "--app-key", help="TikTok Shop app key."),
) -> None:
    """Open an endpoint; its URL and secret are printed once."""
    current = settings()
    eng = engine(current)
    box = SecretBox(current.encryption_keys())
    try:
        data = WebhookEndpointCreate(kind=kind, store_id=store, secret=secret, app_key=app_key)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(problems) from None
    with transaction(eng) as session:
        made = service.create_endpoint(session, actor_of(session, org), data, box)
    console.print(f"webhook endpoint [bold]{made.id}[/] ({made.kind.value}) created.")
    console.print(f"POST deliveries to: {made.url_path}", highlight=False, soft_wrap=True)
    console.print("Signing secret (copy it now, it is not shown again):")
    console.print(made.secret, highlight=False, soft_wrap=True)


@app.command("delete")
@guarded
def delete_endpoint(
    endpoint_id: str = typer.Argument(..., help="The endpoint's id."),
    org: str = ORG_OPTION,
) -> None:
    """Delete an endpoint: its URL answers 404 from now on."""
    eng = engine(settings())
    with transaction(eng) as session:
        service.delete_endpoint(session, actor_of(session, org), endpoint_id)
    console.print(f"webhook endpoint {endpoint_id} deleted")
