"""Tests of geo/evaluate.py: hit rate, PAI, PEI by hand, rolling backtests, the demo city."""

from __future__ import annotations

import doctest
import json

import h3
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from geo.domain import evaluate as ev
from geo.domain import hexes
from geo.domain.evaluate import backtest, rank_cells, score_period, summary_table, weekly_table

TZ = "Asia/Shanghai"
CENTRE = (28.70, 115.98)


def _disk(k: int = 2, res: int = 9) -> np.ndarray:
    c = h3.latlng_to_cell(*CENTRE, res)
    return np.array(sorted(h3.str_to_int(x) for x in h3.grid_disk(c, k)), dtype=np.uint64)


def _incidents(cells: np.ndarray, per_day: dict[str, dict[int, int]]) -> pd.DataFrame:
    """``{day: {cell index: count}}`` -> incidents at the cell centres, 21:00 local."""
    lat, lng = hexes.cell_centres(cells)
    rows = []
    for day, by_cell in per_day.items():
        for i, n in by_cell.items():
            rows += [
                {
                    "ts": pd.Timestamp(f"{day} 21:00", tz=TZ),
                    "lat": lat[i],
                    "lng": lng[i],
                    "category": "theft",
                }
            ] * n
    return pd.DataFrame(rows)


def test_score_period_by_hand():
    actual = np.array([5, 0, 3, 1, 0, 0, 0, 0, 0, 0])
    order = np.array([2, 0, 3, 1, 4, 5, 6, 7, 8, 9])
    s = score_period(order, actual, 1)
    # n = 3 of N = 9 in a = 1 of A = 10 cells; the best single cell held 5
    assert s == {
        "n": 3,
        "N": 9,
        "n_star": 5,
        "hit_rate": pytest.approx(1 / 3),
        "pai": pytest.approx((3 / 9) / (1 / 10)),
        "pei": pytest.approx(3 / 5),
    }
    s2 = score_period(order, actual, 2)
    assert (s2["n"], s2["n_star"], s2["pei"]) == (8, 8, 1.0)
    assert s2["pai"] == pytest.approx((8 / 9) / (2 / 10))
    empty = score_period(order, np.zeros(10), 2)
    assert empty["N"] == 0 and np.isnan(empty["pai"]) and np.isnan(empty["pei"])


def test_pei_never_exceeds_one_and_perfect_order_is_one():
    rng = np.random.default_rng(0)
    for _ in range(200):
        actual = rng.poisson(rng.gamma(0.5, 2.0, 50))
        if actual.sum() == 0:
            continue
        for a in (1, 3, 10):
            s = score_period(rng.permutation(50), actual, a)
            assert 0 <= s["pei"] <= 1 and 0 <= s["hit_rate"] <= 1
            best = score_period(np.argsort(-actual, kind="stable"), actual, a)
            assert best["pei"] == 1.0
            assert best["pai"] == pytest.approx(best["hit_rate"] * 50 / a)


def test_rank_cells_ties_are_deterministic_and_not_id_order():
    cells = _disk(3)
    score = np.zeros(len(cells))
    score[5] = 2.0
    score[9] = 1.0
    a = rank_cells(cells, score)
    assert_array_equal(a, rank_cells(cells.copy(), score.copy()))
    assert a[0] == 5 and a[1] == 9
    assert sorted(a.tolist()) == list(range(len(cells)))
    assert not np.all(np.diff(a[2:]) > 0)  # zero-score ties are not simply in id order
    nan_first = rank_cells(cells, np.where(np.arange(len(cells)) == 0, np.nan, score))
    assert nan_first[-1] == 0


