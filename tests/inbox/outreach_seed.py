"""Exceptions whose buyers can (and cannot) be messaged: orders, shipments, exceptions and a
template, for the outreach service, API and console tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from linkstar.db.uow import unit_of_work
from linkstar.inbox.models import InboxTemplate
from linkstar.inbox.schemas import TemplateCreate
from linkstar.orders.core.canonical import Buyer, Channel
from linkstar.orders.ingest import ingest
from linkstar.orders.models import Order
from linkstar.tracking.models import Shipment, TrackingException
from linkstar.workspace.models import Store
from tests.inbox.seed import WISMO_TEMPLATE
from tests.orders.conftest import make_order


@dataclass(frozen=True)
class Outreach:
    template_id: str
    shopify: str  # exceptions: a Shopify order's parcel (two exceptions on it) ...
    shopify_again: str
    amazon: str  # ... an Amazon order's parcel (its rules allow no foreign link)
    no_order: str  # ... a parcel without an order reference
    no_email: str  # ... an order without a buyer e-mail
    resolved: str  # ... a resolved exception
    shopify_shipment: str


def seed_outreach(sessions: sessionmaker[Session], org_id: str) -> Outreach:
    with unit_of_work(sessions) as s:
        stores = {}
        for channel in ("shopify", "amazon"):
            store = Store(organisation_id=org_id, name=f"My {channel}", channel=channel,
                          region="US", currency="USD")  # fmt: skip
            s.add(store)
            s.flush()
            stores[channel] = store.id
        orders = {
            "S-1001": ("shopify", Buyer("Maria Lopez", "maria@example.com")),
            "112-0000001-0000002": ("amazon", Buyer("Kim Park", "kp1@marketplace.amazon.com")),
            "S-1002": ("shopify", Buyer("No Mail", None)),
        }
        for ref, (channel, buyer) in orders.items():
            item = (make_order(ref, channel=Channel(channel), buyer=buyer), None)
            ingest(s, org_id, stores[channel], [item], "api")
        by_ref = {o.external_id: o.id for o in s.query(Order).filter_by(organisation_id=org_id)}

        def shipment(number: str, order_ref: str | None) -> Shipment:
            row = Shipment(
                organisation_id=org_id,
                tracking_number=number,
                carrier="usps",
                order_ref=order_ref,
                status="failed_attempt",
                dest_country="US",
            )
            s.add(row)
            s.flush()
            return row

        def exception(ship: Shipment, kind: str, state: str = "open") -> str:
            row = TrackingException(organisation_id=org_id, shipment_id=ship.id, kind=kind,
                                    state=state, detail={"attempts": 1})  # fmt: skip
            s.add(row)
            s.flush()
            return row.id

        shop = shipment("9400111899223100000001", by_ref["S-1001"])  # by our order id
        amazon = shipment("9400111899223100000002", "112-0000001-0000002")  # by external id
        bare = shipment("9400111899223100000003", None)
        silent = shipment("9400111899223100000004", "S-1002")
        data = TemplateCreate.model_validate(WISMO_TEMPLATE)
        variants = {str(k): v.model_dump() for k, v in data.variants.items()}
        template = InboxTemplate(
            organisation_id=org_id, name=data.name, intent=data.intent, mode=data.mode,
            variants=variants,
        )  # fmt: skip
        s.add(template)
        s.flush()
        return Outreach(
            template_id=template.id,
            shopify=exception(shop, "failed_attempt"),
            shopify_again=exception(shop, "stalled"),
            amazon=exception(amazon, "failed_attempt"),
            no_order=exception(bare, "failed_attempt"),
            no_email=exception(silent, "failed_attempt"),
            resolved=exception(shop, "address_issue", "resolved"),
            shopify_shipment=shop.id,
        )
