"""Tests of geo.domain._h3c (the H3 C library behind geo.domain.hexes.latlng_to_cells) against
h3-py."""

from __future__ import annotations

import os
import threading

import h3
import numpy as np
import pytest

from geo.domain import _h3c, hexes

pytestmark = pytest.mark.skipif(
    _h3c.LIB is None,
    reason="geo/domain/_h3c/libqyh3.so is not built or is stale: run "
    "`python -m geo.domain._h3c.build` (scripts/_venv.sh does it during setup); "
    "geo.domain.hexes falls back to h3ronpy meanwhile",
)

H3_INT = h3.api.basic_int.latlng_to_cell


def _c(lat, lng, res: int) -> np.ndarray:
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    lng = np.ascontiguousarray(lng, dtype=np.float64)
    out = np.full(lat.shape[0], 12345, np.uint64)
    _h3c.latlng_to_cells_into(lat, lng, res, out)
    return out


@pytest.fixture(scope="module")
def points():
    """100k points: half around Nanchang, half anywhere (poles, antimeridian, pentagons nearby)."""
    rng = np.random.default_rng(7)
    n = 50_000
    lat = np.concatenate([rng.uniform(28.6, 28.8, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))])
    lng = np.concatenate([rng.uniform(115.8, 116.1, n), rng.uniform(-180, 180, n)])
    lat[:8] = [90, -90, 0, 0, 89.999999, -89.999999, 28.68, 28.68]
    lng[:8] = [0, 0, 180, -180, 179.9999999, -180, 115.89 + 360, 115.89 - 720]  # wraps like h3
    return lat, lng


def test_engine_is_c():
    forced = os.environ.get("QY_INDEX_ENGINE") == "h3ronpy"
    assert hexes.INDEX_ENGINE == ("h3ronpy" if forced else "h3-c")
    assert _h3c.LIB.qyh3_key().decode() == _h3c.build_key()


@pytest.mark.parametrize("res", [0, 5, 9, 10, 15])
def test_equals_h3py_on_100k_points(points, res):
    lat, lng = points
    got = _c(lat, lng, res)
    want = np.fromiter(
        (H3_INT(a, b, res) for a, b in zip(lat.tolist(), lng.tolist(), strict=True)),
        np.uint64,
        lat.shape[0],
    )
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, f"{bad.size} differ, e.g. {lat[bad[:3]]}, {lng[bad[:3]]}"


def test_hexes_uses_c_and_equals_h3py(points):
    lat, lng = points
    got = hexes.latlng_to_cells(lat, lng, 10)  # 100k: the two-thread split
    assert hexes.cells_to_str(got[:2000]).tolist() == [
        h3.latlng_to_cell(a, b, 10) for a, b in zip(lat[:2000], lng[:2000], strict=True)
    ]
    assert (got == _c(lat, lng, 10)).all()


def test_nan_inf_give_zero():
    lat = np.array([28.7, np.nan, 28.7, np.inf, -np.inf, 28.7, np.nan])
    lng = np.array([115.9, 115.9, np.nan, 115.9, 115.9, np.inf, np.nan])
    got = _c(lat, lng, 10)
    assert got[0] == H3_INT(28.7, 115.9, 10)
    assert got[1:].tolist() == [0] * 6
    assert hexes.latlng_to_cells(lat, lng, 10).tolist() == got.tolist()


def test_empty_and_small():
    assert hexes.latlng_to_cells(np.zeros(0), np.zeros(0), 10).shape == (0,)
    assert hexes.latlng_to_cells([], [], 10).dtype == np.uint64
    out = np.zeros(0, np.uint64)
    _h3c.latlng_to_cells_into(np.zeros(0), np.zeros(0), 10, out)  # n == 0: no call
    one = hexes.latlng_to_cells([28.68], [115.89], 10)
    assert hexes.cells_to_str(one).tolist() == ["8a41832e359ffff"]


@pytest.mark.parametrize("n", [20_001, 250_001, 1_000_003])
def test_split_across_threads_matches_serial(n):
    rng = np.random.default_rng(n)
    lat, lng = rng.uniform(28.6, 28.8, n), rng.uniform(115.8, 116.1, n)
    lat[n // 2] = np.nan  # around the split point
    serial = _c(lat, lng, 10)
    assert (hexes._index_c(lat, lng, 10, 2) == serial).all()
    assert (hexes._index_c(lat, lng, 10, 3) == serial).all()  # uneven slices
    assert (hexes.latlng_to_cells(lat, lng, 10) == serial).all()
    assert serial[n // 2] == 0 and (np.delete(serial, n // 2) != 0).all()


def test_slices_and_non_contiguous_input():
    rng = np.random.default_rng(3)
    lat, lng = rng.uniform(28.6, 28.8, 60_000), rng.uniform(115.8, 116.1, 60_000)
    want = _c(lat, lng, 9)
    assert (hexes.latlng_to_cells(lat[::2], lng[::2], 9) == want[::2]).all()
    out = np.zeros(60_000, np.uint64)
    _h3c.latlng_to_cells_into(lat, lng, 9, out, 1000, 2000)
    assert (out[1000:2000] == want[1000:2000]).all() and not out[:1000].any()
    assert not out[2000:].any()


def test_nested_call_from_pool_thread_runs_serially():
    """Called from one of hexes' own pool threads it must not wait on the pool (deadlock)."""
    rng = np.random.default_rng(5)
    lat, lng = rng.uniform(28.6, 28.8, 300_000), rng.uniform(115.8, 116.1, 300_000)
    names = []

    def inner():
        names.append(threading.current_thread().name)
        return hexes.latlng_to_cells(lat, lng, 10)

    futs = [hexes._pool().submit(inner) for _ in range(hexes._n_workers() + 1)]
    got = [f.result(timeout=60) for f in futs]
    want = _c(lat, lng, 10)
    assert all((g == want).all() for g in got)
    assert all(n.startswith(hexes._POOL_PREFIX) for n in names)


def test_concurrent_callers():
    rng = np.random.default_rng(11)
    lat, lng = rng.uniform(28.6, 28.8, 200_000), rng.uniform(115.8, 116.1, 200_000)
    want = _c(lat, lng, 10)
    results = [None] * 4

    def run(i):
        results[i] = hexes.latlng_to_cells(lat, lng, 10)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(r is not None and (r == want).all() for r in results)
