"""A workspace's carrier tracking API accounts (USPS, UPS, FedEx, DHL): add, list, change,
remove, and "poll now". Credentials are encrypted with the workspace SecretBox and never shown
in clear (a masked hint is kept beside them); every change leaves an audit entry without the
secrets. Never commits: the entry point does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from linkstar.db.outbox import OutboxJob, enqueue_unique
from linkstar.db.repository import Repository
from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.tracking.poll_models import CarrierAccount
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

# The secret fields each carrier's API needs (OAuth client credentials, or DHL's API key).
CREDENTIAL_FIELDS: Mapping[str, tuple[str, ...]] = {
    "usps": ("client_id", "client_secret"),
    "ups": ("client_id", "client_secret"),
    "fedex": ("client_id", "client_secret"),
    "dhl": ("api_key",),
}
POLL_JOB = "tracking.poll_carriers"
# Which of the carrier's base URLs the credentials belong to (`connectors.<carrier>.BASE_URL`
# or `SANDBOX_URL`).
ENVIRONMENTS = ("production", "sandbox")


class CarrierAccountRepository(Repository[CarrierAccount]):
    """One organisation's carrier accounts."""

    model = CarrierAccount


def check_credentials(carrier: str, credentials: Mapping[str, Any]) -> dict[str, str]:
    """The carrier's credential fields, each a non-empty string, and nothing else."""
    fields = CREDENTIAL_FIELDS.get(carrier)
    if fields is None:
        raise InvalidInput(
            f"carrier must be one of {', '.join(CREDENTIAL_FIELDS)}", {"field": "carrier"}
        )
    extra = sorted(set(credentials) - set(fields))
    if extra:
        raise InvalidInput(
            f"{carrier} takes only {', '.join(fields)}; unknown: {', '.join(extra)}",
            {"field": "credentials"},
        )
    clean: dict[str, str] = {}
    for name in fields:
        value = credentials.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"{carrier} needs {name}", {"field": f"credentials.{name}"})
        clean[name] = value.strip()
    return clean


def _check_name(name: str) -> str:
    clean = name.strip()
    if not 1 <= len(clean) <= 120:
        raise InvalidInput("name must have 1 to 120 characters", {"field": "name"})
    return clean


def _check_environment(environment: str) -> str:
    if environment not in ENVIRONMENTS:
        raise InvalidInput(
            f"environment must be one of {', '.join(ENVIRONMENTS)}", {"field": "environment"}
        )
    return environment


def _seal(row: CarrierAccount, credentials: dict[str, str], box: SecretBox) -> None:
    row.credentials_encrypted = box.seal(credentials)
    row.credentials_hint = ", ".join(f"{k}={mask(v)}" for k, v in sorted(credentials.items()))


def add_carrier_account(
    session: Session,
    actor: Principal,
    box: SecretBox,
    carrier: str,
    name: str,
    credentials: Mapping[str, Any],
    environment: str = "production",
) -> CarrierAccount:
    """Store a carrier API account (one per carrier per workspace), active."""
    actor.require(Permission.tracking_write)
    carrier = carrier.strip().lower()
    clean = check_credentials(carrier, credentials)
    accounts = CarrierAccountRepository(session, actor.organisation_id)
    if accounts.find(carrier=carrier) is not None:
        raise Conflict(f"this workspace already has a {carrier} account", {"field": "carrier"})
    row = CarrierAccount(
        organisation_id=actor.organisation_id,
        carrier=carrier,
        name=_check_name(name),
        active=True,
        environment=_check_environment(environment),
    )
    _seal(row, clean, box)
    session.add(row)
    session.flush()
    audit.record(session, actor, "tracking_carrier_account.create", row,
                 after=audit.snapshot(row))  # fmt: skip
    return row


def carrier_accounts(session: Session, actor: Principal) -> list[CarrierAccount]:
    """The workspace's carrier accounts, oldest first."""
    actor.require(Permission.tracking_read)
    return CarrierAccountRepository(session, actor.organisation_id).list()


def update_carrier_account(
    session: Session,
    actor: Principal,
    box: SecretBox,
    account_id: str,
    *,
    name: str | None = None,
    active: bool | None = None,
    credentials: Mapping[str, Any] | None = None,
    environment: str | None = None,
) -> CarrierAccount:
    """Rename, switch on or off, move to the other environment, or replace the credentials
    of an account."""
    actor.require(Permission.tracking_write)
    row = CarrierAccountRepository(session, actor.organisation_id).get(account_id)
    before = audit.snapshot(row)
    if name is not None:
        row.name = _check_name(name)
    if active is not None:
        row.active = active
    if environment is not None:
        row.environment = _check_environment(environment)
    if credentials is not None or environment is not None:
        row.last_error = None  # the old refusal no longer says anything
    if credentials is not None:
        _seal(row, check_credentials(row.carrier, credentials), box)
    session.flush()
    audit.record(session, actor, "tracking_carrier_account.update", row,
                 before=before, after=audit.snapshot(row))  # fmt: skip
    return row


def delete_carrier_account(session: Session, actor: Principal, account_id: str) -> None:
    """Remove an account; its parcels are no longer polled (their poll state stays)."""
    actor.require(Permission.tracking_write)
    accounts = CarrierAccountRepository(session, actor.organisation_id)
    row = accounts.get(account_id)
    before = audit.snapshot(row)
    accounts.delete(row)
    audit.record(session, actor, "tracking_carrier_account.delete", row, before=before)


def account_view(row: CarrierAccount) -> dict[str, Any]:
    """An account as users see it: the credentials masked, the poll state."""
    return {
        "id": row.id,
        "carrier": row.carrier,
        "name": row.name,
        "credentials_masked": row.credentials_hint,
        "active": row.active,
        "environment": row.environment,
        "last_run_at": row.last_run_at,
        "last_error": row.last_error,
    }


def enqueue_poll(session: Session, actor: Principal, now: datetime) -> OutboxJob:
    """Queue a poll of the workspace's carriers now (one per workspace and minute)."""
    actor.require(Permission.tracking_write)
    if not CarrierAccountRepository(session, actor.organisation_id).list(active=True):
        raise Conflict("this workspace has no active carrier account to poll")
    minute = now.astimezone(UTC).replace(second=0, microsecond=0)
    job, _new = enqueue_unique(
        session,
        POLL_JOB,
        {},
        organisation_id=actor.organisation_id,
        idempotency_key=f"{POLL_JOB}:{actor.organisation_id}:manual@{minute.isoformat()}",
    )
    return job
