"""Tracking: shipments by status, a shipment's timeline (normalised and raw), the exceptions
queue with bulk actions, carrier and lane scorecards (the buyer's page: tracking_public)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import RedirectResponse, Response

from linkstar.inbox import exception_outreach, template_store
from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.tracking import (
    aliases,
    carrier_correction,
    estimate_check,
    exception_queue,
    intake,
    on_time,
    statistics,
)
from linkstar.tracking.core.exceptions import ExceptionKind, ExceptionState
from linkstar.tracking.shipments import (
    ShipmentRepository,
    get_shipment,
    shipment_eta,
    shipments_page,
    status_counts,
    stored_events,
)
from linkstar.web.context import ConsoleAction, ConsolePage
from linkstar.workspace.core import Permission
from linkstar.workspace.repository import active_users, user_roster, warehouse_codes

router = APIRouter()
P = Permission
PAGE_SIZE = 50
TABS = (
    ("", "All"),
    ("pending", "Registered"),
    ("info_received", "Label created"),
    ("in_transit", "In transit"),
    ("out_for_delivery", "Out for delivery"),
    ("failed_attempt", "Failed attempt"),
    ("exception", "Exception"),
    ("available_for_pickup", "For pickup"),
    ("delivered", "Delivered"),
    ("returning_to_sender", "Returning"),
    ("returned", "Returned"),
    ("expired", "Expired"),
    ("unmapped", "Unmapped"),
)
RARE = {"pending", "info_received", "expired"}
SHIPMENT_PAGE = re.compile(r"/tracking/shipments/[0-9A-Za-z_-]{1,64}")


@router.get("/tracking", response_class=HTMLResponse)
def tracking_home(page: ConsolePage) -> Response:
    """The module's first page is the shipments list."""
    page.principal.require(P.tracking_read)
    return RedirectResponse("/tracking/shipments", status_code=303)


@router.get("/tracking/shipments", response_class=HTMLResponse)
def shipments(
    page: ConsolePage, status: str = "", q: str = "", carrier: str = "", cursor: str = ""
) -> HTMLResponse:
    """Shipments newest first, with a tab per status and a search box."""
    carrier = carrier.strip().lower()
    counts = status_counts(page.session, page.principal)
    found = shipments_page(
        page.session, page.principal, PAGE_SIZE, cursor or None,
        status=status or None, carrier=carrier or None, q=q or None,
    )  # fmt: skip
    # The rarer statuses get a tab only when some shipment has them (or one is asked for).
    tabs = [
        (key, label, counts.get(key, 0) if key else sum(counts.values()))
        for key, label in TABS
        if key not in RARE or counts.get(key) or key == status
    ]
    known = statistics.lanes(page.session, page.principal.organisation_id, None)
    return page.render(
        "tracking/shipments.html",
        tabs=tabs,
        current=status,
        q=q,
        carrier=carrier,
        carrier_codes=sorted({r.carrier for r in known} | ({carrier} if carrier else set())),
        shipments=found.items,
        next_cursor=found.next_cursor,
        first_page=not cursor,
    )


@router.get("/tracking/shipments/{shipment_id}", response_class=HTMLResponse)
def shipment(page: ConsolePage, shipment_id: str) -> HTMLResponse:
    """One shipment: facts, timeline with the carrier's raw code and text, its exceptions."""
    row = get_shipment(page.session, page.principal, shipment_id)
    candidates = intake.detect(row.tracking_number)
    options: list[tuple[str, str]] = []
    if page.principal.can(P.tracking_write):
        detected = [(c["carrier"], f"{c['carrier']} ({c['confidence']:.0%})") for c in candidates]
        known = carrier_correction.known_carriers(page.session, page.principal.organisation_id)
        taken = {code for code, _label in detected}
        options = detected + [(code, code) for code in known if code not in taken]
    return page.render(
        "tracking/shipment.html",
        shipment=row,
        events=stored_events(page.session, row.id),
        exceptions=exception_queue.shipment_exceptions(page.session, page.principal, row.id),
        eta=shipment_eta(page.session, row),
        public_url=str(page.request.url_for("public_tracking", token=row.public_token)),
        candidates=candidates,
        carrier_options=options,
        aliases=aliases.aliases_of(page.session, page.principal.organisation_id, row.id),
    )


REFETCH_NOTES = {
    "queued": "it is polled again within minutes.",
    "no_carrier_account": "no carrier account for it, so it is not polled.",
    "not_open": "it is finished or idle, so it is not polled.",
    "unchanged": "the events are unchanged.",
}


