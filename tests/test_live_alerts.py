"""Live alerts and the nearest unit to a call (issue 22, items 4-5) on constructed nights.

The store is the tiny jurisdiction (tests/tiny.py: station ST, grids G1 west and G2 east) with
three more units (U3 on beat G1, U4 on beat G2, U5 without a beat) and a post P1; live fixes
are inserted straight into the ``fixes`` table. Each alert is checked against what the
constructed night must give; the nearest unit against shortest paths computed here by
Floyd-Warshall (not the code's Dijkstra) and against haversine x detour / speed.
"""

from __future__ import annotations

import json
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.sparse import csr_matrix

from cli.main import main as cli_main
from geo import ingest, store
from geo.domain import duty, live, routing
from geo.domain.coords import from_wgs84, haversine_m
from geo.services import duty as duty_svc
from geo.services import live_alerts
from geo.store import saved_plans
from geo.store.tables import fixes
from tests import tiny

TZ = tiny.TZ
M_LAT = 1 / 111_195.0
POST = (28.700, 115.975)  # P1, in G1
BANK = (28.705, 115.985)  # K2 (tiny), in G2: 2 visits a night by the default rules


def m_lng(lat: float) -> float:
    return 1 / (111_195.0 * np.cos(np.radians(lat)))


def _csv(engine: sa.Engine, folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Import ``frame`` as a CSV file (the real import path)."""
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    got = ingest.import_file(engine, name, path)
    assert got.rejected == 0, got.rejects


@pytest.fixture
def eng(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """The tiny jurisdiction, three more units and a post."""
    tiny.load(engine, tmp_path)
    units = pd.DataFrame(
        {
            "unit_id": ["U3", "U4", "U5"],
            "name": ["车三", "步巡四", "车五"],
            "kind": ["police_car", "foot", "police_car"],
            "station": ["G1", "G2", None],
        }
    )
    _csv(engine, tmp_path, "units", units)
    sites = pd.DataFrame(
        {
            "site_id": ["P1"],
            "name": ["罗家警务站"],
            "category": ["post"],
            "lat": [POST[0]],
            "lng": [POST[1]],
        }
    )
    _csv(engine, tmp_path, "sites", sites)
    return engine


def _put(engine: sa.Engine, unit: str, times: pd.DatetimeIndex, lat, lng) -> None:
    """Live fixes of ``unit`` (WGS-84) straight into the ``fixes`` table."""
    lat = np.broadcast_to(np.asarray(lat, float), (len(times),))
    lng = np.broadcast_to(np.asarray(lng, float), (len(times),))
    rows = [
        {
            "unit_id": unit,
            "ts": int(t.value // 1_000_000),
            "lat": float(a),
            "lng": float(b),
            "received_ms": int(t.value // 1_000_000),
            "token_id": "test",
        }
        for t, a, b in zip(times, lat, lng, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(fixes), rows)


def _every(start: str, end: str, step: str = "30s") -> pd.DatetimeIndex:
    return pd.date_range(tiny.ts(start), tiny.ts(end), freq=step)


# --------------------------------------------------------------------------------------------
# the rules


def test_live_rules_default_validate_and_round_trip_as_toml() -> None:
    rules = duty.validate_rules({})
    assert duty.live_minutes(rules) == {
        "gps_silent": 10.0,
        "long_stop": 20.0,
        "point_due": 30.0,
        "close_shift": 30.0,
    }
    assert all(r["source"] for r in rules["live"])
    changed = dict(rules, live=[{"alert": "gps_silent", "minutes": 5, "source": "ours"}])
    clean = duty.validate_rules(changed)
    assert clean["live"][0] == {"alert": "gps_silent", "minutes": 5.0, "source": "ours"}
    assert [r["alert"] for r in clean["live"]] == list(duty.LIVE_RULES)  # the rest: defaults
    text = duty.rules_to_toml(clean)
    assert "[[live]]" in text
    assert duty.rules_from_toml(text) == clean
    for bad, said in (
        ([{"alert": "coffee", "minutes": 5}], "live row 1: alert must be one of"),
        ([{"alert": "long_stop", "minutes": 5}] * 2, "appears twice"),
        ([{"alert": "long_stop", "minutes": 0}], "minutes 1-720"),
        ([{"alert": "long_stop", "minutes": "x"}], "must be a number"),
    ):
        with pytest.raises(ValueError, match=said):
            duty.validate_rules({"live": bad})


# --------------------------------------------------------------------------------------------
# alerts on constructed nights


def test_a_unit_silent_12_minutes_gives_one_gps_silent(eng: sa.Engine) -> None:
    now = tiny.ts("2022-07-10 22:00")
    t = _every("2022-07-10 21:30", "2022-07-10 21:48", "60s")
    # driving north in G1, 50 m a minute... then silent from 21:48
    _put(eng, "U3", t, 28.695 + np.arange(len(t)) * 50 * M_LAT, 115.972)
    got = live_alerts.live_alerts(eng, "all", now=now)
    assert got["alert"].tolist() == ["gps_silent"]
    row = got.iloc[0]
    assert row["unit_id"] == "U3" and row["unit_name"] == "车三"
    assert row["minutes"] == 12.0
    assert row["since"] == tiny.ts("2022-07-10 21:48")
    assert row["place"] and row["place_en"]
    # the rule's minutes come from the stored duty rules
    rules = duty_svc.get_rules(eng)
    duty_svc.set_rules(eng, dict(rules, live=[{"alert": "gps_silent", "minutes": 15}]))
    assert live_alerts.live_alerts(eng, "all", now=now).empty


def _stand(eng: sa.Engine, unit: str, at: tuple[float, float], now: pd.Timestamp) -> None:
    """Drive 600 m south of ``at`` until 25.5 min before ``now``, then stand there (+-4 m)."""
    lat, lng = at
    drive = pd.date_range(
        now - pd.Timedelta(minutes=40), now - pd.Timedelta(minutes=26), freq="60s"
    )
    _put(eng, unit, drive, lat - np.linspace(600, 100, len(drive)) * M_LAT, lng)
    stand = pd.date_range(
        now - pd.Timedelta(minutes=25.5), now - pd.Timedelta(seconds=30), freq="30s"
    )
    jitter = np.sin(np.arange(len(stand))) * 4 * M_LAT
    _put(eng, unit, stand, lat + jitter, lng)


def test_standing_25_minutes_300_m_from_any_post_is_a_long_stop(eng: sa.Engine) -> None:
    now = tiny.ts("2022-07-10 22:00")
    spot = (POST[0] + 300 * M_LAT, POST[1])  # 300 m north of P1, in G1 (U3's beat)
    _stand(eng, "U3", spot, now)
    got = live_alerts.live_alerts(eng, "all", now=now)
    assert got["alert"].tolist() == ["long_stop"]
    row = got.iloc[0]
    assert row["unit_id"] == "U3"
    assert row["minutes"] == 25.0  # first fix of the stand to the last
    assert row["since"] == now - pd.Timedelta(minutes=25.5)
    post_m = float(haversine_m(POST[1], POST[0], row["lng"], row["lat"]))
    assert row["detail"] == f"25 min, post {post_m:.0f} m"
    assert abs(post_m - 300) < 5


def test_standing_at_a_post_is_no_alert(eng: sa.Engine) -> None:
    now = tiny.ts("2022-07-10 22:00")
    _stand(eng, "U3", (POST[0] + 20 * M_LAT, POST[1]), now)  # inside P1's 50 m geofence
    assert live_alerts.live_alerts(eng, "all", now=now).empty


def test_outside_its_grid_is_left_beat_and_outside_the_station_left_jurisdiction(
    eng: sa.Engine,
) -> None:
    now = tiny.ts("2022-07-10 22:00")
    t = _every("2022-07-10 21:40", "2022-07-10 21:59", "60s")
    lng = np.linspace(115.9750, 115.9845, len(t))  # U3 drives east out of G1 into G2
    _put(eng, "U3", t, 28.702, lng)
    _put(eng, "U5", t, 28.702, np.linspace(115.9855, 116.0045, len(t)))  # no beat: leaves ST
    _put(eng, "U4", t, 28.701, np.linspace(116.001, 116.002, len(t)))  # beat G2, outside ST
    got = live_alerts.live_alerts(eng, "all", now=now)
    by = {(r.alert, r.unit_id): r for r in got.itertuples()}
    assert set(by) == {
        ("left_beat", "U3"),
        ("left_jurisdiction", "U5"),
        ("left_jurisdiction", "U4"),  # once, as the worse of the two
    }
    beat = by[("left_beat", "U3")]
    assert beat.what == "一网格"
    first_out = t[np.flatnonzero(lng >= 115.980)[0]]
    assert beat.since == first_out
    assert beat.minutes == round((t[-1] - first_out).total_seconds() / 60, 1)
    assert (
        by[("left_jurisdiction", "U5")].since
        == t[np.flatnonzero(np.linspace(115.9855, 116.0045, len(t)) > 115.990)[0]]
    )
    assert by[("left_jurisdiction", "U4")].since == t[0]  # outside all along
    assert got["alert"].iloc[0] == "left_jurisdiction"  # the most severe first


def test_a_key_point_due_in_20_minutes_not_visited_is_point_due(eng: sa.Engine) -> None:
    # night 2022-07-10, window 20:00-06:00: the bank's two visits fall due at 01:00 and 06:00
    now = tiny.ts("2022-07-11 00:40")
    got = live_alerts.live_alerts(eng, "all", now=now)
    assert got["alert"].tolist() == ["point_due"]
    row = got.iloc[0]
    assert row["what"] == "罗家银行网点" and pd.isna(row["unit_id"])
    assert row["since"] == tiny.ts("2022-07-11 01:00")
    assert row["minutes"] == 20.0
    assert row["detail"] == "due 01:00, 0/2 done"
    assert (row["lat"], row["lng"]) == BANK
    words = live_alerts.worded(got, "en")
    assert words["text"].iloc[0] == "罗家银行网点 is due by 01:00, in 20 min"
    assert words["alert_name"].iloc[0] == "Key point due, not visited"


def test_a_key_point_visited_is_not_due(eng: sa.Engine) -> None:
    now = tiny.ts("2022-07-11 00:40")
    t = _every("2022-07-10 23:00", "2022-07-10 23:04", "15s")  # 4 minutes at the bank
    _put(eng, "U4", t, BANK[0] + 10 * M_LAT, BANK[1])
    t2 = _every("2022-07-11 00:20", "2022-07-11 00:39", "60s")  # then on the move in G2
    _put(eng, "U4", t2, 28.692 + np.arange(len(t2)) * 100 * M_LAT, 115.987)
    got = live_alerts.live_alerts(eng, "all", now=now)
    assert "point_due" not in set(got["alert"])
    assert got.empty


def _plan(visit_stop_1: bool) -> dict:
    """Tonight's plan: U3 at stop 1 21:15-21:30, at stop 2 23:15-23:30 (both in G1)."""
    s1, s2 = (28.707, 115.973), (28.693, 115.977)
    stop = lambda seq, p, arrive, leave: {  # noqa: E731
        "seq": seq,
        "h3": h3.latlng_to_cell(p[0], p[1], 9),
        "lat": p[0],
        "lng": p[1],
        "place": f"计划点{seq}",
        "place_en": f"Plan stop {seq}",
        "arrive": tiny.ts(arrive).isoformat(),
        "leave": tiny.ts(leave).isoformat(),  # arrive + 15 min: the window's end
        "latest_arrive": tiny.ts(leave).isoformat(),
    }
    return {
        "plan_id": f"P-test-{int(visit_stop_1)}",
        "date": "2022-07-10",
        "window": "20:00-06:00",
        "start": tiny.ts("2022-07-10 20:00").isoformat(),
        "end": tiny.ts("2022-07-11 06:00").isoformat(),
        "res": 9,
        "dwell_s": 900,
        "risk_covered": 1.0,
        "risk_total": 2.0,
        "units": [
            {
                "unit_id": "U3",
                "name": "车三",
                "kind": "police_car",
                "stops": [
                    stop(1, s1, "2022-07-10 21:15", "2022-07-10 21:30"),
                    stop(2, s2, "2022-07-10 23:15", "2022-07-10 23:30"),
                ],
            }
        ],
    }


@pytest.mark.parametrize("visited", [False, True])
def test_a_plan_stop_whose_window_passed_is_stop_window_passed(
    eng: sa.Engine, visited: bool
) -> None:
    now = tiny.ts("2022-07-10 22:00")
    plan = _plan(visited)
    saved_plans.save_plan(eng, plan, scope="all", user=None, now_ms=0)
    # U3 patrols in G1 all along (moving, never standing), at stop 1 for 4 minutes if visited
    t = _every("2022-07-10 21:00", "2022-07-10 21:59", "30s")
    lat = 28.696 + (np.arange(len(t)) % 40) * 15 * M_LAT
    lng = np.full(len(t), 115.9745)
    if visited:
        at = (t >= tiny.ts("2022-07-10 21:10")) & (t < tiny.ts("2022-07-10 21:14"))
        lat[at], lng[at] = 28.707, 115.973
    _put(eng, "U3", t, lat, lng)
    got = live_alerts.live_alerts(eng, "all", now=now)
    if visited:
        assert got.empty
        return
    assert got["alert"].tolist() == ["stop_window_passed"]
    row = got.iloc[0]
    assert row["unit_id"] == "U3" and row["detail"] == "stop 1, 1 passed"
    assert row["since"] == tiny.ts("2022-07-10 21:30") and row["minutes"] == 30.0
    assert (row["lat"], row["lng"]) == (28.707, 115.973)
    zh = live_alerts.worded(got, "zh-CN")["text"].iloc[0]
    assert "21:30" in zh and "30" in zh


def test_a_viewer_is_refused_and_a_grid_manager_sees_its_units(eng: sa.Engine) -> None:
    now = tiny.ts("2022-07-10 22:00")
    _put(eng, "U3", _every("2022-07-10 21:30", "2022-07-10 21:40", "60s"), 28.70, 115.972)
    viewer = store.Principal("v", "viewer", frozenset({"ST"}))
    with pytest.raises(PermissionError):
        live_alerts.live_alerts(eng, viewer, now=now)
    with pytest.raises(PermissionError):
        live_alerts.nearest_units(eng, viewer, 28.70, 115.98, now=now)
    g1 = store.Principal("g1", "grid_manager", frozenset({"G1"}))
    g2 = store.Principal("g2", "grid_manager", frozenset({"G2"}))
    assert live_alerts.live_alerts(eng, g1, now=now)["unit_id"].tolist() == ["U3"]
    assert live_alerts.live_alerts(eng, g2, now=now).empty


# --------------------------------------------------------------------------------------------
# the nearest unit


def _floyd(n: int, edges: list[tuple[int, int, float]]) -> np.ndarray:
    d = np.full((n, n), np.inf)
    np.fill_diagonal(d, 0.0)
    for a, b, w in edges:
        d[a, b] = min(d[a, b], w)
    for k in range(n):
        d = np.minimum(d, d[:, k : k + 1] + d[k : k + 1, :])
    return d


def _network(tmp_path: Path) -> tuple[routing.RoadNetwork, np.ndarray, np.ndarray, np.ndarray]:
    """A 4 x 4 street grid of 300 m blocks in G1/G2 with the middle east-west street one-way
    east and a missing block, for driving and walking alike."""
    lat0, lng0 = 28.692, 115.972
    n = 4
    lat = np.repeat(lat0 + np.arange(n) * 300 * M_LAT, n)
    lng = np.tile(lng0 + np.arange(n) * 300 * m_lng(lat0), n)
    edges: list[tuple[int, int, float]] = []

    def add(a: int, b: int, both: bool = True) -> None:
        w = float(haversine_m(lng[a], lat[a], lng[b], lat[b])) * 1.05  # streets a bit longer
        edges.append((a, b, w))
        if both:
            edges.append((b, a, w))

    for r in range(n):
        for c in range(n):
            i = r * n + c
            if c + 1 < n and not (r == 1 and c == 1):  # a missing block on row 1
                add(i, i + 1, both=r != 2)  # row 2: one-way east
            if r + 1 < n:
                add(i, i + n)
    path = tmp_path / "grid.osm.pbf"
    path.write_bytes(b"")
    net = routing.RoadNetwork(path)
    src, dst, w = (np.array(x) for x in zip(*edges, strict=True))
    graph = csr_matrix((w, (src.astype(int), dst.astype(int))), shape=(n * n, n * n))
    for kind in ("driving", "walking", "cycling"):
        net._graphs[kind] = (lat, lng, graph)
    return net, lat, lng, _floyd(n * n, edges)


def test_nearest_on_a_constructed_network_and_in_a_straight_line(
    eng: sa.Engine, tmp_path: Path
) -> None:
    net, nlat, nlng, dist = _network(tmp_path)
    now = tiny.ts("2022-07-10 22:00")
    at = {"U3": 0, "U4": 3, "U5": 14, "U1": 9}  # unit -> the node it stands on
    for u, node in at.items():
        _put(eng, u, pd.DatetimeIndex([now - pd.Timedelta(minutes=2)]), nlat[node], nlng[node])
    call = 10
    got = live_alerts.nearest_units(eng, "all", nlat[call], nlng[call], now=now, network=net)
    speed = {u: routing.SPEED_MPS["foot" if u == "U4" else "police_car"] for u in at}
    want = {u: dist[node, call] / speed[u] for u, node in at.items()}
    assert got["unit_id"].tolist() == sorted(want, key=lambda u: (want[u], u))
    for r in got.itertuples():
        assert r.travel_s == pytest.approx(want[r.unit_id], abs=0.1)
        assert r.age_s == 120
        minutes = [1, 3, 5]
        tier = next((m for m in minutes if want[r.unit_id] <= m * 60), None)
        assert r.tier == tier
    # the one-way street makes the way back longer than the way there
    assert dist[9, 10] < dist[10, 9]
    # straight line: great circle x detour / speed
    line = live_alerts.nearest_units(eng, "all", nlat[call], nlng[call], now=now)
    for r in line.itertuples():
        node = at[r.unit_id]
        metres = float(haversine_m(nlng[node], nlat[node], nlng[call], nlat[call]))
        assert r.distance_m == pytest.approx(metres, abs=0.1)
        assert r.travel_s == pytest.approx(metres * routing.DETOUR / speed[r.unit_id], abs=0.1)
    # the same point in GCJ-02 and BD-09 gives the same answer; kinds keep units of a kind
    for crs in ("gcj02", "bd09"):
        x, y = from_wgs84(nlng[call], nlat[call], crs)
        other = live_alerts.nearest_units(eng, "all", float(y), float(x), crs=crs, now=now)
        assert other["unit_id"].tolist() == line["unit_id"].tolist()
        assert np.allclose(other["travel_s"], line["travel_s"], atol=0.1)
    feet = live_alerts.nearest_units(eng, "all", nlat[call], nlng[call], now=now, kinds=["foot"])
    assert feet["unit_id"].tolist() == ["U4"]
    # a unit silent beyond the close_shift minutes is off duty
    later = live_alerts.nearest_units(
        eng, "all", nlat[call], nlng[call], now=now + pd.Timedelta(minutes=40)
    )
    assert later.empty
    with pytest.raises(ValueError, match="crs"):
        live_alerts.nearest_units(eng, "all", 28.7, 115.98, crs="EPSG:32650", now=now)
    with pytest.raises(ValueError, match="lat, lng"):
        live_alerts.nearest_units(eng, "all", 128.7, 115.98, now=now)


def test_nearest_pure_ranks_by_kind_speed() -> None:
    units = pd.DataFrame(
        {
            "unit_id": ["A", "B"],
            "kind": ["foot", "police_car"],
            "lat": [28.7, 28.7],
            "lng": [115.98, 115.98 + 500 * m_lng(28.7)],
        }
    )
    got = live.nearest(units, 28.7, 115.98 + 100 * m_lng(28.7), [1, 3, 5])
    foot = float(haversine_m(115.98, 28.7, 115.98 + 100 * m_lng(28.7), 28.7))
    car = float(haversine_m(115.98 + 500 * m_lng(28.7), 28.7, 115.98 + 100 * m_lng(28.7), 28.7))
    t_foot = foot * routing.DETOUR / routing.SPEED_MPS["foot"]
    t_car = car * routing.DETOUR / routing.SPEED_MPS["police_car"]
    assert got["unit_id"].tolist() == (["A", "B"] if t_foot < t_car else ["B", "A"])
    assert dict(zip(got["unit_id"], got["travel_s"], strict=True)) == {
        "A": pytest.approx(t_foot, abs=0.1),
        "B": pytest.approx(t_car, abs=0.1),
    }


# --------------------------------------------------------------------------------------------
# the command line


def test_cli_alerts_live_and_nearest(eng: sa.Engine, capsys: pytest.CaptureFixture[str]) -> None:
    url = eng.url.render_as_string(hide_password=False)
    t = _every("2022-07-10 21:30", "2022-07-10 21:48", "60s")
    _put(eng, "U3", t, 28.695 + np.arange(len(t)) * 50 * M_LAT, 115.972)
    rc = cli_main(["alerts", "--live", "--at", "2022-07-10 22:00", "--db", url, "--lang", "en"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["live"] is True and out["alerts"] == 1 and out["by_kind"] == {"gps_silent": 1}
    row = out["rows"][0]
    assert row["alert"] == "GPS silent" and row["text"] == "No fix for 12 min"
    assert row["unit"] == "车三"
    x, y = from_wgs84(115.975, 28.70, "bd09")
    rc = cli_main(
        [
            "nearest",
            "--lat",
            str(float(y)),
            "--lng",
            str(float(x)),
            "--crs",
            "bd09",
            "--at",
            "2022-07-10 21:50",
            "--db",
            url,
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["units"] == 1
    assert out["rows"][0]["unit_id"] == "U3" and out["rows"][0]["tier"] in (1, 3, 5)
    rc = cli_main(["alerts", "--db", url])  # a night's alerts still need --date
    assert rc == 2
    assert "--date" in capsys.readouterr().err
