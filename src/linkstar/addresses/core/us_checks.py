"""US validation: the ZIP exists and agrees with the city and the state (USPS data via zipcodes)."""

from __future__ import annotations

import re

from linkstar.addresses.core import us
from linkstar.addresses.core.findings import Findings
from linkstar.addresses.core.intl import area_postcode
from linkstar.addresses.core.model import Flag
from linkstar.addresses.core.text import fold
from linkstar.addresses.core.zipdb import (
    MILITARY_STATES,
    ZipRecord,
    city_key,
    is_military_city,
    zip_index,
)

_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


def check_us(found: Findings, raw_postcode: str) -> ZipRecord | None:
    """Check ZIP, city and state together; returns the ZIP's record when the ZIP exists."""
    parts = found.parts
    postcode = parts["postcode"]
    if not postcode:
        return None
    if not _ZIP.match(postcode):
        found.add("postcode_format", "postcode", f"{postcode!r} is not a ZIP or ZIP+4")
        return None
    index = zip_index()
    record = index.by_zip.get(postcode[:5])
    if us.standard_zip(raw_postcode)[1] == "zip_zero_padded":
        parts["postcode"] = raw_postcode  # the padding is a correction: decided below
        if record is None or parts["state"] not in ("", record.state):
            found.add("postcode_format", "postcode", f"{raw_postcode!r} is not a ZIP or ZIP+4")
            return None
        found.fix("postcode", postcode, "zip_zero_padded", "leading zeros restored to the ZIP")
    if record is None:
        _unknown_zip(found, postcode)
        return None
    _state(found, record)
    if parts["state"] == record.state:
        _city(found, record)
    if record.kind == "PO BOX":
        found.flag(Flag.ZIP_PO_BOX_ONLY)
    elif record.kind == "UNIQUE":
        found.flag(Flag.ZIP_UNIQUE)
    return record


def _unknown_zip(found: Findings, postcode: str) -> None:
    parts = found.parts
    found.add("zip_unknown", "postcode", f"ZIP {postcode[:5]} is not in the USPS ZIP list")
    state = parts["state"]
    prefix = area_postcode("US", state) if state else None
    if prefix is not None and not prefix.match(postcode):
        found.add("zip_state_mismatch", "postcode", f"ZIP {postcode[:5]} is not a ZIP of {state}")
    for candidate in zip_index().zips_for(parts["city"], state)[:3]:
        found.suggest("postcode", candidate, "zip_for_city")


def _state(found: Findings, record: ZipRecord) -> None:
    parts = found.parts
    state = parts["state"]
    if state == record.state:
        return
    if not state:
        found.fix("state", record.state, "state_from_zip", f"state taken from ZIP {record.zip}")
    elif not parts["city"] or (
        city_key(parts["city"]) in record.acceptable
        and not zip_index().city_in_state(parts["city"], state)
    ):
        found.fix(
            "state", record.state, "state_corrected", f"ZIP {record.zip} is in {record.state}"
        )
    else:
        found.add(
            "zip_state_mismatch",
            "state",
            f"ZIP {record.zip} is {record.city.title()}, {record.state}, not {state}",
        )
        for candidate in zip_index().zips_for(parts["city"], state)[:3]:
            found.suggest("postcode", candidate, "zip_for_city")
        found.suggest("state", record.state, "state_of_zip")


def _city(found: Findings, record: ZipRecord) -> None:
    parts = found.parts
    city = parts["city"]
    key = city_key(city)
    if key in record.acceptable:
        _usps_spelling(found, record, key)
        return
    if record.military and is_military_city(city):
        return
    if not city:
        found.fix("city", record.city, "city_from_zip", f"city taken from ZIP {record.zip}")
        return
    if key in record.unacceptable:
        message = f"USPS does not accept {city!r} for ZIP {record.zip}; it is {record.city}"
        found.fix("city", record.city, "city_unacceptable", message)
        return
    close = zip_index().close_city(city, record)
    if close:
        found.fix("city", close, "city_corrected", f"{city!r} looks like a misspelling of {close}")
        return
    found.add(
        "zip_city_mismatch",
        "city",
        f"ZIP {record.zip} is {record.city.title()}, {record.state}, not {city.title()}",
    )
    found.suggest("city", record.city, "city_of_zip")
    for candidate in zip_index().zips_for(city, parts["state"])[:3]:
        found.suggest("postcode", candidate, "zip_for_city")


def _usps_spelling(found: Findings, record: ZipRecord, key: str) -> None:
    # "N Adams" and "St Louis" are the same places as USPS's "NORTH ADAMS" and "SAINT LOUIS":
    # the normalised form takes the USPS spelling, which is no correction of substance.
    city = found.parts["city"]
    names = [n.upper() for n in record.acceptable_names if city_key(n) == key]
    if names and fold(city) not in {fold(n) for n in names}:
        found.parts["city"] = names[0]
        found.add("city_spelling", "city", f"{city!r} is written {names[0]} by USPS")


def military_consistent(state: str, city: str, record: ZipRecord | None) -> bool:
    """APO/FPO/DPO go with AA/AE/AP and a military ZIP, and the other way round."""
    military_state = state in MILITARY_STATES
    military_city = is_military_city(city)
    military_zip = record.military if record else military_state
    if military_state:
        return military_city and military_zip
    return not military_city or military_zip
