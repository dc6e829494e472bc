from datetime import time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.crypto import SecretBox
from linkstar.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkstar.workspace import access, service
from linkstar.workspace.core import Channel, Role, WarehouseKind, user_principal
from linkstar.workspace.models import AuditEntry, Store, User, Warehouse
from linkstar.workspace.schemas import (
    OrganisationUpdate,
    StoreCreate,
    StoreUpdate,
    UserCreate,
    UserUpdate,
    WarehouseCreate,
    WarehouseUpdate,
)

BOX = SecretBox([Fernet.generate_key()])
STORE = StoreCreate(
    name="Amazon US",
    channel=Channel.amazon,
    region="na",
    currency="usd",
    credentials={"refresh_token": "Atzr|IwEBIA-secret"},
)
WAREHOUSE = WarehouseCreate(
    code="us-ca-1",
    name="Ontario",
    kind=WarehouseKind.third_party,
    line1="4200 E Airport Dr",
    city="Ontario",
    state="CA",
    postcode="91761",
    country="us",
    timezone="America/Los_Angeles",
    cutoff_time=time(14, 0),
)


def _count(sessions, model, *where):
    with unit_of_work(sessions) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_store_credentials_are_encrypted_and_audited_without_secrets(sessions, tenant):
    with unit_of_work(sessions) as s:
        store = service.create_store(s, tenant.principal, STORE, BOX)
    assert (store.region, store.currency) == ("NA", "USD")
    assert "IwEBIA" not in store.credentials_encrypted
    assert store.credentials_hint.startswith("refresh_token=") and store.credentials_hint.endswith(
        "cret"
    )
    with unit_of_work(sessions) as s:
        assert service.store_credentials(s, tenant.principal, store.id, BOX) == {
            "refresh_token": "Atzr|IwEBIA-secret"
        }
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "store.create")).one()
    assert entry.entity_id == store.id and entry.actor_id == tenant.owner.id
    assert "credentials_encrypted" not in entry.after
    assert "IwEBIA" not in str(entry.after)


def test_store_update_records_only_changed_fields(sessions, tenant):
    with unit_of_work(sessions) as s:
        store = service.create_store(s, tenant.principal, STORE, BOX)
    with unit_of_work(sessions) as s:
        service.update_store(s, tenant.principal, store.id, StoreUpdate(name="Amazon NA"), BOX)
    with unit_of_work(sessions) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "store.update")).one()
    assert entry.before == {"name": "Amazon US", "updated_at": entry.before["updated_at"]}
    assert entry.after["name"] == "Amazon NA"


def test_duplicate_store_name_conflicts_and_writes_nothing(sessions, tenant):
    with unit_of_work(sessions) as s:
        service.create_store(s, tenant.principal, STORE, BOX)
    audits = _count(sessions, AuditEntry)
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        service.create_store(s, tenant.principal, STORE, BOX)
    assert _count(sessions, Store) == 1
    assert _count(sessions, AuditEntry) == audits


def test_same_store_name_is_fine_in_another_organisation(sessions, make_tenant):
    a, b = make_tenant("Org A"), make_tenant("Org B")
    with unit_of_work(sessions) as s:
        service.create_store(s, a.principal, STORE, BOX)
        service.create_store(s, b.principal, STORE, BOX)
    assert _count(sessions, Store) == 2


def test_warehouse_code_is_normalised_and_unique_per_org(sessions, tenant):
    with unit_of_work(sessions) as s:
        wh = service.create_warehouse(s, tenant.principal, WAREHOUSE)
    assert (wh.code, wh.country, wh.kind, wh.cutoff_time) == ("US-CA-1", "US", "3pl", time(14))
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        service.create_warehouse(
            s, tenant.principal, WAREHOUSE.model_copy(update={"code": "US-CA-1"})
        )
    with unit_of_work(sessions) as s:
        service.update_warehouse(
            s, tenant.principal, wh.id, WarehouseUpdate(cutoff_time=time(16, 30))
        )
        assert service.get_warehouse(s, tenant.principal, wh.id).cutoff_time == time(16, 30)
    assert _count(sessions, Warehouse) == 1


