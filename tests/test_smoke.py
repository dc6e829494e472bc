from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.workspace.models import AuditEntry


def test_create_organisation_writes_owner_and_audit(sessions, tenant):
    with unit_of_work(sessions) as s:
        actions = sorted(a.action for a in s.scalars(select(AuditEntry)))
    assert actions == ["organisation.create", "user.create"]
    assert tenant.owner.role == "owner"


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "broker": "embedded"}
