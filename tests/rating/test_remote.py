"""Remote areas per carrier from the stored cards' remote and extended-remote rows."""

from __future__ import annotations

from datetime import date

import pytest

from linkstar.db.uow import unit_of_work
from linkstar.rating import service
from linkstar.rating.remote import RemoteArea, remote_areas
from linkstar.rating.sheets import read_folder
from linkstar.workspace.core import system_principal
from tests.rating.importing import EXAMPLE

DAY = date(2026, 6, 1)


@pytest.fixture
def card(sessions, tenant):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        service.import_workbook(s, system_principal(tenant.org.id), read_folder(EXAMPLE))
    return tenant.org.id


@pytest.mark.parametrize(
    ("country", "postcode", "expected"),
    [
        ("US", "93514", [RemoteArea("westcoast", None, "remote", 385, "USD")]),
        ("US", "93514-1234", [RemoteArea("westcoast", None, "remote", 385, "USD")]),
        ("US", "96150", [RemoteArea("westcoast", None, "remote", 385, "USD")]),
        ("us", "97501", [RemoteArea("westcoast", None, "remote", 385, "USD")]),
        ("US", "99501", [RemoteArea("westcoast", None, "extended_remote", 950, "USD")]),
        ("US", "90210", []),
        ("US", "9351", []),  # not a ZIP: nothing, never an exception
        ("CA", "93514", []),  # the list is for US postcodes only
        ("", "93514", []),
        ("US", "", []),
    ],
)
def test_remote_lists_per_carrier(sessions, card, country, postcode, expected):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        assert remote_areas(s, card, country, postcode, DAY) == expected


def test_no_card_in_force_means_no_remote_area(sessions, card):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as s:
        assert remote_areas(s, card, "US", "93514", date(2020, 1, 1)) == []
