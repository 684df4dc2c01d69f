"""Tests of geo.domain.hexes against h3-py."""

from __future__ import annotations

import h3
import numpy as np
import pytest
from shapely.geometry import Polygon, box

from geo.domain import hexes


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(42)
    n = 2000
    lat = np.concatenate([rng.uniform(28.6, 28.8, n // 2), rng.uniform(-80, 80, n // 2)])
    lng = np.concatenate([rng.uniform(115.8, 116.1, n // 2), rng.uniform(-179, 179, n // 2)])
    return lat, lng


@pytest.mark.parametrize("res", [0, 7, 9, 10, 15])
def test_latlng_to_cells_equals_h3(points, res):
    lat, lng = points
    got = hexes.latlng_to_cells(lat, lng, res)
    assert got.dtype == np.uint64
    want = [h3.latlng_to_cell(a, b, res) for a, b in zip(lat, lng, strict=True)]
    assert hexes.cells_to_str(got).tolist() == want


def test_latlng_to_cells_threaded_path_matches():
    rng = np.random.default_rng(0)
    n = 450_000  # above the threading threshold
    lat, lng = rng.uniform(28.6, 28.8, n), rng.uniform(115.8, 116.1, n)
    got = hexes.latlng_to_cells(lat, lng, 10)
    for i in rng.integers(0, n, 200):
        assert h3.int_to_str(int(got[i])) == h3.latlng_to_cell(lat[i], lng[i], 10)


def test_nan_gives_zero_and_strings_round_trip():
    c = hexes.latlng_to_cells(np.array([28.7, np.nan, 28.7]), np.array([115.9, 115.9, np.nan]), 9)
    assert c[0] != 0 and c[1] == 0 and c[2] == 0
    s = hexes.cells_to_str(c)
    assert s[1] is None and s[0] == h3.latlng_to_cell(28.7, 115.9, 9)
    back = hexes.str_to_cells([s[0], None, "", "not-a-cell"])
    assert back.tolist() == [int(c[0]), 0, 0, 0]


@pytest.mark.parametrize("res", [7, 8, 9])
def test_to_parent_equals_h3(points, res):
    lat, lng = points
    cells = hexes.latlng_to_cells(lat, lng, 10)
    got = hexes.cells_to_str(hexes.to_parent(cells, res)).tolist()
    want = [h3.cell_to_parent(h, res) for h in hexes.cells_to_str(cells)]
    assert got == want
    assert (hexes.cell_resolution(hexes.to_parent(cells, res)) == res).all()
    assert hexes.to_parent(np.array([0], np.uint64), res).tolist() == [0]
    with pytest.raises(ValueError):
        hexes.to_parent(hexes.to_parent(cells, 7), 9)


def test_cell_centres_equal_h3(points):
    lat, lng = points
    cells = hexes.latlng_to_cells(lat[:100], lng[:100], 10)
    clat, clng = hexes.cell_centres(cells)
    for h, a, b in zip(hexes.cells_to_str(cells), clat, clng, strict=True):
        assert (a, b) == pytest.approx(h3.cell_to_latlng(h), abs=1e-12)


@pytest.mark.parametrize("k", [1, 2])
def test_kring_weights_equal_grid_disk(k):
    centre = h3.latlng_to_cell(28.68, 115.89, 9)
    cells_s = sorted(h3.grid_disk(centre, 3))
    cells = hexes.str_to_cells(cells_s)
    w = hexes.kring_weights(cells, k)
    assert w.shape == (len(cells), len(cells))
    pos = {c: i for i, c in enumerate(cells_s)}
    for i, c in enumerate(cells_s):
        want = {pos[n] for n in h3.grid_disk(c, k) if n in pos}
        assert set(w[i].indices) == want
    assert (w.data == 1).all()
    w0 = hexes.kring_weights(cells, k, include_self=False)
    assert w0.diagonal().sum() == 0
    assert w0.nnz == w.nnz - len(cells)
    assert (w != w.T).nnz == 0


def test_kring_weights_rejects_duplicates():
    c = hexes.latlng_to_cells(np.array([28.7, 28.7]), np.array([115.9, 115.9]), 9)
    with pytest.raises(ValueError):
        hexes.kring_weights(c)


def test_cells_to_gdf():
    cells = hexes.str_to_cells(list(h3.grid_disk(h3.latlng_to_cell(28.68, 115.89, 9), 1)))
    gdf = hexes.cells_to_gdf(cells)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.columns) == ["h3", "res", "geometry"]
    assert (gdf["res"] == 9).all()
    for h, geom in zip(gdf["h3"], gdf.geometry, strict=True):
        ring = Polygon([(b, a) for a, b in h3.cell_to_boundary(h)])
        assert geom.symmetric_difference(ring).area < 1e-12
        assert h3.latlng_to_cell(geom.centroid.y, geom.centroid.x, 9) == h


def test_polygon_to_cells_modes():
    poly = box(115.88, 28.67, 115.90, 28.69)
    centre = hexes.polygon_to_cells(poly, 9)
    want = sorted(h3.h3shape_to_cells(h3.geo_to_h3shape(poly), 9))
    assert sorted(hexes.cells_to_str(centre)) == want
    overlap = hexes.polygon_to_cells(poly, 9, contain="overlap")
    full = hexes.polygon_to_cells(poly, 9, contain="full")
    assert set(full) <= set(centre) <= set(overlap)
    assert len(overlap) > len(centre) > len(full)
    polys = hexes.cell_polygons(overlap)
    assert all(p.intersects(poly) for p in polys)
    tiny = box(115.8900, 28.6800, 115.8901, 28.6801)  # inside one cell, no centre inside
    assert len(hexes.polygon_to_cells(tiny, 9, contain="overlap")) >= 1
    multi = poly.union(box(115.95, 28.70, 115.96, 28.71))
    assert len(hexes.polygon_to_cells(multi, 9)) > len(centre)
    with pytest.raises(ValueError):
        hexes.polygon_to_cells(poly, 9, contain="bbox")
