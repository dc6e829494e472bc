"""`linkstar org`, `linkstar users`, `linkstar apikeys`: people and machines of a workspace."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from linkstar.cli.context import console, engine, guarded, settings, transaction
from linkstar.kit.errors import InvalidInput, NotFound
from linkstar.workspace import access
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Permission, Principal, Role, system_principal
from linkstar.workspace.schemas import ApiKeyCreate, UserCreate

org_app = typer.Typer(help="Organisations (workspaces).", no_args_is_help=True)
users_app = typer.Typer(help="Users of an organisation.", no_args_is_help=True)
apikeys_app = typer.Typer(help="API keys of an organisation.", no_args_is_help=True)

ORG_OPTION = typer.Option(..., "--org", help="Organisation slug (see `linkstar org list`).")


def _actor(session: Session, slug: str) -> Principal:
    org = repo.organisation_by_slug(session, slug)
    if org is None:
        raise NotFound(f"no organisation with slug {slug!r}")
    return system_principal(org.id, "cli")


@org_app.command("create")
@guarded
def org_create(
    name: str = typer.Argument(..., help="Organisation name."),
    owner_email: str = typer.Option(..., "--owner-email"),
    owner_password: str = typer.Option(
        ..., "--owner-password", prompt=True, hide_input=True, confirmation_prompt=True
    ),
    timezone: str = typer.Option("UTC", "--timezone"),
    currency: str = typer.Option("USD", "--currency"),
) -> None:
    """Create an organisation and its first owner."""
    eng = engine(settings())
    with transaction(eng) as session:
        org, owner = access.create_organisation(
            session, name, owner_email, owner_password, timezone=timezone, base_currency=currency
        )
    console.print(f"organisation [bold]{org.name}[/] ({org.slug}) created; owner {owner.email}")


@org_app.command("list")
@guarded
def org_list() -> None:
    """List organisations."""
    eng = engine(settings())
    with transaction(eng) as session:
        orgs = repo.all_organisations(session)
        table = Table("slug", "name", "timezone", "currency")
        for org in orgs:
            table.add_row(org.slug, org.name, org.timezone, org.base_currency)
    console.print(table)


@users_app.command("create")
@guarded
def users_create(
    email: str = typer.Argument(...),
    org: str = ORG_OPTION,
    role: Role = typer.Option(Role.operator, "--role"),
    full_name: str = typer.Option("", "--name"),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True
    ),
) -> None:
    """Create a user with a role in an organisation."""
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        user = access.create_user(
            session,
            actor,
            UserCreate(email=email, full_name=full_name, role=role, password=password),
        )
    console.print(f"user [bold]{user.email}[/] created with role {user.role}")


@apikeys_app.command("create")
@guarded
def apikeys_create(
    name: str = typer.Argument(...),
    org: str = ORG_OPTION,
    scope: list[str] = typer.Option(
        [], "--scope", help="Permission such as orders:read; repeat it. Default: all read scopes."
    ),
    expires: datetime | None = typer.Option(None, "--expires", help="ISO date-time (UTC)."),
) -> None:
    """Issue an API key; the secret is printed once and only its hash is stored."""
    try:
        scopes = [Permission(s) for s in scope] or [
            p for p in Permission if p.value.endswith(":read")
        ]
    except ValueError as exc:
        known = ", ".join(p.value for p in Permission)
        raise InvalidInput(f"{exc}; known scopes: {known}") from None
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        expires_at = expires.astimezone() if expires else None
        key, secret = access.create_api_key(
            session, actor, ApiKeyCreate(name=name, scopes=scopes, expires_at=expires_at)
        )
    console.print(
        f"API key [bold]{key.name}[/] ({key.prefix}) created. Copy it now, it is not shown again:"
    )
    console.print(secret, highlight=False, soft_wrap=True)


@apikeys_app.command("revoke")
@guarded
def apikeys_revoke(
    key: str = typer.Argument(..., help="The key's id or prefix."),
    org: str = ORG_OPTION,
) -> None:
    """Revoke an API key at once."""
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        keys = repo.ApiKeyRepository(session, actor.organisation_id)
        row = keys.find(prefix=key) or keys.find(id=key)
        if row is None:
            raise NotFound(f"no API key {key!r} in organisation {org}")
        access.revoke_api_key(session, actor, row.id)
    console.print(f"API key {row.prefix} revoked")


@apikeys_app.command("list")
@guarded
def apikeys_list(org: str = ORG_OPTION) -> None:
    """List an organisation's API keys (never their secrets)."""
    eng = engine(settings())
    with transaction(eng) as session:
        actor = _actor(session, org)
        table = Table("prefix", "name", "scopes", "last used", "revoked")
        for row in access.list_api_keys(session, actor):
            table.add_row(
                row.prefix,
                row.name,
                " ".join(row.scopes),
                row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never",
                row.revoked_at.isoformat(timespec="seconds") if row.revoked_at else "",
            )
    console.print(table)