def test_backtest_last_period_by_hand():
    cells = _disk(2)  # A = 19 cells
    inc = _incidents(
        cells,
        {
            "2022-06-02": {0: 4, 1: 2, 2: 1},  # the week before the scored week
            "2022-06-09": {0: 1, 3: 3, 1: 2},  # scored week 2022-06-08 .. 06-14
            "2022-06-20": {4: 9},  # after the end: ignored
        },
    )
    far = pd.DataFrame(
        {
            "ts": [pd.Timestamp("2022-06-09 12:00", tz=TZ)],
            "lat": [30.0],
            "lng": [120.0],
            "category": ["theft"],
        }
    )  # outside the study area
    r = backtest(
        pd.concat([inc, far]),
        cells,
        start="2022-06-08",
        end="2022-06-14",
        methods=("last_period",),
        area_fractions=(1 / 19, 2 / 19),
    )
    json.dumps(r)  # JSON-able
    assert r["params"]["study_cells"] == 19 and r["params"]["step_s"] == 7 * 86400
    weeks = weekly_table(r)
    assert len(weeks) == 2 and (weeks["N"] == 6).all()
    one, two = weeks.iloc[0], weeks.iloc[1]
    # a = 1: flags cell 0 (4 last week) -> 1 of 6; best single cell (3) held 3
    assert (one["cells_flagged"], one["n"], one["n_star"]) == (1, 1, 3)
    assert_allclose([one["hit_rate"], one["pai"], one["pei"]], [1 / 6, (1 / 6) * 19, 1 / 3])
    # a = 2: flags cells 0 and 1 -> 3 of 6; best two cells held 3 + 2
    assert (two["cells_flagged"], two["n"], two["n_star"]) == (2, 3, 5)
    assert_allclose([two["hit_rate"], two["pai"], two["pei"]], [0.5, 0.5 * 19 / 2, 0.6])
    assert weeks["start"].iloc[0] == pd.Timestamp("2022-06-08", tz=TZ)
    summ = summary_table(r)
    assert_allclose(summ["pai"], [19 / 6, 4.75])
    assert summ["periods"].tolist() == [1, 1]


def test_backtest_perfect_forecast_has_pei_one_and_means_over_weeks():
    cells = _disk(2)
    same = {0: 3, 1: 2, 2: 1}
    days = pd.date_range("2022-05-25", "2022-06-30", freq="7D").strftime("%Y-%m-%d")
    inc = _incidents(cells, dict.fromkeys(days, same))
    r = backtest(
        inc,
        cells,
        start="2022-06-01",
        end="2022-06-21",
        area_fractions=(0.05, 0.10, 0.2),
        methods=ev.METHODS,
    )
    s = summary_table(r).set_index(["method", "area_fraction"])
    assert s.loc[("last_period", 0.05), "periods"] == 3
    lp = s.loc["last_period"]
    assert (lp["pei"] == 1.0).all()
    assert_allclose(lp["pai"], [(3 / 6) * 19 / 1, (5 / 6) * 19 / 2, 1.0 * 19 / 4])
    # every method finds the single hot cell here
    assert (s.xs(0.05, level="area_fraction")["pei"] == 1.0).all()
    assert (s["pei"] <= 1.0).all()
    w = weekly_table(r)
    assert len(w) == 3 * len(ev.METHODS) * 3


def test_backtest_risk_model_over_larger_cells_scores_the_study_cells_only():
    model = _disk(3)
    cells = _disk(1)  # the study area: the middle of the model's cells
    away = np.setdiff1d(model, cells)
    days = pd.date_range("2022-05-25", "2022-06-30", freq="7D").strftime("%Y-%m-%d")
    # two incidents a week in the area's cell 0, five a week outside it
    inc = pd.concat(
        [
            _incidents(cells, {d: {0: 2} for d in days}),
            _incidents(away, {d: {0: 5} for d in days}),
        ],
        ignore_index=True,
    )
    kw = {"start": "2022-06-01", "end": "2022-06-21", "area_fractions": (0.2,)}
    alone = backtest(inc, cells, **kw)
    wide = backtest(inc, cells, model_cells=model, **kw)
    assert (wide["params"]["study_cells"], wide["params"]["model_cells"]) == (7, len(model))
    assert wide["params"]["incidents_in_area"] == alone["params"]["incidents_in_area"]
    # the incidents outside the area count for no method's score
    assert weekly_table(wide)["N"].tolist() == weekly_table(alone)["N"].tolist()
    a = summary_table(alone).set_index("method")
    w = summary_table(wide).set_index("method")
    assert_allclose(w["pai"], a["pai"])  # same forecasts: cell 0 holds every incident
    with pytest.raises(ValueError, match="model cells"):
        backtest(inc, cells, model_cells=_disk(1, res=10), **kw)


