"""Every query of the workspace domain; tenant-scoped through the repository base."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from linkstar.db.repository import Repository
from linkstar.workspace.models import (
    ApiKey,
    AuditEntry,
    IdempotencyRecord,
    LoginAttempt,
    Organisation,
    Store,
    User,
    UserSession,
    Warehouse,
)


class UserRepository(Repository[User]):
    model = User


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey


class StoreRepository(Repository[Store]):
    model = Store


class WarehouseRepository(Repository[Warehouse]):
    model = Warehouse


class SessionRepository(Repository[UserSession]):
    model = UserSession


class IdempotencyRepository(Repository[IdempotencyRecord]):
    model = IdempotencyRecord


class AuditRepository(Repository[AuditEntry]):
    model = AuditEntry
    order_column = "at"

    def recent(self, limit: int, entity_type: str | None = None) -> list[AuditEntry]:
        stmt = self.select()
        if entity_type:
            stmt = stmt.where(AuditEntry.entity_type == entity_type)
        return list(self.session.scalars(stmt.order_by(AuditEntry.at.desc()).limit(limit)))

    def entity_types(self) -> list[str]:
        """The kinds of entity this organisation's log mentions, for filtering."""
        stmt = (
            select(AuditEntry.entity_type)
            .where(AuditEntry.organisation_id == self.organisation_id)
            .distinct()
            .order_by(AuditEntry.entity_type)
        )
        return [str(t) for t in self.session.scalars(stmt)]

    def daily_counts(self, since: datetime) -> list[tuple[str, int]]:
        day = func.date(AuditEntry.at)
        stmt = (
            select(day, func.count())
            .where(AuditEntry.organisation_id == self.organisation_id, AuditEntry.at >= since)
            .group_by(day)
            .order_by(day)
        )
        return [(str(d), int(n)) for d, n in self.session.execute(stmt)]


# Look-ups that find the tenant in the first place (sign-in, API key, session cookie).
# They are the only unscoped reads of tenant tables, and each returns at most one row.


def organisation(session: Session, organisation_id: str) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).first()


def active_user_ids(session: Session, organisation_id: str, ids: list[str]) -> set[str]:
    """Those of `ids` that are active users of the organisation (to vet an owner or assignee)."""
    if not ids:
        return set()
    stmt = select(User.id).where(
        User.organisation_id == organisation_id, User.id.in_(ids), User.is_active.is_(True)
    )
    return set(session.scalars(stmt))


def warehouse_codes(session: Session, organisation_id: str) -> dict[str, str]:
    """Each warehouse id of the organisation with its code (to name a lane's origin)."""
    stmt = select(Warehouse.id, Warehouse.code).where(Warehouse.organisation_id == organisation_id)
    return {id_: code for id_, code in session.execute(stmt)}


def active_users(roster: dict[str, tuple[str, bool]]) -> list[tuple[str, str]]:
    """The active users of a `user_roster` as (id, name), by name: whom a page offers as an
    owner or assignee."""
    found = ((id_, name) for id_, (name, active) in roster.items() if active)
    return sorted(found, key=lambda item: item[1].lower())


def user_roster(session: Session, organisation_id: str) -> dict[str, tuple[str, bool]]:
    """Each user id of the organisation with the name to show (the e-mail when it has none)
    and whether the user is active, in one query."""
    stmt = select(User.id, User.full_name, User.email, User.is_active).where(
        User.organisation_id == organisation_id
    )
    return {id_: (name or email, active) for id_, name, email, active in session.execute(stmt)}


def user_for_login(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.lower())).first()


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()


def session_by_token_hash(session: Session, token_hash: str) -> UserSession | None:
    return session.scalars(select(UserSession).where(UserSession.token_hash == token_hash)).first()


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(func.count()).where(User.email == email.lower())) != 0


def recent_login_failures(session: Session, email: str, ip: str, since: datetime) -> int:
    """Failures for this e-mail, or from this address, since `since`."""
    stmt = select(func.count()).where(
        LoginAttempt.success.is_(False),
        LoginAttempt.at >= since,
        (LoginAttempt.email == email.lower()) | ((LoginAttempt.ip == ip) & (LoginAttempt.ip != "")),
    )
    return int(session.scalar(stmt) or 0)


def purge_login_attempts(session: Session, before: datetime) -> int:
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_expired_sessions(session: Session, now: datetime) -> int:
    result = session.execute(delete(UserSession).where(UserSession.expires_at < now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_idempotency_records(session: Session, before: datetime) -> int:
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_audit_entries(session: Session, organisation_id: str, before: datetime) -> int:
    result = session.execute(
        delete(AuditEntry).where(
            AuditEntry.organisation_id == organisation_id, AuditEntry.at < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def all_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.created_at)))


def organisation_ids(session: Session, only: str | None = None) -> list[str]:
    """`[only]` when a job names its organisation, else every organisation's id (a scheduled
    run over all workspaces), oldest first."""
    if only:
        return [only]
    return list(session.scalars(select(Organisation.id).order_by(Organisation.created_at)))
