"""Addresses → Holds and Policy in the console: queue, side-by-side view, decisions, policy."""

from __future__ import annotations

import re

from sqlalchemy import select

from linkstar.addresses.models import AddressPolicyVersion, AddressReview
from linkstar.db.outbox import OutboxJob
from linkstar.db.uow import unit_of_work
from linkstar.workspace.core import Role
from tests.web.conftest import snapshot
from tests.web.test_settings_org_stores import last_audit

HTMX = {"HX-Request": "true"}


def review(sessions, review_id: str) -> AddressReview:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        row = s.get(AddressReview, review_id)
        assert row is not None
        s.expunge(row)
        return row


def test_the_queue_lists_reasons_and_suggestions(owner, seeded):
    html = owner.get("/addresses/holds").text
    assert "Alpha Buyer" in html and "Alpha-order-1" in html
    assert "zip_city_mismatch" in html
    assert "city → <strong>AUSTIN</strong>" in html
    assert "1 waiting" in html
    assert 'href="/addresses/holds" class="active" aria-current="page"' in html
    assert "No approved holds." in owner.get("/addresses/holds?state=approved").text
    # An unknown state falls back to the pending queue instead of failing.
    assert "Alpha Buyer" in owner.get("/addresses/holds?state=lost").text
    assert owner.get("/addresses").headers["location"] == "/addresses/holds"


def test_detail_shows_original_beside_normalised_with_changes_marked(owner, seeded):
    html = owner.get(f"/addresses/holds/{seeded.review_id}").text
    # line1 was standardised (Main St → MAIN ST): marked as a change, both values shown.
    row = re.search(r'<tr class="changed"><th scope="row">Address line 1.*?</tr>', html, re.S)
    assert row is not None
    assert '<td class="before">1 Main St</td>' in row.group(0)
    assert '<td class="after">1 MAIN ST</td>' in row.group(0)
    # The edit form is prefilled with the suggestion (AUSTIN), not with what was received.
    assert re.search(r'id="f-city" name="city" type="text" value="AUSTIN"', html)
    assert "Approve as normalised" in html and ">Reject<" in html


