"""GeoPackages of several layers, GPX tracks, KML/KMZ points and a GPS vendor's CSV.

The files in tests/data are written the way the programs that make them write them: a GPX 1.1
track from a phone app (OsmAnd: namespaces, extensions, a waypoint, segments), a Google Earth
KML with a Schema and SchemaData, a KML of 奥维互动地图 with Data/value fields, a GeoPackage of
two layers written by pyogrio, a vendor's CSV in GBK with CRLF lines. Every expected value
below is worked out by hand from those files (times: UTC in GPX, Beijing time in the CSV).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cli.main import main
from geo import ingest, store
from geo.domain import tracks
from geo.i18n import t
from geo.ingest import gps

DATA = Path(__file__).parent / "data"
GPX = DATA / "patrol_osmand.gpx"
VENDOR = DATA / "vendor_gps_gbk.csv"
GPKG = DATA / "sites_venues_2layers.gpkg"


def _units(engine: sa.Engine, ids: list[str]) -> None:
    units = pd.DataFrame({"unit_id": ids, "name": ids, "kind": "police_car"})
    assert ingest.import_frame(engine, "units", units, file_name="units.csv").accepted == len(ids)


def _pings(engine: sa.Engine) -> pd.DataFrame:
    got = store.read(engine, "pings", "all")
    local = (
        pd.to_datetime(got["ts"]).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    )
    out = got.assign(local=local.str[:-3])[["source_row", "shift_id", "local", "lat", "lng"]]
    return out.sort_values("source_row").reset_index(drop=True)


def _shifts(engine: sa.Engine) -> list[tuple[str, str, str, str]]:
    got = store.read(engine, "shifts", "all")
    fmt = "%Y-%m-%d %H:%M:%S"
    start = pd.to_datetime(got["start"]).dt.tz_convert("Asia/Shanghai").dt.strftime(fmt)
    end = pd.to_datetime(got["end"]).dt.tz_convert("Asia/Shanghai").dt.strftime(fmt)
    rows = zip(got["shift_id"], got["unit_id"], start, end, strict=True)
    return sorted(rows)


# --------------------------------------------------------------------------------------------
# GPX


GPX_PINGS = [  # file row (track point), shift, Beijing time, lat, lng
    (1, "车01 2022-10-31 20:05", "2022-10-31 20:05:00.000", 28.68, 115.89),
    (2, "车01 2022-10-31 20:05", "2022-10-31 20:05:30.500", 28.6806, 115.8908),
    (3, "车01 2022-10-31 20:05", "2022-10-31 20:06:00.000", 28.6812, 115.8915),  # +08:00
    # the 2nd segment starts exactly 30 min after the 1st ends: the same shift
    (4, "车01 2022-10-31 20:05", "2022-10-31 20:36:00.000", 28.682, 115.892),
    (5, "车01 2022-10-31 20:05", "2022-10-31 20:37:00.000", 28.6828, 115.8926),
    # row 6 has no <time>: rejected; the 3rd segment, 2 h 23 min later: a new shift; its
    # first time has no zone and is UTC as GPX says (15:00Z = 23:00 in Beijing)
    (7, "车01 2022-10-31 23:00", "2022-10-31 23:00:00.000", 28.69, 115.9),
    (8, "车01 2022-10-31 23:00", "2022-10-31 23:01:00.000", 28.6905, 115.9005),
    (9, "步巡02 2022-11-01 21:00", "2022-11-01 21:00:00.000", 28.67, 115.88),
    (10, "步巡02 2022-11-01 21:00", "2022-11-01 21:00:20.000", 28.6704, 115.8804),
]
GPX_SHIFTS = [  # sorted as _shifts sorts them: 步 (U+6B65) before 车 (U+8F66)
    ("步巡02 2022-11-01 21:00", "步巡02", "2022-11-01 21:00:00", "2022-11-01 21:00:20"),
    ("车01 2022-10-31 20:05", "车01", "2022-10-31 20:05:00", "2022-10-31 20:37:00"),
    ("车01 2022-10-31 23:00", "车01", "2022-10-31 23:00:00", "2022-10-31 23:01:00"),
]


def _expected(rows: list[tuple[int, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source_row", "shift_id", "local", "lat", "lng"])


def test_gpx_tracks_become_shifts_and_every_timed_point_a_ping(engine: sa.Engine) -> None:
    _units(engine, ["车01", "步巡02"])
    summary = ingest.import_file(engine, "pings", GPX)
    assert isinstance(summary, gps.TrackSummary)
    assert (summary.read, summary.accepted, summary.rejected) == (10, 9, 1)
    assert summary.rejects[["row", "column", "code"]].values.tolist() == [
        [6, "time (UTC)", "missing"]
    ]
    assert summary.shifts is not None
    assert (summary.shifts.read, summary.shifts.accepted) == (3, 3)
    pd.testing.assert_frame_equal(_pings(engine), _expected(GPX_PINGS), check_dtype=False)
    assert _shifts(engine) == GPX_SHIFTS  # the waypoint is no ping, no shift
    speeds = store.read(engine, "pings", "all").sort_values("source_row")["speed"]
    assert speeds.iloc[:2].tolist() == [pytest.approx(15.12), pytest.approx(18.0)]  # m/s x 3.6
    assert speeds.iloc[3] == 0 and speeds.iloc[[2, 4]].isna().all()

    again = ingest.import_file(engine, "pings", GPX)  # a re-import adds nothing
    assert (again.accepted, again.duplicates, again.rejected) == (0, 9, 1)
    assert again.shifts is not None and (again.shifts.accepted, again.shifts.duplicates) == (0, 3)
    assert len(store.read(engine, "pings", "all")) == 9
    assert len(store.read(engine, "shifts", "all")) == 3


def test_a_gpx_unit_named_on_import_and_an_unknown_one(sqlite_engine: sa.Engine) -> None:
    _units(sqlite_engine, ["U07"])
    summary = ingest.import_file(sqlite_engine, "pings", GPX, unit="U07")
    assert summary.accepted == 9
    assert [s[0] for s in _shifts(sqlite_engine)] == [
        "U07 2022-10-31 20:05",
        "U07 2022-10-31 23:00",
        "U07 2022-11-01 21:00",
    ]
    # a unit the store does not know: every timed point rejected naming it, nothing stored
    other = ingest.import_file(sqlite_engine, "pings", GPX, unit="X99", name="other.gpx")
    assert (other.accepted, other.rejected) == (0, 10)
    unknown = other.rejects[other.rejects["code"] == "reference"]
    assert unknown["row"].tolist() == [1, 2, 3, 4, 5, 7, 8, 9, 10]
    assert set(unknown["value"]) == {"X99"}
    assert other.shifts is not None and other.shifts.rejected == 3
    assert len(store.read(sqlite_engine, "shifts", "all")) == 3


def test_a_gpx_file_is_refused_as_another_kind(sqlite_engine: sa.Engine) -> None:
    with pytest.raises(ingest.FileError, match="import a GPX track as GPS pings"):
        ingest.import_file(sqlite_engine, "sites", GPX)


# --------------------------------------------------------------------------------------------
# The GPS vendor's CSV


VENDOR_PINGS = [  # file row, shift (device 车0n, gaps of the file worked out by hand)
    (2, "车01 2022-10-31 20:05", "2022-10-31 20:05:00.000", 28.68, 115.89),
    (3, "车02 2022-10-31 20:06", "2022-10-31 20:06:00.000", 28.67, 115.88),
    (4, "车01 2022-10-31 20:05", "2022-10-31 20:15:00.000", 28.681, 115.891),
    (5, "车02 2022-10-31 20:06", "2022-10-31 20:16:00.000", 28.671, 115.881),
    (6, "车01 2022-10-31 20:05", "2022-10-31 20:45:00.000", 28.682, 115.892),  # gap 30:00
    (7, "车02 2022-10-31 20:46", "2022-10-31 20:46:01.000", 28.672, 115.882),  # gap 30:01
    (8, "车01 2022-10-31 21:15", "2022-10-31 21:15:01.000", 28.683, 115.893),  # gap 30:01
    (9, "车01 2022-10-31 21:15", "2022-10-31 21:20:00.000", 28.684, 115.894),
    (10, "车02 2022-10-31 20:46", "2022-10-31 20:50:00.000", 28.673, 115.883),  # out of order
    # row 11: 车03's only fix; row 12: no longitude; rows 15-16: 车09 is no unit on record
    (13, "车02 2022-11-01 02:00", "2022-11-01 02:00:00.000", 28.674, 115.884),
    (14, "车02 2022-11-01 02:00", "2022-11-01 02:05:00.000", 28.675, 115.885),
]
VENDOR_SHIFTS = [
    ("车01 2022-10-31 20:05", "车01", "2022-10-31 20:05:00", "2022-10-31 20:45:00"),
    ("车01 2022-10-31 21:15", "车01", "2022-10-31 21:15:01", "2022-10-31 21:20:00"),
    ("车02 2022-10-31 20:06", "车02", "2022-10-31 20:06:00", "2022-10-31 20:16:00"),
    ("车02 2022-10-31 20:46", "车02", "2022-10-31 20:46:01", "2022-10-31 20:50:00"),
    ("车02 2022-11-01 02:00", "车02", "2022-11-01 02:00:00", "2022-11-01 02:05:00"),
]


def test_vendor_csv_is_cut_into_shifts_at_gaps_over_the_limit(engine: sa.Engine) -> None:
    _units(engine, ["车01", "车02", "车03"])
    summary = ingest.import_file(engine, "pings", VENDOR)  # GBK, CRLF, 设备号 and no shift
    assert summary.mapping["unit_id"] == "设备号"
    assert (summary.read, summary.accepted, summary.rejected) == (15, 11, 4)
    assert summary.rejects[["row", "column", "code"]].values.tolist() == [
        [11, "定位时间", "lone_fix"],
        [12, "经度", "lng"],  # no longitude
        [15, "设备号", "reference"],
        [16, "设备号", "reference"],
    ]
    pd.testing.assert_frame_equal(_pings(engine), _expected(VENDOR_PINGS), check_dtype=False)
    assert _shifts(engine) == VENDOR_SHIFTS
    again = ingest.import_file(engine, "pings", VENDOR)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 11, 4)
    assert len(store.read(engine, "shifts", "all")) == 5


def test_a_longer_gap_joins_what_30_minutes_cut(sqlite_engine: sa.Engine) -> None:
    _units(sqlite_engine, ["车01", "车02", "车03"])
    summary = ingest.import_file(sqlite_engine, "pings", VENDOR, gap_min=60)
    assert summary.accepted == 11
    assert _shifts(sqlite_engine) == [
        ("车01 2022-10-31 20:05", "车01", "2022-10-31 20:05:00", "2022-10-31 21:20:00"),
        ("车02 2022-10-31 20:06", "车02", "2022-10-31 20:06:00", "2022-10-31 20:50:00"),
        ("车02 2022-11-01 02:00", "车02", "2022-11-01 02:00:00", "2022-11-01 02:05:00"),
    ]


def test_imei_devices_with_a_unit_column(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    """The unit comes from the unit column; the fixes of two devices of one unit are two
    shifts; a file with only an IMEI takes it as the unit."""
    _units(sqlite_engine, ["巡逻一组", "868120301234567"])
    (tmp_path / "imei.csv").write_text(
        "IMEI,巡逻单元,GPS时间,经度,纬度\n"
        "868120301234567,巡逻一组,2022-10-31 20:00:00,115.89,28.68\n"
        "868120309999999,巡逻一组,2022-10-31 20:01:00,115.80,28.60\n"
        "868120301234567,巡逻一组,2022-10-31 20:10:00,115.891,28.681\n"
        "868120309999999,巡逻一组,2022-10-31 20:11:00,115.801,28.601\n",
        encoding="utf-8",
    )
    assert ingest.import_file(sqlite_engine, "pings", tmp_path / "imei.csv").accepted == 4
    assert [s[0] for s in _shifts(sqlite_engine)] == [
        "巡逻一组 2022-10-31 20:00",
        "巡逻一组 2022-10-31 20:01",
    ]
    (tmp_path / "only.csv").write_text(
        "IMEI,GPS时间,经度,纬度\n"
        "868120301234567,2022-11-02 20:00:00,115.89,28.68\n"
        "868120301234567,2022-11-02 20:00:10,115.891,28.681\n",
        encoding="utf-8",
    )
    only = ingest.import_file(sqlite_engine, "pings", tmp_path / "only.csv")
    assert only.accepted == 2 and only.mapping["unit_id"] == "IMEI"
    assert "868120301234567 2022-11-02 20:00" in {s[0] for s in _shifts(sqlite_engine)}


def test_unit_only_pings_without_a_device_still_go_to_the_stored_shifts(
    sqlite_engine: sa.Engine, tmp_path: Path
) -> None:
    _units(sqlite_engine, ["U01"])
    (tmp_path / "pings.csv").write_text(
        "unit_id,ts,lat,lng\nU01,2022-10-31 20:00:00,28.68,115.89\n", encoding="utf-8"
    )
    summary = ingest.import_file(sqlite_engine, "pings", tmp_path / "pings.csv")
    assert not isinstance(summary, gps.TrackSummary)
    assert summary.rejects["code"].tolist() == ["no_shift"]  # no shift cut, none stored


@pytest.mark.parametrize(
    ("device", "minutes", "piece", "gap", "expected"),
    [
        # one device: gaps of 30:00 (kept), 30:01 (cut), then 5 min
        ("aaaa", [0, 30, 60 + 1 / 60, 65 + 1 / 60], None, 30, [0, 0, 1, 1]),
        # two devices interleaved and out of order: numbered by device, then time
        ("baba", [10, 0, 20, 5], None, 30, [1, 0, 1, 0]),
        ("baba", [10, 0, 50, 5], None, 30, [1, 0, 2, 0]),
        # pieces: a long gap inside a piece does not cut, one between pieces does
        ("aaaa", [0, 90, 130, 240], [0, 0, 1, 1], 30, [0, 0, 1, 1]),
        ("aaaa", [0, 90, 100, 200], [0, 0, 1, 1], 30, [0, 0, 0, 0]),
        ("aaaa", [0, 10, 20, 30], [0, 0, 1, 1], 30, [0, 0, 0, 0]),
    ],
)
def test_cut_shifts_against_hand_cut_boundaries(
    device: str, minutes: list[float], piece: list[int] | None, gap: float, expected: list[int]
) -> None:
    base = pd.Timestamp("2022-10-31 20:00", tz="Asia/Shanghai")
    ts = pd.Series([base + pd.Timedelta(minutes=m) for m in minutes])
    got = tracks.cut_shifts(list(device), ts, gap_min=gap, piece=piece)
    assert got.tolist() == expected


def test_shift_names_carry_seconds_only_when_two_start_in_one_minute() -> None:
    ts = pd.Series(
        pd.to_datetime(["2022-10-31 12:05:07Z", "2022-10-31 12:05:40Z", "2022-10-31 13:00:00Z"])
    )
    ids, shifts = tracks.shift_table(
        pd.Series(["车01", "车01", "车01"]), ts, np.array([0, 1, 2]), tz="Asia/Shanghai"
    )
    assert ids.tolist() == [
        "车01 2022-10-31 20:05:07",
        "车01 2022-10-31 20:05:40",
        "车01 2022-10-31 21:00",
    ]
    assert shifts["fixes"].tolist() == [1, 1, 1]


# --------------------------------------------------------------------------------------------
# KML and KMZ


def test_kml_placemarks_import_as_sites_with_their_extended_data(engine: sa.Engine) -> None:
    summary = ingest.import_file(engine, "sites", DATA / "sites_google_earth.kml")
    assert (summary.read, summary.accepted, summary.rejected) == (3, 2, 1)
    assert summary.mapping["site_id"] == "部位编号" and summary.mapping["category"] == "类别"
    # the third placemark is a line: no point, rejected (lat and lng missing), not dropped
    assert summary.rejects[["row", "column", "code"]].values.tolist() == [
        [3, "lng", "lng"],
        [3, "lat", "lat"],
    ]
    got = store.read(engine, "sites", "all").sort_values("site_id")
    assert got[["site_id", "name", "category", "lat", "lng"]].values.tolist() == [
        ["S-001", "青山湖小学", "school", 28.681234, 115.901234],
        ["S-002", "工商银行青山湖支行", "bank", 28.6905, 115.912],
    ]
    assert got["source_row"].tolist() == [1, 2]
    again = ingest.import_file(engine, "sites", DATA / "sites_google_earth.kml")
    assert (again.accepted, again.duplicates) == (0, 2)


def test_kml_reader_keeps_name_description_folder_and_fields() -> None:
    frame = gps.read_kml((DATA / "sites_google_earth.kml").read_bytes(), name="s.kml")
    assert list(frame.columns) == [
        "name",
        "description",
        "folder",
        "部位编号",
        "类别",
        "负责人",
        "lng",
        "lat",
    ]
    assert frame.iloc[0].tolist() == [
        "青山湖小学",
        "<b>门岗</b>: 东门, 早晚高峰护学岗",
        "重点部位",
        "S-001",
        "学校",
        "张三",
        "115.901234",
        "28.681234",
    ]


def _kmz(tmp_path: Path, kml: bytes, name: str = "venues.kmz") -> Path:
    """A KMZ as Google Earth writes one: doc.kml first, its icons beside it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml)
        zf.writestr("files/ylw-pushpin.png", b"\x89PNG\r\n\x1a\n" + bytes(64))
    (tmp_path / name).write_bytes(buf.getvalue())
    return tmp_path / name


