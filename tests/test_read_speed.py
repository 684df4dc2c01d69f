"""The reads made faster for issue 21 (item 2) give what their plain definitions give.

A store of two stations (A and, east of it, B; two grids each) holds shifts that stay in one
grid, cross from one station into the other, or run between the stations, on SQLite and
PostgreSQL. Each faster read is held to a reference written here from the stored rows:

- the shifts and units in a scope (:func:`geo.store.read`, whose shift-in-scope step now asks
  the database per shift on SQLite when the areas hold most of the stored cells): every ping
  read straight from its table and tested with shapely against the union of the areas'
  polygons;
- the night patrol hours (:func:`geo.services.coverage.night_patrol_hours`, now summed per
  night in the database, :func:`geo.store.rollups.night_dwell`): the coverage rows of one
  resolution, the cells whose centre lies in the areas kept by shapely, the night window and
  the night's date applied with a plain pandas filter;
- the rows of a read (:func:`geo.store.records.fetch_frame`, the driver's tuples without
  SQLAlchemy's row objects): ``pd.DataFrame(conn.execute(stmt).all())``;
- the key-point compliance over many nights (:func:`geo.domain.duty.nights_table`, one pass):
  :func:`geo.domain.duty.duty_table` night by night, summed.

No timings: the app benchmark (``python -m geo bench --only app``) measures the speed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import box

from geo import ingest, store
from geo.domain import hexes
from geo.domain.duty import duty_table, nights_table
from geo.domain.period import window_bounds
from geo.services import coverage
from geo.store import records, rollups
from geo.store.records import fetch_frame
from geo.store.tables import RECORD_TABLES
from geo.store.tables import coverage as coverage_table

TZ = "Asia/Shanghai"
BOXES = {
    "A": (115.970, 28.690, 115.990, 28.710),
    "A1": (115.970, 28.690, 115.980, 28.710),
    "A2": (115.980, 28.690, 115.990, 28.710),
    "B": (115.995, 28.690, 116.015, 28.710),
    "B1": (115.995, 28.690, 116.005, 28.710),
    "B2": (116.005, 28.690, 116.015, 28.710),
}
NIGHTS = [f"2022-07-0{d}" for d in range(1, 7)]


def _frames(seed: int = 3) -> dict[str, pd.DataFrame]:
    """Areas, units, shifts and pings of the two stations (36 shifts, 90 fixes each)."""
    rng = np.random.default_rng(seed)
    areas = pd.DataFrame(
        {
            "area_id": list(BOXES),
            "name": ["甲所", "甲一网格", "甲二网格", "乙所", "乙一网格", "乙二网格"],
            "level": ["station", "grid", "grid", "station", "grid", "grid"],
            "parent_id": [None, "A", "A", None, "B", "B"],
        }
    )
    geometry = np.array([box(*b) for b in BOXES.values()], dtype=object)
    units = pd.DataFrame(
        {
            "unit_id": [f"U{s}{i}" for s in "AB" for i in range(3)],
            "name": [f"{s}巡逻{i}组" for s in "甲乙" for i in range(3)],
            "kind": ["police_car", "foot", "volunteer"] * 2,
            "station": ["A"] * 3 + ["B"] * 3,
        }
    )
    shifts, pings = [], []
    n = 90
    for d, night in enumerate(NIGHTS):
        for u, unit in enumerate(units["unit_id"]):
            sid = f"S{d}{unit}"
            t0 = pd.Timestamp(f"{night} 20:30", tz=TZ) + pd.Timedelta(
                minutes=int(rng.integers(0, 90))
            )
            # where it goes: its own grid, across into the other station, or between the two
            kind = (d + u) % 4
            west, south, east, north = BOXES[f"{unit[1]}{1 + u % 2}"]
            lng0 = rng.uniform(west + 0.001, east - 0.001)
            lat0 = rng.uniform(south + 0.002, north - 0.002)
            if kind == 0:
                lng = np.full(n, lng0) + np.cumsum(rng.normal(0, 0.00005, n))
            elif kind == 1:  # across the gap between the stations into the other one
                lng = (
                    np.linspace(115.985, 116.000, n)
                    if unit[1] == "A"
                    else np.linspace(116.000, 115.985, n)
                )
            elif kind == 2:  # only in the gap (115.990..115.995): in no area
                lng = np.linspace(115.9905, 115.9945, n)
            else:  # along the line between the two grids of its station
                lng = np.full(n, (west + east) / 2 if u % 2 else east) + rng.normal(0, 0.00002, n)
            lat = lat0 + np.cumsum(rng.normal(0, 0.00004, n))
            ts = pd.date_range(t0, periods=n, freq="40s")
            shifts.append(
                {
                    "shift_id": sid,
                    "unit_id": unit,
                    "start": t0,
                    "end": ts[-1],
                    "police": 2,
                    "auxiliaries": 1,
                    "volunteers": 0,
                    "people_checked": 3,
                    "outreach": 0,
                }
            )
            pings.append(
                pd.DataFrame(
                    {
                        "shift_id": sid,
                        "unit_id": unit,
                        "ts": ts,
                        "lat": np.clip(lat, 28.6905, 28.7095),
                        "lng": lng,
                        "speed": np.nan,
                        "accuracy": np.nan,
                    }
                )
            )
    return {
        "areas": areas.assign(_geometry=list(geometry)),
        "units": units,
        "shifts": pd.DataFrame(shifts),
        "pings": pd.concat(pings, ignore_index=True),
    }


def _load(engine: sa.Engine) -> None:
    for kind, frame in _frames().items():
        geometry = None
        if kind == "areas":
            geometry = np.asarray(frame.pop("_geometry"), dtype=object)
        raw = frame.copy()
        for c in raw.columns:
            if pd.api.types.is_datetime64_any_dtype(raw[c]):
                raw[c] = raw[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
        got = ingest.import_frame(engine, kind, raw, file_name=f"two:{kind}", geometry=geometry)
        assert got.rejected == 0 and got.conflicts == 0, got.rejects


@pytest.fixture
def two_stations(engine: sa.Engine) -> sa.Engine:
    """The two-station store on the test's backend (SQLite, and PostgreSQL when configured)."""
    _load(engine)
    records.clear_scope_caches()
    return engine


