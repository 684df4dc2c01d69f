"""Tests for data.demo_city: determinism, canonical frames, geometry, tracks, clusters, campaign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import union_all

from data.demo_city import CAMPAIGN, CAMPAIGN_FIGURES, build_demo_city, demo_network
from geo.domain.schema import KINDS

TZ = "Asia/Shanghai"
M_LAT = 110_850.0
M_LNG = 111_320.0 * np.cos(np.radians(28.70))


@pytest.fixture(scope="module")
def city() -> dict[str, pd.DataFrame]:
    return build_demo_city(7)


def _xy(lng, lat):
    return (np.asarray(lng) - 115.98) * M_LNG, (np.asarray(lat) - 28.70) * M_LAT


def _frames_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        fa, fb = a[k], b[k]
        if k == "areas":
            fa = fa.assign(geometry=fa["geometry"].map(lambda g: g.wkt))
            fb = fb.assign(geometry=fb["geometry"].map(lambda g: g.wkt))
        if not fa.equals(fb):
            return False
    return True


def test_deterministic_per_seed(city):
    assert _frames_equal(city, build_demo_city(7))
    assert not _frames_equal(city, build_demo_city(8))


def test_columns_and_types_are_canonical(city):
    assert set(city) == {
        "units",
        "shifts",
        "pings",
        "sites",
        "site_checks",
        "venues",
        "inspections",
        "hazards",
        "incidents",
        "areas",
    }
    for name, df in city.items():
        kind = KINDS[name]
        assert list(df.columns) == kind.names, name
        for col in kind.columns:
            s = df[col.name]
            if col.required:
                assert s.notna().all(), (name, col.name)
            if col.type == "enum":
                assert set(s.dropna()) <= set(col.choices), (name, col.name)
            elif col.type == "ts":
                assert isinstance(s.dtype, pd.DatetimeTZDtype), (name, col.name)
                assert str(s.dtype.tz) == TZ
            elif col.type in ("lat", "lng", "float"):
                assert s.dtype == np.float64, (name, col.name)
            elif col.type == "int":
                assert s.dtype == np.int64, (name, col.name)
            elif col.type == "id":
                assert s.dropna().map(type).eq(str).all(), (name, col.name)
        if kind.key:
            assert not df.duplicated(list(kind.key)).any(), name
    assert city["areas"]["geometry"].map(lambda g: g.geom_type).eq("Polygon").all()


def test_sizes(city):
    assert 15 <= len(city["units"]) <= 25
    assert set(city["units"]["kind"]) == set(KINDS["units"].column("kind").choices)
    assert 25 <= len(city["sites"]) <= 35
    assert 3 <= (city["sites"]["category"] == "post").sum() <= 5
    assert 100 <= len(city["venues"]) <= 140
    assert 100 <= len(city["hazards"]) <= 140
    assert 3000 <= len(city["incidents"]) <= 6000
    assert 300_000 <= len(city["pings"]) <= 700_000
    assert city["pings"]["shift_id"].isin(city["shifts"]["shift_id"]).all()
    assert city["shifts"]["unit_id"].isin(city["units"]["unit_id"]).all()
    assert city["incidents"]["ts"].min() < pd.Timestamp("2022-04-02", tz=TZ)
    assert city["incidents"]["ts"].max() > pd.Timestamp("2022-10-30", tz=TZ)


def test_areas_tile_the_station(city):
    areas = city["areas"]
    station = areas.loc[areas["level"] == "station"]
    grids = areas.loc[areas["level"] == "grid"]
    assert len(station) == 1 and 8 <= len(grids) <= 12
    st = station["geometry"].iloc[0]
    assert st.is_valid
    assert (grids["parent_id"] == station["area_id"].iloc[0]).all()
    assert grids["owner"].notna().all()
    geoms = list(grids["geometry"])
    assert all(g.is_valid for g in geoms)
    total = sum(g.area for g in geoms)
    assert abs(total - st.area) / st.area < 1e-9  # no overlaps
    assert abs(union_all(geoms).area - st.area) / st.area < 1e-9  # covers
    assert all(st.buffer(1e-9).contains(g) for g in geoms)
    # about 4 km x 3.5 km around 28.70 N, 115.98 E
    minx, miny, maxx, maxy = st.bounds
    assert 3.9 < (maxx - minx) * M_LNG / 1000 < 4.6
    assert 3.4 < (maxy - miny) * M_LAT / 1000 < 4.1


def test_everything_located_is_inside_the_station(city):
    st = city["areas"].set_index("level").loc["station", "geometry"]
    for name in ("pings", "sites", "venues", "hazards", "incidents"):
        df = city[name]
        inside = shapely.contains_xy(st, df["lng"].to_numpy(), df["lat"].to_numpy())
        assert inside.all(), name


def test_pings_follow_streets(city):
    pings = city["pings"]
    dt = pings.groupby("shift_id")["ts"].diff().dt.total_seconds().dropna()
    assert ((dt >= 10) & (dt <= 30)).mean() > 0.98
    assert (dt > 300).sum() > 20  # some GPS gaps
    sample = pings.sample(20_000, random_state=0)
    _, edges = demo_network(7)
    ux, uy = _xy(edges["lng_u"], edges["lat_u"])
    vx, vy = _xy(edges["lng_v"], edges["lat_v"])
    lines = shapely.multilinestrings(
        [shapely.linestrings([[a, b], [c, d]]) for a, b, c, d in zip(ux, uy, vx, vy, strict=True)]
    )
    px, py = _xy(sample["lng"], sample["lat"])
    dist = shapely.distance(shapely.points(px, py), lines)
    assert (dist < 25).mean() > 0.95
    # speeds: cars faster than foot patrols
    kinds = city["units"].set_index("unit_id")["kind"]
    moving = pings[pings["speed"] > 2]
    med = moving.groupby(moving["unit_id"].map(kinds))["speed"].median()
    assert 15 <= med["police_car"] <= 40
    assert 3 <= med["foot"] <= 5 and 3 <= med["volunteer"] <= 5


def test_incidents_evening_peak_and_clustering(city):
    inc = city["incidents"]
    hour = inc["ts"].dt.hour
    evening = hour.isin([20, 21, 22, 23, 0]).mean()
    assert evening > 1.6 * 5 / 24
    counts = hour.value_counts()
    assert counts.idxmax() in (20, 21, 22, 23, 0)
    assert counts.max() > 2 * counts.median()
    assert counts.loc[[4, 5, 6]].sum() < counts.loc[[21, 22, 23]].sum() / 3
    x, y = _xy(inc["lng"], inc["lat"])
    from scipy.spatial import cKDTree

    d, _ = cKDTree(np.c_[x, y]).query(np.c_[x, y], k=2)
    st = city["areas"].set_index("level").loc["station", "geometry"]
    area_m2 = st.area * M_LAT * M_LNG
    r_index = d[:, 1].mean() / (0.5 * np.sqrt(area_m2 / len(inc)))
    assert r_index < 0.8


def test_emerging_and_fading_clusters(city):
    inc = city["incidents"]
    x, y = _xy(inc["lng"], inc["lat"])
    month = inc["ts"].dt.month
    for (cx, cy), grows in (((-1250.0, -1080.0), True), ((1480.0, -1150.0), False)):
        near = np.hypot(x - cx, y - cy) < 200
        early = (near & month.isin([4, 5, 6])).sum()
        late = (near & month.isin([9, 10])).sum()
        assert (late > 2 * early) if grows else (early > 2 * late)


def test_campaign_figures_exact(city):
    c0, c1 = (pd.Timestamp(d).date() for d in CAMPAIGN)
    sh = city["shifts"]
    night = (sh["start"] - pd.Timedelta(hours=6)).dt.date
    in_c = (night >= c0) & (night <= c1)
    got = {
        "police_aux_person_times": int(
            (sh.loc[in_c, "police"] + sh.loc[in_c, "auxiliaries"]).sum()
        ),
        "volunteer_person_times": int(sh.loc[in_c, "volunteers"].sum()),
        "people_checked": int(sh.loc[in_c, "people_checked"].sum()),
    }
    ins = city["inspections"]
    idate = ins["ts"].dt.date
    ins_c = ins[(idate >= c0) & (idate <= c1)]
    got["venues_inspected"] = int(ins_c["venue_id"].nunique())
    assert len(ins_c) > got["venues_inspected"]
    sc = city["site_checks"]
    sdate = sc["ts"].dt.date
    got["site_patrols"] = int(((sdate >= c0) & (sdate <= c1)).sum())
    hz = city["hazards"]
    fdate = hz["found_at"].dt.date
    rdate = hz["rectified_at"].dt.date
    found_c = (fdate >= c0) & (fdate <= c1)
    rect = hz["status"].eq("rectified") & hz["rectified_at"].notna()
    got["hazards_rectified"] = int((found_c & rect & (rdate <= c1)).sum())
    assert got == CAMPAIGN_FIGURES
    # the definition matters: some found in the campaign are open, some rectified after it
    assert (found_c & ~hz["status"].eq("rectified")).sum() >= 3
    assert (found_c & rect & (rdate > c1)).sum() >= 3
    # activity continues outside the campaign
    assert (~in_c).sum() > 200
    assert ((sdate < c0) | (sdate > c1)).sum() > 100
    # campaign boundary events are never in the small hours (local date == night date)
    for ts in (ins["ts"], sc["ts"], hz["found_at"]):
        assert ts.dt.hour.between(8, 22).all()


def test_hazard_lifecycle(city):
    hz = city["hazards"]
    rect = hz["status"] == "rectified"
    assert hz.loc[rect, "rectified_at"].notna().all()
    assert hz.loc[~rect, "rectified_at"].isna().all()
    assert (hz.loc[rect, "rectified_at"] > hz.loc[rect, "found_at"]).all()
    assert (hz["deadline"] > hz["found_at"]).all()
    assert set(hz["status"]) == {"open", "rectifying", "rectified"}


def test_shift_times(city):
    sh = city["shifts"]
    hrs = (sh["end"] - sh["start"]).dt.total_seconds() / 3600
    assert hrs.between(4, 6).all()
    start_h = sh["start"].dt.hour + sh["start"].dt.minute / 60
    night = start_h.between(19, 21)
    assert night.mean() > 0.75
    assert (~night).sum() > 0
    assert sh["outreach"].sum() > 0


def test_make_samples_writes_small_readable_files(tmp_path, city):
    from data.make_samples import BAD_ROWS, UNMAPPED_ROWS, make_samples

    sizes = make_samples(tmp_path)
    assert sum(sizes.values()) < 200_000
    v = pd.read_excel(tmp_path / "venues_gcj02_zh.xlsx", sheet_name="场所台账")
    assert list(v.columns) == ["场所编号", "名称", "类别", "经度", "纬度", "风险等级"]
    assert 10 <= len(v) <= 20 and set(v["风险等级"]) <= {"高", "中", "低"}
    raw = (tmp_path / "incidents_gbk.csv").read_bytes()
    inc = pd.read_csv(tmp_path / "incidents_gbk.csv", encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert list(inc.columns)[:3] == ["警情编号", "报警时间", "警情类别"] and 30 <= len(inc) <= 50
    assert (tmp_path / "hazards_bad_rows.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    hz = pd.read_csv(tmp_path / "hazards_bad_rows.csv", encoding="utf-8-sig")
    assert len(hz) == 12 and sorted(BAD_ROWS) == [4, 11] and list(UNMAPPED_ROWS) == [8]
    assert hz.loc[8 - 1, "category"] == "meteorite"
    assert hz.loc[3, "lat"] > 100  # row 4: swapped
    p = pd.read_csv(tmp_path / "pings_bd09.csv")
    assert 150 <= len(p) <= 250 and p["班次编号"].nunique() == 1
    new_shift = pd.read_csv(tmp_path / "shifts_new.csv")
    assert list(p["班次编号"].unique()) == list(new_shift["班次编号"])
    assert new_shift["巡逻组编号"].iloc[0] in set(city["units"]["unit_id"])
    assert not set(inc["警情编号"]) & set(city["incidents"]["incident_id"])  # new records
    import json

    fc = json.loads((tmp_path / "areas.geojson").read_text(encoding="utf-8"))
    assert len(fc["features"]) == len(city["areas"])


def _overdue_by_hand(city: dict[str, pd.DataFrame], day: str) -> pd.DataFrame:
    """Each venue's last inspection up to the end of local ``day`` and its days overdue, with
    the intervals written out (A 30, B 10, C 6 days by risk low/medium/high), not read from
    geo.domain.venues."""
    interval = city["venues"]["risk_level"].map({"low": 30, "medium": 10, "high": 6})
    ins = city["inspections"]
    ins = ins[ins["ts"].dt.date <= pd.Timestamp(day).date()]
    last = ins.groupby("venue_id")["ts"].max().dt.date
    v = city["venues"].assign(interval=interval, last=city["venues"]["venue_id"].map(last))
    days_since = (pd.Timestamp(day) - pd.to_datetime(v["last"])).dt.days
    v["overdue_days"] = days_since - v["interval"]
    v["never"] = v["last"].isna()
    v["overdue"] = v["never"] | (v["overdue_days"] > 0)
    return v


def test_about_one_venue_in_ten_is_overdue_at_the_end(city):
    from data.demo_city import DUTY_NIGHT, PERIOD

    assert PERIOD[1] == DUTY_NIGHT == "2022-10-31"
    v = _overdue_by_hand(city, DUTY_NIGHT)
    assert int(v["overdue"].sum()) == 12  # of 120: one in ten
    assert int(v["never"].sum()) == 3  # new venues, never inspected
    late = v.loc[v["overdue"] & ~v["never"]].sort_values("overdue_days", ascending=False)
    # four grade-A venues the October sweep has not reached (last seen in June), five C or B
    # venues a few days late
    assert late["overdue_days"].tolist() == [120, 119, 109, 100, 12, 9, 8, 6, 6]
    assert late["interval"].tolist() == [30, 30, 30, 30, 10, 10, 10, 6, 10]
    # the rule of geo.domain.venues counts the same venues
    from geo.domain.venues import venue_status

    status = venue_status(city["venues"], city["inspections"], DUTY_NIGHT)
    assert set(status.loc[status["overdue"], "venue_id"]) == set(v.loc[v["overdue"], "venue_id"])


def test_inspections_follow_the_grades(city):
    v = _overdue_by_hand(city, "2022-10-31")
    ins = city["inspections"]
    per_venue = ins.groupby("venue_id").size().reindex(v["venue_id"]).fillna(0).to_numpy()
    # over the 214 days: C (every 6 days) > B (10) > A (30); the never inspected have none
    by = pd.Series(per_venue, index=v["interval"].to_numpy()).groupby(level=0).median()
    assert by[6] >= 214 / 6 and by[10] >= 214 / 10 and 0 < by[30] <= 214 / 30
    assert (per_venue[v["never"].to_numpy()] == 0).all()
    # most gaps between two inspections of a C or B venue are within its interval
    ins = ins.assign(iv=ins["venue_id"].map(v.set_index("venue_id")["interval"]))
    ins = ins.sort_values(["venue_id", "ts"])
    gap = ins.groupby("venue_id")["ts"].diff().dt.days
    cb = ins["iv"] < 30
    assert (gap[cb].dropna() <= ins.loc[cb, "iv"][gap[cb].notna()]).mean() > 0.97


def test_open_hazards_are_days_to_weeks_old(city):
    hz = city["hazards"]
    end = pd.Timestamp("2022-11-01", tz=TZ)
    open_ = hz[hz["status"] != "rectified"]
    age = (end - open_["found_at"]).dt.days
    assert 8 <= len(open_) <= 20  # of 120
    assert (age <= 90).all() and (age <= 30).mean() > 0.7
    overdue = open_["deadline"] < end
    assert 1 <= overdue.sum() <= 6  # some past the deadline: what the commander chases