def test_kmz_venues_through_the_zip_checks(engine: sa.Engine, tmp_path: Path) -> None:
    kmz = _kmz(tmp_path, (DATA / "venues_ovital.kml").read_bytes())
    summary = ingest.import_file(engine, "venues", kmz)
    assert (summary.accepted, summary.rejected) == (2, 0)
    got = store.read(engine, "venues", "all").sort_values("venue_id")
    assert got[["venue_id", "name", "category", "risk_level", "lat", "lng"]].values.tolist() == [
        ["V-101", "星光KTV", "ktv", "high", 28.6844, 115.8955],
        ["V-102", "如家酒店（青山湖店）", "hotel", "medium", 28.6869, 115.8971],
    ]


def test_a_kmz_bomb_is_refused_before_it_is_parsed(
    sqlite_engine: sa.Engine, tmp_path: Path
) -> None:
    kml = b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>' + b" " * (20 * 1024**2)
    bomb = _kmz(tmp_path, kml + b"</Document></kml>", "bomb.kmz")
    with pytest.raises(ingest.FileError) as e:
        ingest.import_file(sqlite_engine, "venues", bomb)
    assert "zip bomb" in str(e.value) and "doc.kml" in str(e.value)
    assert e.value.text("zh-CN").startswith("bomb.kmz：")


