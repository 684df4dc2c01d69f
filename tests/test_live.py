"""Live fixes (issue 22): accepted once, settled into the shifts an import of them gives.

The reference for settling is the import: the same fixes written as a GPS vendor's CSV
(设备号, 定位时间, 经度, 纬度) and imported into a fresh store are cut into shifts by
:mod:`geo.ingest.gps`; posting them in batches (out of order, late, repeated) and settling
between batches must leave exactly the same shifts, ping keys and content hashes, and coverage
rows (per shift, cell, resolution, date and hour). Positions and plan progress are checked on
tests/tiny.py's two grids against hand-worked values.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from geo import ingest, store
from geo.domain import coords, hexes
from geo.services import live
from geo.services.plan import save_plan
from geo.store import live as stored
from geo.store.tables import RECORD_TABLES, coverage, fixes, stops, track_quality
from tests import tiny

TZ = "Asia/Shanghai"
NOW = int(pd.Timestamp("2022-11-01 12:00", tz=TZ).value // 1_000_000)  # the server's clock


@dataclass(frozen=True)
class Token:
    """A verified device token as :func:`geo.services.tokens.verify_token` gives it."""

    token_id: str
    unit_id: str | None
    kind: str = "device"
    user_name: str | None = None


def _units(engine: sa.Engine, ids: list[str], kind: str = "police_car") -> None:
    units = pd.DataFrame({"unit_id": ids, "name": ids, "kind": kind})
    assert ingest.import_frame(engine, "units", units, file_name="units.csv").accepted == len(ids)


def _ms(text: str) -> int:
    return int(pd.Timestamp(text, tz=TZ).value // 1_000_000)


def _stored_fixes(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(fixes).order_by(fixes.c.unit_id, fixes.c.ts)).all()
    return pd.DataFrame(rows, columns=[c.name for c in fixes.columns])


# --------------------------------------------------------------------------------------------
# Accepting fixes


def test_good_fixes_are_stored_once_and_repeats_are_duplicates(engine: sa.Engine) -> None:
    _units(engine, ["U1", "U2"])
    tok = Token("tok1", "U1")
    batch = [
        {"unit_id": "U1", "time": "2022-10-31T20:00:00+08:00", "lat": 28.70, "lng": 115.98},
        {"device_id": "U1", "time": "2022-10-31T20:00:30+08:00", "lat": 28.701, "lng": 115.981},
        {"time": "2022-10-31T20:01:00+08:00", "lat": 28.702, "lng": 115.982, "speed": 12.5},
        # the first fix again within the batch
        {"unit_id": "U1", "time": "2022-10-31T20:00:00+08:00", "lat": 28.70, "lng": 115.98},
    ]
    got = live.accept_fixes(engine, tok, batch, now_ms=NOW)
    assert (got.accepted, got.duplicates, got.rejected) == (3, 1, [])
    again = live.accept_fixes(engine, tok, batch[:3], now_ms=NOW + 1000)
    assert (again.accepted, again.duplicates) == (0, 3)
    rows = _stored_fixes(engine)
    assert rows["unit_id"].tolist() == ["U1"] * 3
    assert rows["ts"].tolist() == [
        _ms("2022-10-31 20:00"),
        _ms("2022-10-31 20:00:30"),
        _ms("2022-10-31 20:01"),
    ]
    assert rows["received_ms"].tolist() == [NOW] * 3  # the first post's, kept
    assert rows["token_id"].tolist() == ["tok1"] * 3
    assert rows["speed"].isna().tolist() == [True, True, False]


def test_one_instant_written_five_ways_is_one_fix(sqlite_engine: sa.Engine) -> None:
    _units(sqlite_engine, ["U1"])
    when = _ms("2022-10-31 20:00:07")
    ways = [
        "2022-10-31T12:00:07Z",  # UTC
        "2022-10-31T20:00:07+08:00",
        "2022-10-31 20:00:07",  # naive: the store's zone
        when,  # epoch ms
        when / 1000,  # epoch seconds
    ]
    batch = [{"time": w, "lat": 28.7, "lng": 115.98} for w in ways]
    got = live.accept_fixes(sqlite_engine, Token("t", "U1"), batch, now_ms=NOW)
    assert (got.accepted, got.duplicates, got.rejected) == (1, 4, [])
    assert _stored_fixes(sqlite_engine)["ts"].tolist() == [when]


def test_another_units_fix_is_refused_and_the_rest_stored(sqlite_engine: sa.Engine) -> None:
    _units(sqlite_engine, ["U1", "U2"])
    batch = [
        {"unit_id": "U2", "time": "2022-10-31T20:00:00+08:00", "lat": 28.7, "lng": 115.98},
        {"device_id": "U2", "time": "2022-10-31T20:00:10+08:00", "lat": 28.7, "lng": 115.98},
        {"unit_id": "U1", "time": "2022-10-31T20:00:20+08:00", "lat": 28.7, "lng": 115.98},
    ]
    got = live.accept_fixes(sqlite_engine, Token("t", "U1"), batch, now_ms=NOW)
    assert got.accepted == 1
    assert [(r["index"], r["field"], r["reason"]) for r in got.rejected] == [
        (0, "unit_id", "other_unit"),
        (1, "device_id", "other_unit"),
    ]
    assert "U2" in got.rejected[0]["text"] and "U2" in got.rejected[0]["text_en"]
    assert _stored_fixes(sqlite_engine)["unit_id"].tolist() == ["U1"]
    with pytest.raises(PermissionError):  # a user's token posts no fixes
        live.accept_fixes(sqlite_engine, Token("u", None, "user", "ann"), batch, now_ms=NOW)


def test_malformed_fixes_are_each_reported_and_never_stop_the_batch(
    sqlite_engine: sa.Engine,
) -> None:
    _units(sqlite_engine, ["U1"])
    good = {"time": "2022-10-31T20:00:00+08:00", "lat": 28.7, "lng": 115.98}
    batch: list = [
        good,
        "not an object",
        {"lat": 28.7, "lng": 115.98},  # no time
        {"time": "yesterday evening", "lat": 28.7, "lng": 115.98},
        {"time": NOW + 6 * 60_000, "lat": 28.7, "lng": 115.98},  # 6 min ahead of the server
        {"time": NOW + 4 * 60_000, "lat": 28.7, "lng": 115.98},  # 4 min ahead: accepted
        {"time": "2022-10-31T20:01:00+08:00", "lat": "north", "lng": 115.98},
        {"time": "2022-10-31T20:02:00+08:00", "lat": 95, "lng": 115.98},
        {"time": "2022-10-31T20:03:00+08:00", "lat": 10.0, "lng": 10.0},  # outside China
        {"time": "2022-10-31T20:04:00+08:00", "lat": 28.7, "lng": 115.98, "crs": "utm50"},
        {"time": "2022-10-31T20:05:00+08:00", "lat": 28.7, "lng": 115.98, "speed": -3},
        {"time": "2022-10-31T20:06:00+08:00", "lat": 28.7, "lng": 115.98, "accuracy": "good"},
        {"time": True, "lat": 28.7},  # a boolean is no time; no longitude
    ]
    got = live.accept_fixes(sqlite_engine, Token("t", "U1"), batch, now_ms=NOW)
    assert got.accepted == 2 and got.duplicates == 0
    assert [(r["index"], r["field"], r["reason"]) for r in got.rejected] == [
        (1, "fix", "not_object"),
        (2, "time", "missing"),
        (3, "time", "time"),
        (4, "time", "future"),
        (6, "lat", "not_number"),
        (7, "lat", "range"),
        (8, "lat", "region"),
        (9, "crs", "crs"),
        (10, "speed", "negative"),
        (11, "accuracy", "not_number"),
        (12, "time", "time"),
        (12, "lng", "missing"),
    ]
    for r in got.rejected:  # the reason in both languages, naming the fix
        assert r["text"] and r["text_en"] and r["text"] != r["text_en"]
        assert str(r["index"]) in r["text"] and str(r["index"]) in r["text_en"]
    assert len(_stored_fixes(sqlite_engine)) == 2


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_gcj02_and_bd09_fixes_are_stored_in_wgs84(sqlite_engine: sa.Engine, crs: str) -> None:
    _units(sqlite_engine, ["U1"])
    lng = np.array([115.98, 115.99, 116.0])
    lat = np.array([28.70, 28.71, 28.72])
    batch = [
        {"time": _ms("2022-10-31 20:00") + 1000 * i, "lat": la, "lng": lo, "crs": crs.upper()}
        for i, (la, lo) in enumerate(zip(lat, lng, strict=True))
    ]
    got = live.accept_fixes(sqlite_engine, Token("t", "U1"), batch, now_ms=NOW)
    assert got.accepted == 3
    want_lng, want_lat = coords.to_wgs84(lng, lat, crs)
    rows = _stored_fixes(sqlite_engine)
    np.testing.assert_allclose(rows["lng"], want_lng, atol=1e-12)
    np.testing.assert_allclose(rows["lat"], want_lat, atol=1e-12)
    # the shift is hundreds of metres: the conversion happened
    assert coords.haversine_m(lng[0], lat[0], rows["lng"][0], rows["lat"][0]) > 200


def test_insert_counts_only_new_rows_on_both_backends(engine: sa.Engine) -> None:
    rows = pd.DataFrame(
        {
            "unit_id": "U1",
            "ts": np.arange(5000, dtype="int64") * 1000 + _ms("2022-10-31 20:00"),
            "lat": 28.7,
            "lng": 115.98,
            "speed": np.nan,
            "accuracy": np.nan,
            "received_ms": NOW,
            "token_id": "t",
        }
    )
    with engine.begin() as conn:
        assert stored.insert_fixes(conn, rows.iloc[:3000]) == 3000
    with engine.begin() as conn:
        assert stored.insert_fixes(conn, rows.iloc[2500:]) == 2000
    assert len(_stored_fixes(engine)) == 5000


# --------------------------------------------------------------------------------------------
# Settling: the same shifts and coverage as an import of the same fixes


def _walk(rng: np.random.Generator, start: str, n: int, step_s: float, lat: float, lng: float):
    """n fixes from ``start`` every ~step_s seconds, a random walk of ~30 m steps."""
    t0 = pd.Timestamp(start, tz=TZ)
    dt = np.cumsum(np.r_[0, rng.integers(int(step_s * 0.5), int(step_s * 1.5), n - 1)])
    la = lat + np.cumsum(rng.normal(0, 0.0003, n))
    lo = lng + np.cumsum(rng.normal(0, 0.0003, n))
    return [
        (t0 + pd.Timedelta(seconds=int(s)), float(a), float(b))
        for s, a, b in zip(dt, la, lo, strict=True)
    ]


def _night_fixes() -> dict[str, list[tuple[pd.Timestamp, float, float]]]:
    """Three units' fixes with gaps that cut (over 30 min) and gaps that do not, lone fixes."""
    rng = np.random.default_rng(22)
    return {
        # two patrols 40 min apart, then a lone fix an hour later
        "车01": _walk(rng, "2022-10-31 20:05", 90, 30, 28.70, 115.98)
        + _walk(rng, "2022-10-31 21:40", 60, 20, 28.71, 115.97)
        + [(pd.Timestamp("2022-10-31 23:30", tz=TZ), 28.705, 115.975)],
        # one patrol with a 25-minute hole (not cut) across midnight
        "车02": _walk(rng, "2022-10-31 23:20", 40, 45, 28.69, 115.99)
        + _walk(rng, "2022-11-01 00:20", 40, 45, 28.695, 115.985),
        # a short patrol on the next morning's night boundary
        "车03": _walk(rng, "2022-11-01 05:50", 30, 40, 28.72, 115.96),
    }


