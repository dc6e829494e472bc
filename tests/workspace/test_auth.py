from datetime import timedelta

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Throttled, Unauthenticated
from linkstar.workspace import access
from linkstar.workspace.auth import (
    hash_password,
    login,
    logout,
    principal_from_api_key,
    principal_from_session,
    verify_password,
)
from linkstar.workspace.core import ActorType, Permission, Role
from linkstar.workspace.models import ApiKey, LoginAttempt, UserSession
from linkstar.workspace.schemas import ApiKeyCreate, UserUpdate

LIMITS = {"max_failures": 3, "window_seconds": 900, "session_max_age_seconds": 3600}


def _login(sessions, email, password, ip="10.0.0.1"):
    with unit_of_work(sessions) as s:
        return login(s, email, password, ip=ip, user_agent="pytest", **LIMITS)


def _count(sessions, model, *where):
    with unit_of_work(sessions) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_password_hash_is_argon2id_and_verifies():
    hashed = hash_password("Correct-Horse-42")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "Correct-Horse-42")
    assert not verify_password(hashed, "correct-horse-42")
    assert not verify_password("not-a-hash", "x")


def test_login_opens_a_session_storing_only_the_token_hash(sessions, tenant):
    result = _login(sessions, tenant.owner.email.upper(), tenant.password)
    assert result.user.id == tenant.owner.id
    with unit_of_work(sessions) as s:
        row = s.scalars(select(UserSession)).one()
        assert row.token_hash != result.token and len(row.token_hash) == 64
        resolved = principal_from_session(s, result.token)
    assert resolved.principal.actor_id == tenant.owner.id
    assert resolved.principal.role is Role.owner
    assert resolved.csrf_token == row.csrf_token


def test_wrong_password_is_recorded_and_unknown_email_looks_the_same(sessions, tenant):
    with pytest.raises(Unauthenticated, match="wrong e-mail or password"):
        _login(sessions, tenant.owner.email, "nope-nope-nope")
    with pytest.raises(Unauthenticated, match="wrong e-mail or password"):
        _login(sessions, "ghost@nowhere.example", "nope-nope-nope")
    assert _count(sessions, LoginAttempt, LoginAttempt.success.is_(False)) == 2
    assert _count(sessions, UserSession) == 0


def test_throttling_locks_after_max_failures_even_with_the_right_password(sessions, tenant):
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            _login(sessions, tenant.owner.email, "wrong-password-1")
    with pytest.raises(Throttled) as info:
        _login(sessions, tenant.owner.email, tenant.password)
    assert info.value.retry_after == 900
    assert _count(sessions, UserSession) == 0
    # Another address and another e-mail are not locked out by these failures.
    with pytest.raises(Unauthenticated):
        _login(sessions, "other@x.example", "whatever-123", ip="10.0.0.2")


def test_throttling_by_address_across_emails(sessions, tenant):
    for n in range(3):
        with pytest.raises(Unauthenticated):
            _login(sessions, f"probe{n}@x.example", "wrong-password-1", ip="192.0.2.7")
    with pytest.raises(Throttled):
        _login(sessions, tenant.owner.email, tenant.password, ip="192.0.2.7")


def test_inactive_user_cannot_sign_in_and_loses_sessions(sessions, make_tenant, tenant):
    with unit_of_work(sessions) as s:
        user = access.create_user(
            s,
            tenant.principal,
            access.UserCreate(
                email="ops@acme.example", role=Role.operator, password="Another-Pass-9"
            ),
        )
    token = _login(sessions, "ops@acme.example", "Another-Pass-9").token
    with unit_of_work(sessions) as s:
        access.update_user(s, tenant.principal, user.id, UserUpdate(is_active=False))
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated):
        principal_from_session(s, token)
    with pytest.raises(Unauthenticated):
        _login(sessions, "ops@acme.example", "Another-Pass-9")


def test_logout_and_expiry(sessions, tenant):
    result = _login(sessions, tenant.owner.email, tenant.password)
    with unit_of_work(sessions) as s:
        logout(s, result.token)
        logout(s, "unknown-token")
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated):
        principal_from_session(s, result.token)
    again = _login(sessions, tenant.owner.email, tenant.password)
    with unit_of_work(sessions) as s:
        s.scalars(select(UserSession)).one().expires_at = utcnow() - timedelta(seconds=1)
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated, match="expired"):
        principal_from_session(s, again.token)


def _key(sessions, tenant, scopes, expires_at=None):
    with unit_of_work(sessions) as s:
        return access.create_api_key(
            s, tenant.principal, ApiKeyCreate(name="ci", scopes=scopes, expires_at=expires_at)
        )


def test_api_key_is_stored_hashed_scoped_and_tracks_last_use(sessions, tenant):
    key, secret = _key(sessions, tenant, [Permission.orders_read])
    assert secret.startswith(f"lsk_{key.prefix}_")
    with unit_of_work(sessions) as s:
        stored = s.get(ApiKey, key.id)
        assert stored.key_hash != secret and secret not in str(stored.scopes)
        assert stored.last_used_at is None
        principal = principal_from_api_key(s, secret)
    assert principal.actor_type is ActorType.api_key
    assert principal.permissions == frozenset({Permission.orders_read})
    with unit_of_work(sessions) as s:
        assert s.get(ApiKey, key.id).last_used_at is not None


@pytest.mark.parametrize("presented", ["", "lsk_", "abc", "lsk_nope_nope", "xyz_a_b", "lsk_a_b_c"])
def test_malformed_or_unknown_keys(sessions, tenant, presented):
    _key(sessions, tenant, [Permission.orders_read])
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated):
        principal_from_api_key(s, presented)


def test_wrong_secret_with_a_real_prefix_is_refused(sessions, tenant):
    _key_row, secret = _key(sessions, tenant, [Permission.orders_read])
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated, match="unknown"):
        principal_from_api_key(s, secret[:-2] + "zz")


def test_revoked_and_expired_keys_are_refused(sessions, tenant):
    key, secret = _key(sessions, tenant, [Permission.orders_read])
    with unit_of_work(sessions) as s:
        access.revoke_api_key(s, tenant.principal, key.id)
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated, match="revoked"):
        principal_from_api_key(s, secret)
    key2, secret2 = _key(sessions, tenant, [Permission.orders_read], utcnow() + timedelta(hours=1))
    with unit_of_work(sessions) as s:
        s.get(ApiKey, key2.id).expires_at = utcnow() - timedelta(seconds=1)
    with unit_of_work(sessions) as s, pytest.raises(Unauthenticated, match="expired"):
        principal_from_api_key(s, secret2)