def test_other_tenants_rows_are_not_found(sessions, make_tenant):
    a, b = make_tenant("Org A"), make_tenant("Org B")
    with unit_of_work(sessions) as s:
        store = service.create_store(s, b.principal, STORE, BOX)
        wh = service.create_warehouse(s, b.principal, WAREHOUSE)
    calls = [
        lambda s: service.get_store(s, a.principal, store.id),
        lambda s: service.update_store(s, a.principal, store.id, StoreUpdate(name="x"), BOX),
        lambda s: service.delete_store(s, a.principal, store.id),
        lambda s: service.store_credentials(s, a.principal, store.id, BOX),
        lambda s: service.get_warehouse(s, a.principal, wh.id),
        lambda s: service.delete_warehouse(s, a.principal, wh.id),
        lambda s: access.get_user(s, a.principal, b.owner.id),
        lambda s: access.update_user(s, a.principal, b.owner.id, UserUpdate(full_name="x")),
    ]
    for call in calls:
        with pytest.raises(NotFound), unit_of_work(sessions) as s:
            call(s)
    with unit_of_work(sessions) as s:
        assert service.list_stores(s, a.principal) == []
        assert [u.id for u in access.list_users(s, a.principal)] == [a.owner.id]
        assert s.get(Store, store.id).name == "Amazon US"


def test_viewer_cannot_change_anything(sessions, tenant):
    viewer = user_principal(tenant.org.id, "v", "v@x.example", Role.viewer)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        service.create_store(s, viewer, STORE, BOX)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        service.update_organisation(s, viewer, OrganisationUpdate(name="Hacked"))
    assert _count(sessions, Store) == 0


def test_organisation_update(sessions, tenant):
    with unit_of_work(sessions) as s:
        org = service.update_organisation(
            s,
            tenant.principal,
            OrganisationUpdate(timezone="Europe/London", audit_retention_days=120),
        )
    assert (org.timezone, org.audit_retention_days, org.name) == (
        "Europe/London",
        120,
        "Acme Trading",
    )


@pytest.mark.parametrize(
    "values",
    [{"timezone": "Mars/Olympus"}, {"base_currency": "DOLLAR"}, {"audit_retention_days": 30}],
)
def test_organisation_update_validation(values):
    with pytest.raises(ValueError):
        OrganisationUpdate(**values)


def test_users_roles_and_last_owner(sessions, tenant):
    with unit_of_work(sessions) as s:
        admin = access.create_user(
            s,
            tenant.principal,
            UserCreate(email="Ada@Acme.example", role=Role.admin, password="Admin-Pass-77"),
        )
    assert admin.email == "ada@acme.example"
    admin_actor = user_principal(tenant.org.id, admin.id, admin.email, Role.admin)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        access.create_user(
            s,
            admin_actor,
            UserCreate(email="o2@acme.example", role=Role.owner, password="Owner-Pass-77"),
        )
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        access.update_user(s, admin_actor, tenant.owner.id, UserUpdate(role=Role.viewer))
    with pytest.raises(Conflict, match="at least one active owner"), unit_of_work(sessions) as s:
        access.update_user(s, tenant.principal, tenant.owner.id, UserUpdate(role=Role.admin))
    with pytest.raises(Conflict), unit_of_work(sessions) as s:
        access.create_user(
            s,
            tenant.principal,
            UserCreate(email="ada@acme.example", role=Role.agent, password="Agent-Pass-77"),
        )
    with pytest.raises(InvalidInput), unit_of_work(sessions) as s:
        access.create_user(
            s,
            tenant.principal,
            UserCreate(email="w@acme.example", role=Role.agent, password="short"),
        )
    assert _count(sessions, User) == 2


def test_password_change_is_audited_without_the_hash(sessions, tenant):
    with unit_of_work(sessions) as s:
        access.update_user(
            s, tenant.principal, tenant.owner.id, UserUpdate(password="Brand-New-Pass-1")
        )
    with unit_of_work(sessions) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
        assert entry.after["password"] == "changed"
        assert "password_hash" not in entry.after and "password_hash" not in (entry.before or {})
