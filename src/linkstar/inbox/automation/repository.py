"""Queries of inbox automation, each scoped by organisation (repository base)."""

from __future__ import annotations

from sqlalchemy import func, select

from linkstar.db.repository import Repository
from linkstar.inbox.automation.models import (
    ABOutcomeRow,
    ABTestRow,
    ABVariantRow,
    InboxRuleRow,
    InboxRuleRunRow,
    InboxRuleVersionRow,
)


class InboxRuleRepository(Repository[InboxRuleRow]):
    model = InboxRuleRow
    order_column = "position"

    def ordered(self) -> list[InboxRuleRow]:
        """Every rule in evaluation order."""
        stmt = self.select().order_by(InboxRuleRow.position, InboxRuleRow.id)
        return list(self.session.scalars(stmt))

    def next_position(self) -> int:
        stmt = select(func.max(InboxRuleRow.position)).where(
            InboxRuleRow.organisation_id == self.organisation_id
        )
        return int(self.session.scalar(stmt) or 0) + 1


class InboxRuleVersionRepository(Repository[InboxRuleVersionRow]):
    model = InboxRuleVersionRow
    order_column = "version"

    def of_rule(self, rule_id: str) -> list[InboxRuleVersionRow]:
        stmt = self.select().where(InboxRuleVersionRow.rule_id == rule_id)
        return list(self.session.scalars(stmt.order_by(InboxRuleVersionRow.version)))


class InboxRuleRunRepository(Repository[InboxRuleRunRow]):
    model = InboxRuleRunRow
    order_column = "at"

    def fired_keys(self, subject_id: str, event_id: str) -> set[tuple[str, str, str]]:
        """(rule, subject, event) keys already run, so a rule fires once per event."""
        stmt = (
            select(InboxRuleRunRow.rule_id)
            .where(InboxRuleRunRow.organisation_id == self.organisation_id)
            .where(InboxRuleRunRow.subject_id == subject_id, InboxRuleRunRow.event_id == event_id)
        )
        return {(r, subject_id, event_id) for r in self.session.scalars(stmt)}


class ABTestRepository(Repository[ABTestRow]):
    model = ABTestRow


class ABVariantRepository(Repository[ABVariantRow]):
    model = ABVariantRow
    order_column = "position"

    def of_test(self, test_id: str) -> list[ABVariantRow]:
        stmt = self.select().where(ABVariantRow.test_id == test_id)
        return list(self.session.scalars(stmt.order_by(ABVariantRow.position)))


class ABOutcomeRepository(Repository[ABOutcomeRow]):
    model = ABOutcomeRow

    def of_test(self, test_id: str) -> list[ABOutcomeRow]:
        stmt = self.select().where(ABOutcomeRow.test_id == test_id)
        return list(self.session.scalars(stmt.order_by(ABOutcomeRow.assigned_at)))

    def of_subject(self, test_id: str, subject_id: str) -> ABOutcomeRow | None:
        stmt = self.select().where(
            ABOutcomeRow.test_id == test_id, ABOutcomeRow.subject_id == subject_id
        )
        return self.session.scalars(stmt).first()