def test_xml_with_entities_is_not_expanded(tmp_path: Path) -> None:
    (tmp_path / "lol.kml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name>'
        b"<Point><coordinates>115.9,28.68</coordinates></Point></Placemark></kml>"
    )
    frame, _crs, _first = gps.read_file(tmp_path / "lol.kml")
    assert "aaaaaaaaaa" not in str(frame.loc[0, "name"])


# --------------------------------------------------------------------------------------------
# GeoPackage layers


def test_a_geopackage_of_two_layers_needs_one_chosen(engine: sa.Engine) -> None:
    with pytest.raises(ingest.FileError) as e:
        ingest.import_file(engine, "sites", GPKG)
    assert "重点部位" in str(e.value) and "场所" in str(e.value) and "--layer" in str(e.value)
    assert store.counts(engine)["sites"] == 0
    with pytest.raises(ingest.FileError, match="no layer 'roads'"):
        ingest.import_file(engine, "sites", GPKG, layer="roads")
    sites = ingest.import_file(engine, "sites", GPKG, layer="重点部位")
    venues = ingest.import_file(engine, "venues", GPKG, layer="场所")
    assert (sites.accepted, venues.accepted) == (2, 1)
    got = store.read(engine, "sites", "all").sort_values("site_id")
    assert got[["site_id", "name", "category", "lat", "lng"]].values.tolist() == [
        ["S-101", "青山湖中学", "school", 28.682, 115.905],
        ["S-102", "南昌东站", "hub", 28.695, 115.915],
    ]
    assert store.read(engine, "venues", "all")["venue_id"].tolist() == ["V-201"]


