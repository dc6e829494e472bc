"""Use cases of the workspace: organisation, stores and warehouses. Never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import Conflict, NotFound
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Permission, Principal, check_warehouse_code
from linkstar.workspace.models import Organisation, Store, Warehouse
from linkstar.workspace.schemas import (
    OrganisationUpdate,
    StoreCreate,
    StoreUpdate,
    WarehouseCreate,
    WarehouseUpdate,
)


def get_organisation(session: Session, actor: Principal) -> Organisation:
    """The actor's own organisation."""
    actor.require(Permission.workspace_read)
    org = repo.organisation(session, actor.organisation_id)
    if org is None:
        raise NotFound("organisation not found")
    return org


def update_organisation(
    session: Session, actor: Principal, data: OrganisationUpdate
) -> Organisation:
    """Change the organisation's name, timezone, base currency or audit retention."""
    actor.require(Permission.workspace_manage)
    org = get_organisation(session, actor)
    before = audit.snapshot(org)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(org, field, value)
    session.flush()
    audit.record(
        session, actor, "organisation.update", org, before=before, after=audit.snapshot(org)
    )
    return org


# Stores ------------------------------------------------------------------------------------


def list_stores(session: Session, actor: Principal) -> list[Store]:
    actor.require(Permission.workspace_read)
    return repo.StoreRepository(session, actor.organisation_id).list()


def stores_page(session: Session, actor: Principal, limit: int, cursor: str | None) -> Page[Store]:
    """A page of the organisation's stores, oldest first from the cursor."""
    actor.require(Permission.workspace_read)
    return repo.StoreRepository(session, actor.organisation_id).page(limit, cursor)


def get_store(session: Session, actor: Principal, store_id: str) -> Store:
    actor.require(Permission.workspace_read)
    return repo.StoreRepository(session, actor.organisation_id).get(store_id)


def create_store(session: Session, actor: Principal, data: StoreCreate, box: SecretBox) -> Store:
    """Connect a channel account; its API secrets are encrypted before they are stored."""
    actor.require(Permission.workspace_manage)
    stores = repo.StoreRepository(session, actor.organisation_id)
    if stores.find(name=data.name) is not None:
        raise Conflict(f"a store named {data.name!r} already exists", {"field": "name"})
    store = Store(
        name=data.name,
        channel=data.channel.value,
        region=data.region.upper(),
        currency=data.currency,
        external_id=data.external_id,
    )
    seal_credentials(store, data.credentials, box)
    stores.add(store)
    audit.record(session, actor, "store.create", store, after=audit.snapshot(store))
    return store


def update_store(
    session: Session, actor: Principal, store_id: str, data: StoreUpdate, box: SecretBox
) -> Store:
    actor.require(Permission.workspace_manage)
    stores = repo.StoreRepository(session, actor.organisation_id)
    store = stores.get(store_id)
    before = audit.snapshot(store)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    credentials = changes.pop("credentials", None)
    if "name" in changes and changes["name"] != store.name and stores.find(name=changes["name"]):
        raise Conflict(f"a store named {changes['name']!r} already exists", {"field": "name"})
    for field, value in changes.items():
        setattr(store, field, value.upper() if field == "region" else value)
    if credentials:  # merged: a name given replaces its secret, an empty secret removes it
        stored = box.open(store.credentials_encrypted) if store.credentials_encrypted else {}
        credentials = {k: v for k, v in {**stored, **credentials}.items() if v != ""}
    if credentials is not None:  # {} (or every name emptied) removes them all
        seal_credentials(store, credentials, box)
    session.flush()
    audit.record(session, actor, "store.update", store, before=before, after=audit.snapshot(store))
    return store


def delete_store(session: Session, actor: Principal, store_id: str) -> None:
    actor.require(Permission.workspace_manage)
    stores = repo.StoreRepository(session, actor.organisation_id)
    store = stores.get(store_id)
    before = audit.snapshot(store)
    try:
        stores.delete(store)
    except IntegrityError as exc:
        raise Conflict("store is still referenced; deactivate it instead") from exc
    audit.record(session, actor, "store.delete", store, before=before)


