"""The address service: stored policies, checks with them, the review queue and its decisions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from linkstar.addresses import checks, policy_store, reviews
from linkstar.addresses.core import AddressInput, Policy, Verdict, check
from linkstar.addresses.models import AddressReview
from linkstar.addresses.policy_store import PolicyRejected
from linkstar.addresses.reviews import Decision, ReviewState
from linkstar.db.uow import unit_of_work
from linkstar.jobs.registry import get_spec
from linkstar.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from linkstar.workspace.core import Role, user_principal
from linkstar.workspace.models import AuditEntry
from tests.addresses.helpers import APO, BAD_ZIP, CONGRESS_AVE, DALLAS_78701, NEW_YROK, counts, jobs


def _input(fields: dict[str, str]) -> AddressInput:
    return AddressInput(**fields)


def _hold(sessions, org_id: str, fields: dict[str, str], ref: str | None = None) -> str:
    address = _input(fields)
    with unit_of_work(sessions) as s:
        row = reviews.open_review(s, org_id, "order", ref or address.id, check(address), address)
        return row.id


def test_default_policy_until_one_is_set(sessions, tenant):
    with unit_of_work(sessions) as s:
        found = policy_store.get_policy(s, tenant.principal)
    assert found.version == 0 and found.policy == Policy() and found.set_by is None


def test_set_policy_versions_audits_and_changes_checks(sessions, tenant):
    actor = tenant.principal
    with unit_of_work(sessions) as s:
        assert checks.check_one(s, actor, _input(APO)).verdict is Verdict.VALID
        first = policy_store.set_policy(s, actor, {"block_military": True})
    assert (first.version, first.set_by) == (1, tenant.owner.email)
    with unit_of_work(sessions) as s:
        result = checks.check_one(s, actor, _input(APO))
        assert result.verdict is Verdict.INVALID and "military_blocked" in result.reason_codes
        same = policy_store.set_policy(s, actor, {"block_military": True})
        assert same.version == 1  # unchanged content adds no version
        second = policy_store.set_policy(s, actor, {"forwarder_hold_score": 40})
        assert second.version == 2 and second.policy.block_military is False
    with unit_of_work(sessions) as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "address_policy.set")
            .order_by(AuditEntry.at)
        ).all()
    assert [e.after for e in entries] == [
        {"block_military": True},
        {
            "block_military": False,
            "forwarder_hold_score": 40,
        },
    ]


def test_bad_policy_lists_every_problem_with_its_path_and_writes_nothing(sessions, tenant):
    before = counts(sessions)
    bad = {
        "block_military": "yes",
        "forwarder_hold_score": 500,
        "forwarder_hub_zips": ["97203", "ABCDE"],
        "require_phone_countries": ["BR", "Brazil"],
        "severity_overrides": {"po_box_held": "fatal"},
        "no_such_option": 1,
    }
    with pytest.raises(PolicyRejected) as caught, unit_of_work(sessions) as s:
        policy_store.set_policy(s, tenant.principal, bad)
    paths = [e["path"] for e in caught.value.errors]
    assert paths == [
        "block_military",
        "forwarder_hold_score",
        "forwarder_hub_zips[1]",
        "require_phone_countries[1]",
        "severity_overrides",
        "no_such_option",
    ]
    reasons = {e["path"]: e["reason"] for e in caught.value.errors}
    assert reasons["forwarder_hub_zips[1]"] == "'ABCDE' is not a five-digit ZIP"
    assert reasons["no_such_option"] == "unknown policy option 'no_such_option'"
    assert caught.value.code == "policy_rejected"
    with pytest.raises(PolicyRejected) as top, unit_of_work(sessions) as s:
        policy_store.set_policy(s, tenant.principal, ["not", "an", "object"])
    assert top.value.errors == [{"path": "$", "reason": "a policy is a JSON object"}]
    assert counts(sessions) == before


def test_policy_needs_workspace_manage(sessions, tenant):
    operator = user_principal(tenant.org.id, "u1", "op@x.example", Role.operator)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        policy_store.set_policy(s, operator, {"block_military": True})
    with unit_of_work(sessions) as s:
        assert policy_store.get_policy(s, operator).version == 0


def test_policies_are_per_organisation(sessions, make_tenant):
    a, b = make_tenant("A Trading"), make_tenant("B Retail")
    with unit_of_work(sessions) as s:
        policy_store.set_policy(s, a.principal, {"block_military": True})
    with unit_of_work(sessions) as s:
        assert checks.check_one(s, b.principal, _input(APO)).verdict is Verdict.VALID
        assert policy_store.get_policy(s, b.principal).version == 0


def test_open_review_is_idempotent_per_subject(sessions, tenant):
    org = tenant.org.id
    first = _hold(sessions, org, DALLAS_78701)
    again = _hold(sessions, org, {**DALLAS_78701, "city": "Dalas"})
    assert again == first
    with sessions() as s:
        rows = s.scalars(select(AddressReview)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.subject_type, row.subject_ref, row.state) == ("order", "order-1001", "pending")
    assert row.original["city"] == "Dalas"  # the re-check replaced the pending content
    assert row.verdict == "needs_review" and row.reasons[0]["code"] == "zip_city_mismatch"
    assert {"field": "city", "value": "AUSTIN", "reason": row.suggestions[0]["reason"],
            "applied": False} == row.suggestions[0]  # fmt: skip


def test_batch_open_reviews_uses_one_flush_for_many(sessions, tenant):
    items = []
    for n in range(50):
        address = _input({**DALLAS_78701, "id": f"o{n}"})
        items.append((address.id, check(address), address))
    with unit_of_work(sessions) as s:
        ids = reviews.open_reviews(s, tenant.org.id, "order", items)
        assert len(set(ids)) == 50
    with unit_of_work(sessions) as s:
        again = reviews.open_reviews(s, tenant.org.id, "order", items)
        refs = {r.id: r.subject_ref for r in s.scalars(select(AddressReview))}
    assert again == ids
    assert [refs[i] for i in ids] == [ref for ref, _, _ in items]
    assert counts(sessions)["AddressReview"] == 50


def test_approve_audits_and_announces(sessions, tenant):
    review_id = _hold(sessions, tenant.org.id, DALLAS_78701)
    with unit_of_work(sessions) as s:
        row = reviews.decide(s, tenant.principal, review_id, "approve", comment=" customer ok ")
        assert row.state == ReviewState.APPROVED
        normalised = dict(row.normalised)
    with sessions() as s:
        row = s.get(AddressReview, review_id)
        assert row is not None
        assert (row.decided_by, row.comment) == (tenant.owner.email, "customer ok")
        assert row.final_address == normalised and normalised["city"] == "DALLAS"
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "address_review.approve")
        ).one()
    assert entry.entity_id == review_id
    assert entry.before is not None and entry.before["state"] == "pending"
    assert entry.after is not None and entry.after["state"] == "approved"
    assert jobs(sessions, "addresses.review_decided") == [
        {
            "review_id": review_id,
            "subject_type": "order",
            "subject_ref": "order-1001",
            "decision": "approve",
            "final_address": normalised,
        }
    ]


def test_edit_rechecks_and_stores_the_normalised_address(sessions, tenant):
    review_id = _hold(sessions, tenant.org.id, DALLAS_78701)
    edited = _input({**DALLAS_78701, "id": "ignored", "city": "austin"})
    with unit_of_work(sessions) as s:
        row = reviews.decide(s, tenant.principal, review_id, Decision.EDIT, edited, "typo")
        assert row.state == "edited"
    with sessions() as s:
        row = s.get(AddressReview, review_id)
        assert row is not None and row.final_address is not None
        final = dict(row.final_address)
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "address_review.edit")
        ).one()
    assert (final["id"], final["city"], final["line1"]) == ("order-1001", "AUSTIN", "1 MAIN ST")
    assert entry.after is not None and entry.after["recheck"] == {"verdict": "valid", "reasons": []}
    assert jobs(sessions, "addresses.review_decided")[0]["final_address"] == final


def test_edit_to_an_invalid_address_is_refused_and_writes_nothing(sessions, tenant):
    review_id = _hold(sessions, tenant.org.id, DALLAS_78701)
    before = counts(sessions)
    with pytest.raises(InvalidInput) as caught, unit_of_work(sessions) as s:
        reviews.decide(s, tenant.principal, review_id, "edit", _input(BAD_ZIP))
    assert caught.value.message == "the edited address is invalid: '787O1' is not a ZIP or ZIP+4"
    assert [r["code"] for r in caught.value.details["reasons"]] == ["postcode_format"]
    with pytest.raises(InvalidInput), unit_of_work(sessions) as s:
        reviews.decide(s, tenant.principal, review_id, "edit", None)
    assert counts(sessions) == before
    with sessions() as s:
        assert s.get(AddressReview, review_id).state == "pending"  # type: ignore[union-attr]


def test_reject_then_decided_reviews_are_a_conflict(sessions, tenant):
    review_id = _hold(sessions, tenant.org.id, DALLAS_78701)
    with unit_of_work(sessions) as s:
        row = reviews.decide(s, tenant.principal, review_id, "reject", comment="fraud")
        assert (row.state, row.final_address) == ("rejected", None)
    before = counts(sessions)
    for action in ("approve", "reject", "edit"):
        with pytest.raises(Conflict), unit_of_work(sessions) as s:
            reviews.decide(s, tenant.principal, review_id, action, _input(CONGRESS_AVE))
    assert counts(sessions) == before
    assert [j["decision"] for j in jobs(sessions, "addresses.review_decided")] == ["reject"]


def test_unknown_decision_and_permissions(sessions, tenant):
    review_id = _hold(sessions, tenant.org.id, DALLAS_78701)
    with pytest.raises(InvalidInput), unit_of_work(sessions) as s:
        reviews.decide(s, tenant.principal, review_id, "ship-anyway")
    viewer = user_principal(tenant.org.id, "v1", "viewer@x.example", Role.viewer)
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as s:
        reviews.decide(s, viewer, review_id, "approve")
    operator = user_principal(tenant.org.id, "o1", "op@x.example", Role.operator)
    with unit_of_work(sessions) as s:
        assert reviews.decide(s, operator, review_id, "approve").decided_by == "op@x.example"


def test_a_rechecked_decided_subject_stays_decided_unless_the_address_changed(sessions, tenant):
    org = tenant.org.id
    review_id = _hold(sessions, org, DALLAS_78701)
    with unit_of_work(sessions) as s:
        reviews.decide(s, tenant.principal, review_id, "approve")
    assert _hold(sessions, org, DALLAS_78701) == review_id
    with sessions() as s:
        assert s.get(AddressReview, review_id).state == "approved"  # type: ignore[union-attr]
    _hold(sessions, org, {**DALLAS_78701, "line1": "2 Main St"})
    with sessions() as s:
        row = s.get(AddressReview, review_id)
        assert row is not None
        assert (row.state, row.decided_by, row.final_address) == ("pending", None, None)


def test_reviews_of_another_organisation_are_not_found(sessions, make_tenant):
    a, b = make_tenant("A Trading"), make_tenant("B Retail")
    review_id = _hold(sessions, b.org.id, DALLAS_78701)
    with pytest.raises(NotFound), unit_of_work(sessions) as s:
        reviews.get_review(s, a.principal, review_id)
    with pytest.raises(NotFound), unit_of_work(sessions) as s:
        reviews.decide(s, a.principal, review_id, "approve")
    with unit_of_work(sessions) as s:
        assert reviews.list_reviews(s, a.principal, None, 50).items == []
        assert len(reviews.list_reviews(s, b.principal, ReviewState.PENDING, 50).items) == 1
        assert reviews.list_reviews(s, b.principal, ReviewState.APPROVED, 50).items == []


def test_batch_hold_opens_reviews_only_for_needs_review(sessions, tenant):
    batch = [_input(a) for a in (DALLAS_78701, CONGRESS_AVE, NEW_YROK, BAD_ZIP)]
    with unit_of_work(sessions) as s:
        found = checks.check_batch(s, tenant.principal, batch, hold=True)
    assert [r.verdict.value for r in found.results] == [
        "needs_review", "valid", "corrected", "invalid",
    ]  # fmt: skip
    assert found.counts == {"valid": 1, "corrected": 1, "needs_review": 1, "invalid": 1}
    assert found.review_ids[0] is not None and found.review_ids[1:] == [None, None, None]
    with sessions() as s:
        row = s.get(AddressReview, found.review_ids[0])
        assert row is not None and (row.subject_type, row.subject_ref) == ("api", "order-1001")


def test_batch_hold_needs_distinct_ids_and_writes_nothing_otherwise(sessions, tenant):
    before = counts(sessions)
    for batch, field in (
        ([_input({**DALLAS_78701, "id": ""})], "addresses[0].id"),
        ([_input(DALLAS_78701), _input(DALLAS_78701)], "addresses[1].id"),
    ):
        with pytest.raises(InvalidInput) as caught, unit_of_work(sessions) as s:
            checks.check_batch(s, tenant.principal, batch, hold=True)
        assert caught.value.details == {"field": field}
    with unit_of_work(sessions) as s:
        plain = checks.check_batch(s, tenant.principal, [_input(DALLAS_78701)] * 2)
        assert plain.review_ids == [None, None]
    assert counts(sessions) == before


def test_review_decided_job_has_a_handler():
    spec = get_spec("addresses.review_decided")
    assert spec is not None and spec.handler.__module__ == "linkstar.orders.tasks"
