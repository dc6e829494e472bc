import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from linkstar.db.engine import make_engine, normalise_url, ping
from linkstar.db.migrate import current_revision, head_revision, include_object, is_up_to_date
from linkstar.db.registry import load_metadata
from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.workspace import access
from linkstar.workspace.core import Role
from linkstar.workspace.models import User
from linkstar.workspace.repository import UserRepository
from linkstar.workspace.schemas import UserCreate


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            ),
            load_metadata(),
        )
    assert diff == []
    assert is_up_to_date(engine) and current_revision(engine) == head_revision(engine)


def test_constraints_follow_the_naming_convention(engine):
    inspector = inspect(engine)
    fks = {fk["name"] for fk in inspector.get_foreign_keys("users")}
    assert "fk_users_organisation_id_organisations" in fks
    uniques = {u["name"] for u in inspector.get_unique_constraints("warehouses")}
    assert "uq_warehouses_organisation_id_code" in uniques


def test_sqlite_pragmas(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path}/sub/dir/x.db")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert (tmp_path / "sub" / "dir" / "x.db").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://h/db", "postgresql+psycopg://h/db"),
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:///var/x.db", "sqlite:///var/x.db"),
    ],
)
def test_urls_use_psycopg3(url, expected):
    assert normalise_url(url) == expected


def test_unreachable_database_is_a_one_line_error():
    eng = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(LinkStarError) as info:
        ping(eng)
    assert info.value.message.startswith("database unreachable:")
    assert "\n" not in info.value.message


def test_unit_of_work_rolls_back_on_error(sessions, tenant):
    with pytest.raises(RuntimeError), unit_of_work(sessions) as s:
        access.create_user(
            s,
            tenant.principal,
            UserCreate(email="x@acme.example", role=Role.agent, password="Agent-Pass-77"),
        )
        raise RuntimeError("boom")
    with unit_of_work(sessions) as s:
        assert UserRepository(s, tenant.org.id).count() == 1


def test_repository_pages_walk_every_row_once_in_order(sessions, tenant, make_tenant):
    other = make_tenant("Other Org")
    with unit_of_work(sessions) as s:
        for n in range(6):
            access.create_user(
                s,
                tenant.principal,
                UserCreate(email=f"u{n}@acme.example", role=Role.viewer, password="Viewer-Pass-77"),
            )
    seen, cursor = [], None
    with unit_of_work(sessions) as s:
        repo = UserRepository(s, tenant.org.id)
        expected = [u.id for u in repo.list()]
        while True:
            page = repo.page(3, cursor)
            seen += [u.id for u in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == expected and len(seen) == 7
    assert other.owner.id not in seen


def test_repository_refuses_bad_cursor_and_missing_org(sessions, tenant):
    with unit_of_work(sessions) as s:
        with pytest.raises(InvalidInput):
            UserRepository(s, tenant.org.id).page(3, "garbage")
        with pytest.raises(ValueError):
            UserRepository(s, "")


def test_repository_add_forces_the_organisation(sessions, make_tenant):
    a, b = make_tenant("Org A"), make_tenant("Org B")
    with unit_of_work(sessions) as s:
        user = User(
            email="sneaky@x.example", password_hash="x", role="viewer", organisation_id=b.org.id
        )
        UserRepository(s, a.org.id).add(user)
    assert user.organisation_id == a.org.id
