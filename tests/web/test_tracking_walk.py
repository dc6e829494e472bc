"""What a seller or an operator tripped over walking the tracking pages (issue #6 audit):
filters that got lost, ids where names belong, raw codes and unlabelled times, empty states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from linkstar.db.uow import unit_of_work
from linkstar.kit.ids import new_token
from linkstar.tracking.models import LaneTransitStat, Shipment, TrackingException
from linkstar.workspace.models import Warehouse


def _add_shipments(sessions, org_id, n, carrier="ups", status="in_transit"):
    base = datetime(2026, 11, 1, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        for i in range(n):
            s.add(
                Shipment(
                    organisation_id=org_id, tracking_number=f"WALK{carrier.upper()}{i:04d}",
                    carrier=carrier, status=status, event_count=0, unmapped_count=0,
                    source="test", public_token=new_token(),
                    created_at=base + timedelta(minutes=i),
                )
            )  # fmt: skip


def test_the_carrier_filter_survives_paging_and_status_tabs(owner, tenant, seeded, sessions):
    _add_shipments(sessions, tenant.org.id, 55)
    first = owner.get("/tracking/shipments", params={"carrier": " UPS "}).text
    assert "ALPHASEED0001" not in first and first.count('class="mono">WALKUPS') == 50
    assert 'href="/tracking/shipments?status=delivered&amp;carrier=ups"' in first
    assert "Only ups's shipments" in first
    cursor = first.split("&cursor=")[1].split('"')[0]
    second = owner.get(f"/tracking/shipments?status=&q=&carrier=ups&cursor={cursor}").text
    assert second.count('class="mono">WALKUPS') == 5 and "ALPHASEED0001" not in second
    assert 'href="/tracking/shipments?status=&q=&amp;carrier=ups">First page</a>' in second


def test_rare_statuses_get_a_tab_only_when_present(owner, tenant, seeded, sessions):
    page = owner.get("/tracking/shipments").text
    assert "Registered" not in page and "Expired" not in page
    _add_shipments(sessions, tenant.org.id, 2, status="pending")
    page = owner.get("/tracking/shipments").text
    assert '<span class="status-n">2</span><span class="status-name">Registered</span>' in page
    pending = owner.get("/tracking/shipments", params={"status": "pending"}).text
    assert pending.count('class="mono">WALKUPS') == 2


def test_empty_states_say_what_to_do_without_markdown(owner, tenant):
    empty = owner.get("/tracking/shipments").text
    assert "No shipments yet." in empty and 'href="/tracking/import"' in empty
    assert "`" not in empty.split('id="main"')[1]
    none = owner.get("/tracking/shipments", params={"q": "NOPE"}).text
    assert "No shipments match." in none and 'href="/tracking/shipments">Show all' in none
    cards = owner.get("/tracking/scorecards").text
    assert '<code class="code">linkstar track stats</code>' in cards and "`" not in cards


def test_scorecards_name_the_origin_warehouse_and_filter_by_carrier(owner, seeded, sessions):
    with unit_of_work(sessions) as s:
        warehouse = s.get(Warehouse, seeded.warehouse_id)
        code = warehouse.code
        s.execute(
            update(LaneTransitStat)
            .where(LaneTransitStat.organisation_id == warehouse.organisation_id)
            .values(origin=warehouse.id)
        )
    html = owner.get("/tracking/scorecards", params={"carrier": "USPS"}).text
    assert f"<td>{code}</td><td>US 802</td>" in html and warehouse.id[:8] not in html
    assert '<option value="usps" selected>usps</option>' in html
    assert 'href="/tracking/shipments?carrier=usps">usps\'s shipments</a>' in html
    assert "usps Ground → US 802" in html  # the chart is there for the carrier asked for


def test_exceptions_queue_shows_owner_readable_detail_and_select_all(
    owner, tenant, seeded, sessions
):
    with unit_of_work(sessions) as s:
        row = s.scalars(
            select(TrackingException).where(TrackingException.shipment_id == seeded.shipment_id)
        ).one()
        row.owner_user_id = tenant.owner.id
        row.detail = {**row.detail, "last_event_at": "2026-11-03T15:00:00+00:00",
                      "lane_gap_p95_hours": 22.345, "hours": 50}  # fmt: skip
    html = owner.get("/tracking/exceptions").text
    assert 'data-select-all="ids"' in html
    name = tenant.owner.full_name or tenant.owner.email
    assert f"<td>{name}</td>" in html
    assert "sub status: recipient unavailable" in html and "recipient_unavailable" not in html
    assert "last event at: 2026-11-03 15:00" in html and "T15:00:00+00:00" not in html
    assert "lane gap p95 hours: 22.3" in html and "hours: 50" in html


def test_the_shipment_facts_are_a_styled_list(owner, seeded):
    html = owner.get(f"/tracking/shipments/{seeded.shipment_id}").text
    assert '<dl class="details" id="shipment-facts">' in html
    assert "<div><dt>Order</dt><dd>—</dd></div>" in html


def test_dead_letters_are_dated_in_the_workspaces_zone(owner, tenant, seeded, sessions):
    from linkstar.tracking.models import TrackingDeadLetter
    from linkstar.workspace.models import Organisation

    with unit_of_work(sessions) as s:
        s.get(Organisation, tenant.org.id).timezone = "America/Los_Angeles"
        letter = s.get(TrackingDeadLetter, seeded.tracking_dead_letter_id)
        letter.received_at = datetime(2026, 12, 6, 10, 46, tzinfo=UTC)
    html = owner.get("/tracking/dead-letters").text
    assert '<time datetime="2026-12-06T10:46:00' in html and ">2026-12-06 02:46 PST</time>" in html


def test_an_import_with_unmapped_codes_links_to_where_they_show(owner):
    data = (
        b"tracking_number,carrier,event_time,raw_code,raw_description\n"
        b"9400111899223100000077,usps,2026-11-03T10:00:00Z,03,USPS picked up item\n"
        b"9400111899223100000077,usps,2026-11-04T10:00:00Z,ZZ,Something nobody maps\n"
    )
    page = owner.post("/tracking/import", files={"file": ("e.csv", data, "text/csv")}).text
    assert '<dd id="r-unmapped">1 (' in page
    assert '<a href="/tracking/exceptions?kind=unmapped">unmapped exception</a>' in page
    assert '<a href="/tracking/shipments?status=unmapped">Unmapped tab</a>' in page


def test_a_shipments_exceptions_are_handled_on_its_page(owner, seeded, sessions):
    page = owner.get(f"/tracking/shipments/{seeded.shipment_id}").text
    assert 'name="back" value="/tracking/shipments/' in page and 'value="acknowledge"' in page
    with unit_of_work(sessions) as s:
        row = s.scalars(
            select(TrackingException).where(TrackingException.shipment_id == seeded.shipment_id)
        ).one()
        exception_id = row.id
    form = {"ids": [exception_id], "action": "acknowledge",
            "back": f"/tracking/shipments/{seeded.shipment_id}"}  # fmt: skip
    answer = owner.post("/tracking/exceptions/actions", form)
    assert answer.headers["location"] == f"/tracking/shipments/{seeded.shipment_id}"
    shown = owner.get(answer.headers["location"]).text
    assert "1 exception(s) acknowledged." in shown and 'value="acknowledge"' not in shown
    outside = {**form, "action": "resolve", "back": "https://evil.example/x"}
    elsewhere = owner.post("/tracking/exceptions/actions", outside)
    assert elsewhere.headers["location"] == "/tracking/exceptions"
    with sessions() as s:
        assert s.get(TrackingException, exception_id).state == "resolved"


def test_rules_are_edited_as_json_and_a_bad_version_writes_nothing(owner, tenant, sessions):
    from linkstar.tracking.models import TrackingRuleSet

    page = owner.get("/tracking/rules").text
    assert "The built-in defaults (never changed)." in page and "&#34;lost_days&#34;: 14" in page
    assert f'<code class="code">{tenant.owner.id}</code>' in page  # ids to name as owners

    def stored():
        with sessions() as s:
            return s.scalars(select(TrackingRuleSet)).all()

    bad = owner.post("/tracking/rules", {"rules": '{"lost_days": 0, "colour": "red"}'})
    assert bad.status_code == 422 and "The rules were not saved: 2 problem(s)." in bad.text
    assert '<code class="code">lost_days</code> Input should be greater than or equal' in bad.text
    assert "&#34;colour&#34;: &#34;red&#34;" in bad.text  # what was typed is shown to fix
    nobody = owner.post("/tracking/rules", {"rules": '{"owners": {"late": "x"}}'})
    assert nobody.status_code == 422
    assert '<code class="code">owners.late</code> no active user &#39;x&#39;' in nobody.text
    broken = owner.post("/tracking/rules", {"rules": "{nope"})
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    listed = owner.post("/tracking/rules", {"rules": "[1]"})
    assert listed.status_code == 422 and "must be a JSON object" in listed.text
    assert stored() == []
    ok = owner.follow(owner.post("/tracking/rules", {"rules": '{"lost_days": 10}'}))
    assert "Exception rules version 1 in force." in ok.text and "Version 1, set by" in ok.text
    assert [r.rules["lost_days"] for r in stored()] == [10]


def test_scorecards_chart_the_weekly_on_time_rate(owner, tenant, seeded, sessions):
    from linkstar.kit.clock import utcnow

    now = utcnow()
    with unit_of_work(sessions) as s:
        for n, promised in enumerate((now - timedelta(days=2), now)):
            s.add(
                Shipment(
                    organisation_id=tenant.org.id, tracking_number=f"TREND{n}", carrier="ups",
                    status="delivered", delivered_at=now - timedelta(days=1),
                    status_since=now - timedelta(days=1), promised_by=promised, event_count=1,
                    unmapped_count=0, source="test", public_token=new_token(),
                )
            )  # fmt: skip
    html = owner.get("/tracking/scorecards").text
    assert 'id="on-time-trend"' in html and "Weekly on-time rate per carrier (1) since" in html
    assert ": 1 of 2 on time (50%)</title>" in html
    assert 'id="on-time-trend"' not in owner.get("/tracking/scorecards?carrier=usps").text


def test_the_queue_assigns_the_selected_exceptions(owner, tenant, seeded, sessions):
    with sessions() as s:
        exception_id = s.scalars(select(TrackingException.id)).one()
    page = owner.get("/tracking/exceptions").text
    assert 'name="owner_user_id"' in page and 'value="assign"' in page
    assert f'<option value="{tenant.owner.id}">' in page
    form = {"ids": [exception_id], "action": "assign", "owner_user_id": tenant.owner.id}
    done = owner.follow(owner.post("/tracking/exceptions/actions", form))
    assert "1 exception(s) assigned." in done.text

    def owner_of():
        with sessions() as s:
            return s.get(TrackingException, exception_id).owner_user_id

    assert owner_of() == tenant.owner.id
    refused = owner.follow(
        owner.post("/tracking/exceptions/actions", {**form, "owner_user_id": "nobody-here"})
    )
    assert "no active user &#39;nobody-here&#39; in this workspace" in refused.text
    assert owner_of() == tenant.owner.id  # nothing written
    cleared = owner.follow(
        owner.post("/tracking/exceptions/actions", {**form, "owner_user_id": ""})
    )
    assert "1 exception(s) unassigned." in cleared.text and owner_of() is None
