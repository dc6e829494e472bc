"""Use cases for organisations' people and machines: bootstrap, users and API keys."""

from __future__ import annotations

from sqlalchemy.orm import Session

from linkstar.kit.clock import as_utc, utcnow
from linkstar.kit.errors import Conflict, InvalidInput, NotFound
from linkstar.kit.ids import sha256_hex
from linkstar.kit.pagination import Page
from linkstar.workspace import audit
from linkstar.workspace import repository as repo
from linkstar.workspace.auth import hash_password, new_api_key_secret
from linkstar.workspace.core import (
    Permission,
    Principal,
    Role,
    check_api_key_scopes,
    check_password_strength,
    check_role_grant,
    slugify,
    system_principal,
)
from linkstar.workspace.models import ApiKey, Organisation, User
from linkstar.workspace.schemas import ApiKeyCreate, UserCreate, UserUpdate


def create_organisation(
    session: Session,
    name: str,
    owner_email: str,
    owner_password: str,
    *,
    owner_name: str = "",
    timezone: str = "UTC",
    base_currency: str = "USD",
) -> tuple[Organisation, User]:
    """Open a new workspace with its first owner (a platform-level action)."""
    slug = slugify(name)
    if repo.organisation_by_slug(session, slug) is not None:
        raise Conflict(f"an organisation named {name!r} already exists")
    org = Organisation(name=name, slug=slug, timezone=timezone, base_currency=base_currency)
    session.add(org)
    session.flush()
    actor = system_principal(org.id, "setup")
    owner = create_user(
        session,
        actor,
        UserCreate(
            email=owner_email, full_name=owner_name, role=Role.owner, password=owner_password
        ),
    )
    audit.record(session, actor, "organisation.create", org, after=audit.snapshot(org))
    return org, owner


def list_users(session: Session, actor: Principal) -> list[User]:
    actor.require(Permission.workspace_read)
    return repo.UserRepository(session, actor.organisation_id).list()


def users_page(session: Session, actor: Principal, limit: int, cursor: str | None) -> Page[User]:
    """A page of the organisation's users, oldest first from the cursor."""
    actor.require(Permission.workspace_read)
    return repo.UserRepository(session, actor.organisation_id).page(limit, cursor)


def whoami(session: Session, actor: Principal) -> Organisation:
    """The organisation the actor acts in; every principal may know its own."""
    org = repo.organisation(session, actor.organisation_id)
    if org is None:
        raise NotFound("organisation not found")
    return org


def get_user(session: Session, actor: Principal, user_id: str) -> User:
    actor.require(Permission.workspace_read)
    return repo.UserRepository(session, actor.organisation_id).get(user_id)


def create_user(session: Session, actor: Principal, data: UserCreate) -> User:
    """Invite a user with a role no higher than the actor's own."""
    actor.require(Permission.users_manage)
    check_role_grant(actor, data.role)
    email = data.email.lower()
    check_password_strength(data.password, email)
    if repo.email_taken(session, email):
        raise Conflict(f"{email} already has an account", {"field": "email"})
    user = User(
        email=email,
        full_name=data.full_name,
        role=data.role.value,
        password_hash=hash_password(data.password),
    )
    repo.UserRepository(session, actor.organisation_id).add(user)
    audit.record(session, actor, "user.create", user, after=audit.snapshot(user))
    return user


def update_user(session: Session, actor: Principal, user_id: str, data: UserUpdate) -> User:
    """Change a user's name, role, activity or password."""
    actor.require(Permission.users_manage)
    users = repo.UserRepository(session, actor.organisation_id)
    user = users.get(user_id)
    before = audit.snapshot(user)
    check_role_grant(actor, Role(user.role))  # nobody edits someone above them
    if data.role is not None:
        check_role_grant(actor, data.role)
        if user.role == Role.owner and data.role is not Role.owner:
            _keep_an_owner(users, user)
        user.role = data.role.value
    if data.is_active is not None:
        if not data.is_active and user.role == Role.owner:
            _keep_an_owner(users, user)
        if not data.is_active and user.id == actor.actor_id:
            raise InvalidInput("you cannot deactivate yourself")
        user.is_active = data.is_active
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.password is not None:
        check_password_strength(data.password, user.email)
        user.password_hash = hash_password(data.password)
    session.flush()
    after = audit.snapshot(user)
    if data.password is not None:
        after["password"] = "changed"  # noqa: S105 - a marker, not a password
    audit.record(session, actor, "user.update", user, before=before, after=after)
    return user


def _keep_an_owner(users: repo.UserRepository, leaving: User) -> None:
    owners = [u for u in users.list(role=Role.owner.value, is_active=True) if u.id != leaving.id]
    if not owners:
        raise Conflict("an organisation must keep at least one active owner")


def list_api_keys(session: Session, actor: Principal) -> list[ApiKey]:
    actor.require(Permission.apikeys_manage)
    return repo.ApiKeyRepository(session, actor.organisation_id).list()


def api_keys_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[ApiKey]:
    """A page of the organisation's API keys (revoked ones included), oldest first."""
    actor.require(Permission.apikeys_manage)
    return repo.ApiKeyRepository(session, actor.organisation_id).page(limit, cursor)


def create_api_key(session: Session, actor: Principal, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    """Issue a key with scopes the actor holds; the secret is returned once and stored hashed."""
    actor.require(Permission.apikeys_manage)
    scopes = frozenset(data.scopes)
    check_api_key_scopes(actor, scopes)
    # A naive timestamp is read as UTC (comparing it with an aware one would raise).
    expires_at = as_utc(data.expires_at) if data.expires_at is not None else None
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("expires_at must be in the future", {"field": "expires_at"})
    prefix, secret = new_api_key_secret()
    key = ApiKey(
        name=data.name,
        prefix=prefix,
        key_hash=sha256_hex(secret),
        scopes=sorted(s.value for s in scopes),
        created_by=actor.actor_id,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    repo.ApiKeyRepository(session, actor.organisation_id).add(key)
    audit.record(session, actor, "api_key.create", key, after=audit.snapshot(key))
    return key, secret


def revoke_api_key(session: Session, actor: Principal, key_id: str) -> ApiKey:
    """Revoke a key at once; revoking twice keeps the first revocation time."""
    actor.require(Permission.apikeys_manage)
    key = repo.ApiKeyRepository(session, actor.organisation_id).get(key_id)
    if key.revoked_at is None:
        before = audit.snapshot(key)
        key.revoked_at = utcnow()
        session.flush()
        audit.record(
            session, actor, "api_key.revoke", key, before=before, after=audit.snapshot(key)
        )
    return key
