"""Places picked for a plan (issue 20 item 3): key sites, venues, gaps and hot spots by name within
the user's scope, a map click that picks the nearest place or the clicked cell, must-visit time
windows kept by the routes (checked against arrivals recomputed from the travel matrix), the
must-visits that cannot be kept said with their reason, and the GPX/KML files in WGS-84 or
GCJ-02."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import box

from geo.domain import coords, hexes, routing
from geo.domain import plan as plan_rules
from geo.reports import plan_sheets
from geo.services import plan as plan_svc
from geo.services import plan_places
from tests import tiny

H3_ID = re.compile(r"\b8[0-9a-f]{14}\b")
LAT0, LNG0 = 28.700, 115.980
K1 = (28.695, 115.975)  # tiny's school 罗家小学, in grid G1


# --------------------------------------------------------------------------------------------
# the solver keeps a must-visit's time window


def _arrivals(
    route: routing.Route, m: np.ndarray, depot: int, n_v: int, start_s: int, dwell_s: int, w: Any
) -> list[int]:
    """Arrivals along a route recomputed from the travel matrix (waiting for a window)."""
    t, prev, out = start_s, depot, []
    for s in route.stops:
        t = max(t + int(m[prev, n_v + s.cell]), int(w[s.cell, 0]))
        out.append(t)
        t += dwell_s
        prev = n_v + s.cell
    return out


def test_a_must_visit_is_reached_inside_its_window() -> None:
    rng = np.random.default_rng(3)
    lat = np.r_[LAT0, LAT0 - 0.01 + rng.uniform(0, 0.02, 8)]
    lng = np.r_[LNG0, LNG0 - 0.01 + rng.uniform(0, 0.02, 8)]
    m = routing.straight_line_s(lat, lng, routing.SPEED_MPS["foot"])
    travel = {"foot": m}
    vehicles = [routing.Vehicle("foot", 0, 3 * 3600)]
    windows = np.tile(np.array([0, 3 * 3600], np.int64), (8, 1))
    windows[5] = [7200, 7800]  # 22:00-22:10 of a 20:00 night
    must = np.zeros(8, bool)
    must[5] = True
    values = np.r_[np.ones(5), 0.01, np.ones(2)]  # worth little: only the must makes it a stop
    routes = routing.solve_routes(
        values, travel, vehicles, dwell_s=600, windows=windows, must=must, time_limit_s=1
    )
    cells = [s.cell for s in routes[0].stops]
    assert 5 in cells
    arrive = _arrivals(routes[0], m, 0, 1, 0, 600, windows)
    at = arrive[cells.index(5)]
    assert 7200 <= at <= 7800
    assert [s.arrive_s for s in routes[0].stops] == arrive  # the schedule as recomputed


def test_reachable_counts_the_window() -> None:
    lat, lng = np.array([LAT0, LAT0 + 0.009]), np.array([LNG0, LNG0])  # one km north
    m = routing.straight_line_s(lat, lng, routing.SPEED_MPS["foot"])
    walk = int(m[0, 1])
    vehicles = [routing.Vehicle("foot", 0, 3600)]
    open_ = np.array([[0, 3600]])
    late = np.array([[3600 - walk - 60 + 120, 3600]])  # opens too late to be back in time
    early = np.array([[0, walk - 1]])  # closes before the unit can get there
    assert routing.reachable({"foot": m}, vehicles, dwell_s=60, windows=open_)[0, 0]
    assert not routing.reachable({"foot": m}, vehicles, dwell_s=60, windows=late)[0, 0]
    assert not routing.reachable({"foot": m}, vehicles, dwell_s=60, windows=early)[0, 0]


@pytest.mark.parametrize(
    ("start", "end", "window", "want"),
    [
        ("21:00", "22:30", "20:00", (3600, 9000)),
        ("01:30", "02:00", "20:00", (19800, 21600)),
        ("16:30", "17:30", "08:00", (30600, 34200)),
        ("19:30", "20:30", "20:00", (0, 1800)),
    ],
)
def test_window_seconds_after_the_window_start(
    start: str, end: str, window: str, want: tuple[int, int]
) -> None:
    assert plan_rules.window_s(start, end, window) == want


# --------------------------------------------------------------------------------------------
# the places offered, within the scope


@pytest.fixture
def tiny_store(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    return engine


def test_places_are_named_and_scoped(tiny_store: sa.Engine) -> None:
    every = plan_places.pickable_places(tiny_store, "all", start="2022-07-01", end="2022-07-05")
    assert {"site:K1", "site:K2", "venue:V1", "venue:V2"} <= set(every["key"])
    k1 = every.set_index("key").loc["site:K1"]
    assert k1["name"] == "罗家小学" and k1["label"] == "罗家小学（重点部位）"
    assert k1["label_en"] == "罗家小学 (key site)"
    assert (
        k1["h3"]
        == hexes.cells_to_str(hexes.latlng_to_cells(np.array([K1[0]]), np.array([K1[1]]), 9))[0]
    )
    cells = every.loc[every["kind"].isin(["gap", "hotspot"])]
    assert len(cells) > 0 and every["key"].is_unique
    for text in [*every["name"], *every["label"], *every["label_en"]]:
        assert not H3_ID.search(str(text)), text  # names, never ids
    g2 = plan_places.pickable_places(tiny_store, ["G2"], start="2022-07-01", end="2022-07-05")
    assert "site:K2" in set(g2["key"]) and "site:K1" not in set(g2["key"])
    inside = box(115.980, 28.690, 115.990, 28.710)  # grid G2
    for lat, lng in zip(g2["lat"], g2["lng"], strict=True):
        assert inside.buffer(0.002).contains(box(lng, lat, lng, lat))


def test_a_click_picks_the_nearest_place_or_the_cell(tiny_store: sa.Engine) -> None:
    places = plan_places.pickable_places(tiny_store, "all", start="2022-07-01", end="2022-07-05")
    near = plan_places.place_at(tiny_store, "all", K1[0] + 0.0003, K1[1], places=places)
    assert near["key"] == "site:K1"  # 33 m away
    far_pt = (28.7085, 115.9715)
    far = plan_places.place_at(tiny_store, "all", *far_pt, places=places)
    cell = hexes.latlng_to_cells(np.array([far_pt[0]]), np.array([far_pt[1]]), 9)
    assert far["kind"] == "cell" and far["h3"] == hexes.cells_to_str(cell)[0]
    assert far["name"].startswith("一网格") and not H3_ID.search(far["name"])


# --------------------------------------------------------------------------------------------
# a plan with must-visit windows


def _gaps(n: int = 30) -> pd.DataFrame:
    disk = hexes.polygon_to_cells(box(115.971, 28.691, 115.989, 28.709), 9)
    rng = np.random.default_rng(7)
    cells = np.sort(rng.choice(disk, size=n, replace=False))
    values = np.round(rng.uniform(0.1, 1.0, n), 3)
    order = np.argsort(-values, kind="stable")
    return pd.DataFrame(
        {
            "cell": cells[order].astype(np.uint64),
            "risk": values[order],
            "gap": values[order],
            "rank": np.arange(1, n + 1),
        }
    )


def test_must_visits_keep_their_windows_or_say_why(tiny_store: sa.Engine) -> None:
    k1 = str(hexes.cells_to_str(hexes.latlng_to_cells(np.array([K1[0]]), np.array([K1[1]]), 9))[0])
    school = str(
        hexes.cells_to_str(hexes.latlng_to_cells(np.array([28.705]), np.array([115.985]), 9))[0]
    )
    units = [plan_rules.Unit("U1", "foot", LAT0, LNG0, name="巡逻一组", beat="all")]
    plan = plan_svc.make_plan(
        tiny_store,
        "all",
        night="2022-07-01",
        window="20:00-23:00",
        units=units,
        gaps=_gaps(),
        must=[k1, school],
        must_windows={k1: ("21:30", "21:45"), school: ("16:30", "17:30")},
        names={k1: ("罗家小学", "Luojia School"), school: ("罗家银行网点", "Luojia Bank")},
        avoid=[],
        time_limit_s=1,
    )
    by = {m["h3"]: m for m in plan["must"]}
    assert by[k1]["place"] == "罗家小学" and by[k1]["window"] == ["21:30", "21:45"]
    stop = next(s for s in plan["units"][0]["stops"] if s["h3"] == k1)
    arrive = pd.Timestamp(stop["arrive"])
    assert pd.Timestamp("2022-07-01 21:30", tz="Asia/Shanghai") <= arrive
    assert arrive <= pd.Timestamp("2022-07-01 21:45", tz="Asia/Shanghai")
    assert by[k1]["arrive"] == f"{arrive:%H:%M}" and by[k1]["unit_id"] == "U1"
    # the bank's 16:30-17:30 lies outside the night: planned without it, and said why
    assert by[school]["why"] == "window_outside" and by[school]["unit_id"] is None
    assert school not in {s["h3"] for s in plan["units"][0]["stops"]}
    assert plan["missed_must"] == [school]
    zh = " ".join(plan["warnings_zh"])
    en = " ".join(plan["warnings_en"])
    assert "罗家银行网点" in zh and "16:30–17:30" in zh and "20:00–23:00" in zh
    assert "Luojia Bank" in en and "outside the shift window" in en
    assert not H3_ID.search(zh + en)
    sheet = plan_sheets.to_html(plan, "zh-CN")
    assert "必巡地点：罗家小学（21:30–21:45）、罗家银行网点（16:30–17:30）" in sheet


def test_a_must_visit_no_unit_can_reach_in_time_is_said(tiny_store: sa.Engine) -> None:
    far = str(
        hexes.cells_to_str(hexes.latlng_to_cells(np.array([28.708]), np.array([115.988]), 9))[0]
    )
    units = [plan_rules.Unit("U1", "foot", 28.691, 115.971, beat="all")]
    plan = plan_svc.make_plan(
        tiny_store,
        "all",
        night="2022-07-01",
        window="20:00-23:00",
        units=units,
        gaps=_gaps(),
        must=[far],
        must_windows={far: ("20:00", "20:05")},  # 2.5 km on foot in five minutes: no
        avoid=[],
        time_limit_s=1,
    )
    (m,) = plan["must"]
    assert m["why"] == "no_unit" and "没有巡逻单元" in m["why_zh"]
    assert sum(len(u["stops"]) for u in plan["units"]) > 0  # the rest is planned


def test_gpx_and_kml_in_gcj02_say_so(tiny_store: sa.Engine) -> None:
    units = [plan_rules.Unit("U1", "police_car", LAT0, LNG0)]
    plan = plan_svc.make_plan(
        tiny_store, "all", night="2022-07-01", window="20:00-22:00", units=units, gaps=_gaps(),
        time_limit_s=1,
    )  # fmt: skip
    stop = plan["units"][0]["stops"][0]
    want_lng, want_lat = coords.wgs84_to_gcj02(stop["lng"], stop["lat"])
    gpx = ET.fromstring(plan_sheets.to_gpx(plan, "zh-CN", crs="gcj02"))
    ns = {"g": plan_sheets.GPX_NS}
    pt = gpx.find(".//g:rtept", ns)
    assert pt is not None
    assert float(pt.get("lat")) == pytest.approx(float(want_lat), abs=2e-6)
    assert float(pt.get("lon")) == pytest.approx(float(want_lng), abs=2e-6)
    shift_m = coords.haversine_m(
        float(pt.get("lon")), float(pt.get("lat")), stop["lng"], stop["lat"]
    )
    assert 100 < float(shift_m) < 1000  # GCJ-02 lies a few hundred metres off in Nanchang
    assert "GCJ-02" in gpx.find("g:metadata/g:desc", ns).text
    assert (
        "WGS-84" in ET.fromstring(plan_sheets.to_gpx(plan, "en")).find("g:metadata/g:desc", ns).text
    )
    kml = ET.fromstring(plan_sheets.to_kml(plan, "en", crs="gcj02"))
    k = {"k": plan_sheets.KML_NS}
    assert "GCJ-02" in kml.find("k:Document/k:description", k).text
    _lng, lat, _ = kml.find(".//k:coordinates", k).text.split(",")
    assert float(lat) == pytest.approx(float(want_lat), abs=2e-6)
    files = plan_svc.plan_files(tiny_store, plan, "zh-CN")
    labels = [x for x in files if x.startswith(("GPX", "KML"))]
    assert len(labels) == 4 and sum("GCJ-02" in x for x in labels) == 2
    assert {files[x][2] for x in labels} == {"gpx", "kml", "gcj02.gpx", "gcj02.kml"}
