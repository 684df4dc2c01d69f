"""The Live page in AppTest on the demo city with live fixes written to the store: each role sees
the units of its scope only (the grid manager: the units in its grid), a silent unit is marked,
the nearest units to typed coordinates come closest first, and a night without fixes says so in
words. Both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from geo import store
from geo.config import get_settings
from geo.domain import coords
from geo.i18n import t
from geo.services import access, live, networks
from geo.store import saved_plans
from geo.store.tables import fixes

pytestmark = pytest.mark.slow

GRID = "ST01-G03"  # the demo grid manager's grid
OTHER = "ST01-G11"  # a grid of the same station, not the grid manager's


def _inside(engine: sa.Engine, area: str) -> tuple[float, float]:
    """A point (lat, lng) well inside ``area``."""
    areas = store.read(engine, "areas", "all", columns=["area_id", "geometry"])
    poly = shapely.from_wkt(areas.loc[areas["area_id"] == area, "geometry"].iloc[0])
    p = poly.representative_point()
    return float(p.y), float(p.x)


def _track(
    unit: str, lat: float, lng: float, *, last_age_s: float, n: int = 6, step_s: float = 30
) -> list[dict[str, Any]]:
    """``n`` fixes of ``unit`` driving north-east to (lat, lng), the last ``last_age_s`` ago."""
    now_ms = int(pd.Timestamp.now(tz="UTC").value // 1_000_000)
    rows = []
    for k in range(n):
        back = (n - 1 - k) * step_s + last_age_s
        rows.append(
            {
                "unit_id": unit,
                "ts": now_ms - int(back * 1000),
                "lat": lat - (n - 1 - k) * 0.0003,
                "lng": lng - (n - 1 - k) * 0.0003,
                "speed": 25.0,
                "accuracy": 8.0,
                "received_ms": now_ms,
                "token_id": "test",
            }
        )
    return rows


def _post(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.insert(fixes), rows)


def _frame(at: AppTest, lang: str, header: str) -> pd.DataFrame:
    """The shown table whose headers include the string ``header``."""
    for df in at.dataframe:
        if t(header, lang) in df.value.columns:
            return df.value
    raise AssertionError(f"no table with {t(header, lang)!r}")


def _open(new_app: Callable[..., AppTest], user: str, lang: str) -> AppTest:
    at = new_app(user)
    at.session_state["lang"] = lang
    at.switch_page("views/live.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("user", ["admin", "grid03"])
def test_units_of_the_scope_with_the_silent_marked(
    new_app: Callable[..., AppTest], demo_db_url: str, user: str, lang: str
) -> None:
    eng = store.connect(demo_db_url)
    a = _inside(eng, GRID)
    b = _inside(eng, OTHER)
    _post(eng, _track("U01", *a, last_age_s=20) + _track("U02", *b, last_age_s=20))
    # silent: 15 min (and half of one: the page's clock steps by its refresh), the rule is 10
    _post(eng, _track("U07", a[0] + 0.001, a[1], last_age_s=15.5 * 60))
    at = _open(new_app, user, lang)
    units = _frame(at, lang, "lv.col.status")
    names = dict(zip(units[t("lv.col.name", lang)], units[t("lv.col.status", lang)], strict=True))
    if user == "admin":
        assert set(names) == {"车巡一组", "车巡二组", "步巡一组"}
    else:  # the grid manager: the units whose last fix lies in its grid
        assert set(names) == {"车巡一组", "步巡一组"}
    assert names["车巡一组"] == t("lv.status.live", lang)
    assert names["步巡一组"] == t("lv.status.silent", lang)
    assert units[t("lv.col.name", lang)].iloc[0] == "步巡一组"  # the silent first
    kinds = set(units[t("lv.col.kind", lang)])
    assert t("v.unit.police_car", lang) in kinds and t("v.unit.foot", lang) in kinds
    ages = dict(zip(units[t("lv.col.name", lang)], units[t("lv.col.age", lang)], strict=True))
    assert ages["步巡一组"] == t("lv.age.min", lang, n=15)
    captions = " ".join(str(c.value) for c in at.caption)
    live, silent = len(names) - 1, 1
    head = t("lv.updated", lang, time="", live=live, silent=silent).split(" · ", 1)[1]
    assert head in captions
    assert t("lv.none", lang) not in [i.value for i in at.info]
    alerts = _frame(at, lang, "lv.acol.alert")  # the silent unit's alert
    assert t("v.alert.gps_silent", lang) in set(alerts[t("lv.acol.alert", lang)])


def test_nearest_units_to_typed_coordinates(
    new_app: Callable[..., AppTest], demo_db_url: str
) -> None:
    """A call typed in GCJ-02 (Amap) next to one unit: that unit first, the others by distance
    (an independent haversine ranking of the WGS-84 positions), the first inside 1 minute, with
    travel by the straight line (the demo's street network put out of use: travel on a network
    is held against an independent shortest path in tests/test_live_alerts.py)."""
    eng = store.connect(demo_db_url)
    networks.use_network(eng, None)
    spots = {"U01": _inside(eng, GRID), "U03": _inside(eng, OTHER), "U05": _inside(eng, "ST01-G01")}
    rows: list[dict[str, Any]] = []
    for unit, (lat, lng) in spots.items():
        rows += _track(unit, lat, lng, last_age_s=10)
    _post(eng, rows)
    call = (spots["U03"][0] + 0.0005, spots["U03"][1] + 0.0004)  # about 65 m from U03
    glng, glat = coords.wgs84_to_gcj02(np.array([call[1]]), np.array([call[0]]))
    at = _open(new_app, "admin", "zh-CN")
    at.number_input(key="live_lat").set_value(float(glat[0]))
    at.number_input(key="live_lng").set_value(float(glng[0]))
    at.selectbox(key="live_crs").set_value("gcj02")
    at.button(key="live_find").click().run()
    assert not at.exception, at.exception
    ranked = _frame(at, "zh-CN", "lv.ncol.travel_min")
    names = {"U01": "车巡一组", "U03": "车巡三组", "U05": "车巡五组"}
    dist = {
        u: float(np.ravel(coords.haversine_m(lng, lat, call[1], call[0]))[0])
        for u, (lat, lng) in spots.items()
    }
    expected = [names[u] for u in sorted(dist, key=dist.__getitem__)]
    shown = list(ranked[t("lv.col.name", "zh-CN")])
    assert shown[:3] == expected
    assert ranked[t("lv.ncol.tier", "zh-CN")].iloc[0] == t("lv.tier", "zh-CN", m=1)
    where = " ".join(str(c.value) for c in at.caption)
    assert t("data.crs.gcj02", "zh-CN") in where
    # the call stays through a rerun of the page (the refresh reads it from the session)
    at.run()
    assert list(_frame(at, "zh-CN", "lv.ncol.travel_min")[t("lv.col.name", "zh-CN")])[:3] == (
        expected
    )


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_night_without_fixes_says_so(new_app: Callable[..., AppTest], lang: str) -> None:
    at = _open(new_app, "commander", lang)
    assert t("lv.none", lang) in [i.value for i in at.info]
    assert not [df for df in at.dataframe if t("lv.col.status", lang) in df.value.columns]


def test_a_viewer_has_no_live_page() -> None:
    assert "live" not in access.PAGES["viewer"]
    assert {"admin", "commander", "grid_manager"} <= {
        role for role, pages in access.PAGES.items() if "live" in pages
    }


def _plan_tonight(engine: sa.Engine, unit: str, stops: list[tuple[float, float]]) -> None:
    """Tonight's saved plan: ``unit`` through ``stops`` (lat, lng), one every 20 minutes from
    an hour ago."""
    now = pd.Timestamp.now(tz="UTC")
    start = now - pd.Timedelta(hours=1)
    doc = {
        "plan_id": "P20990101-abcdef",
        "date": live.tonight(),
        "start": start.isoformat(),
        "res": 9,
        "dwell_s": 600,
        "risk_covered": 0.0,
        "risk_total": 0.0,
        "units": [
            {
                "unit_id": unit,
                "name": "车巡一组",
                "kind": "police_car",
                "start_point": {"lat": stops[0][0], "lng": stops[0][1]},
                "stops": [
                    {
                        "seq": k + 1,
                        "lat": lat,
                        "lng": lng,
                        "arrive": (start + pd.Timedelta(minutes=20 * k)).isoformat(),
                        "leave": (start + pd.Timedelta(minutes=20 * k + 10)).isoformat(),
                        "place": f"第{k + 1}站",
                        "place_en": f"stop {k + 1}",
                    }
                    for k, (lat, lng) in enumerate(stops)
                ],
            }
        ],
    }
    now_ms = int(now.value // 1_000_000)
    saved_plans.save_plan(engine, doc, scope="all", user="admin", now_ms=now_ms)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_plan_progress_per_unit(
    new_app: Callable[..., AppTest], demo_db_url: str, lang: str
) -> None:
    """Tonight's plan: the first stop passed by the unit's fixes is done, the next is the
    second, with the service's ETA as local hours and minutes and its late flag in words."""
    eng = store.connect(demo_db_url)
    a, b = _inside(eng, GRID), _inside(eng, OTHER)
    _post(eng, _track("U01", *a, last_age_s=20))
    _plan_tonight(eng, "U01", [a, b, (b[0] - 0.004, b[1])])
    expected = live.plan_progress(eng, "all").set_index("unit_id").loc["U01"]
    assert (expected["stops_done"], expected["next_seq"]) == (1, 2)  # the reference
    at = _open(new_app, "admin", lang)
    units = _frame(at, lang, "lv.col.status").set_index(t("lv.col.name", lang))
    row = units.loc["车巡一组"]
    assert row[t("lv.col.stops", lang)] == "1/3"
    assert row[t("lv.col.next_stop", lang)] == ("stop 2" if lang == "en" else "第2站")
    eta = pd.Timestamp(expected["eta"]).tz_convert(get_settings().tz).strftime("%H:%M")
    assert row[t("lv.col.eta", lang)] == eta
    late = "lv.late.yes" if expected["late"] else "lv.late.no"
    assert row[t("lv.col.late", lang)] == t(late, lang)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_sidebar_area_narrows_every_table(
    new_app: Callable[..., AppTest], demo_db_url: str, lang: str
) -> None:
    """With a grid chosen in the sidebar, the units table, their plan progress and the alerts
    hold the units whose last fix lies in that grid only (computed here from the stored polygon
    and the fixes posted), row by row."""
    eng = store.connect(demo_db_url)
    a, b = _inside(eng, GRID), _inside(eng, OTHER)
    _post(eng, _track("U01", *a, last_age_s=20) + _track("U02", *b, last_age_s=20))
    # silent units, one in each grid: each has a gps_silent alert
    _post(eng, _track("U07", a[0] + 0.001, a[1], last_age_s=15.5 * 60))
    _post(eng, _track("U12", b[0] + 0.001, b[1], last_age_s=15.5 * 60))
    _plan_tonight(eng, "U02", [b, a])
    areas = store.read(eng, "areas", "all", columns=["area_id", "geometry"])
    grid = shapely.from_wkt(areas.loc[areas["area_id"] == GRID, "geometry"].iloc[0])
    last = {"U01": a, "U02": b, "U07": (a[0] + 0.001, a[1]), "U12": (b[0] + 0.001, b[1])}
    units = store.read(eng, "units", "all", columns=["unit_id", "name"])
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    inside = {names[u] for u, (lat, lng) in last.items() if grid.contains(shapely.Point(lng, lat))}
    outside = {names[u] for u in last} - inside
    assert inside and outside  # the reference: both sides hold units
    at = _open(new_app, "admin", lang)
    every = set(_frame(at, lang, "lv.col.status")[t("lv.col.name", lang)])
    assert every == inside | outside  # all areas: every unit
    at.selectbox(key="area").set_value(GRID).run()
    assert not at.exception, at.exception
    shown = _frame(at, lang, "lv.col.status")
    assert set(shown[t("lv.col.name", lang)]) == inside
    # the planned unit (outside the grid) and its progress are gone with it
    assert (shown[t("lv.col.stops", lang)] == t("lv.no_plan", lang)).all()
    alerts = _frame(at, lang, "lv.acol.alert")
    units_alerted = {u for u in alerts[t("lv.acol.unit", lang)] if u in set(names.values())}
    assert units_alerted and units_alerted <= inside
    assert t("v.alert.gps_silent", lang) in set(alerts[t("lv.acol.alert", lang)])
    # an area with no unit in it says so in words, and the map is still drawn for a call
    at.selectbox(key="area").set_value("ST01-G01").run()
    assert not at.exception, at.exception
    assert t("lv.none_area", lang) in [i.value for i in at.info]
    assert not [df for df in at.dataframe if t("lv.col.status", lang) in df.value.columns]
