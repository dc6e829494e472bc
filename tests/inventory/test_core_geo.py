"""Postcode centroids and distances."""

from __future__ import annotations

import math

import pytest

from linkstar.inventory.core import centroid, distance_km


@pytest.mark.parametrize(
    ("country", "postcode", "precision", "near"),
    [
        ("US", "10001", "zip", (40.7484, -73.9967)),
        ("us", "90210-1234", "zip", (34.0901, -118.4065)),
        ("GB", "SW1A 1AA", "area", (51.46, -0.17)),
        ("GB", "m1 1ae", "area", (53.48, -2.24)),
        ("GB", "EH1 1YZ", "area", (55.95, -3.19)),
        ("CA", "M5V 3L9", "area", (43.70, -79.42)),
        ("CA", "V6B 1A1", "area", (49.28, -123.12)),
        ("US", "00000", "country", (39.83, -98.58)),
        ("GB", "ZZ9 9ZZ", "country", (54.00, -2.50)),
        ("DE", "10115", "country", (51.17, 10.45)),
    ],
)
def test_centroids(country, postcode, precision, near):
    point, found = centroid(country, postcode)
    assert found == precision
    assert point is not None
    assert math.isclose(point[0], near[0], abs_tol=0.01)
    assert math.isclose(point[1], near[1], abs_tol=0.01)


def test_unknown_country_has_no_centroid():
    assert centroid("ZW", "123") == (None, "none")


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((40.7484, -73.9967), (34.0901, -118.4065), 3_950),  # New York - Beverly Hills
        ((51.46, -0.17), (53.48, -2.24), 262),  # London SW - Manchester
        ((40.7484, -73.9967), (51.46, -0.17), 5_580),  # New York - London
    ],
)
def test_distances(a, b, km):
    assert distance_km(a, b) == pytest.approx(km, rel=0.02)
    assert distance_km(a, a) == 0
