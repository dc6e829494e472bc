"""Roles, permissions and the acting principal: pure decisions about who may do what."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum

from linkstar.kit.errors import InvalidInput, PermissionDenied


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    operator = "operator"
    agent = "agent"
    viewer = "viewer"


ROLE_RANK = {Role.viewer: 0, Role.agent: 1, Role.operator: 2, Role.admin: 3, Role.owner: 4}


class Permission(StrEnum):
    workspace_read = "workspace:read"
    workspace_manage = "workspace:manage"
    users_manage = "users:manage"
    apikeys_manage = "apikeys:manage"
    audit_read = "audit:read"
    jobs_read = "jobs:read"
    jobs_manage = "jobs:manage"
    orders_read = "orders:read"
    orders_write = "orders:write"
    inventory_read = "inventory:read"
    inventory_write = "inventory:write"
    routing_read = "routing:read"
    routing_manage = "routing:manage"
    shipments_read = "shipments:read"
    shipments_write = "shipments:write"
    tracking_read = "tracking:read"
    tracking_write = "tracking:write"
    returns_read = "returns:read"
    returns_write = "returns:write"
    inbox_read = "inbox:read"
    inbox_reply = "inbox:reply"
    inbox_manage = "inbox:manage"
    inbox_approve = "inbox:approve"
    reports_read = "reports:read"


P = Permission
_READ_ALL = frozenset(p for p in Permission if p.value.endswith(":read"))
_OPERATE = frozenset(
    {P.orders_write, P.inventory_write, P.shipments_write, P.tracking_write, P.returns_write}
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.owner: frozenset(Permission),
    Role.admin: frozenset(Permission),
    Role.operator: _READ_ALL - {P.audit_read} | _OPERATE | {P.inbox_reply, P.jobs_manage},
    Role.agent: frozenset(
        {
            P.workspace_read,
            P.orders_read,
            P.shipments_read,
            P.tracking_read,
            P.returns_read,
            P.returns_write,
            P.inbox_read,
            P.inbox_reply,
        }
    ),
    Role.viewer: _READ_ALL - {P.audit_read, P.jobs_read},
}


class ActorType(StrEnum):
    user = "user"
    api_key = "api_key"
    system = "system"


@dataclass(frozen=True)
class Principal:
    """Who is acting, in which organisation, with which permissions."""

    organisation_id: str
    actor_type: ActorType
    actor_id: str
    label: str
    role: Role | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise PermissionDenied unless this principal holds `permission`."""
        if permission not in self.permissions:
            raise PermissionDenied(
                f"{self.label} lacks the {permission.value} permission",
                {"permission": permission.value},
            )


def system_principal(organisation_id: str, label: str = "system") -> Principal:
    """The principal of jobs and commands acting on behalf of the platform."""
    return Principal(
        organisation_id, ActorType.system, "system", label, None, frozenset(Permission)
    )


def user_principal(organisation_id: str, user_id: str, email: str, role: Role) -> Principal:
    return Principal(organisation_id, ActorType.user, user_id, email, role, ROLE_PERMISSIONS[role])


def api_key_principal(
    organisation_id: str, key_id: str, name: str, scopes: frozenset[Permission]
) -> Principal:
    return Principal(organisation_id, ActorType.api_key, key_id, f"API key {name}", None, scopes)


def check_role_grant(actor: Principal, role: Role) -> None:
    """Nobody grants a role above their own; only owners grant owner."""
    if actor.actor_type is ActorType.system:
        return
    actor_rank = ROLE_RANK[actor.role] if actor.role else ROLE_RANK[Role.admin]
    if ROLE_RANK[role] > actor_rank or (role is Role.owner and actor.role is not Role.owner):
        raise PermissionDenied(f"{actor.label} cannot grant the {role.value} role")


def check_api_key_scopes(actor: Principal, scopes: frozenset[Permission]) -> None:
    """An API key can carry only permissions its creator holds."""
    missing = sorted(p.value for p in scopes - actor.permissions)
    if missing:
        raise PermissionDenied("cannot grant scopes you do not hold", {"scopes": missing})


_PASSWORD_MIN = 10


def check_password_strength(password: str, email: str = "") -> None:
    """Refuse short or obviously guessable passwords."""
    if len(password) < _PASSWORD_MIN:
        raise InvalidInput(f"password must have at least {_PASSWORD_MIN} characters")
    lowered = password.lower()
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        raise InvalidInput("password must not contain the e-mail name")
    if len(set(password)) < 5:
        raise InvalidInput("password must use at least 5 different characters")


def is_locked_out(recent_failures: int, max_failures: int) -> bool:
    """Login throttling: too many failures inside the window locks the e-mail/IP pair."""
    return recent_failures >= max_failures


class Channel(StrEnum):
    amazon = "amazon"
    shopify = "shopify"
    tiktok_shop = "tiktok_shop"
    ebay = "ebay"
    walmart = "walmart"
    other = "other"


class WarehouseKind(StrEnum):
    own = "own"
    third_party = "3pl"
    fba = "fba"


_SLUG_RE = re.compile(r"[^a-z0-9]+")
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,19}$")


def slugify(name: str) -> str:
    """Lower-case, dash-separated identifier for URLs."""
    slug = _SLUG_RE.sub("-", name.lower()).strip("-")
    if not slug:
        raise InvalidInput("name must contain letters or digits")
    return slug[:60]


def check_warehouse_code(code: str) -> str:
    """Warehouse codes are 2-20 upper-case letters, digits, dashes or underscores."""
    normalised = code.strip().upper()
    if not _CODE_RE.match(normalised):
        raise InvalidInput(
            "warehouse code must be 2-20 characters of A-Z, 0-9, - or _", {"code": code}
        )
    return normalised


def parse_cutoff(value: str) -> time:
    """Parse a daily cut-off 'HH:MM' in the warehouse's local time."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise InvalidInput("cut-off must be HH:MM (24-hour)", {"cutoff": value}) from exc
