"""Console → Tracking pages, the exceptions bulk action, and the buyer's public page."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from linkstar.db.uow import unit_of_work
from linkstar.tracking.models import Shipment, TrackingException
from linkstar.workspace.core import Role

BUYER_TEXTS = Path(__file__).parents[2] / "src/linkstar/web/data/buyer_texts.json"


def _exception_state(sessions, shipment_id):
    with unit_of_work(sessions) as s:
        return s.scalars(
            select(TrackingException.state).where(TrackingException.shipment_id == shipment_id)
        ).one()


def test_shipments_list_filters_by_status_and_the_timeline_shows_raw_codes(owner, seeded):
    page = owner.get("/tracking/shipments").text
    assert "ALPHASEED0001" in page and 'aria-label="Tracking sections"' in page
    failed = owner.get("/tracking/shipments?status=failed_attempt").text
    assert "ALPHASEED0001" in failed
    assert "ALPHASEED0001" not in owner.get("/tracking/shipments?status=delivered").text
    assert "ALPHASEED0001" in owner.get("/tracking/shipments?q=alphaseed").text
    detail = owner.get(f"/tracking/shipments/{seeded.shipment_id}").text
    assert "usps:02" in detail and "Notice Left" in detail  # the carrier's own code and text
    assert "usps:03" in detail and "recipient unavailable" in detail  # normalised beside it
    assert f"/t/{seeded.public_token}" in detail
    bad = owner.get("/tracking/shipments?status=lost")
    assert bad.status_code == 422 and "Unknown status &#39;lost&#39;" in bad.text


def test_exceptions_queue_bulk_acknowledge_then_resolve(owner, seeded, sessions):
    queue = owner.get("/tracking/exceptions").text
    assert "<strong>failed attempt</strong>" in queue and "Acknowledge selected" in queue
    with unit_of_work(sessions) as s:
        exception_id = s.scalars(
            select(TrackingException.id).where(TrackingException.shipment_id == seeded.shipment_id)
        ).one()
    done = owner.follow(
        owner.post("/tracking/exceptions/actions", {"ids": [exception_id], "action": "acknowledge"})
    )
    assert "1 exception(s) acknowledged." in done.text
    assert _exception_state(sessions, seeded.shipment_id) == "acknowledged"
    again = owner.follow(
        owner.post("/tracking/exceptions/actions", {"ids": [exception_id], "action": "acknowledge"})
    )
    assert "0 exception(s) acknowledged. 1 skipped (already acknowledged)." in again.text
    owner.post("/tracking/exceptions/actions", {"ids": [exception_id], "action": "resolve"})
    assert _exception_state(sessions, seeded.shipment_id) == "resolved"
    assert "No exceptions in this view." in owner.get("/tracking/exceptions").text  # open only
    nothing = owner.follow(owner.post("/tracking/exceptions/actions", {"action": "resolve"}))
    assert "Select at least one exception." in nothing.text


def test_viewer_sees_the_queue_without_actions(tenant, seeded, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    html = viewer.get("/tracking/exceptions").text
    assert "<strong>failed attempt</strong>" in html and "Acknowledge selected" not in html
    assert 'name="ids"' not in html and "data-select-all" not in html  # nothing to select for


def test_scorecards_chart_and_tables(owner, seeded):
    html = owner.get("/tracking/scorecards").text
    assert "<svg" in html and "usps Ground → US 802" in html
    assert "p50 3.0 d, p90 4.5 d, confidence 0.80" in html


def test_public_page_needs_no_login_shows_no_personal_data_and_localises_dates(
    browser_factory, seeded, sessions
):
    with unit_of_work(sessions) as s:
        row = s.get(Shipment, seeded.shipment_id)
        row.order_ref, row.dest_postcode = "AMZ-114-SECRET", "80202"
    anonymous = browser_factory()
    english = anonymous.get(f"/t/{seeded.public_token}")
    assert english.status_code == 200
    assert "Delivery attempted" in english.text and "ALPHASEED0001" in english.text
    assert "Nov 3, 2026" in english.text  # the attempt, in the buyer's (default) language
    assert english.headers["X-Robots-Tag"] == "noindex"
    for private in ("AMZ-114-SECRET", "80202", "Alpha", "rule", "usps:"):
        assert private not in english.text, private
    german = anonymous.get(f"/t/{seeded.public_token}", headers={"Accept-Language": "de-DE,de"})
    assert "03.11.2026" in german.text and 'lang="de"' in german.text
    assert anonymous.get("/t/not-a-real-token").status_code == 404


def test_public_page_names_the_clock_of_its_dates(browser_factory, seeded, sessions):
    """The attempt was scanned at 15:00 UTC: a destination with one clock shows its local time,
    one with several (the seeded US parcel) shows UTC, and each time says which it is."""
    anonymous = browser_factory()
    us = anonymous.get(f"/t/{seeded.public_token}").text
    assert "Nov 3, 2026, 3:00\u202fPM UTC</time> · <strong>Delivery attempted</strong>" in us
    assert '<p class="muted" id="since">Since Nov 3, 2026, 3:00\u202fPM UTC</p>' in us
    with unit_of_work(sessions) as s:
        s.get(Shipment, seeded.shipment_id).dest_country = "DE"
    german = anonymous.get(f"/t/{seeded.public_token}", headers={"Accept-Language": "de"}).text
    assert "03.11.2026, 16:00 CET</time> · <strong>Zustellversuch</strong>" in german
    with unit_of_work(sessions) as s:
        s.get(Shipment, seeded.shipment_id).dest_country = "GB"
    assert "Nov 3, 2026, 3:00\u202fPM GMT" in anonymous.get(f"/t/{seeded.public_token}").text


def test_an_unknown_buyer_token_gets_the_buyers_404_page(browser_factory, seeded):
    page = browser_factory().get("/t/not-a-real-token", headers={"Accept-Language": "fr"})
    assert page.status_code == 404 and page.headers["X-Robots-Tag"] == "noindex"
    assert "<h1>Cette page de suivi n&#39;existe pas</h1>" in page.text
    assert "<title>Page de suivi introuvable</title>" in page.text and 'lang="fr"' in page.text
    assert "Back to the overview" not in page.text and 'href="/"' not in page.text
    assert browser_factory().get("/t/" + "x" * 65).status_code == 404


def test_the_buyers_404_page_speaks_the_buyers_language(browser_factory):
    """Its texts come from web/data/buyer_texts.json like the page's; English for a language
    the file does not hold (Polish) or none."""
    anonymous = browser_factory()
    expected = {
        "en": ("No such tracking page", "This tracking link is not valid."),
        "de-DE,de;q=0.9": ("Diese Seite zur Sendungsverfolgung gibt es nicht", "ungültig"),
        "fr-FR": ("Cette page de suivi n&#39;existe pas", "n&#39;est pas valide"),
        "es": ("Esta página de seguimiento no existe", "no es válido"),
        "it": ("Questa pagina di tracciamento non esiste", "non è valido"),
        "nl": ("Deze trackingpagina bestaat niet", "niet geldig"),
        "ja": ("この配送状況ページは存在しません", "無効です"),
        "zh-CN": ("该物流跟踪页面不存在", "链接无效"),
        "pl": ("No such tracking page", "This tracking link is not valid."),
        "": ("No such tracking page", "This tracking link is not valid."),
    }
    for language, (heading, text) in expected.items():
        page = anonymous.get("/t/not-a-real-token", headers={"Accept-Language": language})
        assert page.status_code == 404, language
        assert f"<h1>{heading}</h1>" in page.text, language
        assert text in page.text.split('<p class="muted">')[1].split("</p>")[0], language


def test_every_buyer_text_exists_in_every_language():
    texts = json.loads(BUYER_TEXTS.read_text(encoding="utf-8"))
    assert set(texts) == {"en", "de", "fr", "es", "it", "nl", "ja", "zh"}
    for language, words in texts.items():
        assert set(words) == set(texts["en"]), language
        assert all(w.strip() for w in words.values()), language


def test_scorecards_check_the_estimates_on_later_deliveries(owner, tenant, sessions):
    from tests.tracking.test_estimate_check import seed

    seed(sessions, tenant)
    page = owner.get("/tracking/scorecards").text
    assert "How the estimates held" in page and 'id="estimate-check-table"' not in page
    html = owner.get("/tracking/scorecards", params={"split": "2026-10-01"}).text
    assert "Fitted on 10 finished shipments before 2026-10-01." in html
    row = '<tr><td><strong>All carriers</strong></td><td class="num">6</td><td class="num">5</td>'
    assert row + '<td class="num">60.0 %</td><td class="num">60.0 %</td>' in html
    assert (
        '<tr><td>ups</td><td class="num">1</td><td class="num">0</td><td class="num">—</td>' in html
    )
    bad = owner.get("/tracking/scorecards", params={"split": "<b>13/2026</b>"})
    assert bad.status_code == 200
    assert "split &#39;&lt;b&gt;13/2026&lt;/b&gt;&#39; is not an ISO 8601 date" in bad.text
    late = owner.get("/tracking/scorecards", params={"split": "2030-01-01"}).text
    assert "No parcel that started on or after 2030-01-01 has been delivered yet." in late


def test_exceptions_queue_messages_the_buyers(owner, tenant, sessions):
    from tests.inbox.outreach_seed import seed_outreach

    seeded = seed_outreach(sessions, tenant.org.id)
    html = owner.get("/tracking/exceptions").text
    assert f'<option value="{seeded.template_id}">Where is my order</option>' in html
    form = {"ids": [seeded.shopify, seeded.shopify_again, seeded.no_email],
            "action": "message_buyers", "template_id": seeded.template_id}  # fmt: skip
    page = owner.follow(owner.post("/tracking/exceptions/actions", data=form))
    assert (
        "1 buyer message(s) for 2 exception(s) queued. 1 skipped (order S-1002 has no buyer "
        "e-mail)." in page.text
    )
    with sessions() as s:
        thread_id = s.get(TrackingException, seeded.shopify).detail["buyer_thread_id"]
    queue = owner.get("/tracking/exceptions").text
    assert queue.count(f'<a href="/inbox/threads/{thread_id}">buyer messaged</a>') == 2
    none = owner.follow(owner.post("/tracking/exceptions/actions",
                                   data={**form, "template_id": ""}))  # fmt: skip
    assert "Choose a template to message with." in none.text


def test_correct_carrier_form_shows_candidates_and_flashes_the_result(
    owner, seeded, sessions, tenant, make_user, browser_factory
):
    url = f"/tracking/shipments/{seeded.shipment_id}"
    page = owner.get(url).text
    assert "The number matches no known carrier format." in page  # ALPHASEED0001
    assert 'id="correct-carrier"' in page and '<option value="usps" selected>usps</option>' in page
    assert "Also known as" not in page
    refused = owner.follow(owner.post(f"{url}/carrier", {"carrier": "upz"}))
    assert "unknown carrier &#39;upz&#39;" in refused.text
    done = owner.follow(owner.post(f"{url}/carrier", {"carrier": "fedex", "service": "Ground"}))
    assert (
        "Carrier usps → fedex: 2 event(s) re-mapped; no carrier account for it, so it is not "
        "polled." in done.text
    )
    assert (
        'Also known as: <span class="chip">USPS <span class="mono">ALPHASEED0001</span></span>'
        in done.text
    )
    with unit_of_work(sessions) as s:
        row = s.get(Shipment, seeded.shipment_id)
        assert (row.carrier, row.carrier_service, row.status) == ("fedex", "Ground", "unmapped")
    same = owner.follow(owner.post(f"{url}/carrier", {"carrier": "fedex", "service": "Ground"}))
    assert "Carrier fedex → fedex: 0 event(s) re-mapped; the events are unchanged." in same.text
    viewer = browser_factory(make_user(tenant, Role.viewer))
    assert 'id="correct-carrier"' not in viewer.get(url).text


def test_the_shipment_page_ranks_detected_carriers_first(owner, tenant, sessions):
    from linkstar.tracking.schemas import ShipmentCreate
    from linkstar.tracking.shipments import register_shipments

    with unit_of_work(sessions) as s:
        number = ShipmentCreate(tracking_number="1ZA1B2C30312345673", carrier="usps")
        shipment_id = register_shipments(s, tenant.principal, [number])[0].id
    page = owner.get(f"/tracking/shipments/{shipment_id}").text
    assert '<span class="chip">ups 97%</span>' in page
    options = page[page.index('id="f-carrier"') :]
    assert options.index('value="ups">ups (97%)') < options.index('value="usps" selected')


def test_exceptions_queue_reads_the_users_once(owner, seeded, engine):
    from sqlalchemy import event

    read: list[str] = []

    def recorded(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM users" in statement and "WHERE users.organisation_id" in statement:
            read.append(statement)  # a list of the workspace's users (not the caller's own)

    owner.get("/tracking/exceptions")  # the sign-in's own reads are done before counting
    event.listen(engine, "before_cursor_execute", recorded)
    try:
        html = owner.get("/tracking/exceptions").text
    finally:
        event.remove(engine, "before_cursor_execute", recorded)
    assert "<strong>failed attempt</strong>" in html
    assert len(read) == 1, read


def test_public_page_status_texts_follow_the_buyers_language(browser_factory, seeded):
    """The texts come from web/data/buyer_texts.json; a language it does not hold (Polish),
    or none, reads English, with the dates still in the buyer's language."""
    anonymous = browser_factory()
    expected = {
        "en": ("Delivery attempted", "Since Nov 3, 2026, 3:00\u202fPM UTC"),
        "de-DE,de;q=0.9": ("Zustellversuch", "Seit 03.11.2026, 15:00 UTC"),
        "fr-FR": ("Tentative de livraison", "Depuis le 3 nov. 2026, 15:00 UTC"),
        "es": ("Intento de entrega", "Desde 3 nov 2026, 15:00 UTC"),
        "it": ("Tentativo di consegna", "Dal 3 nov 2026, 15:00 UTC"),
        "nl": ("Bezorgpoging gedaan", "Sinds 3 nov 2026, 15:00 UTC"),
        "ja": ("ご不在のため持ち戻り", "2026/11/03 15:00 UTC から"),
        "zh-CN": ("派送未成功", "自 2026年11月3日 15:00 UTC 起"),
        "pl": ("Delivery attempted", "Since 3 lis 2026, 15:00 UTC"),
    }
    for language, (status, since) in expected.items():
        html = anonymous.get(
            f"/t/{seeded.public_token}", headers={"Accept-Language": language}
        ).text
        assert f"<h1>{status}</h1>" in html, language
        assert f'<p class="muted" id="since">{since}</p>' in html, (language, html[-1500:])
        assert f"<strong>{status}</strong>" in html, language