@router.post("/tracking/shipments/{shipment_id}/carrier", response_class=HTMLResponse)
def shipment_carrier(page: ConsoleAction, shipment_id: str) -> Response:
    """Correct the shipment's carrier (and service); the result is flashed on its page."""
    page.principal.require(P.tracking_write)
    back = f"/tracking/shipments/{shipment_id}"
    carrier, service = (str(page.form.get(name) or "") for name in ("carrier", "service"))
    try:
        done = carrier_correction.correct_carrier(
            page.session, page.principal, shipment_id, carrier, service or None
        )
    except (Conflict, InvalidInput) as exc:
        page.session.rollback()
        return page.redirect(back, exc.message, "error")
    return page.redirect(
        back,
        f"Carrier {done.previous_carrier} → {done.shipment.carrier}: {done.events_remapped} "
        f"event(s) re-mapped; {REFETCH_NOTES[done.refetch]}",
    )


@router.get("/tracking/exceptions", response_class=HTMLResponse)
def exceptions(
    page: ConsolePage, state: str = "open", kind: str = "", cursor: str = ""
) -> HTMLResponse:
    """The queue: open first by default; select rows to acknowledge or resolve them at once."""
    found = exception_queue.exceptions_page(
        page.session, page.principal, PAGE_SIZE, cursor or None,
        state=state or None, kind=kind or None,
    )  # fmt: skip
    ids = [x.shipment_id for x in found.items]
    numbers = {
        s.id: s for s in ShipmentRepository(page.session, page.principal.organisation_id)
        .list_by_ids(ids)
    }  # fmt: skip
    roster = user_roster(page.session, page.principal.organisation_id)
    return page.render(
        "tracking/exceptions.html",
        items=found.items,
        details={x.id: detail_items(x.detail) for x in found.items},
        owners={id_: name for id_, (name, _) in roster.items()},
        assignable=active_users(roster),
        shipments=numbers,
        state=state,
        kind=kind,
        states=[s.value for s in ExceptionState],
        kinds=[k.value for k in ExceptionKind],
        next_cursor=found.next_cursor,
        first_page=not cursor,
        templates=(
            template_store.list_templates(page.session, page.principal)
            if page.principal.can(P.inbox_reply)
            else []
        ),
    )


def detail_items(detail: dict[str, Any]) -> list[tuple[str, object]]:
    """An exception's detail for people: labels and codes in words, ISO times as datetimes
    (the template shows them in the workspace's zone), everything else as text; the
    buyer-outreach keys are the template's own."""
    out: list[tuple[str, object]] = []
    for key, value in detail.items():
        if key.startswith("buyer_"):
            continue
        shown: object = f"{value:.1f}" if isinstance(value, float) else str(value)
        if isinstance(value, str):
            try:
                shown = datetime.fromisoformat(value) if "T" in value else value
            except ValueError:
                shown = value
            if isinstance(shown, str):
                shown = shown.replace("_", " ")
        out.append((key.replace("_", " "), shown))
    return out


@router.post("/tracking/exceptions/actions", response_class=HTMLResponse)
def exception_actions(page: ConsoleAction) -> Response:
    """Acknowledge, resolve or assign the selected exceptions, or message their buyers."""
    ids = [v for v in page.form.getlist("ids") if isinstance(v, str) and v]
    action = page.form.get("action")
    page.principal.require(P.inbox_reply if action == "message_buyers" else P.tracking_write)
    if action not in {"acknowledge", "resolve", "assign", "message_buyers"}:
        raise InvalidInput(
            "choose acknowledge, resolve, assign or message_buyers", {"field": "action"}
        )
    back = str(page.form.get("back") or "")
    # Only a shipment's own page may ask to come back to it (no open redirect).
    if not SHIPMENT_PAGE.fullmatch(back):
        back = "/tracking/exceptions"
    if not ids:
        return page.redirect(back, "Select at least one exception.", "error")
    if action == "message_buyers":
        return _message_buyers(page, ids)
    owner = str(page.form.get("owner_user_id") or "") or None
    try:
        result = exception_queue.act_on_exceptions(
            page.session, page.principal, ids, str(action), owner if action == "assign" else None
        )
    except InvalidInput as exc:
        page.session.rollback()
        return page.redirect(back, exc.message, "error")
    verb = {"acknowledge": "acknowledged", "resolve": "resolved"}.get(str(action))
    if verb is None:
        verb = "assigned" if owner else "unassigned"
    note = f"{result.changed} exception(s) {verb}."
    if result.skipped:
        note += f" {len(result.skipped)} skipped ({result.skipped[0]['reason']})."
    return page.redirect(back, note)


def _message_buyers(page: ConsoleAction, ids: list[str]) -> Response:
    template_id = str(page.form.get("template_id") or "")
    if not template_id:
        return page.redirect("/tracking/exceptions", "Choose a template to message with.", "error")
    base = str(page.request.base_url).rstrip("/")
    result = exception_outreach.message_buyers(
        page.session, page.principal, ids, template_id, public_base=base
    )
    messages = {m["message_id"]: m["status"] for m in result.messaged}
    held = sum(1 for status in messages.values() if status == "awaiting_approval")
    note = f"{len(messages)} buyer message(s) for {len(result.messaged)} exception(s)"
    note += f", {held} held for approval." if held else " queued."
    if result.skipped:
        note += f" {len(result.skipped)} skipped ({result.skipped[0]['reason']})."
    return page.redirect("/tracking/exceptions", note, "success" if messages else "error")


