from datetime import time

import pytest

from linkstar.kit.errors import InvalidInput, PermissionDenied
from linkstar.workspace.core import (
    ROLE_PERMISSIONS,
    ActorType,
    Permission,
    Role,
    api_key_principal,
    check_api_key_scopes,
    check_password_strength,
    check_role_grant,
    check_warehouse_code,
    is_locked_out,
    parse_cutoff,
    slugify,
    system_principal,
    user_principal,
)

P = Permission

# The permission table, spelled out: a change to ROLE_PERMISSIONS must change this test too.
EXPECTED = {
    Role.viewer: {
        P.workspace_read,
        P.orders_read,
        P.inventory_read,
        P.routing_read,
        P.shipments_read,
        P.tracking_read,
        P.returns_read,
        P.inbox_read,
        P.reports_read,
    },
    Role.agent: {
        P.workspace_read,
        P.orders_read,
        P.shipments_read,
        P.tracking_read,
        P.returns_read,
        P.returns_write,
        P.inbox_read,
        P.inbox_reply,
    },
    Role.operator: {
        P.workspace_read,
        P.orders_read,
        P.inventory_read,
        P.routing_read,
        P.shipments_read,
        P.tracking_read,
        P.returns_read,
        P.inbox_read,
        P.reports_read,
        P.jobs_read,
        P.orders_write,
        P.inventory_write,
        P.shipments_write,
        P.tracking_write,
        P.returns_write,
        P.inbox_reply,
        P.jobs_manage,
    },
    Role.admin: set(Permission),
    Role.owner: set(Permission),
}


@pytest.mark.parametrize("role", list(Role))
def test_role_permission_table(role):
    assert set(ROLE_PERMISSIONS[role]) == EXPECTED[role]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_principal_require_matches_table(role, permission):
    principal = user_principal("org", "u", "u@x.example", role)
    if permission in EXPECTED[role]:
        principal.require(permission)
    else:
        with pytest.raises(PermissionDenied) as info:
            principal.require(permission)
        assert info.value.details == {"permission": permission.value}


GRANTS = [
    (Role.owner, Role.owner, True),
    (Role.owner, Role.admin, True),
    (Role.admin, Role.owner, False),
    (Role.admin, Role.admin, True),
    (Role.admin, Role.viewer, True),
    (Role.operator, Role.admin, False),
    (Role.operator, Role.operator, True),
    (Role.agent, Role.operator, False),
    (Role.viewer, Role.agent, False),
]


@pytest.mark.parametrize(("actor_role", "granted", "allowed"), GRANTS)
def test_role_grants(actor_role, granted, allowed):
    actor = user_principal("org", "u", "u@x.example", actor_role)
    if allowed:
        check_role_grant(actor, granted)
    else:
        with pytest.raises(PermissionDenied):
            check_role_grant(actor, granted)


def test_system_principal_holds_everything_and_grants_anything():
    actor = system_principal("org")
    assert actor.actor_type is ActorType.system
    assert actor.permissions == frozenset(Permission)
    check_role_grant(actor, Role.owner)


def test_api_key_scopes_cannot_exceed_creator():
    operator = user_principal("org", "u", "u@x.example", Role.operator)
    check_api_key_scopes(operator, frozenset({P.orders_write}))
    with pytest.raises(PermissionDenied) as info:
        check_api_key_scopes(operator, frozenset({P.orders_write, P.users_manage, P.audit_read}))
    assert info.value.details == {"scopes": ["audit:read", "users:manage"]}
    key = api_key_principal("org", "k", "ci", frozenset({P.orders_read}))
    assert key.label == "API key ci" and key.can(P.orders_read) and not key.can(P.orders_write)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("short", False),
        ("aaaaaaaaaaaa", False),
        ("ababababab12", False),
        ("olivia-1234567", False),  # contains the e-mail name
        ("Correct-Horse-42", True),
        ("lange zin met spaties", True),
    ],
)
def test_password_strength(password, ok):
    if ok:
        check_password_strength(password, "olivia@example.com")
    else:
        with pytest.raises(InvalidInput):
            check_password_strength(password, "olivia@example.com")


@pytest.mark.parametrize(("failures", "locked"), [(0, False), (4, False), (5, True), (9, True)])
def test_lockout_threshold(failures, locked):
    assert is_locked_out(failures, 5) is locked


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Harbor & Pine Trading", "harbor-pine-trading"),
        ("  ACME  ", "acme"),
        ("Café 24/7", "caf-24-7"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_refuses_symbol_only_names():
    with pytest.raises(InvalidInput):
        slugify("!!!")


@pytest.mark.parametrize(
    ("code", "expected"), [("us-ca-ont", "US-CA-ONT"), (" nj1 ", "NJ1"), ("UK_1", "UK_1")]
)
def test_warehouse_codes_normalise(code, expected):
    assert check_warehouse_code(code) == expected


@pytest.mark.parametrize("code", ["X", "-AB", "A B", "ÄB", "A" * 21])
def test_bad_warehouse_codes(code):
    with pytest.raises(InvalidInput):
        check_warehouse_code(code)


@pytest.mark.parametrize(("raw", "parsed"), [("14:00", time(14)), ("9:05", time(9, 5))])
def test_cutoff(raw, parsed):
    assert parse_cutoff(raw) == parsed


@pytest.mark.parametrize("raw", ["25:00", "14", "ab:cd", "14:61"])
def test_bad_cutoff(raw):
    with pytest.raises(InvalidInput):
        parse_cutoff(raw)
