"""The thread list's `q` search and SLA filters: exact results from the indexed paths
(FTS5 trigram on SQLite, pg_trgm on PostgreSQL, the open-thread partial index)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, text, update

from linkstar.db.uow import unit_of_work
from linkstar.inbox import service
from linkstar.inbox.models import InboxThread
from linkstar.kit.ids import new_id
from tests.inbox.seed import T0

NOW = T0 + timedelta(days=2)
THREADS = [
    # key, subject, buyer name, buyer address, status, due (hours from NOW), activity (h ago)
    ("a", "Where is my parcel #A-1001?", "Ana Lima", "ana@example.com", "open", -5, 1),
    ("b", "Bulk order: 500 pcs, 100% cotton", "Bob Stone", "bob_s@shop.example", "open", 2, 2),
    ("c", 'Refund for "broken" mug', "Chen Wei", "chen@example.cn", "snoozed", -1, 3),
    ("d", "Refund please", "Dora Ana", "dora@example.com", "closed", None, 4),
    ("e", "Rückerstattung für Bestellung", "Émile Zola", "emile@example.fr", "open", 30, 5),
    ("f", "Price of the mug?", "Frank", "frank@example.com", "open", -30, 6),
]


def _seed(sessions, org_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ids = {}
    rows = []
    for key, subject, name, address, status, due, ago in THREADS:
        ids[key] = new_id()
        at = NOW - timedelta(hours=ago)
        rows.append({
            "id": ids[key], "organisation_id": org_id, "channel": "email",
            "buyer_address": address, "buyer_name": name, "subject": subject,
            "status": status, "sla_due_at": None if due is None else NOW + timedelta(hours=due),
            "last_activity_at": at, "created_at": at, "updated_at": at, "tags": [],
            "order_refs": [],
        })  # fmt: skip
    with unit_of_work(sessions) as s:
        s.execute(insert(InboxThread.__table__), rows)
    return ids


@pytest.fixture
def seeded(sessions, make_tenant):  # type: ignore[no-untyped-def]
    mine, other = make_tenant("Search Mine"), make_tenant("Search Other")
    ids = _seed(sessions, mine.org.id)
    _seed(sessions, other.org.id)  # the same words in another workspace: never found
    return mine, ids


def _keys(sessions, tenant, ids, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    by_id = {v: k for k, v in ids.items()}
    with sessions() as s:
        page = service.threads_page(
            s, tenant.principal, 50, None, service.ThreadFilters(**filters), now=NOW
        )
    return [by_id[t.id] for t in page.items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("parcel", ["a"]),
        ("PARCEL", ["a"]),  # case-insensitive
        ("refund", ["c", "d"]),
        ("ana", ["a", "d"]),  # buyer name, anywhere in it
        ("@example.com", ["a", "d", "f"]),
        ("bob_s", ["b"]),  # '_' is literal, not a wildcard
        ("100%", ["b"]),  # '%' is literal
        ('"broken"', ["c"]),  # quotes do not break the FTS query
        ("mug", ["c", "f"]),
        ("ückerst", ["e"]),  # non-ASCII
        ("an", ["a", "d", "f"]),  # below three characters: the scan path, same semantics
        ("zz-none", []),
        ("  parcel  ", ["a"]),
    ],
)
def test_search(sessions, seeded, q, expected):  # type: ignore[no-untyped-def]
    tenant, ids = seeded
    assert _keys(sessions, tenant, ids, q=q) == expected


@pytest.mark.parametrize(
    ("sla", "expected"),
    [("overdue", ["a", "c", "f"]), ("due_soon", ["b"]), ("ok", ["e"])],
)
def test_sla_filters(sessions, seeded, sla, expected):  # type: ignore[no-untyped-def]
    tenant, ids = seeded
    assert _keys(sessions, tenant, ids, sla=sla) == expected


def test_overdue_pages_through_the_cursor(sessions, seeded):  # type: ignore[no-untyped-def]
    tenant, ids = seeded
    by_id = {v: k for k, v in ids.items()}
    f = service.ThreadFilters(sla="overdue")
    seen, cursor = [], None
    with sessions() as s:
        while True:
            page = service.threads_page(s, tenant.principal, 1, cursor, f, now=NOW)
            seen += [by_id[t.id] for t in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == ["a", "c", "f"]


def test_search_follows_edits_and_deletes(sessions, seeded):  # type: ignore[no-untyped-def]
    tenant, ids = seeded
    with unit_of_work(sessions) as s:
        s.execute(
            update(InboxThread)
            .where(InboxThread.id == ids["a"])
            .values(subject="Invoice needed for order 77")
        )
        s.execute(InboxThread.__table__.delete().where(InboxThread.id == ids["f"]))
    assert _keys(sessions, tenant, ids, q="parcel") == []
    assert _keys(sessions, tenant, ids, q="invoice") == ["a"]
    assert _keys(sessions, tenant, ids, q="mug") == ["c"]
    with sessions() as s:
        if s.get_bind().dialect.name == "sqlite":  # the FTS table holds exactly the live threads
            rows = s.execute(text("SELECT count(*) FROM inbox_threads_fts")).scalar()
            assert rows == s.execute(text("SELECT count(*) FROM inbox_threads")).scalar() == 11


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
# ASCII plus a lower-case umlaut: SQLite folds the case of short (scanned) terms for ASCII only.
@given(term=st.text(st.characters(min_codepoint=32, max_codepoint=126) | st.just("ü"), max_size=6))
def test_search_agrees_with_plain_substring(sessions, seeded, term):  # type: ignore[no-untyped-def]
    tenant, ids = seeded
    if not term.strip():
        return
    wanted = term.strip().lower()
    expected = [
        key
        for key, subject, name, address, *_ in THREADS
        if wanted in f"{subject} {name} {address}".lower()
    ]
    assert _keys(sessions, tenant, ids, q=term) == expected
