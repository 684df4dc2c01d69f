"""Tests of geo.domain.coverage: dwell split, breaks, nights, parents, stops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString
from shapely.ops import transform

from geo.domain import coverage as cv
from geo.domain import hexes, period

TZ = "Asia/Shanghai"


def _track(lat, lng, start, step_s, shift="S1"):
    lat = np.asarray(lat, float)
    ts = pd.Timestamp(start, tz=TZ) + pd.to_timedelta(np.arange(lat.size) * step_s, unit="s")
    return pd.DataFrame({"shift_id": shift, "ts": ts, "lat": lat, "lng": np.asarray(lng, float)})


def _exact_split(lat0, lng0, lat1, lng1, total_s):
    """Seconds per res-10 cell of a straight line at constant speed, by shapely in UTM 50N."""
    to_utm = pyproj.Transformer.from_crs(4326, 32650, always_xy=True).transform
    line = transform(to_utm, LineString([(lng0, lat0), (lng1, lat1)]))
    corridor = LineString([(lng0, lat0), (lng1, lat1)]).buffer(0.002)
    cells = hexes.polygon_to_cells(corridor, 10, contain="overlap")
    polys = [transform(to_utm, p) for p in hexes.cell_polygons(cells)]
    lengths = shapely.length(shapely.intersection(line, np.array(polys, dtype=object)))
    assert abs(lengths.sum() - line.length) < 1e-6 * line.length
    keep = lengths > 0
    seconds = total_s * lengths[keep] / line.length
    return dict(zip(cells[keep].astype(np.int64).tolist(), seconds.tolist(), strict=True))


@pytest.mark.parametrize("n_pings", [2, 11, 61])
def test_straight_track_dwell_matches_exact_split(n_pings):
    lat0, lng0, lat1, lng1 = 28.6712, 115.8731, 28.6791, 115.8829  # about 1.3 km, north-east
    total_s = 240.0  # ~5.5 m/s
    f = np.linspace(0.0, 1.0, n_pings)
    pings = _track(
        lat0 + f * (lat1 - lat0),
        lng0 + f * (lng1 - lng0),
        "2024-06-01 21:00",
        total_s / (n_pings - 1),
    )
    exact = _exact_split(lat0, lng0, lat1, lng1, total_s)
    got = cv.split_dwell(pings).groupby("cell")["dwell_s"].sum().to_dict()
    assert set(got) <= set(exact)
    assert sum(got.values()) == pytest.approx(total_s)
    assert len(exact) >= 12
    for cell, want in exact.items():
        assert abs(got.get(cell, 0.0) - want) <= 0.02 * want + 1e-6 * total_s, cell
    rolled = cv.rollup(pings)["cells"].groupby("cell")["dwell_s"].sum().to_dict()
    assert rolled == pytest.approx(got)


def test_random_segments_match_exact_split():
    rng = np.random.default_rng(7)
    for _ in range(20):
        lat0, lng0 = rng.uniform(28.6, 28.8), rng.uniform(115.8, 116.1)
        ang, dist_deg = rng.uniform(0, 2 * np.pi), rng.uniform(0.0003, 0.004)
        lat1, lng1 = lat0 + dist_deg * np.sin(ang), lng0 + dist_deg * np.cos(ang)
        pings = _track([lat0, lat1], [lng0, lng1], "2024-06-01 22:00", 60.0)
        exact = _exact_split(lat0, lng0, lat1, lng1, 60.0)
        got = cv.split_dwell(pings).groupby("cell")["dwell_s"].sum().to_dict()
        for cell in set(exact) | set(got):
            assert abs(got.get(cell, 0.0) - exact.get(cell, 0.0)) <= 0.01 + 0.02 * exact.get(
                cell, 0.0
            )


def test_gap_and_jump_are_not_joined():
    lat = np.array([28.680, 28.6801, 28.6802, 28.6803, 28.75, 28.7501])
    lng = np.full(lat.size, 115.89)
    ts = pd.Timestamp("2024-06-01 21:00", tz=TZ) + pd.to_timedelta(
        [0, 10, 20, 620, 630, 640], unit="s"
    )  # 10-minute gap, then a 7 km teleport in 10 s
    pings = pd.DataFrame({"shift_id": "A", "ts": ts, "lat": lat, "lng": lng})
    seg = cv.segments(pings)
    assert seg["reason"].tolist() == ["", "", "gap", "jump", ""]
    assert seg["broken"].tolist() == [False, False, True, True, False]
    out = cv.rollup(pings, pd.DataFrame({"shift_id": ["A"], "unit_kind": ["police_car"]}))
    assert out["cells"]["dwell_s"].sum() == pytest.approx(30.0)
    b = out["breaks"].set_index("shift_id")
    assert (b.loc["A", "gap_breaks"], b.loc["A", "jump_breaks"]) == (1, 1)
    assert set(out["cells"]["unit_kind"]) == {"police_car"}


def test_shifts_are_not_joined_and_unsorted_input_is_sorted():
    a = _track([28.68, 28.6801, 28.6802], [115.89] * 3, "2024-06-01 21:00", 10, "A")
    b = _track([28.70, 28.7001], [115.95] * 2, "2024-06-01 21:00:05", 10, "B")
    pings = pd.concat([a, b]).sample(frac=1.0, random_state=1)
    seg = cv.segments(pings)
    assert len(seg) == 3 and not seg["broken"].any()
    assert cv.rollup(pings)["cells"]["dwell_s"].sum() == pytest.approx(30.0)


def test_night_from_22_to_03_lands_on_start_date():
    lat = 28.68 + np.linspace(0, 0.01, 5 * 60 + 1)
    pings = _track(lat, np.full(lat.size, 115.89), "2024-06-01 22:00", 60.0)  # Sat 22:00-Sun 03:00
    cells = cv.rollup(pings, tz=TZ, resolutions=(10, 9, 7))["cells"]
    assert set(cells["date"].dt.strftime("%Y-%m-%d")) == {"2024-06-01", "2024-06-02"}
    q = cv.query(cells, night="20:00-06:00", res=9)
    assert q["nights"].max() == 1
    assert q["dwell_s"].sum() == pytest.approx(5 * 3600.0)
    sat = cv.query(cells, start="2024-06-01", end="2024-06-01", res=9)
    assert sat["dwell_s"].sum() == pytest.approx(5 * 3600.0)
    assert cv.query(cells, start="2024-06-02", end="2024-06-02", res=9).empty
    whole_day = cv.query(cells, start="2024-06-02", end="2024-06-02", night=None, res=9)
    assert whole_day["dwell_s"].sum() == pytest.approx(3 * 3600.0, abs=60.0)
    last = cv.query(cells, res=7)["last_visit"].max()
    assert last == pd.Timestamp("2024-06-02 03:00", tz=TZ)


def test_night_date_and_parse_night():
    ts = pd.Series(pd.to_datetime(["2024-06-01 20:00", "2024-06-02 05:59", "2024-06-02 06:00"]))
    assert night_dates(ts) == ["2024-06-01", "2024-06-01", "2024-06-02"]
    assert period.parse_night("20:00-06:00") == (20, 6)
    assert period.parse_night("8:00-18:00") == (8, 18)
    for bad in ("20:30-06:00", "25:00-06:00", "20-06", "20:00-20:00"):
        with pytest.raises(ValueError):
            period.parse_night(bad)


def night_dates(ts):
    return period.night_date(ts, 6).dt.strftime("%Y-%m-%d").tolist()


def _random_fleet(n_shifts=30, n=400, seed=3):
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(n_shifts):
        lat = 28.68 + np.cumsum(rng.normal(0, 0.0004, n))
        lng = 115.89 + np.cumsum(rng.normal(0, 0.0004, n))
        start = pd.Timestamp("2024-06-01 18:00") + pd.Timedelta(hours=int(rng.integers(0, 60)))
        frames.append(_track(lat, lng, start, 20.0, f"S{s}"))
    pings = pd.concat(frames, ignore_index=True)
    shifts = pd.DataFrame(
        {
            "shift_id": [f"S{s}" for s in range(n_shifts)],
            "unit_kind": rng.choice(["police_car", "foot"], n_shifts),
        }
    )
    return pings, shifts


@pytest.mark.parametrize("night", ["20:00-06:00", None])
def test_each_resolution_is_the_split_by_its_own_cells(night):
    """Coarser cells are never sums of finer ones: H3 children do not tile their parent."""
    pings, shifts = _random_fleet()
    cells = cv.rollup(pings, shifts, resolutions=period.RESOLUTIONS)["cells"]
    assert sorted(cells["res"].unique()) == list(period.RESOLUTIONS)
    totals = {}
    for res in period.RESOLUTIONS:
        q = cv.query(cells, night=night, res=res)
        assert (hexes.cell_resolution(q["cell"].to_numpy()) == res).all()
        assert (q["nights"] >= 1).all()
        totals[res] = q["dwell_s"].sum()
        if night is None:
            own = cv.split_dwell(pings, res=res).groupby("cell")["dwell_s"].sum()
            pd.testing.assert_series_equal(
                q.set_index("cell")["dwell_s"],
                own[own > 0].sort_index(),
                check_names=False,
                check_index_type=False,
                rtol=1e-9,
            )
    assert totals[7] == pytest.approx(totals[10]) and totals[9] == pytest.approx(totals[8])
    # res 9 summed from res-10 children differs from the res-9 split somewhere on 30 random walks
    q10, q9 = cv.query(cells, night=night, res=10), cv.query(cells, night=night, res=9)
    by_parent = q10.groupby(hexes.to_parent(q10["cell"].to_numpy(), 9).astype(np.int64))
    assert not np.allclose(
        by_parent["dwell_s"].sum().reindex(q9["cell"]).fillna(0).to_numpy(),
        q9["dwell_s"].to_numpy(),
        rtol=1e-3,
    )
    foot = cv.query(cells, night=night, res=9, unit_kinds=["foot"])
    car = cv.query(cells, night=night, res=9, unit_kinds=["police_car"])
    assert foot["dwell_s"].sum() + car["dwell_s"].sum() == pytest.approx(q9["dwell_s"].sum())
    some = q9["cell"].to_numpy()[:3]
    sub = cv.query(cells, night=night, res=9, cells_filter=hexes.cells_to_str(some))
    assert sorted(sub["cell"]) == sorted(some)


def test_query_refuses_rows_of_another_resolution():
    pings, shifts = _random_fleet(n_shifts=2)
    with pytest.raises(ValueError, match="resolutions \\[10\\], not 9"):
        cv.query(cv.rollup(pings, shifts)["cells"], res=9)


def test_rollup_total_equals_joined_seconds():
    pings, shifts = _random_fleet(n_shifts=10)
    seg = cv.segments(pings)
    out = cv.rollup(pings, shifts)
    assert out["cells"]["dwell_s"].sum() == pytest.approx(seg.loc[~seg["broken"], "dt_s"].sum())
    assert out["cells"]["cell"].dtype == np.int64
    assert (hexes.cell_resolution(out["cells"]["cell"].to_numpy()) == 10).all()


def _standstill(minutes, shift):
    """Walk 10 fixes, stand still for ``minutes`` (fixes every 10 s, 1 m jitter), walk again."""
    rng = np.random.default_rng(0)
    walk = 28.68 + np.arange(10) * 0.0002  # ~22 m per 10 s = 2.2 m/s
    still_n = int(minutes * 6)
    still = walk[-1] + rng.normal(0, 0.000005, still_n)
    after = still[-1] + np.arange(1, 11) * 0.0002
    lat = np.concatenate([walk, still, after])
    return _track(lat, np.full(lat.size, 115.89), "2024-06-01 21:00", 10.0, shift)


def test_stops_thresholds():
    pings = pd.concat([_standstill(3, "three"), _standstill(1, "one"), _standstill(12, "twelve")])
    st = cv.stops(pings).set_index("shift_id")
    assert set(st.index) == {"three", "twelve"}
    assert st.loc["three", "duration_s"] == pytest.approx(180.0, abs=20.0)
    assert not st.loc["three", "koper"]
    assert st.loc["twelve", "koper"]
    out = cv.rollup(pings, resolutions=(10, 9))
    cells = out["cells"].loc[out["cells"]["res"] == 10]
    assert cells["stops"].sum() == 2 and cells["koper_stops"].sum() == 1
    assert cells["stop_s"].sum() == pytest.approx(out["stops"]["duration_s"].sum() / 2)
    at9 = out["stops"].loc[out["stops"]["res"] == 9]
    first = at9.merge(pings, left_on=["shift_id", "start"], right_on=["shift_id", "ts"])
    assert len(first) == 2  # each stop at res 9 sits in the res-9 cell of its first fix
    own = hexes.latlng_to_cells(first["lat"].to_numpy(), first["lng"].to_numpy(), 9)
    assert (first["cell"].to_numpy().astype(np.uint64) == own).all()
    q = cv.query(out["cells"], night=None, res=9)
    assert q["stops"].sum() == 2 and q["koper_stops"].sum() == 1


def test_to_geojson_frame():
    pings, shifts = _random_fleet(n_shifts=3)
    q = cv.query(cv.rollup(pings, shifts, resolutions=(9,))["cells"], res=9)
    gdf = cv.to_geojson_frame(q)
    assert list(gdf.columns) == [
        "h3",
        "res",
        "dwell_s",
        "nights",
        "stops",
        "koper_stops",
        "last_visit",
        "geometry",
    ]
    assert gdf.crs.to_epsg() == 4326
    assert gdf["h3"].str.len().eq(15).all()
    assert gdf["last_visit"].str.contains("\\+08:00").all()
    assert '"h3": "' in gdf.to_json()


def test_nan_pings_are_dropped():
    p = _track([28.68, np.nan, 28.6801], [115.89, 115.89, 115.89], "2024-06-01 21:00", 10)
    assert cv.rollup(p)["cells"]["dwell_s"].sum() == pytest.approx(20.0)


@pytest.mark.parametrize("chunk", [None, 37])
def test_rollup_agrees_with_split_dwell_per_cell(monkeypatch, chunk):
    if chunk:
        monkeypatch.setattr(cv, "_WALK_CHUNK", chunk)  # many walk chunks on the thread pool
    pings, shifts = _random_fleet(n_shifts=12)
    pieces = cv.split_dwell(pings).groupby("cell")["dwell_s"].sum()
    cells = cv.rollup(pings, shifts)["cells"].groupby("cell")["dwell_s"].sum()
    pd.testing.assert_series_equal(
        cells.sort_index(), pieces.sort_index(), check_names=False, rtol=1e-9
    )


def test_fast_long_segment_crosses_many_cells():
    # 130 km/h for 80 s: about 3 km through some 30 res-10 cells in one segment. (Over many km the
    # "straight" line differs between CRSs by metres; real segments are far shorter.)
    lat0, lng0, lat1, lng1 = 28.62, 115.82, 28.64, 115.845
    exact = _exact_split(lat0, lng0, lat1, lng1, 80.0)
    pings = _track([lat0, lat1], [lng0, lng1], "2024-06-01 23:59:20", 80.0)
    got = cv.split_dwell(pings).groupby("cell")["dwell_s"].sum().to_dict()
    assert len(exact) > 25
    for cell, want in exact.items():
        assert abs(got.get(cell, 0.0) - want) <= 0.02 * want + 0.01
    cells = cv.rollup(pings)["cells"]
    assert cells["dwell_s"].sum() == pytest.approx(80.0)
    assert set(cells["hour"]) == {23, 0}  # midnight passes inside the segment