SCOPES = [("A",), ("B",), ("A1",), ("B2",), ("A", "B"), ("A2", "B1")]


def _polygon(ids: frozenset[str]) -> shapely.Geometry:
    return shapely.union_all([box(*BOXES[i]) for i in sorted(ids)])


def _ref_shifts(engine: sa.Engine, ids: frozenset[str]) -> set[str]:
    """Shifts with a ping inside the areas: every stored ping, tested by shapely."""
    with engine.connect() as conn:
        pings = pd.DataFrame(
            conn.execute(sa.text("SELECT shift_id, lat, lng FROM pings")).all(),
            columns=["shift_id", "lat", "lng"],
        )
    inside = shapely.contains_xy(
        _polygon(ids), pings["lng"].to_numpy(float), pings["lat"].to_numpy(float)
    )
    return set(pings.loc[inside, "shift_id"])


@pytest.mark.parametrize("scope", SCOPES, ids="+".join)
def test_shifts_and_units_in_scope_equal_every_ping_tested(
    two_stations: sa.Engine, scope: tuple[str, ...]
) -> None:
    eng = two_stations
    ids = store.resolve_scope(eng, list(scope))
    assert ids is not None
    want = _ref_shifts(eng, ids)
    every = store.read(eng, "shifts", "all")
    # the reference is no triviality: some shifts are in, some out
    assert 0 < len(want) < len(every)
    got = store.read(eng, "shifts", list(scope))
    pd.testing.assert_frame_equal(
        got, every.loc[every["shift_id"].isin(want)].reset_index(drop=True)
    )
    # a period, and the same read again (the remembered answer)
    for _ in range(2):
        got = store.read(eng, "shifts", list(scope), start="2022-07-02", end="2022-07-03")
        part = store.read(eng, "shifts", "all", start="2022-07-02", end="2022-07-03")
        pd.testing.assert_frame_equal(
            got, part.loc[part["shift_id"].isin(want)].reset_index(drop=True)
        )
    units = store.read(eng, "units", "all")
    with_shift = set(every.loc[every["shift_id"].isin(want), "unit_id"])
    keep = units["unit_id"].isin(with_shift) | units["station"].isin(ids)
    pd.testing.assert_frame_equal(
        store.read(eng, "units", list(scope)), units.loc[keep].reset_index(drop=True)
    )


