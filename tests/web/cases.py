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
    public: bool = False  # no sign-in: the unguessable token in the URL is the credential

    def path(self, ids: Seeded) -> str:
        return self.template.format(
            store_id=ids.store_id,
            warehouse_id=ids.warehouse_id,
            user_id=ids.user_id,
            key_id=ids.key_id,
            job_id=ids.job_id,
            order_id=ids.order_id,
            dead_letter_id=ids.dead_letter_id,
            rule_id=ids.rule_id,
            mapping_id=ids.mapping_id,
            review_id=ids.review_id,
            shipment_id=ids.shipment_id,
            token=ids.public_token,
            decision_id=ids.decision_id,
            policy_id=ids.policy_id,
            suspension_id=ids.suspension_id,
            endpoint_id=ids.endpoint_id,
            tracking_dead_letter_id=ids.tracking_dead_letter_id,
            inbox_dead_letter_id=ids.inbox_dead_letter_id,
            thread_id=ids.thread_id,
            template_id=ids.template_id,
            inbox_rule_id=ids.inbox_rule_id,
            ab_test_id=ids.ab_test_id,
            mail_account_id=ids.mail_account_id,
            suppression_id=ids.suppression_id,
            capacity_id=ids.capacity_id,
            publication_run_id=ids.publication_run_id,
            simulation_id=ids.simulation_id,
            reply_id=ids.reply_id,
            transfer_id=ids.transfer_id,
            carrier_account_id=ids.carrier_account_id,
        )

    @property
    def has_id(self) -> bool:
        return "{" in self.template

    @property
    def is_auth(self) -> bool:
        return self.template in ("/login", "/logout") or self.public


MAIL_ACCOUNT_FORM = {
    "name": "Injected Mailbox",
    "email_address": "injected@example.org",
    "imap_host": "127.0.0.1",
    "imap_port": "9",
    "imap_tls": "none",
    "smtp_host": "127.0.0.1",
    "smtp_port": "9",
    "smtp_tls": "none",
    "username": "injected",
    "password": "injected-password",
    "mailbox": "INBOX",
}
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

