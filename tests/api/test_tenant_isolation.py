"""Tenant isolation, walked over every route of the OpenAPI document (DESIGN.md rule 4).

Organisation A, with full rights, calls every operation. Operations that name a resource get
B's ids and must answer exactly as for an id that does not exist (404) - or 403 - while B's
rows stay byte-for-byte the same. Operations without an id must only show or change A's own
organisation. A route added later without a case here makes the test fail, so every new
endpoint has to state how it is isolated.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from linkstar.db.outbox import JobStatus
from linkstar.workspace.core import Role, system_principal
from tests.api.conftest import Api, Caller, contains_any, envelope
from tests.inbox.mail_seed import mail_account_body, seed_inbox_dead_letter, seed_inbox_mail
from tests.inbox.seed import seed_inbox
from tests.inventory.seed import seed_for_isolation
from tests.orders.seed import seed_orders
from tests.rating.routing_data import good_row
from tests.tracking.store import seed

# A valid body for every operation that takes one, so that a 404 is about tenancy, never about
# validation. Keys are (METHOD, OpenAPI path).
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/organisation"): {"name": "Renamed by A", "timezone": "Europe/Paris"},
    ("POST", "/api/v1/stores"): {
        "name": "Main Amazon US",  # the same name as B's store: names are per organisation
        "channel": "amazon",
        "region": "US",
        "currency": "USD",
        "credentials": {"token": "a-token-1234"},
    },
    ("PATCH", "/api/v1/stores/{store_id}"): {"name": "Stolen", "credentials": {"t": "xxxxx"}},
    ("POST", "/api/v1/webhook-endpoints"): {"kind": "tracking:generic"},
    ("POST", "/api/v1/tracking/exceptions/actions"): {"ids": ["0" * 32], "action": "resolve"},
    ("POST", "/api/v1/tracking/exceptions/message-buyers"): {
        "ids": ["0" * 32],
        "template_id": "0" * 32,
    },
    ("POST", "/api/v1/warehouses"): {
        "code": "NJ1",  # the same code as B's warehouse
        "name": "A's Newark",
        "kind": "own",
        "line1": "2 Dock Road",
        "city": "Newark",
        "postcode": "07102",
        "country": "US",
        "timezone": "America/New_York",
    },
    ("PATCH", "/api/v1/warehouses/{warehouse_id}"): {"name": "Stolen", "is_active": False},
    ("POST", "/api/v1/users"): {
        "email": "new-hire@a.example",
        "role": "viewer",
        "password": "Sturdy-Password-77",
    },
    ("PATCH", "/api/v1/users/{user_id}"): {"role": "viewer", "is_active": False},
    ("POST", "/api/v1/api-keys"): {"name": "A's key", "scopes": ["orders:read"]},
    ("POST", "/api/v1/orders/import"): {"store_id": "unknown", "orders": []},
    ("POST", "/api/v1/orders/allocate"): {},
    ("POST", "/api/v1/orders/route"): {},
    ("POST", "/api/v1/orders/{order_id}/hold"): {"reason": "fraud_check", "detail": "A's hold"},
    ("POST", "/api/v1/orders/{order_id}/release"): {"reason": "address"},
    ("POST", "/api/v1/orders/{order_id}/cancel"): {"note": "by A"},
    ("POST", "/api/v1/orders/{order_id}/transition"): {"state": "allocated"},
    ("POST", "/api/v1/sku-mappings"): {
        "channel": "amazon",
        "channel_sku": "AMZ-MUG-RED",  # the same SKU as B's mapping
        "master_sku": "HP-22423",
    },
    ("POST", "/api/v1/sku-mappings/import"): {
        "csv": "channel,channel_sku,master_sku,components\namazon,AMZ-KIT,,HP-1*2|HP-2\n"
    },
    ("POST", "/api/v1/order-rules"): {
        "name": "Hold big orders",
        "when": {"field": "total", "op": "gt", "value": 40},
        "then": [{"type": "hold", "reason": "big_order"}],
    },
    ("POST", "/api/v1/order-rules/dry-run"): {
        "name": "Everything",
        "then": [{"type": "tag", "tag": "seen"}],
    },
    ("PATCH", "/api/v1/order-rules/{rule_id}"): {"name": "Stolen", "enabled": False},
    ("POST", "/api/v1/quotes"): {
        "origin_country": "US",
        "origin_postcode": "91761",
        "dest_country": "US",
        "dest_postcode": "90210",
        "weight_g": 1200,
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "ship_date": "2026-12-01",
        "residential": True,
    },
    ("POST", "/api/v1/addresses/check"): {
        "line1": "200 Congress Avenue",
        "city": "Austin",
        "state": "TX",
        "postcode": "78701",
        "country": "US",
    },
    ("POST", "/api/v1/addresses/check/batch"): {
        "addresses": [  # the same subject as B's held address: subjects are per organisation
            {
                "id": "order-1001",
                "line1": "1 Main St",
                "city": "Dallas",
                "state": "TX",
                "postcode": "78701",
                "country": "US",
            }
        ],
        "hold": True,
    },
    ("PUT", "/api/v1/addresses/policy"): {"forwarder_hold_score": 55},
    ("POST", "/api/v1/addresses/reviews/{review_id}/approve"): {"comment": "looks fine"},
    ("POST", "/api/v1/addresses/reviews/{review_id}/reject"): {"comment": "fraud"},
    ("POST", "/api/v1/addresses/reviews/{review_id}/edit"): {
        "address": {
            "line1": "1 Main St",
            "city": "Austin",
            "state": "TX",
            "postcode": "78701",
            "country": "US",
        },
    },
    ("POST", "/api/v1/shipments"): {"tracking_number": "BSEED0001", "carrier": "usps"},
    ("POST", "/api/v1/tracking/events"): {
        "updates": [
            {
                "tracking_number": "BSEED0001",  # B has this number too: A gets its own
                "carrier": "usps",
                "events": [
                    {
                        "event_time": "2026-11-20T10:00:00Z",
                        "raw_code": "01",
                        "raw_description": "Delivered",
                    }
                ],
            }
        ]
    },
    ("PUT", "/api/v1/tracking/rules"): {"lost_days": 9},
    ("POST", "/api/v1/tracking/carrier-accounts"): {
        "carrier": "usps",  # the seeded account is DHL's: one account per carrier
        "name": "A's USPS",
        "credentials": {"client_id": "id-123456789", "client_secret": "secret-123456789"},
    },
    ("PATCH", "/api/v1/tracking/carrier-accounts/{account_id}"): {"name": "Stolen"},
    ("PATCH", "/api/v1/shipments/{shipment_id}"): {"carrier": "fedex", "service": "Ground"},
    ("POST", "/api/v1/tracking/notification-targets"): {
        "name": "A ops",
        "url": "json://localhost:9/a-hook",
    },
    ("POST", "/api/v1/skus"): {"sku": "HP-NEW-1", "name": "Enamel mug", "weight_g": 350},
    ("POST", "/api/v1/inventory/adjustments"): {
        "sku": "HP-85123A",  # both organisations have this SKU: codes are per organisation
        "warehouse": "A1",
        "quantity": -2,
        "reason": "cycle count",
    },
    ("POST", "/api/v1/inventory/receipts"): {"sku": "HP-85123A", "warehouse": "A1", "quantity": 5},
    ("POST", "/api/v1/inventory/reconcile"): {"repair": True},
    ("POST", "/api/v1/transfers"): {
        "reference": "TR-2026-002",
        "from_warehouse": "A1",
        "to_warehouse": "ALT-1",
        "lines": [{"sku": "HP-85123A", "quantity": 1}],
    },
    ("POST", "/api/v1/transfers/{transfer_id}/receive"): {"lines": []},
    ("POST", "/api/v1/transfers/{transfer_id}/cancel"): {"note": "not needed"},
    ("POST", "/api/v1/orders/{order_id}/returns"): {
        "reference": "RMA-2026-001",
        "warehouse": "A1",
        "lines": [{"sku": "HP-85123A", "quantity": 1, "disposition": "restock"}],
    },
    ("POST", "/api/v1/inbound-shipments"): {
        "reference": "PO-2026-002",
        "warehouse": "A1",
        "legs": [{"kind": "ocean", "origin": "CNNGB", "destination": "USLAX"}],
        "lines": [{"sku": "HP-85123A", "quantity": 40}],
    },
    ("PUT", "/api/v1/stores/{store_id}/stock-policy"): {
        "max_listed": 5,
        "percent_of_available": 80,
    },
    ("PUT", "/api/v1/fx-rates"): {
        "base_currency": "USD",
        "rates": [{"currency": "EUR", "rate_to_base": "1.09", "effective_date": "2026-02-01"}],
    },
    ("POST", "/api/v1/routing/policies"): {"body": {"name": "A's second"}, "precedence": 7},
    ("POST", "/api/v1/routing/policies/{policy_id}/versions"): {"body": {"name": "seeded"}},
    ("POST", "/api/v1/routing/policies/dry-run"): {
        "body": {"name": "try"},
        "parcels": [good_row("A-DRY")],
    },
    ("POST", "/api/v1/routing/route"): {"parcels": [good_row("A-NEW")]},
    ("POST", "/api/v1/routing/reroute"): {"subject_refs": ["A-ORDER"]},
    ("POST", "/api/v1/routing/suspensions"): {"carrier": "westcoast", "service_id": "WCP-GND"},
    ("PATCH", "/api/v1/inbox/threads/{thread_id}"): {"status": "closed", "tags": ["vip"]},
    ("POST", "/api/v1/inbox/threads/{thread_id}/replies"): {
        "body": "Thanks for your message, we are looking into it.",
        "subject": "Re: your order",
    },
    ("POST", "/api/v1/inbox/messages"): {
        "messages": [
            {
                "channel": "email",
                "external_id": "<b-1@buyer.example>",  # B's message id: ids are per organisation
                "received_at": "2026-12-01T09:30:00Z",
                "sender_address": "maria@example.com",  # buyer of both tenants' seeded orders
                "text": "Hello, where is my order? It has not arrived yet.",
            }
        ]
    },
    ("POST", "/api/v1/inbox/templates"): {
        "name": "Delay notice",
        "variants": {"en": {"subject": "Your order", "body": "Hello {{ buyer.first_name }}"}},
    },
    ("PATCH", "/api/v1/inbox/templates/{template_id}"): {"name": "Stolen", "active": False},
    ("POST", "/api/v1/inbox/templates/preview"): {
        "body": "Hello {{ buyer.first_name }}, your parcel is {{ shipment.status_text }}.",
        "language": "es",
    },
    ("POST", "/api/v1/inbox/rules"): {
        "name": "Refunds to billing",
        "trigger": {"event": "message_received"},
        "when": {"field": "message.intent", "op": "eq", "value": "refund_request"},
        "actions": [{"type": "assign", "team": "billing", "round_robin": ["ann", "bo"]}],
    },
    ("POST", "/api/v1/inbox/rules/dry-run"): {
        "rule": {
            "name": "Tag everything",
            "trigger": {"event": "message_received"},
            "actions": [{"type": "tag", "tags": ["seen"]}],
        },
        "snapshots": [{"at": "2026-12-01T10:00:00Z", "snapshot": {"message": {"intent": "other"}}}],
    },
    ("PATCH", "/api/v1/inbox/rules/{inbox_rule_id}"): {"name": "Stolen", "active": False},
    ("POST", "/api/v1/inbox/ab-tests"): {
        "name": "WISMO reply",
        "variants": [
            {"key": "short", "template": "wismo-short", "percent": 50},
            {"key": "long", "template": "wismo-long", "percent": 50},
        ],
    },
    ("POST", "/api/v1/inbox/ab-tests/{ab_test_id}/outcomes"): {
        "subject_id": "thread-1",
        "assigned_at": "2026-12-01T10:00:00Z",
        "buyer_replied": True,
    },
    ("POST", "/api/v1/inbox/suppressions"): {"address": "gone@a.example", "channel": "email"},
    ("POST", "/api/v1/inbox/mail-accounts"): mail_account_body("sales@a.example"),
    ("POST", "/api/v1/inbox/approvals/{reply_id}/approve"): {"comment": "fine"},
    ("POST", "/api/v1/inbox/approvals/{reply_id}/reject"): {"comment": "call the buyer"},
    ("PUT", "/api/v1/inbox/settings"): {"auto_close_idle_days": 5},
    ("PUT", "/api/v1/inbox/message-polls/{store_id}"): {"enabled": True, "interval_minutes": 5},
    ("POST", "/api/v1/routing/capacities"): {
        "warehouse": "A1",
        "carrier": "westcoast",
        "day": "tue",
        "max_parcels": 40,
    },
    ("PUT", "/api/v1/routing/capacities/{capacity_id}"): {
        "warehouse": "LAX",
        "service_id": "WCP-GND",
        "day": "2026-12-07",
        "max_parcels": 6,
    },
    ("POST", "/api/v1/routing/optimisations"): {
        "warehouse": "LAX",
        "ship_date": "2026-12-07",
        "parcels": [good_row("A-WAVE-2")],
    },
    ("PATCH", "/api/v1/stores/{store_id}/sync"): {"interval_minutes": 30},
    ("POST", "/api/v1/stores/{store_id}/authorisation"): {},
    ("POST", "/api/v1/stores/{store_id}/authorisation/complete"): {
        "callback_url": "https://a.example/settings/authorise/callback?state=x&code=y"
    },
    ("POST", "/api/v1/routing/simulations"): {"body": {"name": "try"}},
}

# Operations without a path id, and what their isolation means. Every one must be listed.
SCOPED = {
    ("GET", "/api/v1/me"): "own",
    ("GET", "/api/v1/organisation"): "own",
    ("PATCH", "/api/v1/organisation"): "own",
    ("GET", "/api/v1/stores"): "list",
    ("POST", "/api/v1/stores"): "create",
    ("GET", "/api/v1/webhook-endpoints"): "list",
    ("POST", "/api/v1/webhook-endpoints"): "create",
    ("GET", "/api/v1/warehouses"): "list",
    ("POST", "/api/v1/warehouses"): "create",
    ("GET", "/api/v1/users"): "list",
    ("POST", "/api/v1/users"): "create",
    ("GET", "/api/v1/api-keys"): "list",
    ("POST", "/api/v1/api-keys"): "create",
    ("GET", "/api/v1/audit-log"): "list",
    ("GET", "/api/v1/jobs"): "list",
    ("GET", "/api/v1/rate-cards"): "list",
    ("POST", "/api/v1/rate-cards/import"): "upload",
    ("POST", "/api/v1/quotes"): "quote",
    ("GET", "/api/v1/orders"): "list",
    ("POST", "/api/v1/orders/import"): "import",
    ("POST", "/api/v1/orders/allocate"): "pipeline",
    ("POST", "/api/v1/orders/route"): "pipeline",
    ("POST", "/api/v1/orders/import-file"): "import_file",
    ("GET", "/api/v1/orders/dead-letters"): "list",
    ("GET", "/api/v1/sku-mappings"): "list",
    ("POST", "/api/v1/sku-mappings"): "create",
    ("POST", "/api/v1/sku-mappings/import"): "action",
    ("GET", "/api/v1/order-rules"): "list",
    ("POST", "/api/v1/order-rules"): "create",
    ("POST", "/api/v1/order-rules/dry-run"): "action",
    ("POST", "/api/v1/addresses/check"): "check",
    ("POST", "/api/v1/addresses/check/batch"): "hold",
    ("GET", "/api/v1/addresses/policy"): "policy",
    ("PUT", "/api/v1/addresses/policy"): "policy",
    ("GET", "/api/v1/addresses/reviews"): "list",
    ("GET", "/api/v1/shipments"): "list",
    ("POST", "/api/v1/shipments"): "create",
    ("POST", "/api/v1/tracking/events"): "action",
    ("POST", "/api/v1/tracking/events/import-file"): "events_file",
    ("GET", "/api/v1/tracking/detect"): "action",  # reads nothing stored
    ("GET", "/api/v1/tracking/exceptions"): "list",
    ("POST", "/api/v1/tracking/exceptions/actions"): "foreign_ids",
    ("POST", "/api/v1/tracking/exceptions/message-buyers"): "outreach",
    ("POST", "/api/v1/tracking/sweep"): "action",
    ("GET", "/api/v1/tracking/rules"): "action",
    ("PUT", "/api/v1/tracking/rules"): "action",
    ("GET", "/api/v1/tracking/stats"): "list",
    ("GET", "/api/v1/tracking/estimate-check"): "action",
    ("GET", "/api/v1/tracking/notification-targets"): "list",
    ("POST", "/api/v1/tracking/notification-targets"): "create",
    ("GET", "/api/v1/tracking/carrier-accounts"): "list",
    ("POST", "/api/v1/tracking/carrier-accounts"): "create",
    ("POST", "/api/v1/tracking/carrier-accounts/poll"): "enqueue",
    ("GET", "/api/v1/skus"): "list",
    ("POST", "/api/v1/skus"): "create",
    ("GET", "/api/v1/inventory"): "list",
    ("GET", "/api/v1/inventory/ledger"): "list",
    ("POST", "/api/v1/inventory/adjustments"): "create",
    ("POST", "/api/v1/inventory/receipts"): "create",
    ("POST", "/api/v1/inventory/reconcile"): "own",
    ("GET", "/api/v1/inbound-shipments"): "list",
    ("POST", "/api/v1/inbound-shipments"): "create",
    ("GET", "/api/v1/transfers"): "list",
    ("POST", "/api/v1/transfers"): "create",
    ("GET", "/api/v1/stock-policies"): "list",
    ("GET", "/api/v1/stock-publications"): "list",
    ("GET", "/api/v1/fx-rates"): "list",
    ("PUT", "/api/v1/fx-rates"): "replace",
    ("GET", "/api/v1/routing/policies"): "list",
    ("POST", "/api/v1/routing/policies"): "create",
    ("POST", "/api/v1/routing/policies/dry-run"): "decide",
    ("POST", "/api/v1/routing/route"): "decide",
    ("POST", "/api/v1/routing/reroute"): "decide",
    ("GET", "/api/v1/routing/decisions"): "list",
    ("GET", "/api/v1/routing/suspensions"): "list",
    ("POST", "/api/v1/routing/suspensions"): "suspend",
    ("GET", "/api/v1/inbox/threads"): "list",
    ("POST", "/api/v1/inbox/messages"): "action",
    ("GET", "/api/v1/inbox/templates"): "list",
    ("POST", "/api/v1/inbox/templates"): "create",
    ("POST", "/api/v1/inbox/templates/preview"): "action",
    ("GET", "/api/v1/inbox/rules"): "list",
    ("POST", "/api/v1/inbox/rules"): "create",
    ("POST", "/api/v1/inbox/rules/dry-run"): "action",
    ("GET", "/api/v1/inbox/ab-tests"): "list",
    # Counts only (no ids); tests/inbox/test_reports.py proves B's threads are never counted.
    ("GET", "/api/v1/inbox/reports"): "action",
    ("POST", "/api/v1/inbox/ab-tests"): "create",
    ("GET", "/api/v1/inbox/suppressions"): "list",
    ("POST", "/api/v1/inbox/suppressions"): "create",
    ("GET", "/api/v1/inbox/mail-accounts"): "list",
    ("POST", "/api/v1/inbox/mail-accounts"): "create",
    ("GET", "/api/v1/inbox/approvals"): "list",
    ("GET", "/api/v1/inbox/settings"): "check",
    ("PUT", "/api/v1/inbox/settings"): "check",
    ("GET", "/api/v1/inbox/message-polls"): "list",
    ("GET", "/api/v1/inbox/dead-letters"): "list",
    ("GET", "/api/v1/routing/capacities"): "list",
    ("POST", "/api/v1/routing/capacities"): "create",
    ("GET", "/api/v1/routing/optimisations"): "list",
    ("POST", "/api/v1/routing/optimisations"): "create",
    ("POST", "/api/v1/routing/simulations"): "create",
    ("GET", "/api/v1/routing/simulations"): "list",
    ("POST", "/api/v1/routing/capacities/import"): "capacities_file",
}
# Query strings of "action" routes that need them.
ACTION_QUERIES: dict[str, dict[str, str]] = {
    "/api/v1/tracking/detect": {"number": "9400111899223100000077"},
}
EXAMPLE_ORDERS = Path(__file__).parents[2] / "examples" / "channels" / "linkstar-orders.csv"
# Probes outside the API: no credentials, no tenant data.
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz")}
# Query parameters that filter lists, with the values tried (B's data must never match).
LIST_QUERIES: dict[str, list[dict[str, str]]] = {
    "/api/v1/audit-log": [{}, {"entity_type": "stores"}, {"entity_type": "users"}],
    "/api/v1/jobs": [{}, {"status": "dead"}],
    "/api/v1/orders": [{}, {"q": "ORD"}, {"held": "false"}, {"state": "checked"}],
    "/api/v1/orders/dead-letters": [{}, {"state": "open"}],
    "/api/v1/addresses/reviews": [{}, {"state": "pending"}],
    "/api/v1/routing/decisions": [{}, {"subject_ref": "B-ORDER"}, {"status": "assigned"}],
    "/api/v1/inbox/threads": [{}, {"status": "open"}, {"q": "buyer"}, {"sla": "ok"}],
}

PARAM = re.compile(r"{(\w+)}")


class Seeded:
    """One organisation's rows, created through the services."""

    def __init__(self, api: Api, tenant, domain: str, store: str, code: str, subject: str) -> None:  # type: ignore[no-untyped-def]
        self.tenant = tenant
        self.ids = {
            "store_id": api.store(tenant, store),
            "warehouse_id": api.warehouse(tenant, code),
            "user_id": api.add_user(tenant, Role.operator, email=f"op@{domain}").id,
            "key_id": api.key_secret(tenant, ["orders:read"], name="partner feed")[0],
            "job_id": api.job(tenant, JobStatus.dead),
            "rate_card_id": api.rate_card(tenant),
            "review_id": api.address_review(tenant),
            **_seed_routing(api, tenant, subject),
        }
        self.ids |= seed_orders(api.sessions, tenant.org.id, self.ids["store_id"])
        tracking = seed(api.sessions, tenant, domain[0].upper(), box=api.client.app.state.box)
        self.ids["shipment_id"] = tracking["shipment_id"]
        self.exception_id = tracking["exception_id"]
        self.ids |= seed_for_isolation(
            api.sessions, system_principal(tenant.org.id), code, self.ids["store_id"]
        )
        self.ids["endpoint_id"] = _seed_webhook(api, tenant)
        self.ids["account_id"] = seed_carrier_account(api, tenant, active=True)
        self.ids["run_id"] = _seed_publication(api, tenant.org.id, self.ids["store_id"])
        self.ids |= seed_inbox(api.sessions, tenant.org.id, domain[0].upper())
        self.ids |= seed_inbox_automation(api, tenant, self.ids["thread_id"])
        self.ids |= seed_inbox_mail(api.sessions, api.client.app.state.box, tenant.org.id, domain)
        self.ids |= seed_inbox_dead_letter(api.sessions, tenant.org.id)
        self.owner_id = tenant.owner.id

    def all_ids(self, api: Api) -> list[str]:
        """Every id of every row this organisation owns (audit entries included)."""
        snap = api.snapshot(self.tenant.org.id)
        # Integer keys (tracking events) are never exposed; only text ids can leak.
        return sorted({r["id"] for rows in snap.values() for r in rows if isinstance(r["id"], str)})