def _vendor_csv(path: Path, night: dict[str, list[tuple[pd.Timestamp, float, float]]]) -> Path:
    lines = ["设备号,定位时间,经度,纬度"]
    for unit, pts in night.items():
        for ts, lat, lng in pts:
            lines.append(f"{unit},{ts:%Y-%m-%d %H:%M:%S},{lng!r},{lat!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _as_posted(pts: list[tuple[pd.Timestamp, float, float]]) -> list[dict]:
    return [{"time": ts.isoformat(), "lat": lat, "lng": lng} for ts, lat, lng in pts]


def _shift_rows(engine: sa.Engine) -> list[tuple]:
    got = store.read(engine, "shifts", "all", columns=["shift_id", "unit_id", "start", "end"])
    return sorted(
        (r.shift_id, r.unit_id, r.start.isoformat(), r.end.isoformat())
        for r in got.itertuples(index=False)
    )


def _ping_rows(engine: sa.Engine) -> list[tuple]:
    p = RECORD_TABLES["pings"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.key, p.c.content_hash, p.c.cell, p.c.unit_id)).all()
    return sorted(tuple(r) for r in rows)


def _rollup_rows(engine: sa.Engine, table: sa.Table) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(sa.select(table)).all(), columns=table.c.keys())
    frame["date"] = frame["date"].astype(str) if "date" in frame else None
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _assert_same_store(live_engine: sa.Engine, ref: sa.Engine) -> None:
    assert _shift_rows(live_engine) == _shift_rows(ref)
    assert _ping_rows(live_engine) == _ping_rows(ref)
    for table in (coverage, stops, track_quality):
        got, want = _rollup_rows(live_engine, table), _rollup_rows(ref, table)
        assert len(got) == len(want) > 0, table.name
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh store holding the night's fixes imported as a GPS vendor's CSV."""
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    ref = store.connect(url)
    _units(ref, ["车01", "车02", "车03"])
    summary = ingest.import_file(ref, "pings", _vendor_csv(tmp_path / "gps.csv", _night_fixes()))
    assert summary.rejects["code"].tolist() == ["lone_fix"]  # 车01's fix at 23:30
    yield ref
    store.forget(url)


def test_settled_fixes_make_the_shifts_and_coverage_of_an_import(
    engine: sa.Engine, reference: sa.Engine
) -> None:
    _units(engine, ["车01", "车02", "车03"])
    night = _night_fixes()
    rng = np.random.default_rng(7)
    clock = NOW
    posted: dict[str, list[dict]] = {u: _as_posted(p) for u, p in night.items()}
    # 车01's fixes between 21:00 and 22:00 come late (offline): the first settle sees two
    # shifts where there is one ... and the 40-minute gap 20:50-21:40 splits it for real
    held = {u: [f for f in fx if u == "车01" and "T21:" in f["time"]] for u, fx in posted.items()}
    first = {u: [f for f in fx if f not in held[u]] for u, fx in posted.items()}
    for unit, fx in first.items():
        order = rng.permutation(len(fx))  # out of order, in three batches
        for part in np.array_split(order, 3):
            clock += 1000
            live.accept_fixes(engine, Token(unit, unit), [fx[i] for i in part], now_ms=clock)
    clock += 1000
    live.settle(engine, now_ms=clock)
    assert _shift_rows(engine) != _shift_rows(reference)  # the held fixes are missing yet
    clock += 5 * 60_000
    late = held["车01"] + posted["车01"][:20] + posted["车02"][-5:]  # late, and repeats
    got = live.accept_fixes(
        engine, Token("车01", "车01"), late[: len(held["车01"]) + 20], now_ms=clock
    )
    assert got.duplicates == 20 and not got.rejected
    got = live.accept_fixes(engine, Token("车02", "车02"), posted["车02"][-5:], now_ms=clock)
    assert got.duplicates == 5
    clock += 1000
    done = live.settle(engine, now_ms=clock)
    assert done["units"] >= 1
    _assert_same_store(engine, reference)
    # settling again with nothing new changes nothing
    clock += 10 * 60_000
    live.settle(engine, now_ms=clock)
    _assert_same_store(engine, reference)
    # the lone fix still waits in fixes
    assert len(_stored_fixes(engine)) == sum(len(p) for p in night.values())


def test_late_fixes_that_bridge_two_shifts_merge_them(sqlite_engine: sa.Engine) -> None:
    _units(sqlite_engine, ["U1"])
    tok = Token("t", "U1")
    times = pd.date_range(pd.Timestamp("2022-10-31 20:00", tz=TZ), periods=13, freq="10min")
    fx = [
        {"time": ts.isoformat(), "lat": 28.70 + i * 1e-3, "lng": 115.98}
        for i, ts in enumerate(times)
    ]
    # 20:00-20:40 and 21:20-22:00 first: a gap of 40 minutes cuts them in two
    live.accept_fixes(sqlite_engine, tok, fx[:5] + fx[8:], now_ms=NOW)
    live.settle(sqlite_engine, now_ms=NOW + 1000)
    assert [s[0] for s in _shift_rows(sqlite_engine)] == [
        "U1 2022-10-31 20:00",
        "U1 2022-10-31 21:20",
    ]
    live.accept_fixes(sqlite_engine, tok, fx[5:8], now_ms=NOW + 120_000)
    live.settle(sqlite_engine, now_ms=NOW + 121_000)
    assert _shift_rows(sqlite_engine) == [
        (
            "U1 2022-10-31 20:00",
            "U1",
            "2022-10-31T20:00:00+08:00",
            "2022-10-31T22:00:00+08:00",
        )
    ]
    with sqlite_engine.connect() as conn:  # the second shift's rollups went with it
        for table in (coverage, stops, track_quality):
            left = conn.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.shift_id == "U1 2022-10-31 21:20")
            ).scalar_one()
            assert left == 0, table.name
        n = conn.execute(sa.select(sa.func.count()).select_from(RECORD_TABLES["pings"]))
        assert n.scalar_one() == 13


def test_imported_shifts_are_never_touched(sqlite_engine: sa.Engine, tmp_path: Path) -> None:
    """A unit's imported shift stays as imported; live fixes of that unit make their own."""
    _units(sqlite_engine, ["U1"])
    path = tmp_path / "gps.csv"
    path.write_text(
        "设备号,定位时间,经度,纬度\nU1,2022-10-31 18:00:00,115.98,28.70\n"
        "U1,2022-10-31 18:10:00,115.981,28.701\n",
        encoding="utf-8",
    )
    assert ingest.import_file(sqlite_engine, "pings", path).accepted == 2
    before = _shift_rows(sqlite_engine)
    fx = [
        {"time": "2022-10-31T18:20:00+08:00", "lat": 28.70, "lng": 115.98},
        {"time": "2022-10-31T18:30:00+08:00", "lat": 28.70, "lng": 115.98},
    ]
    live.accept_fixes(sqlite_engine, Token("t", "U1"), fx, now_ms=NOW)
    live.settle(sqlite_engine, now_ms=NOW + 1000)
    after = _shift_rows(sqlite_engine)
    assert before[0] in after
    assert ("U1 2022-10-31 18:20", "U1") == after[1][:2]


