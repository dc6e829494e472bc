"""ISO 3166-1 alpha-2 country codes, read once from the data file shipped with the package.

The list comes from the IANA tz database (iso3166.tab, public domain). It belongs in
`linkstar.kit` once the kit grows a countries module; tracking only needs membership and
a readable name.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files


@cache
def iso_countries() -> dict[str, str]:
    """Every ISO 3166-1 alpha-2 code in use, mapped to a short English name."""
    text = files("linkstar.tracking").joinpath("data", "iso3166.json").read_text("utf-8")
    countries: dict[str, str] = json.loads(text)["countries"]
    return countries


def is_iso_country(code: str | None) -> bool:
    """True when `code` is an assigned ISO 3166-1 alpha-2 code (upper-case)."""
    return code is not None and code in iso_countries()


def country_name(code: str) -> str | None:
    """The English name of an ISO alpha-2 code, or None when it is not a country code."""
    return iso_countries().get(code)
