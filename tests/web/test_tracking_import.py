"""Console → Tracking → Import events: the upload form, the result, every row left out."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.models import Shipment, TrackingEventRow
from linkstar.workspace.core import Role

EXAMPLE = Path(__file__).parents[2] / "examples" / "tracking" / "events.csv"


def _counts(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        return (
            s.scalar(select(func.count()).select_from(Shipment)) or 0,
            s.scalar(select(func.count()).select_from(TrackingEventRow)) or 0,
        )


def _upload(browser, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return browser.post("/tracking/import", files={"file": (name, data, "text/csv")})


def test_the_page_documents_the_columns_and_serves_the_example(owner):
    page = owner.get("/tracking/import")
    assert page.status_code == 200
    assert 'href="/tracking/import"' in page.text and "Import events" in page.text
    for column in ("tracking_number", "event_time", "raw_description", "postcode", "country"):
        assert f'<code class="code">{column}</code>' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    example = owner.get("/tracking/import/example.csv")
    assert example.status_code == 200 and example.headers["content-type"].startswith("text/csv")
    assert "attachment" in example.headers["content-disposition"]
    assert example.content == EXAMPLE.read_bytes()  # the packaged copy is the documented file


def test_upload_stores_the_good_rows_and_lists_the_bad_ones_escaped(owner, seeded, sessions):
    before = _counts(sessions)
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2025-03-03T17:05:00-05:00", "<b>soon</b>")
    r = _upload(owner, "events.csv", ("\n".join(lines) + "\n").encode())
    assert r.status_code == 200, r.text[:500]
    assert '<dd id="r-rows">6</dd>' in r.text and '<dd id="r-stored">5</dd>' in r.text
    assert '<dd id="r-shipments">4 touched, 4 new</dd>' in r.text
    assert '<dd id="r-errors">1</dd>' in r.text
    assert "&#39;&lt;b&gt;soon&lt;/b&gt;&#39; is not ISO 8601" in r.text
    assert "<b>soon</b>" not in r.text
    assert _counts(sessions) == (before[0] + 4, before[1] + 5)
    again = _upload(owner, "events.csv", EXAMPLE.read_bytes())
    assert '<dd id="r-stored">1</dd>' in again.text  # only the row that was bad before
    assert '<dd id="r-duplicates">5</dd>' in again.text
    assert _counts(sessions) == (before[0] + 4, before[1] + 6)


def test_refused_files_show_the_reason_and_store_nothing(owner, seeded, sessions):
    before = _counts(sessions)
    no_file = owner.post("/tracking/import", {})
    assert no_file.status_code == 422 and "Choose an events file." in no_file.text
    empty = _upload(owner, "events.csv", b"")
    assert empty.status_code == 422 and "Nothing was stored: events.csv: the file is empty" in (
        empty.text
    )
    wrong = _upload(owner, "events.xlsx", EXAMPLE.read_bytes())
    assert wrong.status_code == 422 and "expected a .csv, .jsonl or .ndjson file" in wrong.text
    latin = _upload(owner, "e.csv", EXAMPLE.read_bytes().replace(b"SECAUCUS", b"S\xe9CAUCUS"))
    assert latin.status_code == 422 and "file is not UTF-8" in latin.text
    huge = _upload(owner, "events.csv", EXAMPLE.read_bytes() * 1500)
    assert huge.status_code == 413 and "larger than 1 MiB" in huge.text
    assert _counts(sessions) == before


def test_a_viewer_sees_the_page_without_the_form_and_cannot_post(
    tenant, seeded, make_user, browser_factory, sessions
):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    page = viewer.get("/tracking/import")
    assert page.status_code == 200 and 'action="/tracking/import"' not in page.text
    before = _counts(sessions)
    refused = _upload(viewer, "events.csv", EXAMPLE.read_bytes())
    assert refused.status_code == 403 and "lacks the tracking:write" in refused.text
    assert _counts(sessions) == before
