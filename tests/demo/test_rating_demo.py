"""The demo workspace's rate cards: 8 carriers, 21 services, on the real USPS zone chart."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import func, select

from linkstar.config import Settings
from linkstar.db.uow import unit_of_work
from linkstar.demo import rating as demo_rating
from linkstar.demo import workspace as demo
from linkstar.kit.crypto import SecretBox
from linkstar.rating import service
from linkstar.rating.core import Ineligible, Parcel
from linkstar.rating.models import RateCardVersion, ZoneChartVersion
from linkstar.workspace.core import system_principal

DATA_DIR = Settings().reference_data_dir
USPS = DATA_DIR / demo_rating.USPS_FILE
needs_usps = pytest.mark.skipif(
    not USPS.is_file(), reason=f"reference data absent: {USPS} (set LINKSTAR_REFERENCE_DATA_DIR)"
)


def _load(sessions, settings, data_dir):
    with unit_of_work(sessions) as s:
        return demo.load(s, SecretBox(settings.encryption_keys()), data_dir).organisation.id


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def _parcel(origin: str, country: str, dest: str, **changes) -> Parcel:
    fields = {
        "weight_g": 1_200,
        "length_mm": 300,
        "width_mm": 200,
        "height_mm": 100,
        "origin_country": country,
        "origin_postcode": origin,
        "dest_country": country,
        "dest_postcode": dest,
        "ship_date": date(2026, 11, 20),
    }
    fields.update(changes)
    return Parcel(**fields)  # type: ignore[arg-type]


def _priced(results) -> dict[str, object]:
    return {r.result.service_id: r.result for r in results if not isinstance(r.result, Ineligible)}


def test_the_demo_has_the_catalogue_it_promises():
    carriers = demo_rating.CARRIERS
    assert len(carriers) >= 6 and sum(len(c.services) for c in carriers) >= 20
    assert len(demo_rating.rural_zips()) == demo_rating.RURAL_COUNT
    assert demo_rating.rural_zips() == demo_rating.rural_zips.__wrapped__()  # deterministic


@needs_usps
def test_demo_cards_load_and_quote(sessions, settings):
    org_id = _load(sessions, settings, DATA_DIR)
    assert _count(sessions, RateCardVersion) == 8
    assert _count(sessions, ZoneChartVersion) == 3  # USPS, China-US, UK (shared by two cards)
    actor = system_principal(org_id)
    with unit_of_work(sessions) as s:
        services = sum(len(r.service_ids) for r in service.list_versions(s, actor))
        west = _priced(service.quote(s, actor, _parcel("91761", "US", "90210")))
        east = _priced(service.quote(s, actor, _parcel("08837", "US", "10001")))
        alaska = _priced(service.quote(s, actor, _parcel("91761", "US", "99701")))
        peak = _priced(service.quote(s, actor, _parcel("91761", "US", "90210", residential=True)))
        uk = _priced(service.quote(s, actor, _parcel("NN11 8PQ", "GB", "KW15 1AB")))
        china = _priced(
            service.quote(s, actor, _parcel("518000", "CN", "10001", dest_country="US", ddp=True))
        )
    assert services == 21
    assert {"USNP-GA", "PN-GND", "SW-HOME", "OW-GND"} <= west.keys() and "EL-GND" not in west
    assert {"USNP-GA", "EL-GND", "EL-NEXT"} <= east.keys() and "OW-GND" not in east
    assert "OW-GND" not in alaska  # regional carriers price zones 1-5 only
    assert "extended_remote" in [line.code for line in alaska["PN-GND"].lines]  # type: ignore[attr-defined]
    codes = [line.code for line in peak["PN-GND"].lines]  # type: ignore[attr-defined]
    assert codes == ["base", "residential", "peak", "fuel"]
    assert set(uk) == {"UKP-T48", "UKP-T24", "PH-NEXT", "PH-48"}  # PH-72 has no island price
    assert uk["PH-48"].zone == "ISL"  # type: ignore[attr-defined]
    assert set(china) == {"SU-ECO", "SU-PRI"}


def test_without_the_usps_chart_the_us_cards_are_skipped(sessions, settings, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        _load(sessions, settings, tmp_path)
    assert _count(sessions, RateCardVersion) == 3  # China-US and the two UK carriers
    rating_logs = [r for r in caplog.records if r.name == demo_rating.log.name]
    assert [r.getMessage() for r in rating_logs if "skipped" in r.getMessage()] == [
        f"demo: {tmp_path / demo_rating.USPS_FILE} not found, US rate cards skipped"
    ]
