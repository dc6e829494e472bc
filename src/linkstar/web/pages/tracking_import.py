"""Tracking → Import events: upload an events file (CSV or JSON lines), see what was stored and
every row left out. The same service as `POST /tracking/events/import-file` and the CLI."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from linkstar.kit.errors import InvalidInput
from linkstar.tracking import file_import
from linkstar.tracking.file_import import EventsFileReport
from linkstar.web.context import ConsoleAction, ConsolePage, Page
from linkstar.web.forms import FormState, read_upload
from linkstar.workspace.core import Permission

router = APIRouter()
P = Permission
MAX_UPLOAD = 1024 * 1024  # bytes: the API's body limit; larger files go through the CLI
EXAMPLE = "events-example.csv"
# The documented columns (docs/formats/tracking.md §8), as the page lists them.
COLUMNS = (
    ("tracking_number", "yes", "upper-cased, spaces and dashes removed"),
    ("carrier", "no", "our code or a name (DHL Express); empty: detected from the number"),
    ("event_time", "yes", "ISO 8601 with a UTC offset or Z: 2025-03-05T13:45:00-05:00"),
    ("raw_code", "one of the two", "the carrier's event code"),
    ("raw_description", "one of the two", "the carrier's text"),
    ("city", "no", "where the scan happened"),
    ("state", "no", "state or province"),
    ("postcode", "no", "postal code"),
    ("country", "no", "ISO 3166 alpha-2 (a name goes to the location)"),
    ("code_source", "no", "the mapping table to read raw_code with (17track, aftership)"),
    ("location", "no", "a free-text place, when city and country do not fit"),
)


def _page(
    page: Page,
    status: int = 200,
    state: FormState | None = None,
    result: EventsFileReport | None = None,
) -> HTMLResponse:
    return page.render(
        "tracking/import.html",
        status=status,
        state=state or FormState(),
        result=result,
        columns=COLUMNS,
        max_upload=MAX_UPLOAD,
    )


@router.get("/tracking/import", response_class=HTMLResponse)
def import_form(page: ConsolePage) -> HTMLResponse:
    """The upload form and the documented columns."""
    page.principal.require(P.tracking_read)
    return _page(page)


@router.get("/tracking/import/example.csv")
def example(page: ConsolePage) -> Response:
    """The documented example file (examples/tracking/events.csv), to download."""
    page.principal.require(P.tracking_read)
    data = files("linkstar.tracking").joinpath("data", EXAMPLE).read_bytes()
    disposition = 'attachment; filename="events.csv"'
    return Response(data, media_type="text/csv", headers={"Content-Disposition": disposition})


@router.post("/tracking/import", response_class=HTMLResponse)
async def import_upload(page: ConsoleAction) -> Response:
    """Store the good rows of an uploaded events file; list every row left out."""
    page.principal.require(P.tracking_write)
    state = FormState()
    upload = await read_upload(page.form, "file", MAX_UPLOAD)
    if upload is None:
        state.errors["file"] = "choose a .csv, .jsonl or .ndjson file"
        state.message = "Choose an events file."
        return _page(page, 422, state)
    filename, data = upload
    if len(data) > MAX_UPLOAD:
        state.message = "The file is larger than 1 MiB: split it, or use `linkstar track ingest`."
        return _page(page, 413, state)
    try:
        result = file_import.import_events_file(page.session, page.principal, data, filename)
    except InvalidInput as exc:
        page.session.rollback()
        state.message = f"Nothing was stored: {exc.message}"
        return _page(page, 422, state)
    return _page(page, result=result)
