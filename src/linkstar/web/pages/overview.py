"""The overview: the workspace's key figures and recent activity, straight from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from linkstar.kit.clock import as_utc, utcnow
from linkstar.web.charts import BarChart, daily_bar_chart, last_days
from linkstar.web.context import ConsolePage, Page
from linkstar.workspace import jobs
from linkstar.workspace import repository as repo
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
CHART_DAYS = 14


@dataclass(frozen=True)
class Kpi:
    """One figure card: a value, what it counts, where to look closer, and a tone."""

    key: str
    label: str
    value: str
    detail: str
    url: str | None = None
    tone: str = "neutral"  # neutral | good | warn | bad


def gather_kpis(page: Page) -> list[Kpi]:
    """The cards this user may see; each reads the organisation's own rows only."""
    principal, session = page.principal, page.session
    org = principal.organisation_id
    cards: list[Kpi] = []
    if principal.can(P.workspace_read):
        stores = repo.StoreRepository(session, org)
        total, active = stores.count(), stores.count(is_active=True)
        cards.append(
            Kpi("stores", "Stores", f"{active} / {total}", "active / total", "/settings/stores")
        )
        warehouses = repo.WarehouseRepository(session, org)
        w_total, w_active = warehouses.count(), warehouses.count(is_active=True)
        cards.append(
            Kpi(
                "warehouses",
                "Warehouses",
                str(w_total),
                f"{w_active} active" if w_total else "none yet",
                "/settings/warehouses",
            )
        )
        users = repo.UserRepository(session, org)
        cards.append(
            Kpi(
                "users",
                "Users",
                str(users.count(is_active=True)),
                f"active of {users.count()}",
                "/settings/users",
            )
        )
    if principal.can(P.apikeys_manage):
        now = utcnow()
        live = [
            key
            for key in repo.ApiKeyRepository(session, org).list(revoked_at=None)
            if key.expires_at is None or as_utc(key.expires_at) > now
        ]
        cards.append(Kpi("api_keys", "API keys", str(len(live)), "active", "/settings/api-keys"))
    if principal.can(P.jobs_read):
        counts = jobs.job_counts(session, principal)
        waiting = counts.get("pending", 0) + counts.get("queued", 0)
        running = counts.get("running", 0)
        cards.append(Kpi("jobs_pending", "Jobs waiting", str(waiting), f"{running} running"))
        dead = counts.get("dead", 0)
        cards.append(
            Kpi(
                "jobs_dead",
                "Failed jobs",
                str(dead),
                "need a look" if dead else "none",
                "/settings/jobs",
                "bad" if dead else "good",
            )
        )
    if principal.can(P.audit_read):
        since = utcnow() - timedelta(days=7)
        changes = sum(n for _, n in repo.AuditRepository(session, org).daily_counts(since))
        cards.append(Kpi("changes", "Changes", str(changes), "last 7 days", "/settings/audit"))
    return cards


def _chart_start(days: int) -> datetime:
    today = utcnow().date()
    return datetime.combine(today - timedelta(days=days - 1), time(0), UTC)


def changes_chart(page: Page) -> BarChart | None:
    """Audit-log entries per UTC day over the last two weeks."""
    if not page.can(P.audit_read):
        return None
    rows = repo.AuditRepository(page.session, page.principal.organisation_id).daily_counts(
        _chart_start(CHART_DAYS)
    )
    values = {day: {"changes": n} for day, n in rows}
    days = last_days(utcnow().date(), CHART_DAYS)
    return daily_bar_chart("Changes per day", "changes", days, values, ["changes"])


def jobs_chart(page: Page) -> BarChart | None:
    """Background jobs finished per UTC day, done versus failed for good."""
    if not page.can(P.jobs_read):
        return None
    values: dict[str, dict[str, int]] = {}
    for day, status, n in jobs.daily_finished(
        page.session, page.principal, _chart_start(CHART_DAYS)
    ):
        values.setdefault(day, {})[status] = values.get(day, {}).get(status, 0) + n
    days = last_days(utcnow().date(), CHART_DAYS)
    return daily_bar_chart("Jobs finished per day", "jobs", days, values, ["done", "dead"])


@router.get("/", response_class=HTMLResponse)
def overview(page: ConsolePage) -> HTMLResponse:
    """Key figures and the last two weeks of activity."""
    page.principal.require(P.workspace_read)
    charts = [c for c in (changes_chart(page), jobs_chart(page)) if c is not None]
    return page.render(
        "overview.html", kpis=gather_kpis(page), charts=charts, chart_days=CHART_DAYS
    )