def test_backtest_weeks_without_incidents_are_left_out_and_bad_input():
    cells = _disk(1)
    inc = _incidents(cells, {"2022-06-02": {0: 2}, "2022-06-16": {0: 1}})
    inc["ts"] = inc["ts"].dt.tz_localize(None)  # naive: read as local time
    r = backtest(
        inc,
        cells,
        start="2022-06-08",
        end="2022-06-21",
        methods=("last_period",),
        area_fractions=(0.2,),
    )
    w = weekly_table(r)
    assert w["N"].tolist() == [0, 1] and w["pai"].isna().tolist() == [True, False]
    assert r["periods"][0]["pai"] is None
    assert r["summary"][0]["periods"] == 1
    with pytest.raises(ValueError, match="unknown methods"):
        backtest(inc, cells, start="2022-06-08", end="2022-06-21", methods=("magic",))
    with pytest.raises(ValueError, match="resolution 9"):
        backtest(inc, _disk(1, res=10), start="2022-06-08", end="2022-06-21")
    with pytest.raises(ValueError, match="area_fractions"):
        backtest(inc, cells, start="2022-06-08", end="2022-06-21", area_fractions=(0,))


# ----------------------------------------------------------------------------------------------
# the demo city
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    demo_city = pytest.importorskip("data.demo_city")
    return demo_city.build_demo_city(seed=7)


def _demo_backtest(demo, res: int, **kw) -> pd.DataFrame:
    station = demo["areas"].query("level == 'station'").geometry.iloc[0]
    cells = hexes.polygon_to_cells(station, res)
    r = backtest(
        demo["incidents"],
        cells,
        start="2022-06-01",
        end="2022-10-31",
        res=res,
        venues=demo["venues"],
        sites=demo["sites"],
        hazards=demo["hazards"],
        **kw,
    )
    json.dumps(r)
    return summary_table(r).set_index(["method", "area_fraction"])


def test_demo_backtest_res10_risk_and_gistar_beat_last_period(demo):
    s = _demo_backtest(demo, 10)
    pai = s["pai"].xs(0.05, level="area_fraction")
    assert pai["gistar"] > pai["last_period"] and pai["risk"] > pai["last_period"]
    assert pai["kde"] > pai["last_period"]
    assert (s["pei"] <= 1).all() and (s["pai"] > 3).all()


def test_demo_backtest_res9_methods_find_the_hotspots(demo):
    s = _demo_backtest(demo, 9)
    assert s.loc[("last_period", 0.05), "periods"] == 22
    assert (s["pei"] <= 1).all()
    # every method concentrates incidents far above chance (PAI 1) at 5 % of the area
    assert (s["pai"].xs(0.05, level="area_fraction") > 6).all()
    fitted = _demo_backtest(demo, 9, methods=("risk",), fit=True)
    assert fitted.loc[("risk", 0.05), "pai"] > s.loc[("risk", 0.05), "pai"]


def test_demo_backtest_res9_risk_beats_last_period_and_gistar_keeps_up(demo):
    """At res 9 Gi*'s k=1 ring (about 1 km) is wider than the demo's 150-400 m hot spots.

    PAI at 5 % of the area, demo seeds 7/8/9: last_period 6.71/6.95/7.24, gistar 6.73/7.12/6.90,
    risk 6.74/7.24/7.84. Risk wins on all three; Gi* wins on two by a hair and trails on one by
    5 %, so the claim for Gi* at res 9 is "on par" (within 6 %), not "better" (at res 10 both win
    clearly, above).
    """
    pai = _demo_backtest(demo, 9)["pai"].xs(0.05, level="area_fraction")
    assert pai["risk"] > pai["last_period"]
    assert pai["gistar"] > 0.94 * pai["last_period"]


def test_demo_rtm_finds_the_venue_risk(demo):
    from geo.domain import risk

    station = demo["areas"].query("level == 'station'").geometry.iloc[0]
    cells = hexes.polygon_to_cells(station, 9)
    inc = demo["incidents"]
    ic = hexes.latlng_to_cells(inc["lat"].to_numpy(), inc["lng"].to_numpy(), 9)
    counts = pd.Series(ic).value_counts()
    ex = risk.exposure(cells, demo["venues"], demo["sites"], demo["hazards"], at="2022-08-01")
    fit = risk.fit_weights(ex, counts, family="negbin").set_index("factor")
    assert fit.loc[["venue:ktv", "venue:bar"], "selected"].all()
    assert (fit.loc[["venue:ktv", "venue:bar"], "rr"] > 1.5).all()
    assert fit.attrs["warnings"] == []


def test_module_doctests():
    result = doctest.testmod(ev, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
