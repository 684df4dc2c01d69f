"""Import of every record kind and file format, headers, coordinates, rejects, idempotence."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import sqlalchemy as sa
from shapely import wkt

from geo import ingest, store
from geo.domain import coords, schema
from geo.store import rollups
from tests import tiny

ZH_HEADERS = {
    "venues": {
        "venue_id": "场所编号",
        "name": "名称",
        "category": "类别",
        "lat": "纬度",
        "lng": "经度",
        "licence": "许可证号",
        "risk_level": "风险等级",
    },
    "incidents": {
        "incident_id": "警情编号",
        "ts": "报警时间",
        "category": "警情类别",
        "lat": "纬度",
        "lng": "经度",
        "priority": "优先级",
    },
    "hazards": {
        "hazard_id": "隐患编号",
        "category": "隐患类别",
        "severity": "隐患等级",
        "lat": "纬度",
        "lng": "经度",
        "found_at": "发现时间",
        "status": "整改状态",
        "rectified_at": "整改完成时间",
        "deadline": "整改期限",
    },
}


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return out


def _load_all(engine: sa.Engine, tmp_path: Path) -> dict[str, ingest.ImportSummary]:
    out = {}
    for name in tiny.ORDER:
        path = tmp_path / f"{name}.csv"
        _as_text(tiny.frames()[name]).to_csv(path, index=False)
        out[name] = ingest.import_file(engine, name, path)
    return out


def test_every_kind_imports_from_csv_and_reads_back(engine: sa.Engine, tmp_path: Path) -> None:
    summaries = _load_all(engine, tmp_path)
    frames = tiny.frames()
    for name, s in summaries.items():
        assert s.rejected == 0, (name, s.rejects)
        assert s.accepted == len(frames[name]) == s.read
    got = store.read(engine, "pings", "all")
    assert len(got) == len(frames["pings"])
    assert str(got["ts"].dt.tz) == "Asia/Shanghai"
    assert got["ts"].min() == frames["pings"]["ts"].min()
    shifts = store.read(engine, "shifts", "all").set_index("shift_id")
    assert shifts.loc["S1", "end"] == tiny.ts("2022-07-02 00:00")
    assert int(shifts["volunteers"].sum()) == 6
    insp = store.read(engine, "inspections", "all")
    assert sorted(insp["result"]) == ["pass", "rectify"]
    areas = store.read(engine, "areas", "all").set_index("area_id")
    assert wkt.loads(areas.loc["G1", "geometry"]).equals(wkt.loads(frames["areas"]["geometry"][1]))


def test_reimport_adds_nothing_and_conflict_is_reported(engine: sa.Engine, tmp_path: Path) -> None:
    _load_all(engine, tmp_path)
    before = store.counts(engine)
    again = _load_all(engine, tmp_path)
    assert store.counts(engine) == before
    for name, s in again.items():
        assert s.accepted == 0 and s.duplicates == s.read, name
    # same id, other content -> conflict, not overwritten
    v = tiny.frames()["venues"]
    v.loc[0, "name"] = "改名KTV"
    path = tmp_path / "venues_changed.csv"
    v.to_csv(path, index=False)
    s = ingest.import_file(engine, "venues", path)
    assert (s.accepted, s.duplicates, s.conflicts) == (0, 1, 1)
    assert "conflict" in s.rejects.iloc[0]["reason"]
    assert s.rejects.iloc[0]["row"] == 2
    assert set(store.read(engine, "venues", "all")["name"]) == {"星光KTV", "畅游网吧"}


def test_chinese_headers_and_gbk_csv(engine: sa.Engine, tmp_path: Path) -> None:
    v = tiny.frames()["venues"].rename(columns=ZH_HEADERS["venues"])
    v["类别"] = ["歌厅", "网吧"]
    v["风险等级"] = ["高", "中"]
    path = tmp_path / "场所.csv"
    v.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    s = ingest.import_file(engine, "venues", path)
    assert s.accepted == 2 and s.rejected == 0
    got = store.read(engine, "venues", "all").sort_values("venue_id")
    assert list(got["category"]) == ["ktv", "internet_cafe"]
    assert list(got["risk_level"]) == ["high", "medium"]
    assert list(got["name"]) == ["星光KTV", "畅游网吧"]


def test_utf8_bom_and_chinese_time_formats(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    text = (
        "\ufeff警情编号,报警时间,警情类别,经度,纬度\n"
        "A1,2022年7月1日 21时35分,盗窃,115.98,28.70\n"
        "A2,2022/07/01 21:36,诈骗,115.98,28.70\n"
        "A3,2022-07-01T13:37:00Z,打架斗殴,115.98,28.70\n"
        "A4,44743.9,扰民,115.98,28.70\n"
        "A5,20220701,其他,115.98,28.70\n"
    )
    path = tmp_path / "bom.csv"
    path.write_text(text, encoding="utf-8")
    s = ingest.import_file(sqlite_engine, "incidents", path)
    assert s.accepted == 4, s.rejects
    assert list(s.rejects["row"]) == [6]
    got = store.read(sqlite_engine, "incidents", "all").set_index("incident_id")["ts"]
    assert got["A1"] == tiny.ts("2022-07-01 21:35")
    assert got["A2"] == tiny.ts("2022-07-01 21:36")
    assert got["A3"] == tiny.ts("2022-07-01 21:37")  # 13:37 UTC is 21:37 in Shanghai
    assert got["A4"] == tiny.ts("2022-07-01 21:36")  # Excel serial 44743.9


def test_xlsx_sheet_choice_and_excel_dates(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    inc = tiny.frames()["incidents"].rename(columns=ZH_HEADERS["incidents"])
    inc["报警时间"] = inc["报警时间"].dt.tz_localize(None)  # Excel holds naive local times
    inc["警情类别"] = ["盗窃", "打架斗殴", "诈骗"]
    path = tmp_path / "警情.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"说明": ["封面"]}).to_excel(xw, sheet_name="封面", index=False)
        inc.to_excel(xw, sheet_name="警情台账", index=False)
    with pytest.raises(ingest.FileError, match="missing required"):
        ingest.import_file(sqlite_engine, "incidents", path)  # first sheet is the cover
    with pytest.raises(ingest.FileError, match="no sheet"):
        ingest.import_file(sqlite_engine, "incidents", path, sheet="无此表")
    s = ingest.import_file(sqlite_engine, "incidents", path, sheet="警情台账")
    assert s.accepted == 3 and s.rejected == 0
    got = store.read(sqlite_engine, "incidents", "all").set_index("incident_id")
    assert got.loc["I2", "ts"] == tiny.ts("2022-07-02 23:05")
    assert got.loc["I2", "category"] == "fight"


def test_geojson_gpkg_shapefile_zip_parquet(engine: sa.Engine, tmp_path: Path) -> None:
    inc = tiny.frames()["incidents"]
    gdf = gpd.GeoDataFrame(
        inc.drop(columns=["lat", "lng"]),
        geometry=gpd.points_from_xy(inc["lng"], inc["lat"]),
        crs="EPSG:4326",
    )
    gdf["ts"] = gdf["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    gdf.to_file(tmp_path / "inc.geojson", driver="GeoJSON")
    s = ingest.import_file(engine, "incidents", tmp_path / "inc.geojson")
    assert s.accepted == 3, s.rejects
    # GeoPackage: same rows -> duplicates
    gdf.to_file(tmp_path / "inc.gpkg", driver="GPKG")
    s = ingest.import_file(engine, "incidents", tmp_path / "inc.gpkg")
    assert (s.accepted, s.duplicates) == (0, 3), s.rejects
    # zipped shapefile of areas (polygons)
    areas = tiny.frames()["areas"]
    ag = gpd.GeoDataFrame(
        areas.drop(columns="geometry"),
        geometry=[wkt.loads(g) for g in areas["geometry"]],
        crs="EPSG:4326",
    )
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    ag.to_file(shp_dir / "areas.shp")
    with zipfile.ZipFile(tmp_path / "areas.zip", "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    s = ingest.import_file(engine, "areas", tmp_path / "areas.zip")
    assert s.accepted == 3, s.rejects
    # plain Parquet and GeoParquet
    v = tiny.frames()["venues"]
    v.to_parquet(tmp_path / "venues.parquet")
    assert ingest.import_file(engine, "venues", tmp_path / "venues.parquet").accepted == 2
    sites = tiny.frames()["sites"]
    sg = gpd.GeoDataFrame(
        sites.drop(columns=["lat", "lng"]),
        geometry=gpd.points_from_xy(sites["lng"], sites["lat"]),
        crs="EPSG:4326",
    )
    sg.to_parquet(tmp_path / "sites.parquet")
    assert ingest.import_file(engine, "sites", tmp_path / "sites.parquet").accepted == 2
    got = store.read(engine, "sites", "all").set_index("site_id")
    assert got.loc["K1", "lat"] == pytest.approx(28.695)


def test_gcj02_and_bd09_files_land_within_a_metre(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    sites = tiny.frames()["sites"]
    for crs, fwd in (("gcj02", coords.wgs84_to_gcj02), ("bd09", coords.wgs84_to_bd09)):
        f = sites.copy()
        f["site_id"] = f["site_id"] + crs
        f["lng"], f["lat"] = fwd(sites["lng"].to_numpy(), sites["lat"].to_numpy())
        assert coords.haversine_m(f["lng"], f["lat"], sites["lng"], sites["lat"]).min() > 100
        path = tmp_path / f"{crs}.csv"
        f.to_csv(path, index=False)
        s = ingest.import_file(sqlite_engine, "sites", path, crs=crs)
        assert s.accepted == 2 and s.crs == crs
        got = store.read(sqlite_engine, "sites", "all", where={"site_id": list(f["site_id"])})
        got = got.sort_values("site_id")
        d = coords.haversine_m(got["lng"], got["lat"], sites["lng"], sites["lat"])
        assert np.all(d < 1.0)


def test_projected_crs_in_feet_from_prj_wins_over_flag(
    sqlite_engine: sa.Engine, tmp_path: Path
) -> None:
    # A transverse Mercator in US survey feet centred on Nanchang, written to the .prj.
    crs = pyproj.CRS.from_proj4(
        "+proj=tmerc +lat_0=0 +lon_0=116 +k=1 +x_0=1640416.67 +y_0=0 "
        "+ellps=GRS80 +units=us-ft +no_defs"
    )
    sites = tiny.frames()["sites"]
    pts = gpd.GeoSeries(gpd.points_from_xy(sites["lng"], sites["lat"]), crs="EPSG:4326").to_crs(crs)
    assert pts.x.iloc[0] > 1_000_000  # feet, not degrees
    gdf = gpd.GeoDataFrame(sites.drop(columns=["lat", "lng"]), geometry=pts, crs=crs)
    gdf.to_file(tmp_path / "sites_ft.shp")
    s = ingest.import_file(sqlite_engine, "sites", tmp_path / "sites_ft.shp", crs="gcj02")
    assert s.accepted == 2, s.rejects
    got = store.read(sqlite_engine, "sites", "all").sort_values("site_id")
    d = coords.haversine_m(got["lng"], got["lat"], sites["lng"], sites["lat"])
    assert np.all(d < 1.0)
    # the same numbers in a CSV with an EPSG flag (CGCS2000 3-degree GK, CM 117E, metres)
    xy = gpd.GeoSeries(gpd.points_from_xy(sites["lng"], sites["lat"]), crs="EPSG:4326").to_crs(4548)
    f = sites.assign(site_id=sites["site_id"] + "m", lng=xy.x.to_numpy(), lat=xy.y.to_numpy())
    f.to_csv(tmp_path / "gk.csv", index=False)
    s = ingest.import_file(sqlite_engine, "sites", tmp_path / "gk.csv", crs="EPSG:4548")
    assert s.accepted == 2, s.rejects
    got = store.read(sqlite_engine, "sites", "all", where={"site_id": ["K1m", "K2m"]})
    d = coords.haversine_m(
        got.sort_values("site_id")["lng"],
        got.sort_values("site_id")["lat"],
        sites["lng"],
        sites["lat"],
    )
    assert np.all(d < 1.0)


def test_rejected_rows_name_file_row_column_and_reason(engine: sa.Engine, tmp_path: Path) -> None:
    text = (
        "hazard_id,category,severity,lat,lng,found_at,status,rectified_at,deadline\n"
        "H1,fire,high,28.70,115.98,2022-07-01 10:00,open,,2022-07-10\n"
        "H2,fire,high,115.98,28.70,2022-07-01 10:00,open,,\n"
        "H3,volcano,high,28.70,115.98,2022-07-01 10:00,open,,\n"
        "H4,gas,low,28.70,115.98,not a date,open,,\n"
        "H5,gas,low,,115.98,2022-07-01 10:00,open,,\n"
        "H6,gas,low,28.70,115.98,9999-01-01 10:00,open,,\n"
        "H7,gas,low,nan,inf,2022-07-01 10:00,open,,\n"
        "H8,gas,low,51.5,-0.12,2022-07-01 10:00,open,,\n"
    )
    path = tmp_path / "hazards.csv"
    path.write_text(text, encoding="utf-8")
    s = ingest.import_file(engine, "hazards", path)
    assert (s.read, s.accepted, s.rejected) == (8, 2, 6)
    r = s.rejects.set_index("row")
    assert set(r["file"]) == {"hazards.csv"}
    assert "swapped" in r.loc[3, "reason"] and r.loc[3, "column"] == "lat"
    # an unknown category is no reject: the row is stored in "other" with its text, listed
    assert 4 not in r.index and s.unmapped == {"volcano": 1}
    assert "date" in r.loc[5, "reason"] and r.loc[5, "column"] == "found_at"
    assert r.loc[6, "column"] == "lat"
    assert "1990-2099" in r.loc[7, "reason"]
    # both coordinates unreadable: two entries for one row (it used to report the first only)
    assert sorted(r.loc[[8], "column"]) == ["lat", "lng"]
    assert "outside the accepted region" in r.loc[9, "reason"]
    assert store.counts(engine)["hazards"] == 2
    h3 = store.read(engine, "hazards", "all", columns=["hazard_id", "category", "category_source"])
    assert h3.set_index("hazard_id").loc["H3"].tolist() == ["other", "volcano"]


def test_missing_columns_fail_with_what_was_found(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("名称,备注\nA,B\n", encoding="utf-8")
    with pytest.raises(ingest.FileError) as e:
        ingest.import_file(sqlite_engine, "venues", path)
    text = str(e.value)
    assert "x.csv" in text and "venue_id" in text and "经度" in text and "found: 名称, 备注" in text
    assert store.counts(sqlite_engine)["venues"] == 0


def test_binary_garbage_with_csv_name(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(ingest.FileError, match=r"garbage\.csv"):
        ingest.import_file(sqlite_engine, "incidents", path)


def test_referential_rejects_and_pings_by_unit(engine: sa.Engine, tmp_path: Path) -> None:
    f = tiny.frames()
    for name in ("areas", "units", "shifts"):
        _as_text(f[name]).to_csv(tmp_path / f"{name}.csv", index=False)
        ingest.import_file(engine, name, tmp_path / f"{name}.csv")
    # pings naming only the unit: the shift running at that time is found
    p = f["pings"].drop(columns=["shift_id"]).head(10)
    p = pd.concat([p, p.tail(1).assign(unit_id="U9")])  # an unknown unit
    _as_text(p).to_csv(tmp_path / "p.csv", index=False)
    s = ingest.import_file(engine, "pings", tmp_path / "p.csv")
    assert s.accepted == 10 and s.rejected == 1
    assert "no shift" in s.rejects.iloc[0]["reason"]
    assert set(store.read(engine, "pings", "all")["shift_id"]) == {"S1"}
    # a check-in at an unknown site is rejected
    sc = f["site_checks"]
    _as_text(sc).to_csv(tmp_path / "sc.csv", index=False)
    s = ingest.import_file(engine, "site_checks", tmp_path / "sc.csv")
    assert s.accepted == 0 and s.rejected == 3
    assert "import sites first" in s.rejects.iloc[0]["reason"]


def test_failure_part_way_leaves_nothing(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tiny.frames()
    for name in ("areas", "units", "shifts"):
        _as_text(f[name]).to_csv(tmp_path / f"{name}.csv", index=False)
        ingest.import_file(engine, name, tmp_path / f"{name}.csv")
    before = store.counts(engine)
    n_imports = len(store.import_history(engine))

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    # the pings land, then the coverage rollup fails inside the same transaction
    monkeypatch.setattr(rollups, "refresh_coverage", boom)
    _as_text(f["pings"]).to_csv(tmp_path / "pings.csv", index=False)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest.import_file(engine, "pings", tmp_path / "pings.csv")
    assert store.counts(engine) == before
    assert len(store.import_history(engine)) == n_imports


def test_every_kind_has_chinese_aliases() -> None:
    for k in schema.KINDS.values():
        for c in k.columns:
            if c.required:
                assert any("\u4e00" <= ch <= "\u9fff" for a in c.aliases for ch in a), (
                    k.name,
                    c.name,
                )
