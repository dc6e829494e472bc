"""Business time at the destination: weekends and the country's public holidays do not count.

A stalled parcel is judged in business hours, because nothing moves on a Sunday or on Christmas
Day and an alert that fires then is noise. Business time here is whole calendar days (UTC) that
are weekdays and not public holidays of the destination country (the `holidays` package); a
country it does not know gets weekends only.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np
import numpy.typing as npt

_DAY_S = 86_400


@lru_cache(maxsize=256)
def holiday_dates(country: str, first_year: int, last_year: int) -> npt.NDArray[np.datetime64]:
    """The public holidays of `country` in the given years, as datetime64[D] (empty if unknown)."""
    try:
        table = holidays.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError:
        return np.array([], dtype="datetime64[D]")
    return np.array(sorted(table.keys()), dtype="datetime64[D]")


def business_hours_between(
    start_s: npt.NDArray[np.int64],
    end_s: int,
    countries: npt.NDArray[np.object_],
) -> npt.NDArray[np.float64]:
    """Business hours from each start (epoch seconds, UTC) to `end_s`, per destination country.

    Vectorised per country: whole business days between the two dates count 24 h each, the part
    of the first and last day counts when that day is a business day. Negative spans give 0.
    """
    out = np.zeros(start_s.shape, dtype=np.float64)
    if start_s.size == 0:
        return out
    end_day = np.datetime64(end_s // _DAY_S, "D")
    end_part = (end_s % _DAY_S) / 3600.0
    first_year = int(str(np.datetime64(int(start_s.min()) // _DAY_S, "D"))[:4])
    last_year = int(str(end_day)[:4])
    items = countries.tolist()  # a few distinct countries: one dictionary pass, in C
    lookup = {country: code for code, country in enumerate(dict.fromkeys(items))}
    codes = np.fromiter(map(lookup.__getitem__, items), dtype=np.int32, count=len(items))
    for country, code in lookup.items():
        mask = codes == code
        hols = holiday_dates(str(country or ""), first_year, last_year) if country else None
        calendar = np.busdaycalendar(holidays=hols) if hols is not None and hols.size else None
        starts = start_s[mask]
        start_day = (starts // _DAY_S).astype("datetime64[D]")
        start_part = (starts % _DAY_S) / 3600.0
        if calendar is not None:
            start_open = np.is_busday(start_day, busdaycal=calendar)
            end_open = bool(np.is_busday(end_day, busdaycal=calendar))
            between = np.busday_count(start_day + 1, end_day, busdaycal=calendar)
        else:
            start_open = np.is_busday(start_day)
            end_open = bool(np.is_busday(end_day))
            between = np.busday_count(start_day + 1, end_day)
        same_day = start_day == end_day
        hours = (
            np.maximum(between, 0) * 24.0
            + np.where(start_open, 24.0 - start_part, 0.0)
            + (end_part if end_open else 0.0)
        )
        same = np.where(start_open, np.maximum(end_part - start_part, 0.0), 0.0)
        hours = np.where(same_day, same, hours)
        hours = np.where(start_day > end_day, 0.0, hours)
        out[mask] = hours
    return out