def test_two_settles_at_once_give_the_same_store(engine: sa.Engine, reference: sa.Engine) -> None:
    _units(engine, ["车01", "车02", "车03"])
    for unit, pts in _night_fixes().items():
        live.accept_fixes(engine, Token(unit, unit), _as_posted(pts), now_ms=NOW)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            live.settle(engine, now_ms=NOW + 1000 + k)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    _assert_same_store(engine, reference)


# --------------------------------------------------------------------------------------------
# Positions, tracks and plan progress on tiny's two grids (G1 west, G2 east of 115.980 E)


@pytest.fixture
def tiny_live(sqlite_engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """tiny's store; U1's imported track S1 ends at 21:19:40 in G2; U2 posts one fix in G1."""
    tiny.load(sqlite_engine, tmp_path)
    fx = [{"time": "2022-07-01T21:29:00+08:00", "lat": 28.700, "lng": 115.975, "speed": 4}]
    assert live.accept_fixes(sqlite_engine, Token("t2", "U2"), fx, now_ms=NOW).accepted == 1
    return sqlite_engine


AT = pd.Timestamp("2022-07-01 21:30", tz=TZ)


def _who(role: str, *areas: str) -> store.Principal:
    return store.Principal(user=role, role=role, areas=frozenset(areas) if areas else None)


def test_positions_come_from_live_fixes_else_the_stored_tracks(tiny_live: sa.Engine) -> None:
    got = live.positions(tiny_live, "all", now=AT)
    assert list(got.columns) == live.POSITION_COLUMNS
    assert got["unit_id"].tolist() == ["U1", "U2"]
    u1, u2 = got.iloc[0], got.iloc[1]
    assert u1["ts"] == pd.Timestamp("2022-07-01 21:19:40", tz=TZ)  # S1's last ping
    assert math.isclose(u1["lng"], 115.988) and math.isclose(u1["lat"], 28.700)
    assert (u1["age_s"], bool(u1["silent"])) == (620.0, True)  # over the 10 minutes of gps_silent
    assert (u2["ts"], u2["age_s"], bool(u2["silent"])) == (
        pd.Timestamp("2022-07-01 21:29", tz=TZ),
        60.0,
        False,
    )
    assert u2["name"] == "志愿者队" and u2["kind"] == "volunteer" and u2["speed"] == 4
    assert "一网格" in u2["place"] and u2["place_en"]
    # 12 hours later nothing is recent
    assert live.positions(tiny_live, "all", now=AT + pd.Timedelta(hours=13)).empty


def test_positions_are_scoped_by_area_and_station(tiny_live: sa.Engine) -> None:
    assert live.positions(tiny_live, _who("grid_manager", "G1"), now=AT)["unit_id"].tolist() == [
        "U2"
    ]
    assert live.positions(tiny_live, _who("grid_manager", "G2"), now=AT)["unit_id"].tolist() == [
        "U1"
    ]
    # the station's commander: both units are the station's
    assert live.positions(tiny_live, _who("commander", "ST"), now=AT)["unit_id"].tolist() == [
        "U1",
        "U2",
    ]
    tracks = live.recent_tracks(tiny_live, _who("grid_manager", "G1"), minutes=60, now=AT)
    assert set(tracks["unit_id"]) == {"U2"}
    everyone = live.recent_tracks(tiny_live, "all", minutes=20, now=AT)
    # S1's fixes every 20 s from 21:10:00 to 21:19:40 (30) and U2's fix
    assert everyone.groupby("unit_id").size().to_dict() == {"U1": 30, "U2": 1}
    with pytest.raises(PermissionError):
        live.positions(tiny_live, _who("viewer", "ST"), now=AT)
    with pytest.raises(PermissionError):
        live.recent_tracks(tiny_live, _who("viewer", "ST"), now=AT)


def _haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def test_plan_progress_counts_stops_done_and_the_next_stops_eta(tiny_live: sa.Engine) -> None:
    near = (28.7005, 115.9752)  # 58 m from U2's fix: done
    cell = hexes.cells_to_str(hexes.latlng_to_cells(np.array([28.700]), np.array([115.975]), 9))
    nxt = (28.705, 115.985)
    stop = {"place": "二网格 · 罗家银行网点", "place_en": "Grid 2 · bank"}
    plan = {
        "plan_id": "P20220701-test",
        "date": "2022-07-01",
        "start": "2022-07-01T20:00:00+08:00",
        "end": "2022-07-02T06:00:00+08:00",
        "res": 9,
        "dwell_s": 600,
        "risk_covered": 1.0,
        "risk_total": 2.0,
        "area": None,
        "units": [
            {
                "unit_id": "U2",
                "name": "志愿者队",
                "kind": "foot",
                "stops": [
                    {"seq": 1, "h3": "", "lat": near[0], "lng": near[1], **stop},
                    {"seq": 2, "h3": str(cell[0]), "lat": 28.69, "lng": 115.95, **stop},
                    {
                        "seq": 3,
                        "h3": "",
                        "lat": nxt[0],
                        "lng": nxt[1],
                        "arrive": "2022-07-01T21:30:00+08:00",
                        "leave": "2022-07-01T21:40:00+08:00",
                        **stop,
                    },
                    {"seq": 4, "h3": "", "lat": 28.71, "lng": 115.99, **stop},
                ],
            }
        ],
    }
    save_plan(tiny_live, plan)
    got = live.plan_progress(tiny_live, "all", now=AT)
    assert got["unit_id"].tolist() == ["U2"]
    row = got.iloc[0]
    assert (row["stops_total"], row["stops_done"], row["next_seq"]) == (4, 2, 3)
    assert row["next_stop"] == stop["place"] and row["next_stop_en"] == stop["place_en"]
    assert (row["next_lat"], row["next_lng"]) == nxt
    # on foot: 4.5 km/h along the straight line x 1.3
    travel_s = _haversine_m(28.700, 115.975, *nxt) * 1.3 / (4.5 / 3.6)
    want = pd.Timestamp("2022-07-01 21:29", tz=TZ) + pd.Timedelta(seconds=travel_s)
    assert abs((row["eta"] - want).total_seconds()) < 1
    assert row["due"] == pd.Timestamp("2022-07-01 21:40", tz=TZ)
    assert bool(row["late"]) is (want > row["due"])
    assert bool(row["late"])  # about 1.3 km on foot: after 21:40
    with pytest.raises(PermissionError):
        live.plan_progress(tiny_live, _who("viewer", "ST"), now=AT)
    # another night has no plan
    assert live.plan_progress(tiny_live, "all", now=AT + pd.Timedelta(days=2)).empty


def test_a_plain_batch_reads_as_the_full_check_reads_it() -> None:
    """The plain-Python reading of a device's usual batch (numbers, zoned ISO times, three
    coordinate systems, optional measures) gives exactly the frame of the vectorised check; a
    batch it cannot read plainly (text numbers, a naive time, a problem) is left to that check."""
    tz, region = "Asia/Shanghai", (73.0, 3.0, 136.0, 54.0)
    base = _ms("2022-10-31 20:00")
    batch: list[dict[str, object]] = [
        {"time": base, "lat": 28.70, "lng": 115.98},
        {"time": (base + 1500) / 1000, "lat": 28.701, "lng": 115.981, "crs": "GCJ02", "speed": 0},
        {"time": "2022-10-31T20:00:03.25+08:00", "lat": 28.702, "lng": 115.982, "crs": "bd09"},
        {"time": "2022-10-31T12:00:04Z", "lat": 28.703, "lng": 115.983, "accuracy": 8.5},
        {"time": base + 5000, "lat": 28, "lng": 116, "unit_id": "U1", "device_id": " U1 "},
    ]
    plain = live._validate_plain(batch, "U1", now_ms=NOW, region=region)
    full, rejected = live._validate(batch, "U1", now_ms=NOW, tz=tz, region=region)
    assert plain is not None and rejected == []
    pd.testing.assert_frame_equal(
        plain.reset_index(drop=True), full.reset_index(drop=True), check_dtype=False
    )
    for odd in (
        {"time": "2022-10-31 20:00:06", "lat": 28.7, "lng": 115.98},  # naive: the store's zone
        {"time": base, "lat": "28.7", "lng": 115.98},  # a number as text
        {"time": base, "lat": 28.7, "lng": 115.98, "unit_id": "U2"},  # another unit
        {"time": base, "lat": 28.7, "lng": 200.0},  # out of range
        {"time": base, "lat": 28.7, "lng": 115.98, "speed": -1},  # negative
        {"time": True, "lat": 28.7, "lng": 115.98},  # a boolean is no time
    ):
        assert live._validate_plain([*batch, odd], "U1", now_ms=NOW, region=region) is None
