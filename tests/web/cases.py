"""One case per console route: a valid request and the permission it needs.

Tests walk the app's console routes and look each one up here, so a new page without a case
fails the suite instead of escaping the CSRF, permission and tenant-isolation checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linkstar.workspace.core import Permission
from tests.web.conftest import Seeded

P = Permission


@dataclass(frozen=True)
class Case:
    method: str
    template: str
    needs: Permission | None  # None: no permission check (sign-in, sign-out, redirects)
    form: dict[str, Any] = field(default_factory=dict)
    ok_status: int = 200

    def path(self, ids: Seeded) -> str:
        return self.template.format(
            store_id=ids.store_id,
            warehouse_id=ids.warehouse_id,
            user_id=ids.user_id,
            key_id=ids.key_id,
            job_id=ids.job_id,
            decision_id=ids.decision_id,
            policy_id=ids.policy_id,
            suspension_id=ids.suspension_id,
        )

    @property
    def has_id(self) -> bool:
        return "{" in self.template

    @property
    def is_auth(self) -> bool:
        return self.template in ("/login", "/logout")


STORE_FORM = {
    "name": "Injected Store",
    "channel": "amazon",
    "region": "US",
    "currency": "USD",
    "external_id": "",
}
STORE_EDIT = {"name": "Injected Store", "region": "US", "currency": "USD", "external_id": ""}
WAREHOUSE_EDIT = {
    "name": "Injected Warehouse",
    "kind": "own",
    "line1": "1 Way",
    "line2": "",
    "city": "Town",
    "state": "",
    "postcode": "12345",
    "country": "US",
    "timezone": "UTC",
    "cutoff_time": "12:00",
}
ORG_FORM = {
    "name": "Injected Org",
    "timezone": "UTC",
    "base_currency": "USD",
    "audit_retention_days": "100",
}

POLICY_FORM = {
    "body": '{"name": "Injected policy", "objective": {"mode": "cheapest"}}',
    "precedence": "5",
    "enabled": "on",
}
DRY_RUN_FORM = {
    "parcels": "order_id,origin_country,origin_postcode,dest_country,dest_postcode,weight_g,"
    "length_mm,width_mm,height_mm,ship_date\nDRY-1,US,91761,US,90210,1200,300,200,100,2026-12-07\n"
}
FX_FORM = {
    "base_currency": "USD",
    "rates": "currency,rate_to_base,effective_date\nGBP,1.27,2026-01-01\n",
}

_ALL = [
    Case("GET", "/login", None, ok_status=303),
    Case("POST", "/login", None),
    Case("POST", "/logout", None, ok_status=303),
    Case("GET", "/", P.workspace_read),
    Case("GET", "/settings", P.workspace_read, ok_status=303),
    Case("GET", "/settings/organisation", P.workspace_read),
    Case("POST", "/settings/organisation", P.workspace_manage, ORG_FORM, 303),
    Case("GET", "/settings/stores", P.workspace_read),
    Case("GET", "/settings/stores/new", P.workspace_manage),
    Case("POST", "/settings/stores", P.workspace_manage, STORE_FORM, 303),
    Case("GET", "/settings/stores/{store_id}", P.workspace_read),
    Case("POST", "/settings/stores/{store_id}", P.workspace_manage, STORE_EDIT, 303),
    Case("POST", "/settings/stores/{store_id}/deactivate", P.workspace_manage, ok_status=303),
    Case("POST", "/settings/stores/{store_id}/activate", P.workspace_manage, ok_status=303),
    Case("POST", "/settings/stores/{store_id}/delete", P.workspace_manage, ok_status=303),
    Case("GET", "/settings/warehouses", P.workspace_read),
    Case("GET", "/settings/warehouses/new", P.workspace_manage),
    Case(
        "POST",
        "/settings/warehouses",
        P.workspace_manage,
        {**WAREHOUSE_EDIT, "code": "INJ-1"},
        303,
    ),
    Case("GET", "/settings/warehouses/{warehouse_id}", P.workspace_read),
    Case("POST", "/settings/warehouses/{warehouse_id}", P.workspace_manage, WAREHOUSE_EDIT, 303),
    Case("GET", "/settings/users", P.workspace_read),
    Case("GET", "/settings/users/new", P.users_manage),
    Case(
        "POST",
        "/settings/users",
        P.users_manage,
        {"email": "injected@example.com", "role": "viewer", "password": "Long-Enough-77"},
        303,
    ),
    Case("POST", "/settings/users/{user_id}/role", P.users_manage, {"role": "viewer"}, 303),
    Case("POST", "/settings/users/{user_id}/deactivate", P.users_manage, ok_status=303),
    Case("POST", "/settings/users/{user_id}/activate", P.users_manage, ok_status=303),
    Case("GET", "/settings/api-keys", P.apikeys_manage),
    Case("GET", "/settings/api-keys/new", P.apikeys_manage),
    Case(
        "POST",
        "/settings/api-keys",
        P.apikeys_manage,
        {"name": "Injected", "scopes": ["orders:read"]},
    ),
    Case("POST", "/settings/api-keys/{key_id}/revoke", P.apikeys_manage, ok_status=303),
    Case("GET", "/settings/audit", P.audit_read),
    Case("GET", "/settings/jobs", P.jobs_read),
    Case("POST", "/settings/jobs/{job_id}/retry", P.jobs_manage, ok_status=303),
    Case("GET", "/routing", P.routing_read, ok_status=303),
    Case("GET", "/routing/decisions", P.routing_read),
    Case("GET", "/routing/decisions/{decision_id}", P.routing_read),
    Case("GET", "/routing/rate-cards", P.routing_read),
    # The walk cannot attach a file: an upload without one is refused with the form (422).
    Case("POST", "/routing/rate-cards", P.routing_manage, {"name": ""}, 422),
    Case("GET", "/routing/policies", P.routing_read),
    Case("POST", "/routing/policies", P.routing_manage, POLICY_FORM, 303),
    Case("GET", "/routing/policies/{policy_id}", P.routing_read),
    Case(
        "POST",
        "/routing/policies/{policy_id}",
        P.routing_manage,
        {**POLICY_FORM, "body": '{"name": "seeded policy"}'},
        303,
    ),
    Case("POST", "/routing/policies/{policy_id}/dry-run", P.routing_read, DRY_RUN_FORM),
    Case("GET", "/routing/suspensions", P.routing_read),
    Case(
        "POST",
        "/routing/suspensions",
        P.routing_manage,
        {
            "carrier": "westcoast",
            "service_id": "WCP-GND",
            "dest_countries": "US",
            "origins": "",
            "starts": "",
            "ends": "",
            "reason": "injected",
        },
        303,
    ),
    Case("POST", "/routing/suspensions/{suspension_id}/resume", P.routing_manage, ok_status=303),
    Case("GET", "/routing/fx", P.routing_read),
    Case("POST", "/routing/fx", P.routing_manage, FX_FORM, 303),
]

CASES: dict[tuple[str, str], Case] = {(c.method, c.template): c for c in _ALL}


def route_keys(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every console route of the app."""
    from tests.web.conftest import console_routes

    keys = []
    for route in console_routes(app):
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                keys.append((method, route.path))
    return keys


def case_for(key: tuple[str, str]) -> Case:
    """The case of a route, failing the test when someone added a page without one."""
    if key not in CASES:
        raise AssertionError(f"console route {key} has no case in tests/web/cases.py")
    return CASES[key]
