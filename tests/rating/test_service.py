"""Storing rate cards: immutable versions, effective dates, audit, nothing written on rejection."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from linkstar.db.uow import unit_of_work
from linkstar.kit.errors import Conflict, PermissionDenied
from linkstar.rating import service
from linkstar.rating.core import Ineligible, Parcel
from linkstar.rating.importer import parse_path
from linkstar.rating.models import RateCardVersion, ZoneChartVersion
from linkstar.rating.sheets import read_folder
from linkstar.workspace.core import Role, user_principal
from linkstar.workspace.models import AuditEntry
from tests.rating.importing import EXAMPLE, broken_copy


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _counts(sessions) -> dict[str, int]:
    return {
        m.__name__: _count(sessions, m) for m in (RateCardVersion, ZoneChartVersion, AuditEntry)
    }


def _import(sessions, actor, path=EXAMPLE, **kw) -> str:
    with unit_of_work(sessions) as s:
        return service.import_workbook(s, actor, read_folder(path), **kw).id


def _parcel(day: date, **changes) -> Parcel:
    fields = {
        "weight_g": 1_200,
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "origin_country": "US",
        "origin_postcode": "91761",
        "dest_country": "US",
        "dest_postcode": "90210",
        "ship_date": day,
    }
    fields.update(changes)
    return Parcel(**fields)  # type: ignore[arg-type]


def test_import_writes_a_version_its_chart_and_audit(sessions, tenant):
    first = _import(sessions, tenant.principal)
    with unit_of_work(sessions) as s:
        row = service.get_version(s, tenant.principal, first)
        assert (row.carrier, row.name, row.version, row.status) == (
            "westcoast",
            "westcoast",
            1,
            "active",
        )
        assert (row.effective_from, row.effective_to) == (date(2026, 1, 1), None)
        assert row.service_ids == ["WCP-GND", "WCP-2DAY"]
        assert row.row_counts["prices"] == 32 and row.source_filename == "rate-cards"
        assert row.imported_by == tenant.owner.email
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.at)).all()
    assert [a for a in actions if a.startswith(("rate_card", "zone_chart"))] == [
        "zone_chart.import",
        "rate_card.import",
    ]
    assert _counts(sessions)["ZoneChartVersion"] == 1


def test_versions_are_never_overwritten_and_close_each_other(sessions, tenant):
    actor = tenant.principal
    v1 = _import(sessions, actor)
    v2 = _import(sessions, actor, effective_from=date(2026, 6, 1))
    v3 = _import(sessions, actor, effective_from=date(2026, 9, 15))
    with unit_of_work(sessions) as s:
        rows = {r.id: r for r in service.list_versions(s, actor)}
        assert [(rows[v].version, rows[v].effective_from, rows[v].effective_to, rows[v].status)
                for v in (v1, v2, v3)] == [
            (1, date(2026, 1, 1), date(2026, 5, 31), "superseded"),
            (2, date(2026, 6, 1), date(2026, 9, 14), "superseded"),
            (3, date(2026, 9, 15), None, "active"),
        ]  # fmt: skip
        in_force = {
            day: getattr(service.card_in_force(s, actor, "westcoast", day), "id", None)
            for day in (
                date(2025, 12, 31),
                date(2026, 1, 1),
                date(2026, 5, 31),
                date(2026, 6, 1),
                date(2026, 9, 14),
                date(2026, 9, 15),
                date(2030, 1, 1),
            )
        }
    assert list(in_force.values()) == [None, v1, v1, v2, v2, v3, v3]
    with unit_of_work(sessions) as s:
        found = service.card_for_service(s, actor, "WCP-2DAY", date(2026, 7, 1))
        assert found is not None and found.id == v2
        assert service.card_for_service(s, actor, "NOPE", date(2026, 7, 1)) is None
    # The same zone chart again is not a new chart version.
    assert _counts(sessions)["ZoneChartVersion"] == 1


def test_a_version_must_start_after_the_previous_one(sessions, tenant):
    _import(sessions, tenant.principal)
    before = _counts(sessions)
    with pytest.raises(Conflict, match="must start later"):
        _import(sessions, tenant.principal, effective_from=date(2026, 1, 1))
    assert _counts(sessions) == before


def test_a_rejected_card_writes_nothing(sessions, tenant, tmp_path):
    broken = broken_copy(tmp_path / "card", {"prices.csv": [("6.40", "6.405")]})
    before = _counts(sessions)
    with pytest.raises(service.RateCardRejected) as caught:
        _import(sessions, tenant.principal, broken)
    assert caught.value.details == {
        "errors": [
            {
                "source": "prices.csv",
                "row": 3,
                "column": "price",
                "reason": "'6.405' has more than 2 decimals for USD",
            }
        ]
    }
    assert (
        _counts(sessions)
        == before
        == {"RateCardVersion": 0, "ZoneChartVersion": 0, "AuditEntry": before["AuditEntry"]}
    )


def test_permissions(sessions, make_tenant):
    tenant = make_tenant()
    viewer = user_principal(tenant.org.id, tenant.owner.id, "v@x.example", Role.viewer)
    with pytest.raises(PermissionDenied, match="routing:manage"):
        _import(sessions, viewer)
    _import(sessions, tenant.principal)
    with unit_of_work(sessions) as s:
        assert len(service.quote(s, viewer, _parcel(date(2026, 3, 1)))) == 2


def test_quote_uses_the_version_in_force_and_rebuilds_from_storage(sessions, tenant):
    actor = tenant.principal
    v1 = _import(sessions, actor)
    v2 = _import(sessions, actor, effective_from=date(2026, 6, 1))
    with unit_of_work(sessions) as s:
        march = service.quote(s, actor, _parcel(date(2026, 3, 1)))
        july = service.quote(s, actor, _parcel(date(2026, 3, 1)), date(2026, 7, 1))
        service._cards.clear()
        service._charts.clear()
        rebuilt = service.quote(s, actor, _parcel(date(2026, 3, 1)))
    assert {q.card.id for q in march} == {v1} and {q.card.id for q in july} == {v2}
    assert [q.result for q in rebuilt] == [q.result for q in march]
    ground = march[0].result
    assert not isinstance(ground, Ineligible) and ground.total == 795 + 99  # base + 12.5 % fuel
    assert march[0].service_name == "WestCoast Parcel Ground"


def test_another_organisation_sees_nothing(sessions, make_tenant):
    a, b = make_tenant("A Trading"), make_tenant("B Retail")
    _import(sessions, a.principal)
    with unit_of_work(sessions) as s:
        assert service.list_versions(s, b.principal) == []
        assert service.card_in_force(s, b.principal, "westcoast", date(2026, 3, 1)) is None
        assert service.quote(s, b.principal, _parcel(date(2026, 3, 1))) == []


def test_cards_may_reuse_a_stored_zone_chart(sessions, tenant, tmp_path):
    _import(sessions, tenant.principal)
    card = broken_copy(tmp_path / "card", {"services.csv": [(",westcoast,", ",westcoast2,")] * 2})
    (card / "zones.csv").unlink()
    surcharges = card / "surcharges.csv"
    surcharges.write_text(surcharges.read_text().replace("westcoast", "westcoast2"))
    with unit_of_work(sessions) as s:
        result = service.parse_upload(s, tenant.principal, read_folder(card))
        assert result.ok, result.issues
        row = service.import_rate_card(s, tenant.principal, result.card)  # type: ignore[arg-type]
        first = service.card_in_force(s, tenant.principal, "westcoast", date(2026, 3, 1))
        assert first is not None and row.zone_chart_ids == first.zone_chart_ids
    assert parse_path(card).issues  # without storage the chart is unknown
