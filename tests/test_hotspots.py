"""Tests of geo/hotspots.py: Gi* against esda, Gi_Bin and FDR, emerging patterns, KDE."""

from __future__ import annotations

import doctest

import h3
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import ndtr

from geo.domain import hexes
from geo.domain import hotspots as hs
from geo.domain.hexes import kring_weights as _kring_weights
from geo.domain.hotspots import (
    emerging,
    emerging_patterns,
    extent_cells,
    fdr,
    gi_bin,
    gi_star,
    hotspots,
    kde,
)

NANCHANG = (28.70, 115.98)


def disk(res: int, radius: int, lat: float = NANCHANG[0], lng: float = NANCHANG[1]) -> np.ndarray:
    centre = h3.latlng_to_cell(lat, lng, res)
    return np.array([h3.str_to_int(c) for c in h3.grid_disk(centre, radius)], dtype=np.uint64)


def centre_of(res: int) -> int:
    return h3.str_to_int(h3.latlng_to_cell(*NANCHANG, res))


def pysal_w(cells: np.ndarray, k: int, *, include_self: bool):
    """libpysal W from the cells' k-ring neighbours, computed with h3 cell by cell."""
    from libpysal.weights import W

    pos = {int(c): i for i, c in enumerate(cells)}
    neighbours = {}
    for i, c in enumerate(cells):
        ring = (h3.str_to_int(x) for x in h3.grid_disk(h3.int_to_str(int(c)), k))
        neighbours[i] = sorted(pos[x] for x in ring if x in pos and (include_self or pos[x] != i))
    return W(neighbours, silence_warnings=True)


def two_sided_p(z: np.ndarray) -> np.ndarray:
    return 2.0 * ndtr(-np.abs(np.asarray(z, dtype=float)))


# --------------------------------------------------------------------------------------------
# Gi* against esda
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize(
    ("res", "radius", "keep", "lam", "seed"),
    [
        (9, 6, 1.0, 2.0, 0),  # 127 cells, full disk
        (10, 12, 1.0, 0.7, 1),  # 469 cells, sparse counts
        (8, 9, 0.7, 5.0, 2),  # irregular study area with holes and islands
        (7, 5, 1.0, 30.0, 3),  # coarse resolution, large counts
    ],
)
@pytest.mark.parametrize("include_self", [False, True])
def test_gi_star_z_equals_esda(res, radius, keep, lam, seed, k, include_self):
    import esda

    rng = np.random.default_rng(seed)
    cells = disk(res, radius)
    cells = cells[rng.random(len(cells)) < keep]
    y = rng.poisson(lam, len(cells)).astype(float)

    ours = gi_star(y, _kring_weights(cells, k))
    ref = esda.G_Local(
        y, pysal_w(cells, k, include_self=include_self), star=True, transform="B", permutations=0
    )
    assert_allclose(ours.gi_z, ref.Zs, rtol=0, atol=1e-9)
    assert_allclose(ours.gi_p, 2 * ref.p_norm, rtol=0, atol=1e-12)  # esda's p_norm is one-sided


def test_gi_star_two_dimensional_columns_equal_one_dimensional():
    cells = disk(9, 5)
    w = _kring_weights(cells, 1)
    y = np.random.default_rng(4).poisson(1.5, (len(cells), 6))
    res = gi_star(y, w)
    assert res.gi_z.shape == y.shape
    for j in range(y.shape[1]):
        assert_allclose(res.gi_z[:, j], gi_star(y[:, j], w).gi_z, atol=1e-12)


def test_gi_star_degenerate_values_give_zero():
    cells = disk(9, 2)
    res = gi_star(np.full(len(cells), 3.0), _kring_weights(cells))
    assert_array_equal(res.gi_z, 0.0)
    assert_array_equal(res.gi_p, 1.0)


def test_gi_star_missing_diagonal_is_added_like_esda():
    cells = disk(9, 4)
    w = _kring_weights(cells)
    no_self = (w - sp.diags(w.diagonal())).tocsr()
    no_self.eliminate_zeros()
    y = np.random.default_rng(5).poisson(2.0, len(cells))
    assert_allclose(gi_star(y, no_self).gi_z, gi_star(y, w).gi_z, atol=1e-12)
    assert no_self.diagonal().sum() == 0  # the caller's matrix is left alone


