"""Places by name: cells and stops named by grid and nearest landmark, held to pyproj's geodesic
per row, and no hexagon id where a place is named (plan page, plan sheets, Overview gaps,
briefing tables) except in the cell-id column."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import LineString, Point, box

from geo import store
from geo.domain import hexes, places
from geo.reports import plan_sheets
from geo.services import briefing, overview
from geo.services import places as places_svc
from geo.services import plan as plan_svc

GEOD = Geod(ellps="WGS84")
H3_ID = re.compile(r"\b8[0-9a-f]{14}\b")
ZH_DIR = {"N": "北", "NE": "东北", "E": "东", "SE": "东南", "S": "南", "SW": "西南", "W": "西"}
ZH_DIR["NW"] = "西北"


def _city(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nine 1.2 km grids (English names on some) in a station, 60 landmarks."""
    rng = np.random.default_rng(seed)
    rows = [
        {
            "name": "罗家派出所辖区",
            "level": "station",
            "geometry": box(115.88, 28.68, 115.95, 28.73),
        }
    ]
    for k in range(9):
        x0, y0 = 115.89 + 0.012 * (k % 3), 28.69 + 0.011 * (k // 3)
        rows.append(
            {
                "name": f"罗家第{k + 1}网格",
                "name_en": f"Luojia Grid {k + 1}" if k % 2 == 0 else None,
                "level": "grid",
                "geometry": box(x0, y0, x0 + 0.012, y0 + 0.011).wkt,  # WKT, as the store gives
            }
        )
    marks = pd.DataFrame(
        {
            "name": [f"地标{i}" for i in range(60)],
            "name_en": [f"Landmark {i}" if i % 3 else "" for i in range(60)],
            "lat": rng.uniform(28.69, 28.723, 60),
            "lng": rng.uniform(115.89, 115.926, 60),
        }
    )
    return pd.DataFrame(rows), marks


def _reference(lat: float, lng: float, areas: pd.DataFrame, marks: pd.DataFrame) -> dict:
    """One point named the slow way: every landmark's geodesic distance, shapely per polygon."""
    az, _, d = GEOD.inv(
        marks["lng"].to_numpy(), marks["lat"].to_numpy(), [lng] * len(marks), [lat] * len(marks)
    )
    order = np.argsort(d, kind="stable")
    j, second = order[0], order[1]
    grid = next(
        (
            r
            for _, r in areas.iterrows()
            if r["level"] == "grid" and _shape(r["geometry"]).covers(Point(lng, lat))
        ),
        None,
    )
    if grid is None:
        grid = next(
            (r for _, r in areas.iterrows() if _shape(r["geometry"]).covers(Point(lng, lat))), None
        )
    return {
        "d": float(d[j]),
        "d2": float(d[second]),
        "az": float(az[j]) % 360,
        "j": int(j),
        "grid": grid,
    }


def _shape(g: Any) -> Any:
    from shapely import wkt

    return wkt.loads(g) if isinstance(g, str) else g


def _en(row: pd.Series) -> str:
    """The English name of a row as stored: ``name_en`` when it has one, else ``name``."""
    en = row.get("name_en")
    return en if isinstance(en, str) and en else row["name"]


def _said(m: float) -> int:
    step = 10 if m < 200 else 50
    return int(np.floor(m / step + 0.5) * step)


def test_names_match_the_geodesic_reference_row_by_row() -> None:
    areas, marks = _city()
    rng = np.random.default_rng(11)
    lat, lng = rng.uniform(28.685, 28.735, 400), rng.uniform(115.875, 115.955, 400)
    got = places.name_places(lat, lng, areas=areas, landmarks=marks)
    checked = 0
    for i in range(len(lat)):
        ref = _reference(lat[i], lng[i], areas, marks)
        row = got.iloc[i]
        grid = ref["grid"]
        assert row["area"] == ("" if grid is None else grid["name"])
        assert row["area_en"] == ("" if grid is None else _en(grid))
        d, az = ref["d"], ref["az"]
        step = 10 if d < 200 else 50
        ambiguous = (
            abs((d / step) % 1 - 0.5) < 0.01  # on a rounding edge
            or abs((az + 22.5) % 45 - 45 / 2) > 45 / 2 - 0.2  # on a compass sector's edge
            or ref["d2"] - d < 0.5  # two landmarks equally near
            or abs(d - places.NEAR_M) < 1
            or abs(d - places.AT_M) < 0.05
        )
        if ambiguous:
            continue
        checked += 1
        assert (
            row["metres"] == pytest.approx(d, rel=1e-4)
            if d <= places.NEAR_M
            else np.isnan(row["metres"])
        )
        if d > places.NEAR_M:
            assert row["landmark"] == "" and row["place"].endswith(
                f"北纬{lat[i]:.4f}° 东经{lng[i]:.4f}°"
            )
            assert row["place_en"].endswith(f"{lat[i]:.4f}°N {lng[i]:.4f}°E")
            continue
        mark = marks.iloc[ref["j"]]
        assert row["landmark"] == mark["name"]
        en_name = _en(mark)
        where_zh, where_en = mark["name"], en_name
        if d >= places.AT_M:
            compass = places.COMPASS[int(((az + 22.5) % 360) // 45)]
            assert (row["direction"], row["distance_m"]) == (compass, _said(d))
            where_zh = f"{mark['name']}{ZH_DIR[compass]}{_said(d)}米"
            where_en = f"{_said(d)} m {compass} of {en_name}"
        zh = where_zh if grid is None else f"{grid['name']} · {where_zh}"
        en = where_en if grid is None else f"{_en(grid)} · {where_en}"
        assert (row["place"], row["place_en"]) == (zh, en)
    assert checked >= 380  # only the rows on an edge are left to either side


def test_the_examples_of_the_issue() -> None:
    areas = pd.DataFrame(
        [
            {
                "name": "罗家第3网格",
                "name_en": "Luojia Grid 3",
                "level": "grid",
                "geometry": box(115.9, 28.7, 115.92, 28.72),
            },
            {
                "name": "罗家派出所辖区",
                "level": "station",
                "geometry": box(115.88, 28.68, 115.95, 28.73),
            },
        ]
    )
    school = {
        "name": "青云谱小学",
        "name_en": "Qingyunpu Primary School",
        "lat": 28.71,
        "lng": 115.91,
    }
    marks = pd.DataFrame(
        [school, {"name": "青云谱小学", "lat": 28.71, "lng": 115.91, "name_en": "dup"}]
    )
    east_lng, east_lat, _ = GEOD.fwd(115.91, 28.71, 90, 118)
    near_lng, near_lat, _ = GEOD.fwd(115.91, 28.71, 10, 9)
    sw_lng, sw_lat, _ = GEOD.fwd(115.91, 28.71, 225, 612)
    got = places.name_places(
        [east_lat, near_lat, sw_lat, 28.725, 28.75],
        [east_lng, near_lng, sw_lng, 115.94, 115.99],
        areas=areas,
        landmarks=marks,
    )
    assert got["place"].tolist() == [
        "罗家第3网格 · 青云谱小学东120米",
        "罗家第3网格 · 青云谱小学",
        "罗家第3网格 · 青云谱小学西南600米",
        "罗家派出所辖区 · 北纬28.7250° 东经115.9400°",  # no grid: the station; > 1 km: coordinates
        "北纬28.7500° 东经115.9900°",  # outside every area
    ]
    assert got["place_en"].tolist()[:3] == [
        "Luojia Grid 3 · 120 m E of Qingyunpu Primary School",  # the first of equal landmarks
        "Luojia Grid 3 · Qingyunpu Primary School",
        "Luojia Grid 3 · 600 m SW of Qingyunpu Primary School",
    ]
    assert got["place_en"].iloc[3] == "罗家派出所辖区 · 28.7250°N 115.9400°E"  # the name as stored


def test_a_street_names_a_point_with_no_site_near() -> None:
    street = LineString([(115.90, 28.70), (115.92, 28.70)])
    marks = pd.DataFrame({"name": ["星光KTV"], "lat": [28.7], "lng": [115.93]})
    lng, lat, _ = GEOD.fwd(115.91, 28.70, 0, 42)
    got = places.name_places(
        [lat, 28.70],
        [lng, 115.9295],
        landmarks=marks,
        streets=pd.DataFrame({"name": ["青云谱路"], "geometry": [street]}),
    )
    assert got["place"].tolist() == ["青云谱路旁40米", "星光KTV西50米"]  # beside it, no compass
    assert got["landmark_kind"].tolist() == ["street", ""]


def test_rounding_and_compass_points() -> None:
    assert places.round_distance_m([15, 194.9, 195, 199.9, 200, 224.9, 225, 980]).tolist() == [
        20,
        190,
        200,
        200,
        200,
        200,
        250,
        1000,
    ]
    assert places.compass_point([0, 44.9, 45, 135, 180, 270, 292.5, 359]).tolist() == [
        "N",
        "NE",
        "NE",
        "SE",
        "S",
        "W",
        "NW",
        "N",
    ]


def test_a_stop_saved_before_places_falls_back_to_its_landmark_or_point() -> None:
    assert places.place_of({"place": "甲", "place_en": "A"}, "en") == "A"
    assert places.place_of({"place": "甲"}, "en") == "甲"
    assert places.place_of({"landmark": "罗家小学", "h3": "8941832ab0bffff"}) == "罗家小学"
    assert places.place_of({"lat": 28.7, "lng": 115.9, "h3": "8941832ab0bffff"}, "en") == (
        "28.7000°N 115.9000°E"
    )


# ---------------------------------------------------------------------------------------------
# The demo city: names through the user's scope, and no hexagon id where places are named


def test_a_grid_manager_names_cells_with_the_places_they_may_read(demo_copy: sa.Engine) -> None:
    from geo.store import Principal

    places_svc.forget()
    grids = places_svc.gazetteer(demo_copy, "all").areas
    g = grids.loc[grids["level"] == "grid"].iloc[2]
    mine = Principal("g", "grid_manager", frozenset({g["area_id"]}))
    own = places_svc.gazetteer(demo_copy, mine)
    everyone = places_svc.gazetteer(demo_copy, "all")
    assert 0 < len(own.landmarks) < len(everyone.landmarks)
    cells = hexes.str_to_cells(
        hexes.cells_to_str(
            hexes.latlng_to_cells(
                own.landmarks["lat"].to_numpy(), own.landmarks["lng"].to_numpy(), 9
            )
        )
    )
    named = places_svc.name_cells(demo_copy, mine, cells)
    scoped = named.loc[~named["landmark_kind"].isin(["crossing", "street"])]  # streets: public
    assert set(scoped["landmark"]) <= set(own.landmarks["name"]) | {""}
    assert len(scoped) >= len(named) // 2  # most cells are at a site or venue the reader may see
    assert named["place"].str.startswith(g["name"] + " · ").sum() >= len(named) // 2


def _no_id_but_last(rows: list[list[str]]) -> None:
    for r in rows:
        assert not any(H3_ID.search(str(c)) for c in r[:-1]), r
        assert H3_ID.fullmatch(str(r[-1])), r


def _period(engine: sa.Engine) -> tuple[str, str]:
    """The last four weeks of the demo's data."""
    last = store.data_period(engine, "Asia/Shanghai")
    assert last is not None
    end = pd.Timestamp(last[1])
    return (end - pd.Timedelta(days=27)).date().isoformat(), end.date().isoformat()


@pytest.fixture(scope="module")
def demo_plan(demo_copy: sa.Engine) -> dict:
    night = _period(demo_copy)[1]
    return plan_svc.make_plan(demo_copy, "all", night=night, n_units=3, time_limit_s=2)


def test_plan_sheets_name_stops_by_place(demo_plan: dict, tmp_path: Path) -> None:
    stops = [s for u in demo_plan["units"] for s in u["stops"]]
    assert stops and all(" · " in s["place"] and " · " in s["place_en"] for s in stops)
    for lang in ("zh-CN", "en"):
        page = plan_sheets.to_html(demo_plan, lang)
        rows = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr><td>.*?</tr>", page)]
        assert len(rows) == len(stops)
        _no_id_but_last(rows)
        assert not H3_ID.search(re.sub(r"<tr><td>.*?</tr>", "", page))
        # cells are HTML-escaped ("A & B crossing" is "A &amp; B crossing" in the page)
        assert {html.unescape(r[3]) for r in rows} == {places.place_of(s, lang) for s in stops}
    if shutil.which("pdftotext"):
        pdf = tmp_path / "plan.pdf"
        pdf.write_bytes(plan_sheets.to_pdf(demo_plan, "zh-CN"))
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        ids = [line for line in text.splitlines() if H3_ID.search(line)]
        assert len(ids) == len(stops)
        assert all(H3_ID.search(line.split()[-1]) for line in ids)  # the last column only
    gpx = plan_sheets.to_gpx(demo_plan, "en").decode()
    names = re.findall(r"<rtept.*?<name>(.*?)</name>", gpx, re.S)
    assert len(names) == len(stops) and not any(H3_ID.search(n) for n in names)
    kml = plan_sheets.to_kml(demo_plan).decode()
    assert not any(H3_ID.search(n) for n in re.findall(r"<Placemark>\s*<name>(.*?)</name>", kml))
    csv = plan_sheets.stops_frame(demo_plan)
    assert list(csv.columns)[-1] == "h3" and csv["place"].tolist() == [s["place"] for s in stops]


def test_overview_gaps_and_briefing_tables_name_cells_by_place(demo_copy: sa.Engine) -> None:
    start, end = _period(demo_copy)
    gaps = overview.gap_map(demo_copy, "all", start=start, end=end)
    assert len(gaps.top) and list(gaps.top.columns)[-1] == "h3"
    _no_id_but_last(gaps.top.drop(columns="place_en").astype(str).to_numpy().tolist())
    want = places_svc.name_cells(demo_copy, "all", gaps.top["h3"].tolist())
    assert gaps.top["place"].tolist() == want["place"].tolist()
    for lang in ("zh-CN", "en"):
        b = briefing.build(demo_copy, "all", start, end, lang=lang, pictures=False)
        tables = [tb for s in b.sections for tb in s.tables]
        for tb in tables:
            if any(H3_ID.search(str(c)) for r in tb.rows for c in r):
                _no_id_but_last(tb.rows)
        assert any(
            tb.columns[-1] == ("格网编号" if lang == "zh-CN" else "Cell id") for tb in tables
        )


@pytest.mark.slow
def test_plan_page_shows_places_not_ids(app: Any, demo_plan: dict) -> None:
    app.switch_page("views/plan.py")
    app.session_state["plan_doc"] = demo_plan
    app.run()
    assert not app.exception, app.exception
    frames = [d.value for d in app.dataframe]
    stops = next(f for f in frames if len(f) == sum(len(u["stops"]) for u in demo_plan["units"]))
    _no_id_but_last(stops.astype(str).to_numpy().tolist())
    shown = [str(x) for f in frames for x in f.to_numpy().ravel()]
    assert {s["place"] for u in demo_plan["units"] for s in u["stops"]} <= set(shown)
    texts = [x.value for x in (*app.subheader, *app.markdown, *app.caption, *app.warning)]
    assert not any(H3_ID.search(str(x)) for x in texts)
