"""Seed the demo seller: stores on three channels, warehouses in CA, NJ and the UK, a user per role.

Deterministic: the same call always creates the same workspace (ids aside). Later modules add
their own demo data through functions of their own called from `load`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path

from sqlalchemy.orm import Session

from linkstar.config import get_settings
from linkstar.demo import inbox as inbox_demo
from linkstar.demo import inventory as inventory_demo
from linkstar.demo import optimise as optimise_demo
from linkstar.demo import orders as orders_demo
from linkstar.demo import pipeline as pipeline_demo
from linkstar.demo import rating as rating_demo
from linkstar.demo import routing as routing_demo
from linkstar.demo import tracking as tracking_demo
from linkstar.kit.crypto import SecretBox
from linkstar.orders.sync import service as sync
from linkstar.workspace import access, service
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Channel, Permission, Role, WarehouseKind, system_principal
from linkstar.workspace.models import Organisation
from linkstar.workspace.schemas import ApiKeyCreate, StoreCreate, UserCreate, WarehouseCreate

DEMO_NAME = "Harbor & Pine Trading"
DEMO_SLUG = "harbor-pine-trading"
DEMO_PASSWORD = "linkstar-demo-2026"  # noqa: S105 - the published demo sign-in
DEMO_OWNER = "owner@harborpine.example"

DEMO_USERS = (
    ("admin@harborpine.example", "Ada Admin", Role.admin),
    ("ops@harborpine.example", "Oscar Operator", Role.operator),
    ("support@harborpine.example", "Aiko Agent", Role.agent),
    ("finance@harborpine.example", "Vera Viewer", Role.viewer),
)

DEMO_POLLING_NOTE = "demo store with placeholder credentials"
DEMO_STORES = (
    StoreCreate(
        name="Amazon US",
        channel=Channel.amazon,
        region="NA",
        currency="USD",
        external_id="ATVPDKIKX0DER",  # the Amazon.com marketplace id
    ),
    StoreCreate(
        name="Shopify — harborpine.com",
        channel=Channel.shopify,
        region="US",
        currency="USD",
        external_id="harbor-pine.myshopify.com",
    ),
    StoreCreate(
        name="TikTok Shop US",
        channel=Channel.tiktok_shop,
        region="US",
        currency="USD",
        external_id="7495583920111111111",
    ),
)

# Real addresses of warehouse districts (Inland Empire, Central New Jersey, the Midlands).
DEMO_WAREHOUSES = (
    WarehouseCreate(
        code="US-CA-ONT",
        name="Ontario CA (3PL)",
        kind=WarehouseKind.third_party,
        line1="4200 E Airport Dr",
        city="Ontario",
        state="CA",
        postcode="91761",
        country="US",
        timezone="America/Los_Angeles",
        cutoff_time=time(14, 0),
    ),
    WarehouseCreate(
        code="US-NJ-EDI",
        name="Edison NJ",
        kind=WarehouseKind.own,
        line1="300 Raritan Center Pkwy",
        city="Edison",
        state="NJ",
        postcode="08837",
        country="US",
        timezone="America/New_York",
        cutoff_time=time(15, 30),
    ),
    WarehouseCreate(
        code="UK-NN-DAV",
        name="Daventry UK (FBA)",
        kind=WarehouseKind.fba,
        line1="Unit 1 Royal Oak Way South",
        city="Daventry",
        state="Northamptonshire",
        postcode="NN11 8PQ",
        country="GB",
        timezone="Europe/London",
        cutoff_time=time(12, 0),
    ),
)


@dataclass(frozen=True)
class DemoSummary:
    organisation: Organisation
    created: bool
    api_key: str | None  # the demo integration key, shown only when the demo is created


def find(session: Session) -> Organisation | None:
    """The demo organisation, if it was loaded."""
    return repo.organisation_by_slug(session, DEMO_SLUG)


def reset(session: Session) -> None:
    """Delete the demo organisation and everything it owns (cascades)."""
    org = find(session)
    if org is not None:
        session.delete(org)
        session.flush()


def load(session: Session, box: SecretBox, reference_data_dir: Path | None = None) -> DemoSummary:
    """Create the demo workspace unless it exists; existing data is never touched.

    Rate cards built on the USPS chart need `reference_data_dir` (default: the setting).
    """
    existing = find(session)
    if existing is not None:
        return DemoSummary(existing, created=False, api_key=None)
    org, _owner = access.create_organisation(
        session,
        DEMO_NAME,
        DEMO_OWNER,
        DEMO_PASSWORD,
        owner_name="Olivia Owner",
        timezone="America/Los_Angeles",
        base_currency="USD",
    )
    actor = system_principal(org.id, "demo loader")
    for email, name, role in DEMO_USERS:
        access.create_user(
            session,
            actor,
            UserCreate(email=email, full_name=name, role=role, password=DEMO_PASSWORD),
        )
    for number, store in enumerate(DEMO_STORES, start=1):
        secrets = {
            "client_id": f"demo-client-{number}",
            "refresh_token": f"demo-refresh-token-{number:04d}",
        }
        row = service.create_store(
            session, actor, store.model_copy(update={"credentials": secrets}), box
        )
        # Placeholder keys would fail every poll (an error in the log each minute): the demo
        # stores are not polled until someone enters real credentials and switches it on.
        sync.pause_polling(session, org.id, row.id, DEMO_POLLING_NOTE)
    warehouse_ids = {}
    for warehouse in DEMO_WAREHOUSES:
        warehouse_ids[warehouse.code] = service.create_warehouse(session, actor, warehouse).id
    _key, secret = access.create_api_key(
        session,
        actor,
        # read-only, every area: the printed key can try any GET of the API, change nothing
        ApiKeyCreate(
            name="Demo integration", scopes=[p for p in Permission if p.value.endswith(":read")]
        ),
    )
    data_dir = reference_data_dir or get_settings().reference_data_dir
    rating_demo.load_rate_cards(session, actor, data_dir)
    orders_demo.load_orders(session, actor, data_dir)
    tracking_demo.load_tracking(session, org.id, warehouse_ids)
    inventory_demo.load_inventory(session, actor, data_dir)
    routing_demo.load_routing(session, actor)
    optimise_demo.load_optimisation(session, actor)
    pipeline_demo.run_pipeline(session, actor)
    optimise_demo.load_simulation(session, actor)
    inbox_demo.load_inbox(session, actor, data_dir)
    inventory_demo.publish_dry_run(session, org.id)
    return DemoSummary(org, created=True, api_key=secret)
