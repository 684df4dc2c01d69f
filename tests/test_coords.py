"""Tests for geo.domain.coords: GCJ-02 / BD-09 offsets, iterative inverses, pyproj CRSs,
haversine."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from geo.domain import coords
from geo.domain.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_m,
    normalise_crs_name,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

china_lng = st.floats(73.5, 134.7, allow_nan=False)
china_lat = st.floats(18.2, 53.5, allow_nan=False)
ROUND_TRIP_M = 0.05

# Reference outputs of the published formulas for (128.543, 37.065), as printed in the README of
# wandergis/coordTransform_py (forward directions are exact formula outputs).
REF_IN = (128.543, 37.065)
REF_WGS_TO_GCJ = (128.54820547949757, 37.065651049489816)
REF_GCJ_TO_BD = (128.54944656269413, 37.07113427883019)
REF_WGS_TO_BD = (128.55468192918485, 37.07168344938498)
# Their inverses are one-step approximations, a few metres off the exact inverse.
REF_GCJ_TO_WGS_APPROX = (128.53779452050244, 37.06434895051018)
REF_BD_TO_GCJ_APPROX = (128.5365893261212, 37.058754503281534)


# ---------------------------------------------------------------- reference values


def test_tiananmen_wgs84_to_gcj02() -> None:
    lng, lat = wgs84_to_gcj02(116.397428, 39.90923)
    assert_allclose([lng, lat], [116.403672, 39.910630], atol=1e-5)


@pytest.mark.parametrize(
    ("func", "expected"),
    [
        (wgs84_to_gcj02, REF_WGS_TO_GCJ),
        (gcj02_to_bd09, REF_GCJ_TO_BD),
        (wgs84_to_bd09, REF_WGS_TO_BD),
    ],
)
def test_forward_reference_values(func, expected) -> None:
    assert_allclose(func(*REF_IN), expected, rtol=0, atol=1e-11)


@pytest.mark.parametrize(
    ("inverse", "forward", "approx"),
    [
        (gcj02_to_wgs84, wgs84_to_gcj02, REF_GCJ_TO_WGS_APPROX),
        (bd09_to_gcj02, gcj02_to_bd09, REF_BD_TO_GCJ_APPROX),
    ],
)
def test_inverse_is_exact_and_near_published_approximation(inverse, forward, approx) -> None:
    lng, lat = inverse(*REF_IN)
    assert haversine_m(lng, lat, *approx) < 5.0
    assert haversine_m(*forward(lng, lat), *REF_IN) < 1e-3


# ---------------------------------------------------------------- round-trip properties


@settings(max_examples=300, deadline=None)
@given(china_lng, china_lat)
def test_gcj02_round_trip(lng: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lng, lat))
    assert haversine_m(lng, lat, *back) < ROUND_TRIP_M
    again = wgs84_to_gcj02(*gcj02_to_wgs84(lng, lat))
    assert haversine_m(lng, lat, *again) < ROUND_TRIP_M


@settings(max_examples=300, deadline=None)
@given(china_lng, china_lat)
def test_bd09_gcj02_round_trip(lng: float, lat: float) -> None:
    back = bd09_to_gcj02(*gcj02_to_bd09(lng, lat))
    assert haversine_m(lng, lat, *back) < ROUND_TRIP_M
    again = gcj02_to_bd09(*bd09_to_gcj02(lng, lat))
    assert haversine_m(lng, lat, *again) < ROUND_TRIP_M


@settings(max_examples=300, deadline=None)
@given(china_lng, china_lat)
def test_bd09_wgs84_round_trip(lng: float, lat: float) -> None:
    back = bd09_to_wgs84(*wgs84_to_bd09(lng, lat))
    assert haversine_m(lng, lat, *back) < ROUND_TRIP_M
    again = wgs84_to_bd09(*bd09_to_wgs84(lng, lat))
    assert haversine_m(lng, lat, *again) < ROUND_TRIP_M


def test_round_trips_vectorised_on_many_points() -> None:
    rng = np.random.default_rng(42)
    lng, lat = rng.uniform(73.5, 134.7, 50_000), rng.uniform(18.2, 53.5, 50_000)
    assert haversine_m(lng, lat, *gcj02_to_wgs84(*wgs84_to_gcj02(lng, lat))).max() < 1e-3
    assert haversine_m(lng, lat, *bd09_to_wgs84(*wgs84_to_bd09(lng, lat))).max() < 1e-3
    assert haversine_m(lng, lat, *wgs84_to_bd09(*bd09_to_wgs84(lng, lat))).max() < 1e-3


# ---------------------------------------------------------------- shapes, NaN, outside China

ALL_PAIRS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]


@pytest.mark.parametrize("func", ALL_PAIRS)
def test_shapes_are_kept_and_broadcast(func) -> None:
    lng = np.linspace(110.0, 120.0, 12).reshape(3, 4)
    lat = np.full((3, 4), 30.0)
    x, y = func(lng, lat)
    assert x.shape == y.shape == (3, 4)
    x2, y2 = func(lng, 30.0)
    assert_allclose(x2, x)
    assert_allclose(y2, y)
    xs, ys = func(115.0, 30.0)
    assert isinstance(xs, np.ndarray)
    assert xs.shape == ys.shape == ()
    xl, _ = func([115.0, 116.0], [30.0, 31.0])
    assert xl.shape == (2,)


@pytest.mark.parametrize("func", ALL_PAIRS)
def test_nan_propagates(func) -> None:
    x, y = func([np.nan, 115.0, 115.0], [30.0, np.nan, 30.0])
    assert np.isnan(x[:2]).all()
    assert np.isnan(y[:2]).all()
    assert np.isfinite([x[2], y[2]]).all()
    x, y = func(np.full(3, np.nan), np.full(3, np.nan))
    assert np.isnan(x).all()
    assert np.isnan(y).all()


def test_inputs_are_not_modified() -> None:
    lng, lat = np.array([115.0, 116.0]), np.array([28.0, 29.0])
    bd09_to_wgs84(lng, lat)
    to_wgs84(lng, lat, "gcj02")
    assert_allclose(lng, [115.0, 116.0])
    assert_allclose(lat, [28.0, 29.0])


@pytest.mark.parametrize(
    "point", [(0.0, 0.0), (-122.4194, 37.7749), (151.2093, -33.8688), (2.3522, 48.8566)]
)
def test_outside_china_unchanged_for_gcj02(point) -> None:
    lng, lat = point
    assert wgs84_to_gcj02(lng, lat) == (lng, lat)
    assert gcj02_to_wgs84(lng, lat) == (lng, lat)


def test_inside_china_is_shifted_by_hundreds_of_metres() -> None:
    d = haversine_m(115.98, 28.70, *wgs84_to_gcj02(115.98, 28.70))
    assert 100.0 < d < 1000.0


# ---------------------------------------------------------------- CRS names and pyproj CRSs


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("wgs84", "wgs84"),
        ("WGS-84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("4326", "wgs84"),
        (4326, "wgs84"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("amap", "gcj02"),
        ("Tencent", "gcj02"),
        ("火星", "gcj02"),
        ("bd09", "bd09"),
        ("BD-09", "bd09"),
        ("baidu", "bd09"),
        ("百度", "bd09"),
        ("EPSG:32650", "EPSG:32650"),
        ("epsg:2227", "EPSG:2227"),
        (pyproj.CRS.from_epsg(2435), "EPSG:2435"),
    ],
)
def test_normalise_crs_name(text, name) -> None:
    assert normalise_crs_name(text) == name


@pytest.mark.parametrize("bad", ["not-a-crs", "EPSG:999999", "", "   ", None, 3.5])
def test_unknown_crs_raises_value_error(bad) -> None:
    with pytest.raises(ValueError, match="unknown CRS"):
        normalise_crs_name(bad)
    with pytest.raises(ValueError, match="unknown CRS"):
        to_wgs84(115.0, 28.0, bad)
    with pytest.raises(ValueError, match="unknown CRS"):
        from_wgs84(115.0, 28.0, bad)


def test_unknown_crs_message_names_the_text() -> None:
    with pytest.raises(ValueError, match="EPSG:bogus"):
        to_wgs84(1.0, 2.0, "EPSG:bogus")


def test_to_wgs84_dispatches_offsets() -> None:
    gcj = wgs84_to_gcj02(115.98, 28.70)
    assert_allclose(to_wgs84(*gcj, "amap"), (115.98, 28.70), atol=1e-9)
    bd = wgs84_to_bd09(115.98, 28.70)
    assert_allclose(to_wgs84(*bd, "百度"), (115.98, 28.70), atol=1e-9)
    assert_allclose(to_wgs84(115.98, 28.70, "EPSG:4326"), (115.98, 28.70))
    assert_allclose(from_wgs84(115.98, 28.70, "gcj-02"), gcj)
    assert_allclose(from_wgs84(115.98, 28.70, "bd-09"), bd)


def test_state_plane_feet_false_origin() -> None:
    """EPSG:2227 (California zone 3, US survey feet): the false origin is (-120.5, 36.5)."""
    false_easting_ft = 2_000_000.0 * 3937.0 / 1200.0  # 2 000 000 m in US survey feet
    false_northing_ft = 500_000.0 * 3937.0 / 1200.0
    lng, lat = to_wgs84(false_easting_ft, false_northing_ft, "EPSG:2227")
    assert haversine_m(lng, lat, -120.5, 36.5) < 1.0
    # 1000 ftUS north is 304.8006 m on the ground (up to the map scale factor), not 1000 m
    lng2, lat2 = to_wgs84(false_easting_ft, false_northing_ft + 1000.0, "EPSG:2227")
    _, _, ground_m = pyproj.Geod(ellps="WGS84").inv(lng, lat, lng2, lat2)
    assert ground_m == pytest.approx(304.8006, abs=0.1)


def test_state_plane_feet_matches_pyproj() -> None:
    city_hall = (-122.4192, 37.7793)
    fwd = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2227", always_xy=True)
    x, y = fwd.transform(*city_hall)
    assert haversine_m(*to_wgs84(x, y, "EPSG:2227"), *city_hall) < 1.0
    assert_allclose(from_wgs84(*city_hall, "EPSG:2227"), (x, y), atol=0.01)


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:32650",
        32650,
        pyproj.CRS.from_epsg(32650),
        pyproj.CRS.from_epsg(32650).to_wkt(),
        pyproj.CRS.from_epsg(32650).to_wkt("WKT1_ESRI"),  # as found in a .prj file
        "+proj=utm +zone=50 +datum=WGS84 +units=m +no_defs",
    ],
)
def test_utm_50n_round_trip_nanchang(crs) -> None:
    lng = np.array([115.98, 115.85, np.nan])
    lat = np.array([28.70, 28.68, 28.70])
    x, y = from_wgs84(lng, lat, crs)
    # 115.98E is ~1.02 deg west of the 117E central meridian: easting ~400 km
    assert 400_000 < x[0] < 401_000
    assert 3_170_000 < y[0] < 3_180_000
    back = to_wgs84(x, y, crs)
    assert (haversine_m(lng[:2], lat[:2], back[0][:2], back[1][:2]) < 1e-3).all()
    assert np.isnan(x[2]) and np.isnan(back[0][2])


def test_projected_transformer_is_cached() -> None:
    to_wgs84(400_000.0, 3_175_000.0, "EPSG:32650")
    hits = coords._transformer.cache_info().hits
    to_wgs84(400_000.0, 3_175_000.0, "EPSG:32650")
    assert coords._transformer.cache_info().hits == hits + 1


# ---------------------------------------------------------------- haversine


def test_haversine_known_distances() -> None:
    one_degree_m = coords.EARTH_RADIUS_M * math.pi / 180.0
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(one_degree_m)
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(one_degree_m)
    assert haversine_m(115.98, 28.70, 115.98, 28.70) == 0.0
    assert haversine_m(0.0, 0.0, 180.0, 0.0) == pytest.approx(math.pi * coords.EARTH_RADIUS_M)


def test_haversine_vectorised_and_nan() -> None:
    d = haversine_m([0.0, np.nan, 116.0], [0.0, 0.0, 39.0], 0.0, [1.0, 1.0, 40.0])
    assert d.shape == (3,)
    assert np.isnan(d[1])
    assert d[2] == pytest.approx(haversine_m(0.0, 40.0, 116.0, 39.0))


def test_gcj02_inverse_converges_next_to_the_china_box_edge() -> None:
    """Within ~600 m of the box edge the forward formula jumps (shifted inside, not outside);
    the inverse round-trips every point that can round-trip, on both sides of each edge."""
    from geo.domain.coords import _CHINA_BBOX_DEG, _in_china

    lng_min, lng_max, lat_min, lat_max = _CHINA_BBOX_DEG
    off = np.linspace(-0.02, 0.02, 401)  # about +-2 km across each edge
    cases = [
        (lng_min + off, np.full(off.size, 40.0)),
        (lng_max + off, np.full(off.size, 45.0)),
        (np.full(off.size, 110.0), lat_min + off),
        (np.full(off.size, 120.0), lat_max + off),
    ]
    for lng, lat in cases:
        gx, gy = wgs84_to_gcj02(lng, lat)
        bx, by = gcj02_to_wgs84(gx, gy)
        # WGS-84 -> GCJ-02 -> WGS-84 holds unless the shift carried a point out of the box
        # (its image is then also the image of itself, outside: it comes back as that)
        can = ~(_in_china(lng, lat) & ~_in_china(gx, gy))
        assert can.mean() > 0.8
        assert haversine_m(lng[can], lat[can], bx[can], by[can]).max() < 1e-3
        # GCJ-02 -> WGS-84 -> GCJ-02 holds wherever a WGS-84 point maps there at all
        wx, wy = gcj02_to_wgs84(lng, lat)
        fx, fy = wgs84_to_gcj02(wx, wy)
        hit = haversine_m(lng, lat, fx, fy) < 1e-3
        reachable = ~_in_china(lng, lat) | _in_china(wx, wy)
        assert (hit == reachable).all()
        assert reachable.mean() > 0.85  # the strip no point maps to is a few hundred metres