def test_both_ways_of_asking_the_database_agree(
    two_stations: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per shift (the areas hold most stored cells) and by the cell index (a small share): the
    same shifts, whichever way the share of cells decides."""
    eng = two_stations
    for scope in SCOPES:
        ids = store.resolve_scope(eng, list(scope))
        assert ids is not None
        answers = []
        for stored in (1, 10**9):  # every scope a large share, then a small one
            records.clear_scope_caches()
            monkeypatch.setattr(records, "_stored_cells", lambda conn, n=stored: n)
            answers.append(set(store.read(eng, "shifts", list(scope))["shift_id"]))
        assert answers[0] == answers[1] == _ref_shifts(eng, ids), scope
    records.clear_scope_caches()


def _ref_night_dwell(
    engine: sa.Engine, ids: frozenset[str] | None, start: str, end: str
) -> pd.Series:
    """Night dwell per night (20:00-06:00) at res 10: coverage rows filtered by pandas."""
    rows = rollups.coverage_rollup(engine, "all", res=10)
    if ids is not None:
        lat, lng = hexes.cell_centres(rows["cell"].to_numpy().astype(np.uint64))
        rows = rows.loc[shapely.contains_xy(_polygon(ids), lng, lat)]
    date = rows["date"].dt.date
    night = np.where(rows["hour"] < 6, date - pd.Timedelta(days=1), date)
    keep = ((rows["hour"] >= 20) | (rows["hour"] < 6)).to_numpy()
    f = pd.DataFrame(
        {"night": pd.to_datetime(night).strftime("%Y-%m-%d"), "dwell_s": rows["dwell_s"]}
    )
    f = f.loc[keep & (f["night"] >= start).to_numpy() & (f["night"] <= end).to_numpy()]
    return f.groupby("night")["dwell_s"].sum()


@pytest.mark.parametrize("scope", [None, ("A",), ("B1",), ("A2", "B1")])
def test_night_hours_equal_the_coverage_rows_filtered(
    two_stations: sa.Engine, scope: tuple[str, ...] | None
) -> None:
    eng = two_stations
    ids = None if scope is None else store.resolve_scope(eng, list(scope))
    sc = "all" if scope is None else list(scope)
    for start, end in (
        ("2022-07-01", "2022-07-06"),
        ("2022-07-02", "2022-07-04"),
        ("2022-07-06", "2022-07-09"),
    ):
        want = _ref_night_dwell(eng, ids, start, end)
        got = rollups.night_dwell(eng, sc, start=start, end=end, night="20:00-06:00")
        assert list(got.index) == list(want.index)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9)
        hours = coverage.night_patrol_hours(eng, sc, start=start, end=end, night="20:00-06:00")
        assert hours == round(float(want.sum()) / 3600.0, 1)
    # several ranges from one read: each as if read alone
    ranges = [
        ("2022-07-01", "2022-07-06"),
        ("2022-07-02", "2022-07-02"),
        ("2022-07-05", "2022-07-09"),
    ]
    assert coverage.night_hours(eng, sc, ranges, night="20:00-06:00") == [
        coverage.night_patrol_hours(eng, sc, start=a, end=b, night="20:00-06:00") for a, b in ranges
    ]
    assert coverage.night_hours(eng, sc, []) == []
    if scope is None:
        assert coverage.night_patrol_hours(eng, sc, start="2022-07-01", end="2022-07-06") > 0


def test_fetch_frame_equals_the_rows_of_sqlalchemy(two_stations: sa.Engine) -> None:
    eng = two_stations
    p, s = RECORD_TABLES["pings"], RECORD_TABLES["shifts"]
    statements = [
        sa.select(p.c.shift_id, p.c.unit_id, p.c.ts, p.c.lat, p.c.lng, p.c.cell, p.c.speed),
        sa.select(s.c.shift_id, s.c.start, s.c.police).where(s.c.shift_id == "nobody"),
        # a date column: converted by SQLAlchemy on SQLite, so its rows are taken
        sa.select(coverage_table.c.cell, coverage_table.c.date, coverage_table.c.dwell_s).limit(50),
    ]
    with eng.connect() as conn:
        for stmt in statements:
            want = pd.DataFrame(
                conn.execute(stmt).all(), columns=list(stmt.selected_columns.keys())
            )
            got = fetch_frame(conn, stmt)
            pd.testing.assert_frame_equal(got, want)
    assert len(got) == 50


# --------------------------------------------------------------------------------------------
# key-point compliance over nights: one pass against duty_table night by night


def _visits(rng: np.random.Generator, sites: pd.DataFrame, n: int) -> pd.DataFrame:
    t0 = pd.Timestamp("2022-07-01 19:00", tz=TZ).value
    start = np.sort(t0 + rng.integers(0, 7 * 86_400, n) * 1_000_000_000)
    return pd.DataFrame(
        {
            "site_id": rng.choice([*sites["site_id"], "ELSEWHERE"], n),
            "unit_id": rng.choice(["U1", "U2", "U3", None], n),
            "start": pd.to_datetime(start, utc=True).tz_convert(TZ),
            "end": pd.to_datetime(start + 300_000_000_000, utc=True).tz_convert(TZ),
            "dwell_s": 300.0,
            "source": rng.choice(["gps", "check", "both"], n),
            "checks": 0,
        }
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("window", ["20:00-06:00", "08:00-18:00", "06:00-05:00"])
def test_nights_table_equals_duty_table_night_by_night(seed: int, window: str) -> None:
    rng = np.random.default_rng(seed)
    sites = pd.DataFrame(
        {
            "site_id": [f"K{i}" for i in range(8)],
            "name": [f"点{i}" for i in range(8)],
            "category": ["school", "bank", "post", "hub"] * 2,
            "lat": 28.7,
            "lng": 115.98,
            "visits": [2, 1, 3, 0, 2, 1, 4, 1],
            "per": ["night", "night", "shift", "night", "shift", "night", "night", "shift"],
            "radius_m": 60.0,
            "min_dwell_s": 120.0,
        }
    )
    merged = _visits(rng, sites, 400)
    nights = NIGHTS
    bounds = [window_bounds(n, window, TZ) for n in nights]
    shifts = pd.DataFrame(
        {
            "shift_id": [f"S{i}" for i in range(30)],
            "unit_id": rng.choice(["U1", "U2", "U3"], 30),
            "unit_name": "",
            "unit_kind": "",
            "night": rng.choice(nights, 30),
        }
    )
    per_night = [int(shifts.loc[shifts["night"] == n, "shift_id"].nunique()) for n in nights]
    got = nights_table(sites, merged, [a for a, _ in bounds], [b for _, b in bounds], per_night)
    assert got is not None
    parts = [
        duty_table(sites, merged, w0, w1, shifts.loc[shifts["night"] == n])[0]
        for n, (w0, w1) in zip(nights, bounds, strict=True)
    ]
    cols = ["required", "done", "late", "missed", "visits"]
    want = pd.concat(parts).groupby("site_id")[cols].sum().reindex(sites["site_id"])
    pd.testing.assert_frame_equal(
        got.set_index("site_id")[cols], want.astype(np.int64), check_names=False
    )
    assert want["done"].sum() > 0 and want["missed"].sum() > 0 and want["required"].sum() > 0


def test_nights_table_gives_way_on_overlapping_windows_and_repeated_sites() -> None:
    sites = pd.DataFrame({"site_id": ["K1", "K1"], "visits": [1, 1], "per": ["night", "night"]})
    empty = pd.DataFrame(columns=["site_id", "unit_id", "start"])
    w = [pd.Timestamp("2022-07-01 20:00", tz=TZ), pd.Timestamp("2022-07-02 20:00", tz=TZ)]
    assert nights_table(sites, empty, w, [x + pd.Timedelta(hours=10) for x in w], [1, 1]) is None
    one = sites.iloc[:1]
    long = [x + pd.Timedelta(hours=30) for x in w]  # each window runs into the next
    assert nights_table(one, empty, w, long, [1, 1]) is None
    got = nights_table(one, empty, w, [x + pd.Timedelta(hours=10) for x in w], [1, 1])
    assert got is not None and got.iloc[0].tolist() == ["K1", 2, 0, 0, 2, 0]


def test_last_fixes_equal_the_pings_joined_to_their_shifts(two_stations: sa.Engine) -> None:
    """The window's pings with their shift's unit: the join of the two tables, row for row."""
    eng = two_stations
    # the pings of a shift whose row is gone: a joined read leaves them out
    orphan = "S1UA0"
    with eng.begin() as conn:
        conn.execute(sa.text("DELETE FROM shifts WHERE shift_id = :s"), {"s": orphan})
    lo = int(pd.Timestamp("2022-07-02 21:00", tz=TZ).value // 1_000_000)
    for hi in (lo, lo + 900_000, lo + 86_400_000):
        with eng.connect() as conn:
            want = pd.DataFrame(
                conn.execute(
                    sa.text(
                        "SELECT p.shift_id, s.unit_id, p.ts, p.lat, p.lng FROM pings p "
                        "JOIN shifts s ON s.shift_id = p.shift_id WHERE p.ts >= :lo AND p.ts <= :hi"
                    ),
                    {"lo": lo, "hi": hi},
                ).all(),
                columns=["shift_id", "unit_id", "ts", "lat", "lng"],
            )
        got = records.last_fixes(eng, lo, hi)
        key = ["shift_id", "ts"]
        pd.testing.assert_frame_equal(
            got.sort_values(key).reset_index(drop=True),
            want.sort_values(key).reset_index(drop=True),
            check_dtype=len(want) > 0,
        )
    stored = pd.read_sql(sa.text("SELECT shift_id, ts FROM pings"), eng)
    window = stored.loc[(stored["ts"] >= lo) & (stored["ts"] <= lo + 86_400_000)]
    assert orphan in set(window["shift_id"])  # the window holds pings of the missing shift
    assert len(want) and orphan not in set(got["shift_id"])
