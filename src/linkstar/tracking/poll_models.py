"""Tables of carrier polling: the workspace's carrier API accounts and each parcel's poll state.

Kept apart from `models.py` (and from `shipments`, which is hot and widely indexed): the poll
state is a narrow table keyed by the shipment, written only by the polling job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin


class CarrierAccount(IdMixin, TimestampMixin, OrgScoped, Base):
    """A workspace's credentials for one carrier's tracking API, and that API's poll state."""

    __tablename__ = "tracking_carrier_accounts"
    __table_args__ = (UniqueConstraint("organisation_id", "carrier"),)

    carrier: Mapped[str] = mapped_column(String(20))  # usps | ups | fedex | dhl
    name: Mapped[str] = mapped_column(String(120))
    credentials_encrypted: Mapped[str] = mapped_column(Text)  # kit.crypto.SecretBox
    credentials_hint: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    environment: Mapped[str] = mapped_column(  # production | sandbox: which base URLs
        String(10), default="production", server_default="production"
    )
    bucket: Mapped[dict[str, Any] | None]  # {"tokens": float, "at": ISO time}
    last_run_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    polling_until: Mapped[datetime | None]  # claimed by a running poll until then


class PollState(OrgScoped, Base):
    """When the poller last asked a carrier about one shipment, and when it is next due."""

    __tablename__ = "tracking_poll_state"

    # The shipment's own id (named `id` like every organisation's table, so the generic
    # tooling - tenant snapshots, repositories - needs no exception for this one).
    id: Mapped[str] = mapped_column(
        String(32), ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True
    )
    last_polled_at: Mapped[datetime]
    next_poll_at: Mapped[datetime | None]
    last_outcome: Mapped[str] = mapped_column(String(20))  # updated | not_found | failed
