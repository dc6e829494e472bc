"""The buyer's public tracking page (`/t/<token>`): no sign-in, no personal data, dates in the
buyer's language and in a named time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import format_date, format_time
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from linkstar.api.deps import DbSession
from linkstar.kit.errors import NotFound
from linkstar.tracking import public
from linkstar.web.templating import render_html

router = APIRouter()

# The page's words by language (status texts and phrases): data, not code; English is the
# fallback for a language it does not hold and for any text a language leaves out.
TEXTS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parents[1] / "data" / "buyer_texts.json").read_text(encoding="utf-8")
)
# Search engines and shared links must not keep a buyer's page.
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def buyer_locale(request: Request) -> Locale:
    """The buyer's language from Accept-Language (first supported tag), else English."""
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if not tag or tag == "*":
            continue
        try:
            return Locale.parse(tag)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse("en")


def buyer_texts(locale: Locale) -> dict[str, str]:
    """The page's texts in the locale's language, English for what it does not hold."""
    return {**TEXTS["en"], **TEXTS.get(str(locale.language), {})}


def destination_zone(country: str | None, at: datetime) -> tzinfo:
    """The destination country's clock when all its zones agree at `at` (GB, DE, JP, ...);
    UTC for a country spanning several offsets (US, CA, AU) or an unknown one, since the
    buyer's own zone is not known and a wrong local time is worse than a labelled UTC."""
    names = get_global("territory_zones").get((country or "").upper(), [])
    zones = [ZoneInfo(name) for name in names]
    if not zones or len({at.astimezone(zone).utcoffset() for zone in zones}) != 1:
        return UTC
    return zones[0]


def local_text(value: datetime, zone: tzinfo, locale: Locale) -> str:
    """A date and time in the buyer's language, to the minute, with the zone's abbreviation
    (`Dec 2, 2026, 5:38 PM GMT`, `02.12.2026, 18:38 CET`): without it the buyer cannot tell
    whose clock the time is on."""
    here = value.astimezone(zone)
    pattern = str(locale.datetime_formats["medium"])
    text = pattern.replace("{1}", format_date(here, "medium", locale=locale)).replace(
        "{0}", format_time(here, "short", tzinfo=zone, locale=locale)
    )
    return f"{text} {here.tzname() or 'UTC'}"


def _not_found(locale: Locale) -> HTMLResponse:
    """The buyer's 404 page, in the buyer's language like the page it stands for."""
    return render_html(
        "tracking/public_missing.html",
        {"texts": buyer_texts(locale), "lang": str(locale.language)},
        status=404,
        headers=HEADERS,
    )


@router.get("/t/{token}", response_class=HTMLResponse, name="public_tracking")
def public_tracking(request: Request, session: DbSession, token: str) -> HTMLResponse:
    """The buyer's page: status and scans with dates in the buyer's language; no sign-in, no
    personal data (no name, address, order value or seller notes), unguessable token. An
    unknown token gets the buyer's own 404 page, not the console's."""
    locale = buyer_locale(request)
    try:
        row = public.shipment_by_token(session, token)
    except NotFound:
        return _not_found(locale)
    zone = destination_zone(row.dest_country, row.last_event_at or datetime.now(UTC))

    def local(value: datetime | None) -> str:
        return "" if value is None else local_text(value, zone, locale)

    events = public.public_timeline(session, row)
    texts = buyer_texts(locale)
    promised = row.promised_by if row.status != "delivered" else None
    return render_html(
        "tracking/public.html",
        {
            "number": row.tracking_number,
            "carrier": row.carrier.upper(),
            "status": texts.get(row.status, row.status),
            "since": texts["since"].format(when=local(row.status_since))
            if row.status_since
            else "",
            "promised": texts["expected"].format(when=local(promised)) if promised else "",
            "events": [
                {**e, "at_text": local(e["at"]), "status_text": texts.get(e["status"], "")}
                for e in events
            ],
            "texts": texts,
            "lang": str(locale.language),
        },
        headers=HEADERS,
    )
