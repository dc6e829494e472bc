"""Alerts to the seller through Apprise (e-mail, Slack, Teams, DingTalk, WeCom, Feishu, JSON
webhooks, ...). Targets are per workspace, their URLs encrypted at rest and shown masked; a job
sends one message per target for the exceptions opened since the last run and marks them
notified, so a retry never sends the same exception twice. Never commits."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import apprise
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import InvalidInput
from linkstar.tracking.models import NotificationTarget, Shipment, TrackingException
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

log = logging.getLogger(__name__)
MAX_LINES = 20  # exceptions listed in one message; the rest are counted


def check_url(url: str) -> None:
    """Refuse a URL Apprise does not understand, with the reason."""
    probe = apprise.Apprise()
    if not probe.add(url):
        raise InvalidInput(
            "not a notification URL Apprise understands (see the Apprise wiki for schemes)",
            {"field": "url"},
        )


def add_notification_target(
    session: Session, actor: Principal, box: SecretBox, name: str, url: str, kinds: list[str]
) -> NotificationTarget:
    """Store an Apprise URL (encrypted) to alert on new exceptions."""
    actor.require(Permission.tracking_write)
    check_url(url)
    row = NotificationTarget(
        organisation_id=actor.organisation_id,
        name=name,
        sealed_url=box.seal({"url": url}),
        kinds=list(kinds),
        active=True,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "tracking_notification_target.create", row,
                 after={"name": name, "kinds": list(kinds)})  # fmt: skip
    return row


def notification_targets(session: Session, actor: Principal) -> list[NotificationTarget]:
    """The workspace's alert targets, oldest first."""
    actor.require(Permission.tracking_read)
    stmt = select(NotificationTarget).where(
        NotificationTarget.organisation_id == actor.organisation_id
    )
    return list(session.scalars(stmt.order_by(NotificationTarget.created_at)))


def target_view(row: NotificationTarget, box: SecretBox) -> dict[str, Any]:
    """A target as shown to users: the URL masked."""
    return {
        "id": row.id,
        "name": row.name,
        "url_masked": mask(box.open(row.sealed_url)["url"]),
        "kinds": list(row.kinds),
        "active": row.active,
    }


@dataclass(frozen=True, slots=True)
class NotifyReport:
    exceptions: int
    targets: int
    delivered: int  # targets that accepted the message


def compose(rows: list[tuple[str, str, str, str]]) -> tuple[str, str]:
    """Title and body of one alert: counts by kind, then one line per exception."""
    kinds = Counter(kind for kind, _, _, _ in rows)
    title = f"LinkStar: {len(rows)} new tracking exception(s)"
    summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(kinds.items()))
    lines = [summary, ""]
    for kind, carrier, number, status in rows[:MAX_LINES]:
        lines.append(f"- {kind.replace('_', ' ')}: {carrier} {number} ({status})")
    if len(rows) > MAX_LINES:
        lines.append(f"... and {len(rows) - MAX_LINES} more in the exceptions queue")
    return title, "\n".join(lines)


def notify_new_exceptions(
    session: Session, organisation_id: str, box: SecretBox, *, now: datetime | None = None
) -> NotifyReport:
    """Send the not-yet-notified open exceptions to every active target, then mark them."""
    now = now or utcnow()
    stmt = (
        select(
            TrackingException.id,
            TrackingException.kind,
            Shipment.carrier,
            Shipment.tracking_number,
            Shipment.status,
        )
        .join(Shipment, Shipment.id == TrackingException.shipment_id)
        .where(
            TrackingException.organisation_id == organisation_id,
            TrackingException.state == "open",
            TrackingException.notified_at.is_(None),
        )
        .order_by(TrackingException.opened_at, TrackingException.id)
    )
    pending = list(session.execute(stmt))
    if not pending:
        return NotifyReport(0, 0, 0)
    targets = list(
        session.scalars(
            select(NotificationTarget).where(
                NotificationTarget.organisation_id == organisation_id,
                NotificationTarget.active.is_(True),
            )
        )
    )
    delivered = 0
    for target in targets:
        wanted = set(target.kinds)
        rows = [(k, c, n, s) for _, k, c, n, s in pending if not wanted or k in wanted]
        if not rows:
            continue
        title, body = compose(rows)
        sender = apprise.Apprise()
        sender.add(box.open(target.sealed_url)["url"])
        if sender.notify(title=title, body=body):
            delivered += 1
        else:
            log.warning("notification target %s did not accept the alert", target.id)
    ids = [row[0] for row in pending]
    for start in range(0, len(ids), 900):
        session.execute(
            update(TrackingException)
            .where(TrackingException.organisation_id == organisation_id)
            .where(TrackingException.id.in_(ids[start : start + 900]))
            .values(notified_at=now)
        )
    return NotifyReport(len(pending), len(targets), delivered)
