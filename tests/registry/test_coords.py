import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.registry import coords

# Mainland China and Hainan, where GCJ-02 applies.
china_lon = st.floats(min_value=73.0, max_value=135.0)
china_lat = st.floats(min_value=3.0, max_value=53.0)


def metres_between(lon1, lat1, lon2, lat2) -> float:
    dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    dy = math.radians(lat2 - lat1)
    return 6371008.8 * math.hypot(dx, dy)


# Reference values published with the gcoord library's tests (lon, lat) → (lon, lat), 5 decimals.
@pytest.mark.parametrize(
    "func, expected",
    [
        (coords.wgs84_to_gcj02, (123.00607541, 45.00197815)),
        (coords.gcj02_to_bd09, (123.00636499, 45.00636899)),
        (coords.bd09_to_gcj02, (122.99363304, 44.99365430)),
        (coords.wgs84_to_bd09, (123.0124491, 45.0083293)),
        (coords.gcj02_to_wgs84, (122.99395597, 44.99804071)),
        (coords.bd09_to_wgs84, (122.98762210, 44.99171540)),
    ],
)
def test_it_matches_published_reference_values(func, expected):
    lon, lat = func(123.0, 45.0)
    assert lon == pytest.approx(expected[0], abs=5e-6)
    assert lat == pytest.approx(expected[1], abs=5e-6)


def test_it_shifts_hainan_by_a_few_hundred_metres():
    lon, lat = coords.wgs84_to_gcj02(110.46, 19.24)
    assert 200 < metres_between(110.46, 19.24, lon, lat) < 1000


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_it_inverts_gcj02_to_well_under_half_a_metre(lon, lat):
    back_lon, back_lat = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lon, lat))
    assert metres_between(lon, lat, back_lon, back_lat) < 0.01


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_it_round_trips_bd09(lon, lat):
    back_lon, back_lat = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lon, lat))
    assert metres_between(lon, lat, back_lon, back_lat) < 0.5


@pytest.mark.parametrize("point", [(-0.1276, 51.5072), (151.2, -33.87), (183.0, 45.0), (100.0, 60.0)])
def test_it_leaves_points_outside_china_unchanged(point):
    assert coords.wgs84_to_gcj02(*point) == point
    assert coords.gcj02_to_wgs84(*point) == point


def test_it_returns_plain_floats():
    lon, lat = coords.gcj02_to_wgs84(110.46, 19.24)
    assert type(lon) is float and type(lat) is float


def test_it_converts_arrays_like_single_points():
    rng = np.random.default_rng(7)
    lons = np.concatenate([rng.uniform(73, 135, 500), [-0.1276, 151.2]])
    lats = np.concatenate([rng.uniform(3, 53, 500), [51.5072, -33.87]])
    for array_func, scalar_func in [
        (coords.wgs84_to_gcj02_array, coords.wgs84_to_gcj02),
        (coords.gcj02_to_wgs84_array, coords.gcj02_to_wgs84),
        (coords.bd09_to_gcj02_array, coords.bd09_to_gcj02),
        (coords.bd09_to_wgs84_array, coords.bd09_to_wgs84),
    ]:
        out_lons, out_lats = array_func(lons, lats)
        expected = np.array([scalar_func(lon, lat) for lon, lat in zip(lons, lats, strict=True)])
        np.testing.assert_allclose(out_lons, expected[:, 0], atol=1e-9)
        np.testing.assert_allclose(out_lats, expected[:, 1], atol=1e-9)