INBOX_RULE_JSON = (
    '{"name": "Injected inbox rule", "trigger": {"event": "message_received"}, '
    '"actions": [{"type": "tag", "tags": ["injected"]}]}'
)
INBOX_SNAPSHOTS_JSON = '[{"at": "2026-12-01T10:00:00+00:00", "snapshot": {}}]'
AB_TEST_JSON = (
    '{"name": "Injected test", "variants": [{"key": "a", "template": "x", "percent": 50}, '
    '{"key": "b", "template": "y", "percent": 50}]}'
)
RULE_JSON = '{"name": "Injected rule", "then": [{"type": "tag", "tag": "injected"}]}'
HOLD_EDIT = {
    "name": "Injected Buyer",
    "company": "",
    "line1": "1 Main St",
    "line2": "",
    "city": "Austin",
    "state": "TX",
    "postcode": "78701",
    "country": "US",
    "phone": "",
    "email": "",
    "comment": "buyer confirmed",
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
    Case("POST", "/settings/stores/{store_id}/sync", P.workspace_manage, ok_status=303),
    Case("POST", "/settings/stores/{store_id}/polling", P.workspace_manage, ok_status=303),
    Case("GET", "/settings/stores/{store_id}/authorise", P.workspace_manage, ok_status=303),
    Case("GET", "/settings/authorise/callback", P.workspace_manage, ok_status=303),
    Case("POST", "/orders/{order_id}/allocate", P.orders_write, ok_status=303),
    Case("POST", "/orders/{order_id}/route", P.orders_write, ok_status=303),
    Case("POST", "/orders/bulk-action", P.orders_write, {"action": "allocate"}, 303),
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
    Case("GET", "/settings/webhooks", P.workspace_manage),
    Case("GET", "/tracking/dead-letters", P.tracking_read),
    Case(
        "POST",
        "/tracking/dead-letters/{tracking_dead_letter_id}/retry",
        P.tracking_write,
        ok_status=303,
    ),
    Case(
        "POST",
        "/tracking/dead-letters/{tracking_dead_letter_id}/discard",
        P.tracking_write,
        ok_status=303,
    ),
    Case("GET", "/inbox/dead-letters", P.inbox_read),
    Case(
        "POST",
        "/inbox/dead-letters/{inbox_dead_letter_id}/retry",
        P.inbox_manage,
        ok_status=303,
    ),
    Case(
        "POST",
        "/inbox/dead-letters/{inbox_dead_letter_id}/discard",
        P.inbox_manage,
        ok_status=303,
    ),
    Case("POST", "/settings/webhooks", P.workspace_manage, {"kind": "tracking:generic"}),
    Case("POST", "/settings/webhooks/{endpoint_id}/delete", P.workspace_manage, ok_status=303),
    Case("GET", "/settings/audit", P.audit_read),
    Case("GET", "/settings/mail-accounts", P.inbox_manage),
    Case("POST", "/settings/mail-accounts", P.inbox_manage, MAIL_ACCOUNT_FORM, ok_status=303),
    Case("POST", "/settings/mail-accounts/{mail_account_id}/test", P.inbox_manage, ok_status=303),
    Case("POST", "/settings/mail-accounts/{mail_account_id}/delete", P.inbox_manage, ok_status=303),
    Case("GET", "/settings/suppressions", P.inbox_read),
    Case(
        "POST",
        "/settings/suppressions",
        P.inbox_manage,
        {"address": "injected@example.org", "channel": "all", "reason": "manual"},
        ok_status=303,
    ),
    Case("POST", "/settings/suppressions/{suppression_id}/delete", P.inbox_manage, ok_status=303),
    Case("GET", "/settings/jobs", P.jobs_read),
    Case("POST", "/settings/jobs/{job_id}/retry", P.jobs_manage, ok_status=303),
    Case("GET", "/orders", P.orders_read),
    Case("GET", "/orders/holds", P.orders_read),
    Case("GET", "/orders/dead-letters", P.orders_read),
    Case("POST", "/orders/dead-letters/{dead_letter_id}/retry", P.orders_write, ok_status=303),
    Case("POST", "/orders/dead-letters/{dead_letter_id}/discard", P.orders_write, ok_status=303),
    Case("GET", "/orders/sku-mappings", P.orders_read),
    Case(
        "POST",
        "/orders/sku-mappings",
        P.orders_write,
        {"scope": "channel:amazon", "channel_sku": "INJ-1", "master_sku": "HP-1", "components": ""},
        303,
    ),
    Case("POST", "/orders/sku-mappings/{mapping_id}/delete", P.orders_write, ok_status=303),
    Case("GET", "/orders/rules", P.orders_read),
    Case("POST", "/orders/rules", P.orders_write, {"rule": RULE_JSON}, 303),
    Case("POST", "/orders/rules/dry-run", P.orders_read, {"rule": RULE_JSON}),
    Case("POST", "/orders/rules/{rule_id}/delete", P.orders_write, ok_status=303),
    Case("GET", "/orders/{order_id}", P.orders_read),
    Case("POST", "/orders/{order_id}/hold", P.orders_write, {"reason": "fraud_check"}, 303),
    Case("POST", "/orders/{order_id}/release", P.orders_write, {"note": "ok"}, 303),
    Case("POST", "/orders/{order_id}/cancel", P.orders_write, {"note": "x"}, 303),
    Case("GET", "/addresses", P.orders_read, ok_status=303),
    Case("GET", "/addresses/holds", P.orders_read),
    Case("GET", "/addresses/holds/{review_id}", P.orders_read),
    Case("POST", "/addresses/holds/{review_id}/approve", P.orders_write, {"comment": "ok"}, 303),
    Case("POST", "/addresses/holds/{review_id}/edit", P.orders_write, HOLD_EDIT, 303),
    Case("POST", "/addresses/holds/{review_id}/reject", P.orders_write, {"comment": "no"}, 303),
    Case("GET", "/addresses/policy", P.orders_read),
    Case(
        "POST",
        "/addresses/policy",
        P.workspace_manage,
        {"policy": '{"block_military": true}'},
        303,
    ),
    Case("GET", "/tracking", P.tracking_read, ok_status=303),
    Case("GET", "/tracking/shipments", P.tracking_read),
    Case("GET", "/tracking/shipments/{shipment_id}", P.tracking_read),
    Case(
        "POST",
        "/tracking/shipments/{shipment_id}/carrier",
        P.tracking_write,
        {"carrier": "fedex"},
        ok_status=303,
    ),
    Case("GET", "/tracking/exceptions", P.tracking_read),
    Case(
        "POST",
        "/tracking/exceptions/actions",
        P.tracking_write,
        {"action": "acknowledge"},  # nothing selected: a message, no change
        303,
    ),
    Case("GET", "/tracking/scorecards", P.tracking_read),
    Case("GET", "/tracking/rules", P.tracking_read),
    Case("POST", "/tracking/rules", P.tracking_write, {"rules": '{"lost_days": 10}'}, 303),
    Case("GET", "/tracking/carriers", P.tracking_read),
    Case(
        "POST",
        "/tracking/carriers",
        P.tracking_write,
        {"carrier": "usps", "client_id": "id-123456789", "client_secret": "secret-123456789"},
        ok_status=303,
    ),
    Case(
        "POST",
        "/tracking/carriers/{carrier_account_id}/credentials",
        P.tracking_write,
        {"api_key": "new-dhl-key-123456789", "environment": "sandbox"},
        ok_status=303,
    ),
    Case("POST", "/tracking/carriers/{carrier_account_id}/active", P.tracking_write, ok_status=303),
    Case("POST", "/tracking/carriers/{carrier_account_id}/delete", P.tracking_write, ok_status=303),
    Case("POST", "/tracking/carriers/poll", P.tracking_write, ok_status=303),
    Case("GET", "/tracking/import", P.tracking_read),
    Case("GET", "/tracking/import/example.csv", P.tracking_read),
    Case("POST", "/tracking/import", P.tracking_write, {}, 422),  # no file: the form again
    Case("GET", "/t/{token}", None, public=True),
    Case("GET", "/api/v1/docs", None, public=True),
    Case("GET", "/inventory", P.inventory_read),
    Case(
        "POST",
        "/inventory/adjust",
        P.inventory_write,
        {"sku": "HP-NONE", "warehouse": "NONE-1", "quantity": "1", "reason": "count"},
        404,
    ),
    Case("GET", "/inventory/ledger", P.inventory_read),
    Case("GET", "/inventory/inbound", P.inventory_read),
    Case("GET", "/inventory/skus", P.inventory_read),
    Case("GET", "/inventory/publishing", P.inventory_read),
    Case("GET", "/inventory/publishing/runs/{publication_run_id}", P.inventory_read),
    Case("POST", "/inventory/publishing/{store_id}/publish", P.inventory_write, ok_status=303),
    Case(
        "POST",
        "/inventory/publishing/{store_id}/buffers",
        P.inventory_write,
        {"max_listed": "10", "stop_selling_below": "2", "percent_of_available": "80"},
        303,
    ),
    Case("GET", "/inventory/transfers", P.inventory_read),
    # An incomplete plan is refused with the form (422); nothing is stored.
    Case("POST", "/inventory/transfers", P.inventory_write, {"reference": ""}, 422),
    Case("GET", "/inventory/transfers/{transfer_id}", P.inventory_read),
    Case("POST", "/inventory/transfers/{transfer_id}/dispatch", P.inventory_write, ok_status=303),
    # No quantities typed: a message, no change.
    Case("POST", "/inventory/transfers/{transfer_id}/receive", P.inventory_write, ok_status=303),
    Case("POST", "/inventory/transfers/{transfer_id}/cancel", P.inventory_write, ok_status=303),
    # No lines: refused with a message on the order page, nothing booked.
    Case("POST", "/orders/{order_id}/returns", P.orders_write, {"reference": "R"}, 303),
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
    Case("GET", "/inbox", P.inbox_read, ok_status=303),
    Case("GET", "/inbox/threads", P.inbox_read),
    Case("GET", "/inbox/threads/{thread_id}", P.inbox_read),
    Case(
        "POST",
        "/inbox/threads/{thread_id}/reply",
        P.inbox_reply,
        {"body": "Thanks, we are on it.", "action": "send"},
        303,
    ),
    Case("POST", "/inbox/threads/{thread_id}/update", P.inbox_reply, {"status": "closed"}, 303),
    Case("GET", "/inbox/approvals", P.inbox_read),
    Case("POST", "/inbox/approvals/{reply_id}/approve", P.inbox_approve, {"comment": "ok"}, 303),
    Case("POST", "/inbox/approvals/{reply_id}/reject", P.inbox_approve, {"comment": "no"}, 303),
    Case("GET", "/inbox/settings", P.inbox_read),
    Case(
        "POST", "/inbox/settings", P.inbox_manage, {"settings": '{"auto_close_idle_days": 9}'}, 303
    ),
    Case("POST", "/inbox/message-polls/{store_id}", P.inbox_manage, {"enabled": "on"}, 303),
    Case("GET", "/inbox/templates", P.inbox_read),
    Case(
        "POST",
        "/inbox/templates",
        P.inbox_manage,
        {"name": "Injected template", "language": "en", "body": "Hello {{ buyer.first_name }}"},
        303,
    ),
    Case("GET", "/inbox/templates/{template_id}", P.inbox_read),
    Case(
        "POST",
        "/inbox/templates/{template_id}",
        P.inbox_manage,
        {"language": "en", "body": "Hi {{ buyer.first_name }}"},
        303,
    ),
    Case("GET", "/inbox/rules", P.inbox_read),
    Case("POST", "/inbox/rules", P.inbox_manage, {"rule": INBOX_RULE_JSON}, 303),
    Case(
        "POST",
        "/inbox/rules/dry-run",
        P.inbox_read,
        {"rule": INBOX_RULE_JSON, "snapshots": INBOX_SNAPSHOTS_JSON},
    ),
    Case("POST", "/inbox/rules/{inbox_rule_id}/delete", P.inbox_manage, ok_status=303),
    Case("GET", "/inbox/ab-tests", P.inbox_read),
    Case("POST", "/inbox/ab-tests", P.inbox_manage, {"test": AB_TEST_JSON}, 303),
    Case("GET", "/inbox/ab-tests/{ab_test_id}", P.inbox_read),
    Case("GET", "/inbox/reports", P.inbox_read),
    Case("GET", "/routing/capacities", P.routing_read),
    Case(
        "POST",
        "/routing/capacities",
        P.routing_manage,
        {
            "warehouse": "",
            "service_id": "",
            "carrier": "westcoast",
            "day": "tue",
            "max_parcels": "9",
        },
        303,
    ),
    # The walk cannot attach a file: an upload without one is refused with the form (422).
    Case("POST", "/routing/capacities/upload", P.routing_manage, {}, 422),
    Case("POST", "/routing/capacities/{capacity_id}/delete", P.routing_manage, ok_status=303),
    Case("GET", "/routing/optimisation", P.routing_read),
    Case(
        "POST",
        "/routing/optimisation",
        P.routing_manage,
        {"warehouse": "LAX", "ship_date": "2026-12-07"},
        422,
    ),
    Case("GET", "/routing/simulations", P.routing_read),
    Case(
        "POST",
        "/routing/simulations",
        P.routing_read,
        {"policy_id": "", "body": '{"name": "walked"}', "cards_on": "", "since": ""},
        303,
    ),
    Case("GET", "/routing/simulations/{simulation_id}", P.routing_read),
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
