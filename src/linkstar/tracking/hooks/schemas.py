"""Request and response models of webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EndpointKind(StrEnum):
    """Who posts to an endpoint, and so how its body is signed and read."""

    orders_shopify = "orders:shopify"
    orders_tiktok = "orders:tiktok"
    orders_generic = "orders:generic"
    tracking_17track = "tracking:17track"
    tracking_aftership = "tracking:aftership"
    tracking_generic = "tracking:generic"
    inbox_contact_form = "inbox:contact_form"

    @property
    def domain(self) -> str:
        return self.value.split(":", 1)[0]

    @property
    def sender(self) -> str:
        return self.value.split(":", 1)[1]


# The senders that choose the secret themselves (it must be copied from their settings);
# for the generic kinds LinkStar generates one when none is given.
SENDER_SECRET = frozenset(
    {
        EndpointKind.orders_shopify,
        EndpointKind.orders_tiktok,
        EndpointKind.tracking_17track,
        EndpointKind.tracking_aftership,
    }
)
# Orders kinds post into one store; Shopify and TikTok endpoints need a store of that channel.
STORE_CHANNEL = {
    EndpointKind.orders_shopify: "shopify",
    EndpointKind.orders_tiktok: "tiktok_shop",
}


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: EndpointKind
    store_id: str | None = Field(
        default=None, min_length=1, max_length=32, description="Required for orders:* kinds."
    )
    secret: str | None = Field(
        default=None,
        min_length=8,
        max_length=200,
        description="The sender's signing secret (Shopify app secret, TikTok Shop app secret, "
        "17TRACK security key, AfterShip webhook secret). Generated for *:generic when omitted. "
        "Stored encrypted, returned only by this call.",
    )
    app_key: str | None = Field(
        default=None, min_length=1, max_length=120, description="TikTok Shop app key."
    )


class WebhookEndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: EndpointKind
    store_id: str | None
    url_path: str = Field(description="POST deliveries here (relative to the server's origin).")
    secret_hint: str
    app_key: str
    is_active: bool
    last_received_at: datetime | None
    created_at: datetime


class WebhookEndpointCreated(WebhookEndpointRead):
    secret: str = Field(description="The signing secret; shown once, never again.")