def store_credentials(
    session: Session, actor: Principal, store_id: str, box: SecretBox
) -> dict[str, Any]:
    """Decrypt a store's channel secrets for a connector acting on the actor's behalf."""
    actor.require(Permission.workspace_manage)
    store = repo.StoreRepository(session, actor.organisation_id).get(store_id)
    if not store.credentials_encrypted:
        return {}
    return box.open(store.credentials_encrypted)


def seal_credentials(store: Store, credentials: dict[str, Any] | None, box: SecretBox) -> None:
    """Encrypt the store's credentials (None or empty removes them) and refresh their hint."""
    if not credentials:
        store.credentials_encrypted = None
        store.credentials_hint = ""
        return
    store.credentials_encrypted = box.seal(credentials)
    store.credentials_hint = ", ".join(f"{k}={mask(v)}" for k, v in sorted(credentials.items()))[
        :200
    ]


# Warehouses --------------------------------------------------------------------------------


def list_warehouses(session: Session, actor: Principal) -> list[Warehouse]:
    actor.require(Permission.workspace_read)
    return repo.WarehouseRepository(session, actor.organisation_id).list()


def warehouses_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[Warehouse]:
    """A page of the organisation's warehouses, oldest first from the cursor."""
    actor.require(Permission.workspace_read)
    return repo.WarehouseRepository(session, actor.organisation_id).page(limit, cursor)


def get_warehouse(session: Session, actor: Principal, warehouse_id: str) -> Warehouse:
    actor.require(Permission.workspace_read)
    return repo.WarehouseRepository(session, actor.organisation_id).get(warehouse_id)


def create_warehouse(session: Session, actor: Principal, data: WarehouseCreate) -> Warehouse:
    actor.require(Permission.workspace_manage)
    warehouses = repo.WarehouseRepository(session, actor.organisation_id)
    values = data.model_dump()
    values["code"] = check_warehouse_code(data.code)
    values["kind"] = data.kind.value
    if warehouses.find(code=values["code"]) is not None:
        raise Conflict(f"warehouse code {values['code']} is already used", {"field": "code"})
    warehouse = warehouses.add(Warehouse(**values))
    audit.record(session, actor, "warehouse.create", warehouse, after=audit.snapshot(warehouse))
    return warehouse


def update_warehouse(
    session: Session, actor: Principal, warehouse_id: str, data: WarehouseUpdate
) -> Warehouse:
    actor.require(Permission.workspace_manage)
    warehouse = repo.WarehouseRepository(session, actor.organisation_id).get(warehouse_id)
    before = audit.snapshot(warehouse)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(warehouse, field, value.value if hasattr(value, "value") else value)
    session.flush()
    audit.record(
        session,
        actor,
        "warehouse.update",
        warehouse,
        before=before,
        after=audit.snapshot(warehouse),
    )
    return warehouse


def delete_warehouse(session: Session, actor: Principal, warehouse_id: str) -> None:
    actor.require(Permission.workspace_manage)
    warehouses = repo.WarehouseRepository(session, actor.organisation_id)
    warehouse = warehouses.get(warehouse_id)
    before = audit.snapshot(warehouse)
    try:
        warehouses.delete(warehouse)
    except IntegrityError as exc:
        raise Conflict("warehouse is still referenced; deactivate it instead") from exc
    audit.record(session, actor, "warehouse.delete", warehouse, before=before)


# Audit -------------------------------------------------------------------------------------


def audit_page(
    session: Session, actor: Principal, limit: int, cursor: str | None, entity_type: str | None
) -> Any:
    """A page of audit entries, oldest first from the cursor."""
    actor.require(Permission.audit_read)
    filters = {"entity_type": entity_type} if entity_type else {}
    return repo.AuditRepository(session, actor.organisation_id).page(limit, cursor, **filters)
