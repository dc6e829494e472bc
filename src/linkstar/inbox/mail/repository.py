"""Queries over mail accounts, cursors and suppressions; scoped, except the token look-up."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.inbox.mail.models import MailAccount, MailboxCursor, Suppression, UnsubscribeToken


class MailAccountRepository(Repository[MailAccount]):
    model = MailAccount


class MailboxCursorRepository(Repository[MailboxCursor]):
    model = MailboxCursor


class SuppressionRepository(Repository[Suppression]):
    model = Suppression

    def matching(self, address: str, channel: str) -> Suppression | None:
        """The suppression that blocks `address` on `channel` (its own or "all"), if any."""
        stmt = self.select().where(
            Suppression.address == address,
            or_(Suppression.channel == channel, Suppression.channel == "all"),
        )
        return self.session.scalars(stmt.limit(1)).first()

    def suppressed_among(self, addresses: list[str], channel: str) -> set[str]:
        """Which of `addresses` are suppressed on `channel`: one query for a whole batch."""
        if not addresses:
            return set()
        stmt = (
            select(Suppression.address)
            .where(Suppression.organisation_id == self.organisation_id)
            .where(Suppression.address.in_(addresses))
            .where(or_(Suppression.channel == channel, Suppression.channel == "all"))
        )
        return set(self.session.scalars(stmt))


class UnsubscribeTokenRepository(Repository[UnsubscribeToken]):
    model = UnsubscribeToken


def token_row(session: Session, token: str) -> UnsubscribeToken | None:
    """The unsubscribe token a public URL names, in any organisation.

    Unscoped on purpose, like the webhook look-up: the token is what finds the tenant.
    """
    stmt = select(UnsubscribeToken).where(UnsubscribeToken.token == token)
    return session.scalars(stmt).first()