def seed_carrier_account(api: Api, tenant, *, active: bool) -> str:  # type: ignore[no-untyped-def]
    """A DHL tracking API account, through the service."""
    from linkstar.db.uow import unit_of_work
    from linkstar.tracking.carrier_accounts import add_carrier_account

    actor = system_principal(tenant.org.id)
    with unit_of_work(api.sessions) as s:
        row = add_carrier_account(
            s, actor, api.client.app.state.box, "dhl", "DHL", {"api_key": "dhl-key-123456"}
        )
        row.active = active
        return row.id


def seed_inbox_automation(api: Api, tenant, thread_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An inbox rule, an A/B test with one outcome and a reply held for approval, through the
    services."""
    from linkstar.db.uow import unit_of_work
    from linkstar.inbox import replies
    from linkstar.inbox.automation import ab_service, rules_service
    from linkstar.inbox.schemas import ReplyCreate

    actor = system_principal(tenant.org.id)
    rule = {k: v for k, v in BODIES[("POST", "/api/v1/inbox/rules")].items()}
    with unit_of_work(api.sessions) as s:
        row = rules_service.create_rule(s, actor, rule)
        test = ab_service.create_test(s, actor, BODIES[("POST", "/api/v1/inbox/ab-tests")])
        outcome = BODIES[("POST", "/api/v1/inbox/ab-tests/{ab_test_id}/outcomes")]
        ab_service.record_outcome(
            s,
            actor,
            test.id,
            "thread-0",
            assigned_at=datetime.fromisoformat(outcome["assigned_at"]),
        )
        held, _findings, _job = replies.reply(
            s, actor, thread_id, ReplyCreate(body="Our lawyer has read your message.")
        )
        return {"inbox_rule_id": row.id, "ab_test_id": test.id, "reply_id": held.id}


def _seed_publication(api: Api, org_id: str, store_id: str) -> str:
    """A dry-run stock publication of the store (its lines are the seeded SKUs)."""
    from linkstar.db.uow import unit_of_work
    from linkstar.orders.stock import service as stock

    with unit_of_work(api.sessions) as s:
        return stock.publish_store(s, org_id, store_id, None, trigger="manual", dry_run=True).id


def _seed_webhook(api: Api, tenant) -> str:  # type: ignore[no-untyped-def]
    """A 17TRACK webhook endpoint, through the service."""
    from linkstar.db.uow import unit_of_work
    from linkstar.tracking.hooks import service as hooks
    from linkstar.tracking.hooks.schemas import EndpointKind, WebhookEndpointCreate

    data = WebhookEndpointCreate(kind=EndpointKind.tracking_17track, secret="17track-key-1234")
    with unit_of_work(api.sessions) as s:
        box = api.client.app.state.box  # type: ignore[attr-defined]
        return hooks.create_endpoint(s, system_principal(tenant.org.id), data, box).id


def _seed_routing(api: Api, tenant, subject: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A policy, an FX table, a decision about `subject` and a suspension, through the services."""
    from linkstar.db.uow import unit_of_work
    from linkstar.rating import fx_rates, routing, routing_policies, routing_setup
    from linkstar.workspace.core import system_principal

    actor = system_principal(tenant.org.id)
    with unit_of_work(api.sessions) as s:
        policy = routing_policies.create_policy(s, actor, {"name": "seeded"}, 10, True)
        rate = {"currency": "GBP", "rate_to_base": "1.27", "effective_date": "2026-01-01"}
        fx_rates.set_fx_table(s, actor, "USD", [rate])
        (decision,) = routing.route(s, actor, [good_row(subject)])
        stop = routing_setup.suspend(s, actor, carrier="eastern", reason="seeded").suspension
        ids = {
            "policy_id": policy.id,
            "decision_id": decision.id,
            "subject_id": subject,
            "suspension_id": stop.id,
        }
        ids |= _seed_optimisation(s, actor, subject)
        return ids


def _seed_optimisation(s, actor, subject: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A capacity, an optimised wave (its decision is about `subject`-WAVE) and a simulation."""
    from linkstar.rating import optimisations, simulation_runs

    capacity = optimisations.create_capacity(
        s, actor, {"warehouse": "LAX", "service_id": "WCP-GND", "day": "", "max_parcels": 5}
    )
    run = optimisations.start(s, actor, "LAX", date(2026, 12, 7), [good_row(f"{subject}-WAVE")])
    sim = simulation_runs.start(s, actor, body={"name": "seeded simulation"})
    return {"capacity_id": capacity.id, "optimisation_id": run.id, "simulation_id": sim.id}


def operations(client) -> list[tuple[str, str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "patch", "put", "delete"}
    ]


@pytest.fixture
def two_tenants(api, make_tenant):
    a, b = make_tenant("A Trading", "owner@a.example"), make_tenant("B Retail", "owner@b.example")
    return (
        Seeded(api, a, "a.example", "A's own store", "A1", "A-ORDER"),
        Seeded(api, b, "b.example", "Main Amazon US", "NJ1", "B-ORDER"),
    )


@pytest.mark.parametrize("auth", ["api_key", "session"])
def test_no_route_reaches_another_organisation(api, client, two_tenants, auth):
    seeded_a, seeded_b = two_tenants
    caller: Caller = (
        api.owner(seeded_a.tenant) if auth == "session" else api.with_key(seeded_a.tenant)
    )
    b_org = seeded_b.tenant.org.id
    b_before = api.snapshot(b_org)
    b_ids = [*seeded_b.all_ids(api), b_org, "b-retail", "B Retail", "owner@b.example"]
    ops = operations(client)
    assert len(ops) >= 22
    covered: set[tuple[str, str]] = set()

    # Id routes first (B's ids, then a fresh id for comparison), while A's rows all exist.
    for method, path, _op in ops:
        params = PARAM.findall(path)
        if not params:
            continue
        unknown = [p for p in params if p not in seeded_b.ids]
        assert not unknown, f"{method} {path}: add B's row for {unknown} to Seeded"
        body = BODIES.get((method, path))
        if method in {"POST", "PATCH", "PUT"} and _takes_body(_op):
            assert body is not None, f"{method} {path}: add a valid body to BODIES"
        url = path.removeprefix("/api/v1")
        foreign = url
        missing = url
        for p in params:
            foreign = foreign.replace("{" + p + "}", seeded_b.ids[p])
            missing = missing.replace("{" + p + "}", "0" * 32)
        r_foreign = caller.call(method, foreign, json=body)
        assert r_foreign.status_code in {403, 404}, (method, foreign, r_foreign.text)
        r_missing = caller.call(method, missing, json=body)
        assert r_foreign.status_code == r_missing.status_code, (method, path)
        # Identical to an id that does not exist: nothing tells B's ids apart.
        foreign_error = envelope(r_foreign)
        missing_error = envelope(r_missing)
        for p in params:
            foreign_error["message"] = foreign_error["message"].replace(seeded_b.ids[p], "0" * 32)
        assert foreign_error == missing_error, (method, path)
        # The same route on A's own id works, so the 404 above is not a broken route.
        own = url
        for p in params:
            own = own.replace("{" + p + "}", seeded_a.ids[p])
        if method == "GET":
            assert caller.call(method, own).status_code == 200, (method, own)
        covered.add((method, path))

    # Routes without ids: they see and change only A.
    for method, path, _op in ops:
        if PARAM.search(path):
            continue
        if (method, path) in PUBLIC:
            r = client.request(method, path)
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids)
            covered.add((method, path))
            continue
        kind = SCOPED.get((method, path))
        assert kind is not None, f"{method} {path}: say how it is isolated in SCOPED"
        url = path.removeprefix("/api/v1")
        if kind == "list":
            for query in LIST_QUERIES.get(path, [{}]):
                r = caller.get(url, params={"limit": 200, **query})
                assert r.status_code == 200, (path, r.text)
                leaked = contains_any(r.json(), b_ids)
                assert not leaked, (path, query, leaked)
            # A's own rows are listed, so the check above is not vacuous.
            assert caller.get(url).json()["items"], path
        elif kind == "own":
            body = BODIES.get((method, path))
            r = caller.call(method, url, json=body)
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            assert seeded_a.tenant.org.id in r.text
        elif kind == "upload":
            r = caller.post(
                url,
                files={"file": ("card.zip", api.example_card_zip(), "application/zip")},
                data={"effective_from": "2026-06-01"},
            )
            assert r.status_code == 201, (path, r.text)
            assert r.json()["id"] not in b_ids and r.json()["version"] == 2
            a_rows = api.snapshot(seeded_a.tenant.org.id)
            assert r.json()["id"] in {row["id"] for row in a_rows["rate_card_versions"]}
        elif kind == "capacities_file":
            text = "warehouse,service_id,carrier,day,max_parcels\nLAX,WCP-GND,,tue,9\n"
            r = caller.post(url, files={"file": ("caps.csv", text.encode(), "text/csv")})
            assert r.status_code == 200, (path, r.text)
            a_caps = {
                row["id"] for row in api.snapshot(seeded_a.tenant.org.id)["routing_capacities"]
            }
            assert {c["id"] for c in r.json()["items"]} <= a_caps
        elif kind == "quote":
            r = caller.post(url, json=BODIES[(method, path)])
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            quoted = {q["rate_card_id"] for q in r.json()["eligible"] + r.json()["ineligible"]}
            a_cards = api.snapshot(seeded_a.tenant.org.id)["rate_card_versions"]
            assert quoted and quoted <= {row["id"] for row in a_cards}, path
        elif kind == "import":
            body = {"store_id": seeded_a.ids["store_id"], "orders": [order_json("A-NEW-1")]}
            r = caller.post(url, json=body)
            assert r.status_code == 201, (path, r.text)
            assert r.json()["created"] == 1 and not contains_any(r.json(), b_ids)
            a_orders = api.snapshot(seeded_a.tenant.org.id)["orders"]
            assert r.json()["order_ids"][0] in {row["id"] for row in a_orders}
            # B's store id is refused like a store that does not exist.
            foreign = caller.post(url, json={**body, "store_id": seeded_b.ids["store_id"]})
            assert foreign.status_code == 404, foreign.text
        elif kind == "import_file":
            upload = {"file": ("orders.csv", EXAMPLE_ORDERS.read_bytes(), "text/csv")}
            form = {"store_id": seeded_a.ids["store_id"], "preset": "linkstar"}
            r = caller.post(url, files=upload, data=form)
            assert r.status_code == 201, (path, r.text)
            assert r.json()["created"] >= 1 and not contains_any(r.json(), b_ids)
            a_orders = {row["id"] for row in api.snapshot(seeded_a.tenant.org.id)["orders"]}
            assert set(r.json()["order_ids"]) <= a_orders
            foreign = caller.post(
                url, files=upload, data={**form, "store_id": seeded_b.ids["store_id"]}
            )
            assert foreign.status_code == 404, foreign.text
        elif kind == "events_file":
            # B follows BSEED0001 too: A's file gives A a shipment of its own, B's is untouched.
            text = "tracking_number,carrier,event_time,raw_code\n"
            text += "BSEED0001,usps,2026-11-21T10:00:00Z,01\n"
            r = caller.post(url, files={"file": ("events.csv", text.encode(), "text/csv")})
            assert r.status_code == 200, (path, r.text)
            body = r.json()
            assert (body["events"], body["events_inserted"], body["row_errors"]) == (1, 1, [])
            assert not contains_any(r.json(), b_ids), path
            a_numbers = {
                row["tracking_number"] for row in api.snapshot(seeded_a.tenant.org.id)["shipments"]
            }
            assert "BSEED0001" in a_numbers
        elif kind in {"check", "policy"}:
            r = caller.call(method, url, json=BODIES.get((method, path)))
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
        elif kind == "hold":
            r = caller.post(url, json=BODIES[(method, path)])
            assert r.status_code == 200, (path, r.text)
            review_id = r.json()["results"][0]["review_id"]
            assert review_id == seeded_a.ids["review_id"]  # A's own subject, not B's
        elif kind == "action":
            body = BODIES.get((method, path))
            r = caller.call(method, url, json=body, params=ACTION_QUERIES.get(path))
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
        elif kind == "enqueue":
            # A job of A's organisation (A reads it back; B's jobs are A's 404s above).
            r = caller.call(method, url)
            assert r.status_code == 202, (path, r.text)
            assert caller.get(f"/jobs/{r.json()['job_id']}").status_code == 200, path
        elif kind == "foreign_ids":
            # B's exception named in a bulk action is "not found", exactly like a made-up id.
            body = {"ids": [seeded_b.exception_id, "0" * 32], "action": "resolve"}
            r = caller.call(method, url, json=body)
            assert r.status_code == 200, (path, r.text)
            assert r.json()["changed"] == 0
            assert [x["reason"] for x in r.json()["skipped"]] == ["not found", "not found"]
        elif kind == "outreach":
            # B's exception named with A's template is unknown; B's template is not found.
            mine = {"ids": [seeded_b.exception_id], "template_id": seeded_a.ids["template_id"]}
            r = caller.call(method, url, json=mine)
            assert r.status_code == 200, (path, r.text)
            unknown = {"exception_id": seeded_b.exception_id, "reason": "no such exception"}
            assert r.json() == {"messaged": [], "skipped": [unknown]}
            theirs = {"ids": ["0" * 32], "template_id": seeded_b.ids["template_id"]}
            foreign = caller.call(method, url, json=theirs)
            assert foreign.status_code == 404, foreign.text
        elif kind == "replace":
            r = caller.call(method, url, json=BODIES[(method, path)])
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            assert [x["currency"] for x in r.json()["items"]] == ["EUR"]
        elif kind == "decide":
            r = caller.call(method, url, json=BODIES[(method, path)])
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            assert r.json()["items"][0]["status"] == "assigned"
            if path.endswith("/reroute"):  # B's order is unknown to A
                foreign_ref = caller.call(method, url, json={"subject_refs": ["B-ORDER"]})
                assert foreign_ref.status_code == 404, foreign_ref.text
        elif kind == "pipeline":
            # B's order named explicitly is simply not waiting for A's step.
            r = caller.post(url, json={"order_ids": [seeded_b.ids["order_id"]]})
            assert r.status_code == 200, (path, r.text)
            assert r.json() == {"advanced": [], "held": {}}
            r = caller.post(url, json={})
            assert r.status_code == 200, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
        elif kind == "suspend":
            r = caller.call(method, url, json=BODIES[(method, path)])
            assert r.status_code == 201, (path, r.text)
            assert not contains_any(r.json(), b_ids), path
            affected = r.json()["affected"]
            assert "A-ORDER" in affected and "B-ORDER" not in affected  # A's orders only
        elif kind == "create":
            body = BODIES[(method, path)]
            if path.endswith("/users") and auth == "session":
                body = {**body, "email": "second-hire@a.example"}
            r = caller.call(method, url, json=body)
            assert r.status_code == 201, (path, r.text)
            new_id = r.json()["id"]
            assert new_id not in b_ids
            a_rows = api.snapshot(seeded_a.tenant.org.id)
            assert new_id in {row["id"] for rows in a_rows.values() for row in rows}, path
        covered.add((method, path))

    assert covered == {(m, p) for m, p, _ in ops}
    assert api.snapshot(b_org) == b_before
    # A's PATCH /organisation changed A only.
    assert api.snapshot(seeded_a.tenant.org.id)["organisations"][0]["name"] == "Renamed by A"
    assert b_before["organisations"][0]["name"] == "B Retail"


def order_json(external_id: str) -> dict[str, Any]:
    from linkstar.orders.core.codec import order_to_json
    from tests.orders.conftest import make_order

    return order_to_json(make_order(external_id))


def _takes_body(op: dict[str, Any]) -> bool:
    return "requestBody" in op


def test_b_still_sees_its_own_rows(api, two_tenants):
    """The control: B's credentials do reach B's rows (the ids used above are real)."""
    _, seeded_b = two_tenants
    caller = api.with_key(seeded_b.tenant)
    for path in [
        "/stores/{store_id}",
        "/warehouses/{warehouse_id}",
        "/users/{user_id}",
        "/jobs/{job_id}",
        "/rate-cards/{rate_card_id}",
        "/addresses/reviews/{review_id}",
        "/skus/{sku_id}",
        "/inbound-shipments/{inbound_id}",
        "/transfers/{transfer_id}",
        "/orders/{order_id}/returns",
        "/stores/{store_id}/stock-policy",
        "/routing/policies/{policy_id}",
        "/routing/decisions/{decision_id}",
        "/routing/simulations/{simulation_id}",
        "/routing/explain/{subject_id}",
        "/inbox/threads/{thread_id}",
        "/inbox/templates/{template_id}",
        "/stores/{store_id}/sync",
        "/stock-publications/{run_id}",
        "/stock-publications/{run_id}/lines",
        "/stock-publications/{run_id}/feeds",
    ]:
        url = path
        for name, value in seeded_b.ids.items():
            url = url.replace("{" + name + "}", value)
        assert caller.get(url).status_code == 200, url
    keys = caller.get("/api-keys").json()["items"]
    assert seeded_b.ids["key_id"] in [k["id"] for k in keys]