def test_gi_star_rejects_bad_input():
    cells = disk(9, 2)
    w = _kring_weights(cells)
    with pytest.raises(ValueError, match="binary"):
        gi_star(np.ones(len(cells)), w * 0.5)
    with pytest.raises(ValueError, match="match"):
        gi_star(np.ones(len(cells) + 1), w)
    with pytest.raises(ValueError, match="finite"):
        gi_star(np.full(len(cells), np.nan), w)


def test_gi_star_permutations_reproducible_and_sensible():
    cells = disk(9, 8)
    y = np.random.default_rng(6).poisson(1.0, len(cells)).astype(float)
    y[np.isin(cells, disk(9, 1))] += 8  # planted cluster at the centre
    w = _kring_weights(cells)
    a = gi_star(y, w, permutations=199, seed=7)
    b = gi_star(y, w, permutations=199, seed=7)
    assert_array_equal(a.p_sim, b.p_sim)
    assert a.p_sim.min() >= 1 / 200 and a.p_sim.max() <= 0.5 + 1 / 200
    assert a.p_sim[cells == centre_of(9)][0] == pytest.approx(1 / 200)


# --------------------------------------------------------------------------------------------
# weights and study area
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2])
def test_kring_weights_match_h3(k):
    cells = disk(9, 5)
    rng = np.random.default_rng(8)
    cells = cells[rng.permutation(len(cells))][:70]  # unordered, with gaps
    w = _kring_weights(cells, k)
    assert (w != w.T).nnz == 0
    assert_array_equal(w.diagonal(), 1.0)
    pos = {int(c): i for i, c in enumerate(cells)}
    for i, c in enumerate(cells):
        want = sorted(
            pos[h3.str_to_int(x)]
            for x in h3.grid_disk(h3.int_to_str(int(c)), k)
            if h3.str_to_int(x) in pos
        )
        assert w.indices[w.indptr[i] : w.indptr[i + 1]].tolist() == want


def test_kring_weights_reject_duplicates():
    cells = disk(9, 1)
    with pytest.raises(ValueError, match="unique"):
        _kring_weights(np.concatenate([cells, cells[:1]]))


def test_extent_cells_cover_points_with_padding():
    rng = np.random.default_rng(9)
    lat = NANCHANG[0] + rng.normal(0, 0.01, 300)
    lng = NANCHANG[1] + rng.normal(0, 0.01, 300)
    cells = extent_cells(lat, lng, 9, pad_k=1)
    point_cells = {h3.str_to_int(h3.latlng_to_cell(a, b, 9)) for a, b in zip(lat, lng, strict=True)}
    assert point_cells <= set(cells.tolist())
    assert len(cells) > len(point_cells)  # zero-count cells inside the hull are included
    assert np.all(cells[1:] > cells[:-1])  # sorted and unique
    for c in point_cells:  # padding: every point cell's ring is inside
        ring = {h3.str_to_int(x) for x in h3.grid_disk(h3.int_to_str(c), 1)}
        assert ring <= set(cells.tolist())


def test_extent_cells_single_point():
    cells = extent_cells([NANCHANG[0]], [NANCHANG[1]], 9, pad_k=1)
    assert len(cells) == 7


# --------------------------------------------------------------------------------------------
# Gi_Bin and FDR
# --------------------------------------------------------------------------------------------


def test_gi_bin_levels():
    z = np.array([3.0, -3.0, 2.0, -2.0, 1.7, -1.7, 1.5, 0.0])
    assert gi_bin(z, two_sided_p(z)).tolist() == [3, -3, 2, -2, 1, -1, 0, 0]


def test_fdr_benjamini_hochberg_hand_cases():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # thresholds i/10 * 0.05 = 0.005, 0.010, 0.015, ...: only the two smallest pass
    assert fdr(p, 0.05).tolist() == [True, True] + [False] * 8
    # step-up: the smallest fails its own threshold (0.02 > 0.0167) but a larger one passes
    assert fdr(np.array([0.03, 0.02, 0.024]), 0.05).tolist() == [True, True, True]
    assert fdr(np.array([0.5, np.nan, 0.001]), 0.05).tolist() == [False, False, True]