# --------------------------------------------------------------------------------------------
# The command line and the Data page


def test_cli_imports_a_layer_a_gpx_unit_and_a_gap(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    eng = store.connect(db)
    _units(eng, ["车01", "车02", "车03", "U07"])
    assert main(["import", "sites", str(GPKG), "--db", db]) == 2
    assert "重点部位" in capsys.readouterr().err
    assert main(["import", "sites", str(GPKG), "--layer", "重点部位", "--db", db]) == 0
    assert '"accepted": 2' in capsys.readouterr().out
    assert main(["import", "pings", str(GPX), "--unit", "U07", "--db", db]) == 0
    out = capsys.readouterr().out
    assert '"shifts": {"read": 3, "accepted": 3' in out
    assert main(["import", "pings", str(VENDOR), "--gap", "60", "--db", db]) == 0
    assert '"gap_min": 60.0' in capsys.readouterr().out
    assert len(store.read(eng, "shifts", "all")) == 3 + 3
    assert main(["import", "pings", str(VENDOR), "--gap", "0", "--db", db]) == 2
    assert "minutes over 0" in capsys.readouterr().err
    store.forget(db)


def test_import_help_documents_the_new_options(capsys) -> None:
    assert main(["import", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--layer", "--unit", "--gap", "GPX", "KML/KMZ"):
        assert option in text


@pytest.mark.slow  # the app on a copy of the demo city
def test_the_data_page_imports_a_gpx_track_for_a_named_unit(app, demo_db_url: str) -> None:
    app.switch_page("views/data.py").run()
    app.selectbox(key="data_kind").set_value("pings").run()
    app.file_uploader(key="data_file").upload(GPX.name, GPX.read_bytes()).run()
    assert not app.exception, app.exception
    assert app.number_input(key="data_gap").value == 30.0
    app.text_input(key="data_unit").input("U01").run()
    app.number_input(key="data_gap").set_value(200.0).run()  # the 3 segments of 车01: one
    app.button(key="data_import").click().run()
    assert not app.exception, app.exception
    summary = app.session_state["data_last"]
    assert summary.accepted == 9 and summary.shifts.accepted == 2
    captions = " ".join(c.value for c in app.caption)
    assert (
        t(
            "data.shifts_cut",
            "zh-CN",
            gap="200",
            read="2",
            accepted="2",
            duplicates="0",
            conflicts="0",
            rejected="0",
        )
        in captions
    )
    eng = store.connect(demo_db_url)
    mine = store.read(eng, "shifts", "all", where={"shift_id": ["U01 2022-10-31 20:05"]})
    assert len(mine) == 1 and str(mine["end"].iloc[0]).startswith("2022-10-31 23:01")


@pytest.mark.slow  # the app on a copy of the demo city
def test_the_data_page_asks_which_layer(app, demo_db_url: str) -> None:
    app.switch_page("views/data.py").run()
    app.selectbox(key="data_kind").set_value("venues").run()
    app.file_uploader(key="data_file").upload(GPKG.name, GPKG.read_bytes()).run()
    assert not app.exception, app.exception
    assert app.selectbox(key="data_layer").options == ["重点部位", "场所"]
    app.selectbox(key="data_layer").set_value("场所").run()
    assert any("V-201" in df.value.to_csv() for df in app.dataframe)  # the preview
    app.button(key="data_import").click().run()
    assert not app.exception, app.exception
    assert app.session_state["data_last"].accepted == 1
    eng = store.connect(demo_db_url)
    got = store.read(eng, "venues", "all", where={"venue_id": ["V-201"]}, outside="include")
    assert got["name"].tolist() == ["蓝海网吧"]
