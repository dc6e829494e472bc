"""The webhook_endpoints table: one public URL token per (organisation, kind[, store])."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin


class WebhookEndpoint(IdMixin, TimestampMixin, OrgScoped, Base):
    """Where one sender posts: the token is the address, the sealed secret proves the sender."""

    __tablename__ = "webhook_endpoints"

    kind: Mapped[str] = mapped_column(String(24))
    store_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    secret_hint: Mapped[str] = mapped_column(String(20), default="")
    app_key: Mapped[str] = mapped_column(String(120), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_received_at: Mapped[datetime | None]
