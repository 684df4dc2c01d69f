"""Beats: every unit on duty gets a route that fits its kind (issue 20, item 1).

A car patrols the whole scope, an e-bike its grid, a foot patrol the metres around its post; each
visits only the gap cells and key points of its beat, checked against independent references
(haversine distances, shapely polygons), and a unit with nothing in its beat is told why. The
candidates grow with the units and their shifts. On the demo city every unit on duty gets stops.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import Point, box
from streamlit.testing.v1 import AppTest

from geo.domain import hexes, routing
from geo.domain import plan as plan_rules
from geo.domain.coords import haversine_m
from geo.i18n import t
from geo.reports import plan_sheets
from geo.services import plan as plan_svc
from tests import tiny

GRID_A = box(115.970, 28.690, 115.980, 28.710)  # tiny's G1 (west half of the station)
STATION = box(115.970, 28.690, 115.990, 28.710)
POST = (28.703, 115.986)  # the foot unit's post, in G2


@pytest.fixture
def tiny_engine(sqlite_engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(sqlite_engine, tmp_path)
    return sqlite_engine


def _gaps(where: box, seed: int = 0) -> pd.DataFrame:
    """Every res-9 cell of ``where`` with a positive gap value, as risk_cells ranks them."""
    cells = np.sort(hexes.polygon_to_cells(where, 9))
    values = np.round(np.random.default_rng(seed).uniform(0.1, 1.0, len(cells)), 3)
    order = np.argsort(-values, kind="stable")
    return pd.DataFrame(
        {
            "cell": cells[order].astype(np.uint64),
            "risk": values[order],
            "gap": values[order],
            "rank": np.arange(1, len(cells) + 1),
        }
    )


def _plan(engine: sa.Engine, units: list[plan_rules.Unit], **kw: object) -> dict:
    args: dict = {"night": "2022-07-01", "window": "20:00-00:00", "time_limit_s": 1}
    return plan_svc.make_plan(engine, "all", units=units, **(args | kw))


def test_each_unit_keeps_to_its_beat(tiny_engine: sa.Engine) -> None:
    units = [
        plan_rules.Unit("C1", "car", 28.700, 115.980),
        plan_rules.Unit("E1", "e_bike", 28.700, 115.975, beat="G1"),
        plan_rules.Unit("F1", "foot", *POST, beat_m=500),
    ]
    plan = _plan(tiny_engine, units, gaps=_gaps(STATION))
    car, bike, foot = plan["units"]
    assert all(len(u["stops"]) >= 1 for u in plan["units"])
    for s in foot["stops"]:
        assert haversine_m(s["lng"], s["lat"], POST[1], POST[0]) <= 500
    for s in bike["stops"]:
        assert GRID_A.contains(Point(s["lng"], s["lat"]))
    assert any(not GRID_A.contains(Point(s["lng"], s["lat"])) for s in car["stops"])
    assert bike["beat"]["area"] == "G1" and bike["beat"]["area_name"] == "一网格"
    assert foot["beat"]["radius_m"] == 500 and car["beat"]["area"] == plan_rules.WHOLE
    assert all(u["why_none"] is None for u in plan["units"])
    # the bank K2 (a key site that needs visits every night) lies in the foot unit's beat
    stops = {s["key_point"] for u in plan["units"] for s in u["stops"]}
    assert "罗家银行网点" in stops and plan["key_points"] == 2


def test_defaults_by_kind_and_beats_typed_per_unit(tiny_engine: sa.Engine) -> None:
    units = [
        plan_rules.Unit("E1", "e_bike", 28.700, 115.975),
        plan_rules.Unit("F1", "volunteer", *POST),
    ]
    plan = _plan(tiny_engine, units, gaps=_gaps(STATION), beats={"F1": "G1"})
    bike, foot = plan["units"]
    assert bike["beat"]["radius_m"] == plan_rules.BEAT_M["e_bike"] == 1500
    assert foot["beat"]["area"] == "G1"
    assert all(GRID_A.contains(Point(s["lng"], s["lat"])) for s in foot["stops"])
    # the store's units: a volunteer with its station (no grid) walks 800 m around its post
    on = plan_svc.units_on_duty(tiny_engine, "all", night="2022-08-01")
    assert [(u.kind, u.beat, u.beat_m) for u in on] == [
        ("police_car", plan_rules.WHOLE, None),
        ("foot", "", 800.0),
    ]
    with pytest.raises(ValueError, match="beat 'G9' is no area id"):
        _plan(tiny_engine, units, gaps=_gaps(STATION), beats={"F1": "G9"})
    with pytest.raises(ValueError, match="not on duty"):
        _plan(tiny_engine, units, gaps=_gaps(STATION), beats={"U7": "500"})
    with pytest.raises(ValueError, match="positive number of metres"):
        plan_rules.parse_beat("-5")


def test_a_unit_with_nothing_in_its_beat_is_told_why(tiny_engine: sa.Engine) -> None:
    units = [
        plan_rules.Unit("C1", "car", 28.700, 115.975),
        plan_rules.Unit("F1", "foot", 28.691, 115.989, beat_m=300),  # gaps only in G1
        plan_rules.Unit("F2", "foot", 28.800, 116.100, beat_m=300),  # 14 km away
    ]
    plan = _plan(tiny_engine, units, gaps=_gaps(GRID_A))
    car, empty, away = plan["units"]
    assert car["stops"] and car["why_none"] is None
    assert (empty["stops"], empty["why_none"]) == ([], "beat_empty")
    assert (away["stops"], away["why_none"]) == ([], "beat_outside")
    assert empty["why_none_en"] == "no gap or key point in its beat (300 m around its post)"
    assert empty["why_none_zh"] == "巡区（岗点周围 300 米）内没有巡防缺口或必巡点"
    # in every export
    assert empty["why_none_zh"] in plan_sheets.to_html(plan, "zh-CN")
    assert away["why_none_en"] in plan_sheets.to_html(plan, "en")
    csv = pd.read_csv(io.StringIO(plan_sheets.to_csv(plan)))
    idle = csv.loc[csv["unit_id"] == "F1"]
    assert len(idle) == 1 and idle["why_none_en"].iloc[0] == empty["why_none_en"]
    assert '"why_none": "beat_empty"' in plan_sheets.to_json(plan)
    shown = plan_svc.plan_shown(plan).units
    assert shown.set_index("unit_id").at["F2", "why_none_en"] == away["why_none_en"]


def test_candidates_grow_with_the_units(tiny_engine: sa.Engine) -> None:
    gaps = _gaps(STATION)
    two = [plan_rules.Unit(f"C{i}", "car", 28.700, 115.980) for i in range(2)]
    ten = [plan_rules.Unit(f"C{i}", "car", 28.700, 115.980) for i in range(10)]
    kw = {"window": "20:00-21:00", "gaps": gaps}
    few, many = _plan(tiny_engine, two, **kw), _plan(tiny_engine, ten, **kw)
    assert few["candidates"] < many["candidates"]
    assert many["candidates"] <= len(gaps) + 2  # the gap cells and the two key points
    assert _plan(tiny_engine, two, n_candidates=7, **kw)["candidates"] == 7  # as asked
    # the pure rule: each beat's best cells, enough to fill its units' shifts
    prize = np.arange(10, 0, -1, dtype=float)
    beats = np.ones((2, 10), bool)
    beats[1, :5] = False
    picked = plan_rules.pick_candidates(prize, beats, np.array([2, 2]))
    assert picked.tolist() == [0, 1, 2, 5, 6, 7]  # the narrow beat first, 1.5 x 2 cells each
    assert len(plan_rules.pick_candidates(prize, beats, np.array([20, 20]), cap=4)) == 4


def test_the_solver_keeps_vehicles_inside_their_allowed_cells() -> None:
    rng = np.random.default_rng(3)
    n_c = 40
    lat = np.r_[[28.70, 28.70], 28.69 + rng.uniform(0, 0.02, n_c)]
    lng = np.r_[[115.98, 115.98], 115.97 + rng.uniform(0, 0.02, n_c)]
    travel = {k: routing.straight_line_s(lat, lng, routing.SPEED_MPS[k]) for k in ("foot",)}
    values = rng.uniform(0.1, 1.0, n_c)
    west = frozenset(np.flatnonzero(lng[2:] < 115.98).tolist())
    vehicles = [
        routing.Vehicle("foot", 0, 3 * 3600, west),
        routing.Vehicle("foot", 0, 3 * 3600, frozenset(set(range(n_c)) - west)),
    ]
    for method in ("pyvrp", "ortools"):
        routes = routing.solve_routes(
            values, travel, vehicles, dwell_s=600, time_limit_s=0.5, method=method
        )
        assert not routing.check_routes(routes, travel, vehicles, dwell_s=600)
        assert {s.cell for s in routes[0].stops} <= west
        assert not {s.cell for s in routes[1].stops} & west
        assert routes[0].stops and routes[1].stops
    greedy = routing.greedy_routes(values, travel, vehicles, dwell_s=600)
    assert not routing.check_routes(greedy, travel, vehicles, dwell_s=600)
    stray = [routing.Route([routing.Stop(min(set(range(n_c)) - west), 0, 0, 0)]), routing.Route()]
    assert any(
        "outside its beat" in p for p in routing.check_routes(stray, travel, vehicles, dwell_s=600)
    )


@pytest.mark.slow
def test_every_unit_on_duty_on_the_demo_night_gets_stops_in_its_beat(
    demo_copy: sa.Engine,
) -> None:
    plan = plan_svc.make_plan(demo_copy, "all", night="2022-10-31", time_limit_s=3)
    on = plan_svc.units_on_duty(demo_copy, "all", night="2022-10-31")
    assert {u["unit_id"] for u in plan["units"]} == {u.unit_id for u in on}
    assert {u["kind"] for u in plan["units"]} >= {"police_car", "foot"}
    for u in plan["units"]:
        assert u["stops"], u["unit_id"]
        if u["kind"] == "foot":
            post = u["start_point"]
            for s in u["stops"]:
                d = haversine_m(s["lng"], s["lat"], post["lng"], post["lat"])
                assert d <= plan_rules.BEAT_M["foot"], (u["unit_id"], d)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_plan_page_has_a_beat_column(app: AppTest, lang: str) -> None:
    app.radio(key="lang").set_value(lang).run()
    app.switch_page("views/plan.py").run()
    assert not app.exception, app.exception
    editor = app.dataframe[0]
    config = json.loads(editor.proto.columns)
    labels = {c.get("label") for c in config.values()}
    assert {t("plan.col.beat", lang), t("plan.col.beat_m", lang)} <= labels
    units = editor.value.set_index("unit_id")
    foot = units.loc[units["kind"] == "foot"]
    assert len(foot) and (foot["beat_m"] == plan_rules.BEAT_M["foot"]).all()
    assert (foot["beat"] == plan_svc.AROUND_POST).all()
    assert (units.loc[units["kind"] == "police_car", "beat"] == plan_rules.WHOLE).all()
