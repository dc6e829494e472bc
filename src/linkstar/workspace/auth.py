"""Sign-in, console sessions and API-key authentication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from linkstar.kit.clock import as_utc, utcnow
from linkstar.kit.errors import Throttled, Unauthenticated
from linkstar.kit.ids import constant_time_equal, new_token, sha256_hex
from linkstar.workspace import repository as repo
from linkstar.workspace.core import (
    Permission,
    Principal,
    Role,
    api_key_principal,
    is_locked_out,
    user_principal,
)
from linkstar.workspace.models import LoginAttempt, User, UserSession

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps response times alike.
_DUMMY_HASH = _hasher.hash("linkstar-timing-equaliser")
API_KEY_PREFIX = "lsk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored argon2 hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str  # the cookie value; only its hash is stored
    session: UserSession


def login(
    session: Session,
    email: str,
    password: str,
    *,
    ip: str,
    user_agent: str,
    max_failures: int,
    window_seconds: int,
    session_max_age_seconds: int,
) -> LoginResult:
    """Check the credentials under throttling and open a console session."""
    email = email.strip().lower()
    now = utcnow()
    failures = repo.recent_login_failures(
        session, email, ip, now - timedelta(seconds=window_seconds)
    )
    if is_locked_out(failures, max_failures):
        raise Throttled(
            "too many failed sign-in attempts; try again later", retry_after=window_seconds
        )
    user = repo.user_for_login(session, email)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.is_active:
        session.add(LoginAttempt(email=email, ip=ip, success=False, at=now))
        rejected = Unauthenticated("wrong e-mail or password")
        rejected.keep_changes = True  # the failed attempt must count towards throttling
        raise rejected
    session.add(LoginAttempt(email=email, ip=ip, success=True, at=now))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    token = new_token()
    user_session = UserSession(
        organisation_id=user.organisation_id,
        token_hash=sha256_hex(token),
        user_id=user.id,
        csrf_token=new_token(24),
        created_at=now,
        expires_at=now + timedelta(seconds=session_max_age_seconds),
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    session.add(user_session)
    session.flush()
    return LoginResult(user, token, user_session)


def logout(session: Session, token: str) -> None:
    """Delete the console session behind a cookie value (unknown tokens are ignored)."""
    row = repo.session_by_token_hash(session, sha256_hex(token))
    if row is not None:
        session.delete(row)
        session.flush()


@dataclass(frozen=True)
class SessionPrincipal:
    principal: Principal
    csrf_token: str
    user: User


def principal_from_session(session: Session, token: str) -> SessionPrincipal:
    """Resolve a session cookie to its principal; expired or unknown cookies are refused."""
    row = repo.session_by_token_hash(session, sha256_hex(token))
    if row is None or as_utc(row.expires_at) <= utcnow():
        raise Unauthenticated("session expired; sign in again")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.organisation_id != row.organisation_id:
        raise Unauthenticated("session expired; sign in again")
    principal = user_principal(user.organisation_id, user.id, user.email, Role(user.role))
    return SessionPrincipal(principal, row.csrf_token, user)


def principal_from_api_key(session: Session, presented: str) -> Principal:
    """Resolve a presented API key (`lsk_<prefix>_<secret>`) and note when it was last used."""
    parts = presented.strip().split("_")
    if len(parts) != 3 or f"{parts[0]}_" != API_KEY_PREFIX:
        raise Unauthenticated("malformed API key")
    key = repo.api_key_by_prefix(session, parts[1])
    now = utcnow()
    if key is None or not constant_time_equal(key.key_hash, sha256_hex(presented.strip())):
        raise Unauthenticated("unknown API key")
    if key.revoked_at is not None:
        raise Unauthenticated("API key revoked")
    if key.expires_at is not None and as_utc(key.expires_at) <= now:
        raise Unauthenticated("API key expired")
    if key.last_used_at is None or now - as_utc(key.last_used_at) >= LAST_USED_RESOLUTION:
        key.last_used_at = now
    scopes = frozenset(Permission(s) for s in key.scopes if s in Permission._value2member_map_)
    return api_key_principal(key.organisation_id, key.id, key.name, scopes)


def new_api_key_secret() -> tuple[str, str]:
    """A fresh API key and its public prefix: `lsk_<prefix>_<secret>`."""
    prefix = new_token(6).replace("_", "x").replace("-", "y")[:8]
    secret = new_token(32).replace("_", "x")
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secret}"