def test_fdr_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(10).beta(0.3, 2.0, 500)
    for alpha in (0.01, 0.05, 0.10):
        assert_array_equal(fdr(p, alpha), multipletests(p, alpha, method="fdr_bh")[0])


def test_gi_bin_with_fdr_demotes():
    p = np.array([0.004, 0.03, 0.08] + [0.5] * 7)
    z = np.array([2.9, 2.2, 1.8] + [0.3] * 7)
    assert gi_bin(z, p).tolist() == [3, 2, 1] + [0] * 7
    # 99 %: 0.004 > 1/10 * 0.01 -> none; 95 %: 0.004 <= 0.005 only; 90 %: 0.004 <= 0.01 only
    assert gi_bin(z, p, fdr=True).tolist() == [2] + [0] * 9
    assert gi_bin(-z, p, fdr=True).tolist() == [-2] + [0] * 9


# --------------------------------------------------------------------------------------------
# hot spots
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("use_fdr", [False, True])
def test_planted_cluster_is_hot(use_fdr):
    cells = disk(9, 15)
    counts = np.random.default_rng(11).poisson(1.0, len(cells))
    cluster = np.isin(cells, disk(9, 1))
    counts[cluster] += 10
    df = hotspots(cells, counts, fdr=use_fdr)
    assert list(df.columns) == ["cell", "count", "gi_z", "gi_p", "gi_bin"]
    assert (df.loc[cluster, "gi_bin"] == 3).all()
    assert df.loc[df["gi_z"].idxmax(), "cell"] == centre_of(9)
    outside = df.loc[~np.isin(cells, disk(9, 3)), "gi_bin"]
    assert (outside.abs() == 3).mean() < (0.001 if use_fdr else 0.02)  # noise, not the cluster


def test_hotspots_accepts_precomputed_weights():
    cells = disk(9, 6)
    counts = np.random.default_rng(12).poisson(2.0, len(cells))
    w = _kring_weights(cells, 2)
    pd.testing.assert_frame_equal(hotspots(cells, counts, k=2), hotspots(cells, counts, weights=w))


# --------------------------------------------------------------------------------------------
# emerging hot spots
# --------------------------------------------------------------------------------------------

_HOT = 2.5
_WOBBLE = [3.0, 2.6, 2.9, 2.7, 3.1, 2.6, 2.8, 3.0, 2.7, 2.9]  # significant, no MK trend
_SERIES = {
    "new_hot": [0.0] * 9 + [_HOT],
    "consecutive_hot": [0.0] * 7 + [_HOT] * 3,
    "intensifying_hot": np.linspace(2.0, 4.0, 10),
    "persistent_hot": _WOBBLE,
    "diminishing_hot": np.linspace(4.0, 2.0, 10),
    "sporadic_hot": [_HOT, 0, 0, _HOT, _HOT, 0, 0, 0, 0, _HOT],
    "oscillating_hot": [-_HOT, 0, 0, 0, _HOT, 0, 0, 0, 0, _HOT],
    "historical_hot": [_HOT] * 9 + [0.0],
}
_SERIES |= {name.replace("_hot", "_cold"): -np.asarray(z) for name, z in _SERIES.items()}
_SERIES |= {
    "none": [0.3, -0.5, 1.0, 0.2, -1.2, 0.0, 0.4, 1.1, -0.3, 0.6],
    "none_past_hot": [0, _HOT, _HOT, _HOT, 0, 0, 0, 0, 0, 0],  # hot once, not now, < 90 %
}


def test_emerging_patterns_every_class():
    names = list(_SERIES)
    z = np.array([np.asarray(_SERIES[n], dtype=float) for n in names])
    out = emerging_patterns(z, two_sided_p(z))
    got = dict(zip(names, out["pattern"], strict=True))
    want = {n: ("none" if n.startswith("none") else n) for n in names}
    assert got == want
    assert set(out["pattern"]) == set(hs.PATTERNS)
    row = out.iloc[names.index("intensifying_hot")]
    assert row.trend_z > 0 and row.trend_p < 0.05 and row.n_hot == 10 and row.last_gi_bin == 3
    row = out.iloc[names.index("diminishing_cold")]
    assert row.trend_z > 0 and row.trend_p < 0.05 and row.n_cold == 10
    assert np.isnan(out.iloc[names.index("none")].trend_p)  # never significant: no MK test