@dataclass(frozen=True)
class LaneBar:
    """One lane of the transit chart: p50 and p90 as bar widths in the SVG's units."""

    label: str
    p50: float
    p90: float
    p50_x: float
    p90_x: float
    y: float
    confidence: float


@dataclass(frozen=True)
class TrendBar:
    """One week of a carrier's on-time row: the bar's place and height in the SVG's units."""

    x: float
    y: float
    height: float
    title: str


def trend_slot(trend: on_time.OnTimeTrend) -> float:
    """The width the chart gives each week."""
    return (CHART_WIDTH - LABEL_WIDTH - 60) / max(len(trend.week_starts), 1)


def trend_rows(trend: on_time.OnTimeTrend) -> list[tuple[str, float, list[TrendBar]]]:
    """Each carrier's row of weekly on-time bars (full height: 100 %), at its own y."""
    slot = trend_slot(trend)
    rows: list[tuple[str, float, list[TrendBar]]] = []
    for i, (carrier, weeks) in enumerate(trend.carriers):
        top = i * TREND_ROW + 6
        bars = []
        for j, (start, week) in enumerate(zip(trend.week_starts, weeks, strict=True)):
            rate = week.rate
            if rate is None:
                continue
            height = round(rate * (TREND_ROW - 12), 1)
            title = (f"{carrier}, week from {start.date().isoformat()}: {week.on_time} of "
                     f"{week.promised} on time ({rate:.0%})")  # fmt: skip
            bars.append(TrendBar(round(LABEL_WIDTH + j * slot, 1), top + TREND_ROW - 12 - height,
                                 height, title))  # fmt: skip
        rows.append((carrier, top, bars))
    return rows


CHART_WIDTH = 720
TREND_ROW = 34
LABEL_WIDTH = 240  # 32 characters of 12px label
ROW = 22


@router.get("/tracking/scorecards", response_class=HTMLResponse)
def scorecards(page: ConsolePage, carrier: str = "", split: str = "") -> HTMLResponse:
    """Carrier and lane scorecards: transit percentiles, on-time and success, with a chart;
    with `split`, how the estimates fitted before that date held on later deliveries."""
    page.principal.require(P.tracking_read)
    check, check_error = None, ""
    if split:
        try:
            at = estimate_check.split_of(split, utcnow())
            check = estimate_check.check_estimates(page.session, page.principal, at)
        except InvalidInput as exc:
            check_error = str(exc)
    carrier = carrier.strip().lower()
    every = statistics.lanes(page.session, page.principal.organisation_id, None)
    rows = [r for r in every if not carrier or r.carrier == carrier]
    carriers = [r for r in rows if r.level == "country"]
    trend = on_time.on_time_trend(page.session, page.principal, utcnow())
    if carrier:
        trend = on_time.OnTimeTrend(
            trend.week_starts, [c for c in trend.carriers if c[0] == carrier]
        )
    lanes = [r for r in rows if r.level == "lane"]
    top = max((r.p90_days for r in lanes[:30]), default=1.0) or 1.0
    scale = (CHART_WIDTH - LABEL_WIDTH - 40) / top
    bars = [
        LaneBar(
            label=f"{r.carrier} {r.carrier_service} → {r.dest_country} {r.postcode_prefix}".strip(),
            p50=r.p50_days,
            p90=r.p90_days,
            p50_x=round(r.p50_days * scale, 1),
            p90_x=round(r.p90_days * scale, 1),
            y=i * ROW + 8,
            confidence=r.confidence,
        )
        for i, r in enumerate(lanes[:30])
    ]
    return page.render(
        "tracking/scorecards.html",
        carriers=carriers,
        lanes=lanes,
        bars=bars,
        carrier_codes=sorted({r.carrier for r in every}),
        trend=trend,
        trend_rows=trend_rows(trend),
        trend_slot=round(trend_slot(trend) - 3, 1),
        trend_height=len(trend.carriers) * TREND_ROW + 24,
        trend_full=TREND_ROW - 12,
        origins=warehouse_codes(page.session, page.principal.organisation_id),
        chart_height=len(bars) * ROW + 30,
        chart_width=CHART_WIDTH,
        label_width=LABEL_WIDTH,
        carrier=carrier,
        suspensions=exception_queue.active_suspensions(page.session, page.principal),
        split=split or (utcnow() - timedelta(days=30)).date().isoformat(),
        check=check,
        check_error=check_error,
    )
