"""Tables of addresses: the workspace's checking policy (versioned) and the review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from linkstar.db.base import Base, IdMixin, OrgScoped, TimestampMixin
from linkstar.kit.clock import utcnow


class AddressPolicyVersion(IdMixin, TimestampMixin, OrgScoped, Base):
    """One version of an organisation's address policy (the JSON shape of core `Policy`).

    Never changed once written: setting a policy adds the next version, the newest is current.
    """

    __tablename__ = "address_policies"
    __table_args__ = (UniqueConstraint("organisation_id", "version"),)

    version: Mapped[int]
    policy: Mapped[dict[str, Any]]
    set_by: Mapped[str] = mapped_column(String(254))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class AddressReview(IdMixin, TimestampMixin, OrgScoped, Base):
    """An address held for a human: what came in, what the checker made of it, the decision.

    One row per subject (an order, an API caller's id): a re-check updates it.
    """

    __tablename__ = "address_reviews"
    __table_args__ = (
        UniqueConstraint("organisation_id", "subject_type", "subject_ref"),
        Index("ix_address_reviews_org_state", "organisation_id", "state", "created_at"),
    )

    subject_type: Mapped[str] = mapped_column(String(20))
    subject_ref: Mapped[str] = mapped_column(String(200))
    original: Mapped[dict[str, Any]]
    normalised: Mapped[dict[str, Any]]
    verdict: Mapped[str] = mapped_column(String(16))
    flags: Mapped[list[Any]]
    reasons: Mapped[list[Any]]
    suggestions: Mapped[list[Any]]
    differences: Mapped[list[Any]]
    state: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    final_address: Mapped[dict[str, Any] | None]
