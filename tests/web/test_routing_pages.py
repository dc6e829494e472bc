"""Console → Routing: decisions and their explanation, rate cards, policies, suspensions, FX."""

from __future__ import annotations

import json
from datetime import date

from linkstar.db.uow import unit_of_work
from linkstar.rating import routing
from linkstar.rating import service as rating
from linkstar.rating.models import FxRateRow, RateCardVersion, RoutingPolicyVersion
from linkstar.rating.sheets import read_folder
from linkstar.workspace.core import Role
from tests.rating.importing import EXAMPLE, broken_copy, example_files, zip_of
from tests.rating.routing_data import good_row
from tests.web.conftest import count


def _card_and_decision(sessions, tenant) -> str:
    with unit_of_work(sessions) as s:
        rating.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
        (row,) = routing.route(s, tenant.principal, [good_row("WEB-1")], date(2026, 12, 7))
        return row.id


def test_decision_list_and_explanation(owner, tenant, sessions):
    decision_id = _card_and_decision(sessions, tenant)
    listing = owner.get("/routing/decisions").text
    assert f'href="/routing/decisions/{decision_id}">WEB-1</a>' in listing
    assert "15.20 USD" in listing
    page = owner.get(f"/routing/decisions/{decision_id}").text
    assert "Why WEB-1 goes by westcoast · WCP-GND" in page
    assert '<tr class="chosen">' in page and "residential 4.10" in page
    assert owner.get("/routing/decisions?status=held").text.count("/routing/decisions/") == 0


def test_policy_editor_shows_problems_with_paths_and_writes_nothing(owner, sessions):
    bad = {"name": "x", "filters": [{"id": "f", "min_success_rate": 2}], "objective": {"mode": "?"}}
    r = owner.post("/routing/policies", {"body": json.dumps(bad), "precedence": "5"})
    assert r.status_code == 422
    assert "$.filters[0].min_success_rate" in r.text and "$.objective.mode" in r.text
    broken = owner.post("/routing/policies", {"body": "{not json", "precedence": "5"})
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    assert count(sessions, RoutingPolicyVersion) == 0
    good = {"name": "express", "filters": [{"id": "no-ground", "exclude_services": ["WCP-GND"]}]}
    made = owner.post("/routing/policies", {"body": json.dumps(good), "precedence": "5"})
    page = owner.follow(made).text
    assert "Policy express created." in page and "Save as version 2" in page


def test_dry_run_explains_without_storing(owner, tenant, sessions):
    _card_and_decision(sessions, tenant)
    good = {"name": "express", "filters": [{"id": "no-ground", "exclude_services": ["WCP-GND"]}]}
    made = owner.post("/routing/policies", {"body": json.dumps(good), "precedence": "5"})
    url = made.headers["location"]
    header = ",".join(good_row())
    line = ",".join(str(v) for v in good_row("DRY-9").values())
    r = owner.post(f"{url}/dry-run", {"parcels": f"{header}\n{line}\n"})
    assert r.status_code == 200
    assert "DRY-9: assigned → westcoast · WCP-2DAY" in r.text
    assert "<strong>no-ground</strong>: service_excluded" in r.text
    assert "DRY-9" not in owner.get("/routing/decisions").text  # nothing stored


def test_rate_card_upload_shows_every_row_error(owner, sessions, tmp_path):
    broken = broken_copy(tmp_path / "card", {"prices.csv": [("WCP-GND,2,454,", "WCP-GND,2,-4,")]})
    files = {p.name: p.read_bytes() for p in sorted(broken.glob("*.csv"))}
    r = owner.post(
        "/routing/rate-cards",
        {"name": ""},
        files={"file": ("card.zip", zip_of(files), "application/zip")},
    )
    assert r.status_code == 422
    assert "nothing was imported" in r.text and "prices.csv" in r.text
    assert count(sessions, RateCardVersion) == 0
    ok = owner.post(
        "/routing/rate-cards",
        {"name": ""},
        files={"file": ("card.zip", zip_of(example_files()), "application/zip")},
    )
    assert "Imported westcoast/westcoast version 1" in owner.follow(ok).text
    lookup = owner.get(
        "/routing/rate-cards?origin_country=US&origin_postcode=91761&dest_country=US"
        "&dest_postcode=90210&weight_g=1200&dims=300x200x100&ship_date=2026-12-07"
    ).text
    assert "WCP-GND" in lookup and "base 7.95" in lookup


def test_fx_and_suspensions(owner, sessions):
    bad = owner.post(
        "/routing/fx",
        {"base_currency": "USD", "rates": "currency,rate_to_base,effective_date\nGBP,x,2026-01-01"},
    )
    assert bad.status_code == 422 and "row 2" in bad.text
    assert count(sessions, FxRateRow) == 0
    stopped = owner.post(
        "/routing/suspensions",
        {"carrier": "westcoast", "service_id": "", "dest_countries": "US CA", "reason": "strike"},
    )
    page = owner.follow(stopped).text
    assert "Suspended westcoast." in page and "CA, US" in page and "strike" in page


def test_viewer_sees_no_routing_edit_forms(tenant, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    for path in ("/routing/policies", "/routing/suspensions", "/routing/fx", "/routing/rate-cards"):
        html = viewer.get(path).text
        assert html.count('method="post"') == 1, path  # only the sign-out form


def test_decisions_of_stored_orders_show_the_order_number_and_link(owner, tenant, sessions, seeded):
    with unit_of_work(sessions) as s:
        rating.import_workbook(s, tenant.principal, read_folder(EXAMPLE))
        (row,) = routing.route(s, tenant.principal, [good_row(seeded.order_id)], date(2026, 12, 7))
    listing = owner.get("/routing/decisions").text
    number = f"ORD-{tenant.org.id[:6]}"
    assert f'href="/routing/decisions/{row.id}">{number}</a>' in listing
    assert f'<a class="muted small" href="/orders/{seeded.order_id}">order</a>' in listing
    assert seeded.order_id not in listing.split(f"/orders/{seeded.order_id}")[0]
