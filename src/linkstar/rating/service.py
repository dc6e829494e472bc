"""Use cases of rating: import rate cards as immutable versions, find the one in force, quote.

Never commits: the entry point (API request, CLI command) owns the transaction, so a rejected
card writes nothing at all.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linkstar.kit.clock import utcnow
from linkstar.kit.errors import Conflict, InvalidInput
from linkstar.kit.pagination import Page
from linkstar.rating.core import (
    CompiledCard,
    Ineligible,
    Parcel,
    Quote,
    ZoneChart,
    ZoneRow,
    quote_all,
)
from linkstar.rating.importer import ImportResult, ParsedCard, parse_tables, parse_workbook
from linkstar.rating.models import RateCardVersion, ZoneChartVersion
from linkstar.rating.repository import RateCardRepository, ZoneChartRepository
from linkstar.rating.sheets import ImportIssue, Workbook
from linkstar.workspace import audit
from linkstar.workspace.core import Permission, Principal

ACTIVE = "active"
SUPERSEDED = "superseded"  # a later version has taken over from its effective_to on


class RateCardRejected(InvalidInput):
    """An upload with problems; `details` lists every one (source, row, column, reason)."""

    code = "rate_card_rejected"

    def __init__(self, issues: list[ImportIssue]) -> None:
        first = "; ".join(str(i) for i in issues[:3])
        super().__init__(
            f"rate card rejected, {len(issues)} problem(s): {first}",
            {"errors": [issue_dict(i) for i in issues]},
        )
        self.issues = issues


def issue_dict(issue: ImportIssue) -> dict[str, Any]:
    """An import issue as JSON."""
    return {
        "source": issue.source,
        "row": issue.row,
        "column": issue.column,
        "reason": issue.reason,
    }


# Compiled objects are pure functions of immutable rows: cache them per row id.
_CACHE_SIZE = 32
_charts: OrderedDict[str, ZoneChart] = OrderedDict()
_cards: OrderedDict[str, CompiledCard] = OrderedDict()


def _remember(cache: OrderedDict[str, Any], key: str, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def chart_of(row: ZoneChartVersion) -> ZoneChart:
    """The core zone chart of a stored version."""
    found = _charts.get(row.id)
    if found is None:
        rows = [ZoneRow(*(str(v) for v in cells)) for cells in row.rows]
        found = ZoneChart.from_rows(row.name, row.origin_country, rows)
        _remember(_charts, row.id, found)
    return found


def _stored_chart_lookup(session: Session, organisation_id: str) -> Any:
    charts = ZoneChartRepository(session, organisation_id)

    def lookup(name: str) -> ZoneChart | None:
        row = charts.latest(name)
        return None if row is None else chart_of(row)

    return lookup


def parse_upload(session: Session, actor: Principal, book: Workbook) -> ImportResult:
    """Validate an upload; zone charts it names but does not define come from storage."""
    actor.require(Permission.routing_manage)
    return parse_workbook(book, _stored_chart_lookup(session, actor.organisation_id))


def _store_charts(
    session: Session, actor: Principal, parsed: ParsedCard, source: str
) -> dict[str, str]:
    charts = ZoneChartRepository(session, actor.organisation_id)
    pinned: dict[str, str] = {}
    for name, rows in parsed.zone_rows.items():
        cells = [
            [
                r.origin_postcode_from,
                r.origin_postcode_to,
                r.dest_country,
                r.dest_postcode_from,
                r.dest_postcode_to,
                r.zone,
            ]
            for r in rows
        ]
        latest = charts.latest(name)
        if latest is not None and latest.rows == cells:
            pinned[name] = latest.id  # the same chart again: no new version
            continue
        row = charts.add(
            ZoneChartVersion(
                name=name,
                version=charts.next_version(name),
                origin_country=parsed.chart_origins[name],
                row_count=len(cells),
                source_filename=source[:255],
                imported_by=actor.label[:254],
                imported_at=utcnow(),
                rows=cells,
            )
        )
        audit.record(
            session,
            actor,
            "zone_chart.import",
            row,
            after={"name": name, "version": row.version, "rows": len(cells)},
        )
        pinned[name] = row.id
    for name in parsed.external_charts:
        latest = charts.latest(name)
        if latest is None:  # pragma: no cover - the parse found it a moment ago
            raise InvalidInput(f"zone chart {name!r} is not stored")
        pinned[name] = latest.id
    return pinned


def store_zone_chart(
    session: Session,
    actor: Principal,
    chart: ZoneChart,
    rows: list[list[str]],
    source_filename: str = "",
) -> ZoneChartVersion:
    """Store an already built chart (e.g. the USPS file) as the next version of its name."""
    actor.require(Permission.routing_manage)
    charts = ZoneChartRepository(session, actor.organisation_id)
    row = charts.add(
        ZoneChartVersion(
            name=chart.name,
            version=charts.next_version(chart.name),
            origin_country=chart.origin_country,
            row_count=len(rows),
            source_filename=source_filename[:255],
            imported_by=actor.label[:254],
            imported_at=utcnow(),
            rows=rows,
        )
    )
    _remember(_charts, row.id, chart)
    audit.record(
        session,
        actor,
        "zone_chart.import",
        row,
        after={"name": row.name, "version": row.version, "rows": len(rows)},
    )
    return row


def _summary(row: RateCardVersion) -> dict[str, Any]:
    return {
        "carrier": row.carrier,
        "name": row.name,
        "version": row.version,
        "effective_from": row.effective_from.isoformat(),
        "effective_to": row.effective_to.isoformat() if row.effective_to else None,
        "status": row.status,
        "source_filename": row.source_filename,
        "row_counts": row.row_counts,
        "zone_chart_ids": row.zone_chart_ids,
    }


def import_rate_card(
    session: Session,
    actor: Principal,
    parsed: ParsedCard,
    *,
    name: str | None = None,
    effective_from: date | None = None,
    source_filename: str | None = None,
) -> RateCardVersion:
    """Store a validated card as the next version of (carrier, name); close the previous one.

    The new version starts on `effective_from` (default: the earliest service start, else
    today) and must start after the previous version did; the previous one then ends the day
    before. Versions are never overwritten.
    """
    actor.require(Permission.routing_manage)
    card_name = (name or parsed.carrier).strip()[:120]
    if not card_name:
        raise InvalidInput("the card needs a name", {"field": "name"})
    start = effective_from or parsed.effective_from or utcnow().date()
    cards = RateCardRepository(session, actor.organisation_id)
    previous = cards.latest(parsed.carrier, card_name)
    if previous is not None and start <= previous.effective_from:
        raise Conflict(
            f"version {previous.version} of {parsed.carrier}/{card_name} starts on "
            f"{previous.effective_from}; a new version must start later (not {start})",
            {"field": "effective_from"},
        )
    source = source_filename or parsed.source
    pinned = _store_charts(session, actor, parsed, source)
    row = cards.add(
        RateCardVersion(
            carrier=parsed.carrier,
            name=card_name,
            version=1 if previous is None else previous.version + 1,
            effective_from=start,
            effective_to=None,
            status=ACTIVE,
            source_filename=source[:255],
            imported_by=actor.label[:254],
            imported_at=utcnow(),
            row_counts=parsed.row_counts,
            service_ids=[s.service_id for s in parsed.card.services],
            zone_chart_ids=pinned,
            tables=parsed.tables,
        )
    )
    _remember(_cards, row.id, parsed.compiled)
    if previous is not None:
        before = {"effective_to": None, "status": previous.status}
        previous.effective_to = start - timedelta(days=1)
        previous.status = SUPERSEDED
        session.flush()
        audit.record(
            session,
            actor,
            "rate_card.supersede",
            previous,
            before=before,
            after={"effective_to": previous.effective_to.isoformat(), "status": SUPERSEDED},
        )
    audit.record(session, actor, "rate_card.import", row, after=_summary(row))
    return row


def import_workbook(
    session: Session,
    actor: Principal,
    book: Workbook,
    *,
    name: str | None = None,
    effective_from: date | None = None,
) -> RateCardVersion:
    """Validate and store an upload; RateCardRejected (with every issue) writes nothing."""
    result = parse_upload(session, actor, book)
    if result.card is None:
        raise RateCardRejected(result.issues)
    return import_rate_card(session, actor, result.card, name=name, effective_from=effective_from)


# Reading ----------------------------------------------------------------------------------


def versions_page(
    session: Session, actor: Principal, limit: int, cursor: str | None
) -> Page[RateCardVersion]:
    """A page of every stored version, newest first."""
    actor.require(Permission.routing_read)
    return RateCardRepository(session, actor.organisation_id).page_newest_first(limit, cursor)


def list_versions(session: Session, actor: Principal) -> list[RateCardVersion]:
    """Every stored version, oldest first."""
    actor.require(Permission.routing_read)
    return RateCardRepository(session, actor.organisation_id).list()


def get_version(session: Session, actor: Principal, version_id: str) -> RateCardVersion:
    """One stored version (NotFound for another organisation's)."""
    actor.require(Permission.routing_read)
    return RateCardRepository(session, actor.organisation_id).get(version_id)


def cards_in_force(
    session: Session, actor: Principal, ship_date: date, carrier: str | None = None
) -> list[RateCardVersion]:
    """The version of each card in force on `ship_date`."""
    actor.require(Permission.routing_read)
    return RateCardRepository(session, actor.organisation_id).in_force(ship_date, carrier)


def card_in_force(
    session: Session, actor: Principal, carrier: str, ship_date: date, name: str | None = None
) -> RateCardVersion | None:
    """The version of a carrier's card (named `name`, default the carrier) in force that day."""
    for row in cards_in_force(session, actor, ship_date, carrier):
        if row.name == (name or carrier):
            return row
    return None


def card_for_service(
    session: Session, actor: Principal, service_id: str, ship_date: date
) -> RateCardVersion | None:
    """The version in force on `ship_date` of the card that holds `service_id`."""
    for row in cards_in_force(session, actor, ship_date):
        if service_id in row.service_ids:
            return row
    return None


def compiled_card(session: Session, row: RateCardVersion) -> CompiledCard:
    """The compiled core card of a stored version, rebuilt from its tables and pinned charts."""
    found = _cards.get(row.id)
    if found is not None:
        return found
    charts = ZoneChartRepository(session, row.organisation_id)
    pinned = {name: chart_of(charts.get(chart_id)) for name, chart_id in row.zone_chart_ids.items()}
    result = parse_tables(f"{row.carrier}/{row.name} v{row.version}", row.tables, pinned)
    if result.card is None:  # stored cards were validated: this is a bug, not bad input
        raise RuntimeError(f"stored rate card {row.id} no longer parses: {result.issues[:3]}")
    _remember(_cards, row.id, result.card.compiled)
    return result.card.compiled


@dataclass(frozen=True)
class ServiceQuote:
    """One service's answer for a parcel, with the card version it came from."""

    card: RateCardVersion
    service_name: str
    result: Quote | Ineligible


def quote(
    session: Session, actor: Principal, parcel: Parcel, ship_date: date | None = None
) -> list[ServiceQuote]:
    """Price a parcel with every service of every card in force on the ship date."""
    if ship_date is not None and ship_date != parcel.ship_date:
        parcel = replace(parcel, ship_date=ship_date)
    out: list[ServiceQuote] = []
    for row in cards_in_force(session, actor, parcel.ship_date):
        compiled = compiled_card(session, row)
        for service, result in zip(compiled.services, quote_all(parcel, compiled), strict=True):
            out.append(ServiceQuote(row, service.service.name, result))
    return out