def test_emerging_from_counts():
    cells = disk(9, 10)
    rng = np.random.default_rng(13)
    steps = 10
    counts = rng.poisson(1.0, (len(cells), steps)).astype(float)
    core = disk(9, 1)
    west = disk(9, 1, NANCHANG[0], NANCHANG[1] - 0.025)
    assert not np.intersect1d(core, west).size and np.isin(west, cells).all()
    counts[np.isin(cells, core), :] += 10  # a cluster at every step
    counts[np.isin(cells, west), -1] += 12  # a cluster at the final step only
    frame = pd.DataFrame(
        counts,
        index=pd.Index(cells, name="cell"),
        columns=pd.period_range("2026-01", periods=steps, freq="M"),
    )
    out = emerging(frame)
    assert list(out.columns[:4]) == ["cell", "pattern", "trend_z", "trend_p"]
    by_cell = out.set_index("cell")["pattern"]
    assert by_cell[centre_of(9)] in {"persistent_hot", "intensifying_hot", "diminishing_hot"}
    west_centre = h3.str_to_int(h3.latlng_to_cell(NANCHANG[0], NANCHANG[1] - 0.025, 9))
    assert by_cell[west_centre] == "new_hot"
    assert (by_cell == "none").mean() > 0.5
    with_fdr = emerging(frame, fdr=True).set_index("cell")["pattern"]
    assert with_fdr[centre_of(9)] == by_cell[centre_of(9)]
    assert (with_fdr != "none").sum() <= (by_cell != "none").sum()


def test_emerging_needs_two_steps():
    with pytest.raises(ValueError, match="2 time steps"):
        emerging_patterns(np.zeros((3, 1)), np.ones((3, 1)))


# --------------------------------------------------------------------------------------------
# kernel density
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_kde_peak_and_symmetry(kernel):
    cells = disk(10, 12)
    lat, lng = h3.cell_to_latlng(h3.int_to_str(centre_of(10)))
    dens = kde(np.full(5, lat), np.full(5, lng), cells, bandwidth_m=300, kernel=kernel)
    assert cells[np.argmax(dens)] == centre_of(10)
    # symmetric: the density is a function of the distance alone, the kernel of the great-circle
    # distance to the points (H3 rings are not exactly equidistant, so compare with distances)
    d = np.array(
        [
            h3.great_circle_distance((lat, lng), h3.cell_to_latlng(h3.int_to_str(int(c))), "m")
            for c in cells
        ]
    )
    h = 300.0
    if kernel == "quartic":
        want = 3 / (np.pi * h**2) * np.clip(1 - (d / h) ** 2, 0, None) ** 2
    else:
        want = np.exp(-0.5 * (d / h) ** 2) / (2 * np.pi * h**2)
    assert_allclose(dens, 5 * want * 1e6, rtol=1e-3, atol=5e-3)  # gaussian: cut at 4 sd
    # the density integrates to the number of points (per km² times cell area)
    area_km2 = np.array([h3.cell_area(h3.int_to_str(int(c)), "km^2") for c in cells])
    assert (dens * area_km2).sum() == pytest.approx(5, rel=0.05)


def test_kde_zero_beyond_bandwidth_and_empty():
    cells = disk(10, 12)
    lat, lng = h3.cell_to_latlng(h3.int_to_str(centre_of(10)))
    dens = kde([lat], [lng], cells, bandwidth_m=200)
    far = ~np.isin(cells, disk(10, 4))  # res-10 spacing ~ 130 m: ring 4 is beyond 200 m
    assert_array_equal(dens[far], 0.0)
    assert_array_equal(kde([], [], cells), 0.0)


def test_module_doctests():
    result = doctest.testmod(hs, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_a_study_area_of_one_cell_has_no_hot_spot():
    """Gi* compares a cell with the others: with fewer than two there is nothing to compare, and
    a briefing of a store with one located record must still come out."""
    one = hexes.latlng_to_cells(np.array([28.7]), np.array([115.9]), 9)
    out = hs.hotspots(one, np.array([3]))
    assert out[["count", "gi_z", "gi_p", "gi_bin"]].values.tolist() == [[3, 0.0, 1.0, 0]]
    assert hs.hotspots(one[:0], np.array([], np.int64)).empty
