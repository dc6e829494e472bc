"""Every query of addresses; tenant-scoped through the repository base."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from linkstar.addresses.models import AddressPolicyVersion, AddressReview
from linkstar.db.repository import Repository


class PolicyRepository(Repository[AddressPolicyVersion]):
    model = AddressPolicyVersion

    def current(self) -> AddressPolicyVersion | None:
        """The newest policy version, or None while the workspace uses the default."""
        stmt = self.select().order_by(AddressPolicyVersion.version.desc()).limit(1)
        return self.session.scalars(stmt).first()

    def next_version(self) -> int:
        """The version number the next policy gets."""
        stmt = select(func.max(AddressPolicyVersion.version)).where(
            AddressPolicyVersion.organisation_id == self.organisation_id
        )
        return int(self.session.scalar(stmt) or 0) + 1


class ReviewRepository(Repository[AddressReview]):
    model = AddressReview

    def by_subjects(self, subject_type: str, refs: Iterable[str]) -> dict[str, AddressReview]:
        """The reviews of these subjects of one type, by subject reference (one query)."""
        wanted = sorted(set(refs))
        if not wanted:
            return {}
        stmt = self.select().where(
            AddressReview.subject_type == subject_type, AddressReview.subject_ref.in_(wanted)
        )
        return {row.subject_ref: row for row in self.session.scalars(stmt)}
