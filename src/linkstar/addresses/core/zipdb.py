"""The US ZIP database from the `zipcodes` package, indexed once into plain dicts."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

import zipcodes

from linkstar.addresses.core.text import fold

_CITY_WORDS = {"SAINT": "ST", "SAINTE": "STE", "FORT": "FT", "MOUNT": "MT", "MOUNTAIN": "MTN"}
_CITY_WORDS |= {"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "CENTER": "CTR"}
_CITY_WORDS |= {"HEIGHTS": "HTS", "SPRINGS": "SPGS", "JUNCTION": "JCT", "VILLAGE": "VLG"}
_MILITARY_CITIES = frozenset({"APO", "FPO", "DPO"})
MILITARY_STATES = frozenset({"AA", "AE", "AP"})
_APOSTROPHE = re.compile(r"['\u2019`]")


def city_key(city: str) -> str:
    """A key under which spellings of one city name meet ("St. Louis" = "Saint Louis")."""
    words = fold(_APOSTROPHE.sub("", city)).split()
    return " ".join(_CITY_WORDS.get(w, w) for w in words)


@dataclass(frozen=True, slots=True)
class ZipRecord:
    """One ZIP: its type, its primary city, the other names USPS accepts or rejects, its state."""

    zip: str
    kind: str
    city: str
    state: str
    acceptable: frozenset[str]
    unacceptable: frozenset[str]
    acceptable_names: tuple[str, ...]

    @property
    def military(self) -> bool:
        """APO/FPO/DPO ZIPs."""
        return self.kind == "MILITARY" or self.state in MILITARY_STATES


@dataclass(frozen=True, slots=True)
class ZipIndex:
    """ZIP → record, and (city key, state) → ZIPs, built once per process."""

    by_zip: dict[str, ZipRecord]
    by_city_state: dict[tuple[str, str], tuple[str, ...]]
    cities_by_state: dict[str, tuple[str, ...]]

    def zips_for(self, city: str, state: str) -> tuple[str, ...]:
        """The ZIPs that serve a city in a state (primary or acceptable name)."""
        return self.by_city_state.get((city_key(city), state), ())

    def close_city(self, city: str, record: ZipRecord) -> str | None:
        """The ZIP's city name closest to a misspelt one, when it is close enough to be a typo."""
        names = {city_key(n): n for n in record.acceptable_names}
        match = difflib.get_close_matches(city_key(city), list(names), n=1, cutoff=0.8)
        return names[match[0]].upper() if match else None

    def city_in_state(self, city: str, state: str) -> bool:
        """Whether USPS knows a city of that name in the state."""
        return (city_key(city), state) in self.by_city_state


@cache
def zip_index() -> ZipIndex:
    """The index (about half a second to build; shared by every check in the process)."""
    by_zip: dict[str, ZipRecord] = {}
    by_city_state: dict[tuple[str, str], list[str]] = {}
    for row in zipcodes.list_all():
        state = str(row["state"])
        names = (str(row["city"]), *(str(c) for c in row["acceptable_cities"]))
        record = ZipRecord(
            zip=str(row["zip_code"]),
            kind=str(row["zip_code_type"]),
            city=str(row["city"]).upper(),
            state=state,
            acceptable=frozenset(city_key(n) for n in names),
            unacceptable=frozenset(city_key(str(c)) for c in row["unacceptable_cities"]),
            acceptable_names=names,
        )
        by_zip[record.zip] = record
        for key in record.acceptable:
            by_city_state.setdefault((key, state), []).append(record.zip)
    cities: dict[str, list[str]] = {}
    for key, state in by_city_state:
        cities.setdefault(state, []).append(key)
    return ZipIndex(
        by_zip=by_zip,
        by_city_state={k: tuple(v) for k, v in by_city_state.items()},
        cities_by_state={k: tuple(v) for k, v in cities.items()},
    )


def is_military_city(city: str) -> bool:
    """APO, FPO or DPO."""
    return fold(city) in _MILITARY_CITIES