def test_htmx_approve_swaps_the_row_audits_and_enqueues(owner, seeded, sessions, tenant):
    response = owner.post(
        f"/addresses/holds/{seeded.review_id}/approve", {"comment": "called buyer"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="hold-{seeded.review_id}" class="row-muted"')
    assert "Approved" in response.text
    row = review(sessions, seeded.review_id)
    assert (row.state, row.comment, row.decided_by) == (
        "approved",
        "called buyer",
        tenant.owner.email,
    )
    assert last_audit(sessions, tenant.org.id).action == "address_review.approve"
    with unit_of_work(sessions) as s:
        job = s.scalars(select(OutboxJob).where(OutboxJob.name == "addresses.review_decided")).one()
        assert job.payload["decision"] == "approve"
        assert job.payload["subject_ref"] == "Alpha-order-1"
    again = owner.post(f"/addresses/holds/{seeded.review_id}/reject", {"comment": "x"})
    assert again.status_code == 409
    assert "already approved" in again.text


def test_edit_form_releases_the_corrected_address(owner, seeded, sessions):
    form = {
        "name": "Alpha Buyer", "company": "", "line1": "1 main street", "line2": "",
        "city": "austin", "state": "tx", "postcode": "78701", "country": "US", "phone": "",
        "email": "", "comment": "fixed the city",
    }  # fmt: skip
    response = owner.post(f"/addresses/holds/{seeded.review_id}/edit", form)
    assert response.status_code == 303 and response.headers["location"] == "/addresses/holds"
    row = review(sessions, seeded.review_id)
    assert row.state == "edited" and row.final_address is not None
    assert (row.final_address["city"], row.final_address["line1"]) == ("AUSTIN", "1 MAIN ST")
    html = owner.get("/addresses/holds").text
    assert "Address of Alpha Buyer corrected and released." in html
    detail = owner.get(f"/addresses/holds/{seeded.review_id}").text
    assert "Edited by" in detail and "fixed the city" in detail and "Approve" not in detail


def test_an_invalid_edit_is_shown_on_the_form_and_nothing_changes(owner, seeded, sessions):
    before = snapshot(sessions)
    form = {"line1": "1 Main St", "city": "Austin", "state": "TX", "postcode": "787O1",
            "country": "US", "comment": "try"}  # fmt: skip
    response = owner.post(f"/addresses/holds/{seeded.review_id}/edit", form)
    assert response.status_code == 422
    assert "the edited address is invalid" in response.text
    assert re.search(r'id="f-postcode" name="postcode" type="text" value="787O1"', response.text)
    assert "is not a ZIP or ZIP+4" in response.text  # next to the postcode field
    assert snapshot(sessions) == before


def test_markup_in_an_address_is_escaped(owner, sessions, tenant):
    from linkstar.addresses import reviews
    from linkstar.addresses.core import AddressInput, check

    address = AddressInput(
        id="x-1", name="<script>alert(1)</script>", line1="1 Main St", city="Dallas",
        state="TX", postcode="78701", country="US",
    )  # fmt: skip
    with unit_of_work(sessions) as s:
        row = reviews.open_review(s, tenant.org.id, "order", "x-1", check(address), address)
    for path in ("/addresses/holds", f"/addresses/holds/{row.id}"):
        html = owner.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_policy_page_saves_and_lists_errors_by_path(owner, sessions, tenant):
    html = owner.get("/addresses/policy").text
    assert "The built-in default" in html and "&#34;block_military&#34;: false" in html
    bad = '{"forwarder_hold_score": "high", "forwarder_hub_zips": ["97203", "x"]}'
    response = owner.post("/addresses/policy", {"policy": bad})
    assert response.status_code == 422
    assert "2 problem(s)" in response.text
    assert '<code class="code">forwarder_hub_zips[1]</code>' in response.text
    assert "forwarder_hub_zips" in response.text and "&#34;high&#34;" in response.text
    broken = owner.post("/addresses/policy", {"policy": "{oops"})
    assert broken.status_code == 422 and "not valid JSON" in broken.text
    with unit_of_work(sessions) as s:
        assert s.scalars(select(AddressPolicyVersion)).all() == []
    ok = owner.post("/addresses/policy", {"policy": '{"block_military": true}'})
    assert ok.status_code == 303
    page = owner.get("/addresses/policy").text
    assert "Address policy version 1 in force." in page
    assert f"Version 1, set by {tenant.owner.email}" in page
    assert last_audit(sessions, tenant.org.id).action == "address_policy.set"


def test_viewer_reads_but_cannot_decide_or_edit(tenant, seeded, make_user, browser_factory):
    viewer = browser_factory(make_user(tenant, Role.viewer))
    for path in ("/addresses/holds", f"/addresses/holds/{seeded.review_id}", "/addresses/policy"):
        html = viewer.get(path).text
        assert html.count('method="post"') == 1, path  # only the sign-out form
    assert "<textarea" not in viewer.get("/addresses/policy").text
    operator = browser_factory(make_user(tenant, Role.operator))
    assert 'action="/addresses/holds/' in operator.get("/addresses/holds").text
    assert "<textarea" not in operator.get("/addresses/policy").text


def test_htmx_decision_on_a_decided_hold_is_reported_not_swapped(owner, seeded, sessions):
    assert (
        owner.post(f"/addresses/holds/{seeded.review_id}/reject", {"comment": "x"}).status_code
        == 303
    )
    before = snapshot(sessions)
    response = owner.post(f"/addresses/holds/{seeded.review_id}/approve", headers=HTMX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flash"
    assert "already rejected" in response.text
    assert snapshot(sessions) == before
