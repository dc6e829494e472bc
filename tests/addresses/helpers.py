"""Addresses shared by the service, API and console tests (invented people at real places)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linkstar.addresses.models import AddressPolicyVersion, AddressReview
from linkstar.db.outbox import OutboxJob
from linkstar.workspace.models import AuditEntry

# needs_review: 78701 is Austin, not Dallas (suggestions: city AUSTIN, Dallas ZIPs).
DALLAS_78701: dict[str, str] = {
    "id": "order-1001",
    "name": "Ann Lee",
    "line1": "1 Main St",
    "city": "Dallas",
    "state": "TX",
    "postcode": "78701",
    "country": "US",
}
# valid
CONGRESS_AVE: dict[str, str] = {
    "id": "order-1002",
    "name": "Bo Chen",
    "line1": "200 Congress Avenue",
    "city": "Austin",
    "state": "TX",
    "postcode": "78701",
    "country": "US",
}
# corrected: the city typo is fixed
NEW_YROK: dict[str, str] = {
    "id": "order-1003",
    "name": "Cy Diaz",
    "line1": "915 W. 42nd St.",
    "city": "New Yrok",
    "state": "NY",
    "postcode": "10036",
    "country": "US",
}
# invalid: the letter O in the ZIP
BAD_ZIP: dict[str, str] = {**CONGRESS_AVE, "id": "order-1004", "postcode": "787O1"}
# valid by default, invalid when the policy blocks military addresses
APO: dict[str, str] = {
    "id": "order-1005",
    "name": "Sgt Dee Eve",
    "line1": "Unit 2050 Box 4190",
    "city": "APO",
    "state": "AP",
    "postcode": "96278",
    "country": "US",
}


def counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Rows of the tables an address action may write."""
    with sessions() as s:
        return {
            m.__name__: int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (AddressPolicyVersion, AddressReview, AuditEntry, OutboxJob)
        }


def jobs(sessions: sessionmaker[Session], name: str) -> list[dict[str, Any]]:
    """Payloads of the outbox jobs called `name`, oldest first."""
    with sessions() as s:
        stmt = select(OutboxJob).where(OutboxJob.name == name).order_by(OutboxJob.created_at)
        return [dict(j.payload) for j in s.scalars(stmt)]
