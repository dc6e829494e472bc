"""Request and response models of the workspace domain."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from linkstar.kit.countries import country_code, currency_code
from linkstar.kit.errors import InvalidInput
from linkstar.workspace.core import Channel, Permission, Role, WarehouseKind

_TIMEZONES = frozenset(available_timezones())


def _timezone(value: str) -> str:
    if value not in _TIMEZONES:
        raise ValueError(f"unknown IANA timezone {value!r}")
    return value


def _currency(value: str) -> str:
    try:
        return currency_code(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def _country(value: str) -> str:
    try:
        return country_code(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def _local_time(value: time) -> time:
    # A cut-off is a wall-clock time in the warehouse's own timezone; an offset would be ambiguous.
    if value.tzinfo is not None:
        raise ValueError("cut-off time is local to the warehouse: give it without a UTC offset")
    return value


Timezone = Annotated[str, AfterValidator(_timezone)]
LocalTime = Annotated[time, AfterValidator(_local_time)]
# Channel secrets: a handful of named values, bounded so one request cannot store megabytes.
Credentials = Annotated[
    dict[
        Annotated[str, Field(min_length=1, max_length=100)], Annotated[str, Field(max_length=4000)]
    ],
    Field(max_length=20),
]
Currency = Annotated[str, AfterValidator(_currency)]
Country = Annotated[str, AfterValidator(_country)]


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OrganisationRead(ReadModel):
    id: str
    name: str
    slug: str
    timezone: str
    base_currency: str
    audit_retention_days: int
    created_at: datetime


class OrganisationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: Timezone | None = None
    base_currency: Currency | None = None
    audit_retention_days: int | None = Field(default=None, ge=90, le=3650)


class StoreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    channel: Channel
    region: str = Field(min_length=2, max_length=20)
    currency: Currency
    external_id: str = Field(default="", max_length=200)
    credentials: Credentials | None = Field(
        default=None, description="Channel API secrets; stored encrypted, never returned."
    )


class StoreUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    region: str | None = Field(default=None, min_length=2, max_length=20)
    currency: Currency | None = None
    external_id: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None
    credentials: Credentials | None = None


class StoreRead(ReadModel):
    id: str
    name: str
    channel: Channel
    region: str
    currency: Currency
    external_id: str
    is_active: bool
    has_credentials: bool
    credentials_hint: str
    created_at: datetime


class WarehouseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=2, max_length=20)
    name: str = Field(min_length=1, max_length=120)
    kind: WarehouseKind
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(min_length=1, max_length=120)
    state: str = Field(default="", max_length=60)
    postcode: str = Field(min_length=1, max_length=20)
    country: Country
    timezone: Timezone
    cutoff_time: LocalTime = time(15, 0)


class WarehouseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: WarehouseKind | None = None
    line1: str | None = Field(default=None, min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, min_length=1, max_length=120)
    state: str | None = Field(default=None, max_length=60)
    postcode: str | None = Field(default=None, min_length=1, max_length=20)
    country: Country | None = None
    timezone: Timezone | None = None
    cutoff_time: LocalTime | None = None
    is_active: bool | None = None


class WarehouseRead(ReadModel):
    id: str
    code: str
    name: str
    kind: WarehouseKind
    line1: str
    line2: str
    city: str
    state: str
    postcode: str
    country: str
    timezone: str
    cutoff_time: time
    is_active: bool
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    full_name: str = Field(default="", max_length=200)
    role: Role
    password: str = Field(min_length=1, max_length=200)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=1, max_length=200)


class UserRead(ReadModel):
    id: str
    email: str
    full_name: str
    role: Role
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    scopes: list[Permission] = Field(min_length=1)
    expires_at: datetime | None = None


class ApiKeyRead(ReadModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret, shown once; only its hash is stored.")


class AuditRead(ReadModel):
    id: str
    at: datetime
    actor_type: str
    actor_label: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
