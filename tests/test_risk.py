"""Tests of geo/risk.py: weights table, RTM exposure, GLM weights, risk surface, gaps."""

from __future__ import annotations

import doctest
import math

import h3
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from geo.domain import hexes
from geo.domain import risk as rk
from geo.domain.risk import (
    DEFAULT_WEIGHTS,
    exposure,
    fit_weights,
    gaps,
    open_hazards,
    risk_surface,
    weights_from_csv,
    weights_from_records,
    weights_to_csv,
    weights_to_records,
)

TZ = "Asia/Shanghai"
CENTRE = (28.70, 115.98)


def _disk(k: int = 3, res: int = 9) -> np.ndarray:
    c = h3.latlng_to_cell(*CENTRE, res)
    return np.array(sorted(h3.str_to_int(x) for x in h3.grid_disk(c, k)), dtype=np.uint64)


def _offset(lat: float, lng: float, east_m: float, north_m: float) -> tuple[float, float]:
    r = rk.EARTH_RADIUS_M
    return (
        lat + math.degrees(north_m / r),
        lng + math.degrees(east_m / (r * math.cos(math.radians(lat)))),
    )


def _haversine_m(lat1, lng1, lat2, lng2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlng = np.radians(lng2 - lng1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlng / 2) ** 2
    return 2 * rk.EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def _table(*rows):
    return weights_from_records([{"factor": f, "radius_m": r, "weight": w} for f, r, w in rows])


# ----------------------------------------------------------------------------------------------
# weights table
# ----------------------------------------------------------------------------------------------


def test_default_weights_are_valid_and_round_trip(tmp_path):
    t = weights_from_records(DEFAULT_WEIGHTS)
    pd.testing.assert_frame_equal(t, DEFAULT_WEIGHTS)
    assert list(t.columns) == rk.WEIGHT_COLUMNS
    assert t["radius_m"].between(200, 400).all() and t["weight"].between(1.0, 3.0).all()
    recs = weights_to_records(DEFAULT_WEIGHTS)
    assert recs[0] == {
        "factor": "venue:ktv",
        "label_zh": "KTV歌厅",
        "label_en": "KTV / karaoke",
        "radius_m": 300.0,
        "weight": 2.5,
    }
    pd.testing.assert_frame_equal(weights_from_records(recs), DEFAULT_WEIGHTS)
    path = tmp_path / "weights.csv"
    weights_to_csv(DEFAULT_WEIGHTS, path)
    pd.testing.assert_frame_equal(weights_from_csv(path), DEFAULT_WEIGHTS)


def test_weights_labels_default_to_factor():
    t = weights_from_records([{"factor": " Hazard:Fire ", "radius_m": "150", "weight": 2}])
    assert t.iloc[0].to_dict() == {
        "factor": "hazard:fire",
        "label_zh": "hazard:fire",
        "label_en": "hazard:fire",
        "radius_m": 150.0,
        "weight": 2.0,
    }


@pytest.mark.parametrize(
    ("row", "match"),
    [
        (
            {"factor": "shop:bar", "radius_m": 100, "weight": 1},
            r"row 2 \(factor 'shop:bar'\).*look like",
        ),
        (
            {"factor": "venue:karaoke", "radius_m": 100, "weight": 1},
            r"row 2 .*unknown venue category",
        ),
        ({"factor": "venue:ktv", "radius_m": 100, "weight": 1}, r"row 2 .*duplicate"),
        ({"factor": "venue:bar", "radius_m": -5, "weight": 1}, r"row 2 .*radius_m must satisfy"),
        ({"factor": "venue:bar", "radius_m": 9000, "weight": 1}, r"row 2 .*radius_m"),
        (
            {"factor": "venue:bar", "radius_m": 100, "weight": "high"},
            r"row 2 .*weight must be a number",
        ),
        ({"factor": "venue:bar", "radius_m": 100, "weight": 0}, r"row 2 .*weight must satisfy"),
        ({"factor": "venue:bar", "radius_m": None, "weight": 1}, r"row 2 .*radius_m"),
        ({"radius_m": 100, "weight": 1}, r"row 2 .*factor is missing"),
    ],
)
def test_weights_validation_names_the_bad_row(row, match):
    rows = [{"factor": "venue:ktv", "radius_m": 300, "weight": 2.5}, row]
    with pytest.raises(ValueError, match=match):
        weights_from_records(rows)


# ----------------------------------------------------------------------------------------------
# exposure
# ----------------------------------------------------------------------------------------------


def test_exposure_binary_matches_brute_force_distances():
    cells = _disk(3)
    clat, clng = hexes.cell_centres(cells)
    rng = np.random.default_rng(1)
    vlat = CENTRE[0] + rng.uniform(-0.008, 0.008, 12)
    vlng = CENTRE[1] + rng.uniform(-0.008, 0.008, 12)
    cats = np.array(["bar", "ktv", "hotel"] * 4)
    venues = pd.DataFrame({"category": cats, "lat": vlat, "lng": vlng})
    table = _table(
        ("venue:bar", 300, 2.0),
        ("venue:ktv", 200, 2.0),
        ("venue:hotel", 450, 1.5),
        ("venue:market", 300, 2.0),
    )
    ex = exposure(cells, venues, None, None, table)
    cnt = exposure(cells, venues, None, None, table, mode="count")
    dens = exposure(cells, venues, None, None, table, mode="density")
    assert list(ex.columns) == list(table["factor"])
    assert ex.index.name == "cell" and ex.index.dtype == np.uint64
    assert_array_equal(ex.index.to_numpy(), cells)
    for cat, radius in (("bar", 300), ("ktv", 200), ("hotel", 450)):
        m = cats == cat
        d = _haversine_m(clat[:, None], clng[:, None], vlat[m][None, :], vlng[m][None, :])
        # equirectangular vs haversine differ by < 0.1 m here; keep away from the boundary
        safe = np.all(np.abs(d - radius) > 1.0, axis=1)
        assert safe.sum() > 0.9 * len(cells)
        assert_array_equal(ex[f"venue:{cat}"].to_numpy()[safe], (d <= radius).any(axis=1)[safe])
        assert_array_equal(cnt[f"venue:{cat}"].to_numpy()[safe], (d <= radius).sum(axis=1)[safe])
        assert_allclose(dens[f"venue:{cat}"], cnt[f"venue:{cat}"] / (math.pi * radius**2) * 1e6)
    assert (ex["venue:market"] == 0).all()
    assert ex.dtypes.eq(np.int64).all() and dens.dtypes.eq(np.float64).all()


def test_exposure_within_radius_one_outside_zero():
    cells = _disk(2)
    clat, clng = hexes.cell_centres(cells)
    i = 5
    lat, lng = _offset(clat[i], clng[i], 80.0, 0.0)  # 80 m east of cell i's centre
    sites = pd.DataFrame({"category": ["bank"], "lat": [lat], "lng": [lng]})
    ex = exposure(cells, None, sites, None, _table(("site:bank", 100, 1.4)))
    expected = np.zeros(len(cells), np.int64)
    expected[i] = 1
    assert_array_equal(ex["site:bank"].to_numpy(), expected)
    ex2 = exposure(cells, None, sites, None, _table(("site:bank", 70, 1.4)))
    assert ex2["site:bank"].sum() == 0


def _hazards():
    cells = _disk(2)
    clat, clng = hexes.cell_centres(cells)
    ts = lambda s: pd.Timestamp(s, tz=TZ)  # noqa: E731
    hz = pd.DataFrame(
        {
            "hazard_id": ["H1", "H2", "H3"],
            "category": ["fire", "gas", "fire"],
            "lat": clat[[0, 1, 2]],
            "lng": clng[[0, 1, 2]],
            "found_at": [ts("2022-06-01 10:00"), ts("2022-07-01 10:00"), ts("2022-05-01")],
            "status": ["rectified", "open", "rectified"],
            "rectified_at": [ts("2022-06-10 10:00"), pd.NaT, pd.NaT],  # H3: rectified, date unknown
        }
    )
    return cells, hz


@pytest.mark.parametrize(
    ("at", "open_ids"),
    [
        (None, ["H2"]),
        ("2022-05-30", []),
        ("2022-06-05", ["H1"]),
        (pd.Timestamp("2022-06-10 10:00", tz=TZ), []),  # rectified at that instant: closed
        (pd.Timestamp("2022-06-10 09:59", tz=TZ), ["H1"]),
        ("2022-06-20", []),
        ("2022-07-05", ["H2"]),
    ],
)
def test_open_hazards_at_a_time(at, open_ids):
    cells, hz = _hazards()
    is_open = open_hazards(hz, at)
    assert hz.loc[is_open, "hazard_id"].tolist() == open_ids
    table = _table(("hazard:open", 50, 1.8), ("hazard:fire", 50, 2.0))
    ex = exposure(cells, None, None, hz, table, at=at)
    open_cells = {int(cells[j]) for j, h in enumerate(["H1", "H2", "H3"]) if h in open_ids}
    assert set(ex.index[ex["hazard:open"] == 1].astype(np.int64)) == open_cells
    fire_cells = {int(cells[0])} if "H1" in open_ids else set()
    assert set(ex.index[ex["hazard:fire"] == 1].astype(np.int64)) == fire_cells


def test_exposure_empty_inputs_and_bad_mode():
    cells = _disk(1)
    ex = exposure(cells, None, pd.DataFrame(columns=["category", "lat", "lng"]), None)
    assert ex.shape == (7, len(DEFAULT_WEIGHTS)) and (ex == 0).all().all()
    assert exposure(np.zeros(0, np.uint64), None, None, None).shape == (0, len(DEFAULT_WEIGHTS))
    with pytest.raises(ValueError, match="mode"):
        exposure(cells, None, None, None, mode="kernel")


# ----------------------------------------------------------------------------------------------
# regression
# ----------------------------------------------------------------------------------------------

TRUE_COEF = np.array([0.8, 0.4, 0.0])
FACTORS = ["venue:bar", "site:hub", "site:school"]


def _simulated(n: int = 4000, nb_alpha: float | None = None, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = (rng.uniform(size=(n, 3)) < 0.3).astype(np.int64)
    mu = np.exp(0.5 + x @ TRUE_COEF)
    if nb_alpha is not None:  # gamma-Poisson mixture: Var = mu + alpha mu^2 (NB2)
        mu = mu * rng.gamma(1 / nb_alpha, nb_alpha, size=n)
    y = rng.poisson(mu)
    return pd.DataFrame(x, columns=FACTORS), y


def test_poisson_fit_recovers_generating_weights():
    ex, y = _simulated()
    fit = fit_weights(ex, y, family="poisson")
    assert list(fit.columns) == rk.FIT_COLUMNS
    assert fit["factor"].tolist() == FACTORS
    assert_allclose(fit["coef"], TRUE_COEF, atol=0.06)
    assert_allclose(fit["rr"], np.exp(fit["coef"]))
    assert fit["selected"].tolist() == [True, True, False]
    assert (fit["p"].iloc[:2] < 1e-6).all()
    assert fit.attrs["warnings"] == [] and fit.attrs["nb_alpha"] is None
    assert abs(fit.attrs["intercept"] - 0.5) < 0.06


def test_negbin_fit_recovers_weights_and_dispersion():
    ex, y = _simulated(nb_alpha=0.5)
    fit = fit_weights(ex, y, family="negbin")
    assert_allclose(fit["coef"], TRUE_COEF, atol=0.12)
    assert fit["selected"].tolist() == [True, True, False]
    assert abs(fit.attrs["nb_alpha"] - 0.5) < 0.1
    assert fit.attrs["warnings"] == []
    # Poisson on overdispersed counts: same coefficients, standard errors far too small
    pois = fit_weights(ex, y, family="poisson")
    assert (pois["se"] < 0.75 * fit["se"]).all()


def test_fit_unestimable_and_negative_factors_not_selected():
    ex, y = _simulated(n=2000)
    ex["venue:ktv"] = 0  # nobody exposed
    ex["hazard:open"] = 1  # everybody exposed
    rng = np.random.default_rng(9)
    prot = rng.uniform(size=len(y)) < 0.4
    y = np.where(prot, rng.binomial(y, 0.4), y)  # a protective factor: rr ~ 0.4
    ex["venue:nursing_home"] = prot.astype(np.int64)
    fit = fit_weights(ex, pd.Series(y), family="poisson").set_index("factor")
    assert fit.loc[["venue:ktv", "hazard:open"], ["coef", "rr", "p"]].isna().all().all()
    assert not fit.loc[["venue:ktv", "hazard:open", "venue:nursing_home"], "selected"].any()
    assert fit.loc["venue:nursing_home", "coef"] < -0.7
    assert fit.loc["venue:ktv", "exposed"] == 0 and fit.loc["hazard:open", "exposed"] == 2000


def test_fit_counts_series_by_cell_and_bad_family():
    cells = _disk(2)
    ex = pd.DataFrame(
        {"venue:bar": np.r_[np.ones(7), np.zeros(12)].astype(int)},
        index=pd.Index(cells, name="cell"),
    )
    counts = pd.Series([5, 6, 4], index=cells[:3])  # other cells: 0
    fit = fit_weights(ex, counts)
    assert fit.loc[0, "coef"] > 0 and fit.attrs["n_cells"] == 19
    with pytest.raises(ValueError, match="family"):
        fit_weights(ex, counts, family="logit")


# ----------------------------------------------------------------------------------------------
# risk surface
# ----------------------------------------------------------------------------------------------


def _toy_exposure(cells):
    n = len(cells)
    ex = pd.DataFrame(0, index=pd.Index(cells, name="cell"), columns=["venue:bar", "site:hub"])
    ex.iloc[0] = [1, 1]
    ex.iloc[1] = [1, 0]
    ex.iloc[2] = [0, 1]
    assert n > 3
    return ex


def test_risk_surface_rtm_is_the_product_of_relative_risks():
    cells = _disk(1)
    ex = _toy_exposure(cells)
    w = _table(("venue:bar", 300, 3.0), ("site:hub", 400, 1.5))
    out = risk_surface(cells, ex, w)
    assert list(out.columns) == ["cell", "rtm", "history", "risk"]
    assert_array_equal(out["cell"].to_numpy(), cells)
    # the RTM composite relative risk, unscaled: 1 for an unexposed cell
    assert_allclose(out["rtm"], [4.5, 3.0, 1.5, 1, 1, 1, 1])
    # no incident history: no expected incident anywhere (the rtm column still ranks the cells)
    assert (out["risk"] == 0).all() and (out["history"] == 0).all()
    assert_allclose(rk.risk_percentile(out["risk"], out["rtm"]), [1, 5 / 6, 4 / 6, 0, 0, 0, 0])
    # a fit result: only selected factors count
    fit = pd.DataFrame(
        {"factor": ["venue:bar", "site:hub"], "rr": [3.0, 1.5], "selected": [False, True]}
    )
    out2 = risk_surface(cells, ex, fit)
    assert_allclose(out2["rtm"], [1.5, 1, 1.5, 1, 1, 1, 1])


def test_risk_is_expected_incidents_per_week_adding_up_to_the_observed_rate():
    cells = _disk(2)
    ex = _toy_exposure(cells)
    w = _table(("venue:bar", 300, 3.0), ("site:hub", 400, 1.5))
    hist = np.zeros(len(cells))
    hist[10] = 8
    hist[11] = 2
    weeks = rk.period_weeks(14)  # 10 incidents in two weeks: 5 a week
    assert weeks == 2.0 and rk.period_weeks(0) == 1 / 7
    for hw in (0.0, 0.3, 0.5, 1.0):
        out = risk_surface(cells, ex, w, hist, history_weight=hw, weeks=weeks)
        assert (out["risk"] >= 0).all() and (out["rtm"] > 0).all()
        assert_allclose(out["risk"].sum(), 10 / 2)
        rr, s = out["rtm"].to_numpy(), out["history"].to_numpy()
        expected = ((1 - hw) * 10 * rr / rr.sum() + hw * 10 * s / s.sum()) / 2
        assert_allclose(out["risk"], expected)
    # all RTM: the observed rate spread by relative risk (cell 0 is 4.5 times an unexposed one)
    rtm_only = risk_surface(cells, ex, w, hist, history_weight=0.0, weeks=weeks)
    assert_allclose(rtm_only["risk"].iloc[0] / rtm_only["risk"].iloc[5], 4.5)
    out = risk_surface(cells, ex, w, hist, history_k=0)
    assert out["history"].iloc[10] == 8 and out["history"].iloc[11] == 2  # the raw counts
    smooth = risk_surface(cells, ex, w, hist, history_k=1)
    assert (smooth["history"] > 0).sum() > 2 and smooth["history"].max() < 8  # k-ring means
    # a week of the same incidents is twice the rate of two weeks
    one = risk_surface(cells, ex, w, hist, weeks=1.0)["risk"].to_numpy()
    assert_allclose(one, 2 * risk_surface(cells, ex, w, hist, weeks=2.0)["risk"].to_numpy())
    # more history in a cell raises its share of the expected incidents
    more = hist.copy()
    more[3] += 5
    a = risk_surface(cells, ex, w, hist, history_k=0)
    b = risk_surface(cells, ex, w, more, history_k=0)
    assert b["risk"].iloc[3] / b["risk"].sum() > a["risk"].iloc[3] / a["risk"].sum()
    with pytest.raises(ValueError, match="history_weight"):
        risk_surface(cells, ex, w, hist, history_weight=1.5)
    with pytest.raises(ValueError, match="weeks"):
        risk_surface(cells, ex, w, hist, weeks=0)


def test_risk_percentile_is_the_share_of_lower_cells_ties_by_relative_risk():
    risk = np.array([0.5, 0.5, 0.2, 0.0, 0.5])
    rr = np.array([2.0, 1.0, 9.0, 1.0, 2.0])
    # 0.5/2.0 twice: above 0.5/1.0, 0.2 and 0.0 (3 of 4 others); equal cells share a percentile
    assert_allclose(rk.risk_percentile(risk, rr), [3 / 4, 2 / 4, 1 / 4, 0, 3 / 4])
    assert_allclose(rk.risk_percentile([1.0], [1.0]), [0.0])
    assert rk.risk_percentile([], []).shape == (0,)


# ----------------------------------------------------------------------------------------------
# gaps
# ----------------------------------------------------------------------------------------------


def test_gaps_rank_risky_uncovered_first_and_covered_low():
    cells = _disk(1)  # 7 cells
    risk_df = pd.DataFrame({"cell": cells, "risk": [0.9, 1.0, 0.5, 0.2, 0.0, 0.1, 0.3]})
    cov = pd.DataFrame(
        {
            "cell": cells[[1, 2, 3]].astype(np.int64),  # query() gives int64 cells
            "dwell_s": [7200.0, 600.0, 60.0],
            "nights": [6, 2, 1],
        }
    )
    out = gaps(risk_df, cov, top=None)
    assert list(out.columns) == rk.GAP_COLUMNS
    assert out["rank"].tolist() == list(range(1, 8))
    first = out.iloc[0]
    assert first["cell"] == cells[0] and first["dwell_s"] == 0 and first["nights"] == 0
    # cell 0 risk 0.9: 5 of the other 6 cells are lower -> 5/6; no dwell -> coverage_pct 0
    assert_allclose([first["risk_pct"], first["coverage_pct"], first["gap"]], [5 / 6, 0, 5 / 6])
    assert first["reason"] == "risk_pct=0.83;coverage_pct=0.00;dwell_min=0.0;nights=0"
    covered = out.set_index("cell").loc[cells[1]]
    # the riskiest cell has the most dwell: 6/6 of the others have less -> coverage_pct 1, gap 0
    assert covered["risk_pct"] == 1.0 and covered["coverage_pct"] == 1.0 and covered["gap"] == 0
    assert covered["reason"] == "risk_pct=1.00;coverage_pct=1.00;dwell_min=120.0;nights=6"
    assert covered["rank"] >= 6
    # zero-dwell cells have coverage_pct 0; the others rank among themselves
    c = out.set_index("cell")["coverage_pct"]
    assert_allclose(c.loc[cells[[2, 3]]], [5 / 6, 4 / 6])
    assert (c.drop(index=cells[[1, 2, 3]]) == 0).all()
    assert len(gaps(risk_df, cov, top=3)) == 3
    by_nights = gaps(risk_df, cov, top=None, by="nights")
    assert by_nights.iloc[0]["cell"] == cells[0]


def test_gaps_without_coverage_follow_risk():
    cells = _disk(1)
    risk_df = pd.DataFrame({"cell": cells, "risk": np.linspace(0, 1, 7)})
    out = gaps(risk_df, None, top=None)
    assert_array_equal(out["cell"].to_numpy(), cells[::-1])
    assert (out["coverage_pct"] == 0).all()


def test_module_doctests():
    result = doctest.testmod(rk, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
