"""Coverage against an independent reference, at every served resolution (issue 19).

The reference splits each track with shapely in a metric CRS (UTM 50N) against h3-py's own cell
polygons: for every pair of consecutive fixes, the seconds between them go to the cells its
straight path crosses in proportion to the length inside each. Nothing of geo.domain is used to
build it. Tracks: constructed ones (a long straight drive, a walk along a street grid) and long
realistic ones (car and foot patrols with stops of 5-25 minutes, GPS jitter, irregular sampling).

What is held to it, per cell, at res 7, 8, 9 and 10: the rollup itself, the store after the real
import path (SQLite, and PostgreSQL when ``QY_TEST_PG_URL`` is set), what the app's Coverage map
and the map service read, the CLI's ``coverage`` export and the batch engines (local and Dask).
Cells with at least 5 minutes of dwell agree within 0.5 %; cells the path never enters get none.
"""

from __future__ import annotations

import json
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
import sqlalchemy as sa

from cli import main
from geo import ingest, store
from geo.domain import coverage as cv
from geo.domain.period import RESOLUTIONS
from geo.services import briefing, maps
from geo.services import coverage as coverage_svc

TZ = "Asia/Shanghai"
MIN_DWELL_S = 300.0
REL_TOL = 0.005
_UTM = pyproj.Transformer.from_crs(4326, 32650, always_xy=True)
_M_PER_DEG = 111_320.0


# --------------------------------------------------------------------------------------------
# tracks


def _to_frame(shift: str, t_s: np.ndarray, lat: np.ndarray, lng: np.ndarray) -> pd.DataFrame:
    start = pd.Timestamp("2024-06-01 20:00", tz=TZ)
    ts = start + pd.to_timedelta(np.round(t_s), unit="s")  # whole seconds, as files spell them
    return pd.DataFrame({"shift_id": shift, "ts": ts, "lat": lat, "lng": lng})


def straight_drive() -> pd.DataFrame:
    """12 km due north-east at 11 m/s, a fix every 5 s (the straight drive of the issue)."""
    n = 12_000 // 55
    t = np.arange(n + 1) * 5.0
    d = t * 11.0
    lat = 28.66 + d * np.cos(np.radians(40)) / _M_PER_DEG
    lng = 115.86 + d * np.sin(np.radians(40)) / (_M_PER_DEG * np.cos(np.radians(28.7)))
    return _to_frame("straight", t, lat, lng)


def patrol(shift: str, seed: int, *, speed_ms: float, hours: float, step_s: float) -> pd.DataFrame:
    """A patrol on a street grid: legs along rotated streets, stops of 5-25 min with GPS jitter,
    fixes at irregular times (1-3x ``step_s``, dropouts up to 4 min), 4 m noise on every fix."""
    rng = np.random.default_rng(seed)
    rot = np.radians(rng.uniform(0, 90))
    x, y, t = 0.0, 0.0, 0.0
    xs, ys, ts = [0.0], [0.0], [0.0]
    end = hours * 3600
    while t < end:
        if rng.random() < 0.15:  # a stop: the unit stands, the fixes wander around it
            n = int(rng.uniform(300, 1500) / step_s)
            for _ in range(n):
                t += step_s * rng.uniform(0.5, 1.5)
                xs.append(x + rng.normal(0, 6))
                ys.append(y + rng.normal(0, 6))
                ts.append(t)
            continue
        heading = rot + rng.integers(0, 4) * np.pi / 2
        length = rng.uniform(150, 900)
        dt_leg = length / (speed_ms * rng.uniform(0.6, 1.2))
        steps = max(int(dt_leg / step_s), 1)
        for k in range(1, steps + 1):
            gap = step_s * rng.uniform(1.0, 3.0)
            if rng.random() < 0.01:
                gap = rng.uniform(60, 240)  # the device fell silent for a while
            t += gap
            xs.append(x + np.cos(heading) * length * k / steps + rng.normal(0, 4))
            ys.append(y + np.sin(heading) * length * k / steps + rng.normal(0, 4))
            ts.append(t)
        x += np.cos(heading) * length
        y += np.sin(heading) * length
    lat = 28.68 + np.asarray(ys) / _M_PER_DEG
    lng = 115.90 + np.asarray(xs) / (_M_PER_DEG * np.cos(np.radians(28.68)))
    return _to_frame(shift, np.asarray(ts), lat, lng)


@pytest.fixture(scope="module")
def tracks() -> pd.DataFrame:
    return pd.concat(
        [
            straight_drive(),
            patrol("car1", 1, speed_ms=9.0, hours=4.0, step_s=10.0),
            patrol("car2", 2, speed_ms=12.0, hours=3.0, step_s=15.0),
            patrol("foot1", 3, speed_ms=1.3, hours=5.0, step_s=8.0),
            patrol("foot2", 4, speed_ms=1.4, hours=3.0, step_s=20.0),
        ],
        ignore_index=True,
    )


SHIFTS = pd.DataFrame(
    {
        "shift_id": ["straight", "car1", "car2", "foot1", "foot2"],
        "unit_kind": ["police_car", "police_car", "police_car", "foot", "foot"],
    }
)


# --------------------------------------------------------------------------------------------
# the reference: shapely in UTM against h3-py polygons


def _utm(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x, y = _UTM.transform(lng, lat)
    return np.column_stack([x, y])


def reference(pings: pd.DataFrame, res: int) -> pd.Series:
    """Seconds per cell (h3 string) at ``res``, every segment split by length in UTM 50N."""
    out: dict[str, float] = {}
    edge_deg = h3.average_hexagon_edge_length(res, unit="m") / _M_PER_DEG
    for _, g in pings.groupby("shift_id", sort=False):
        g = g.sort_values("ts")
        lat, lng = g["lat"].to_numpy(), g["lng"].to_numpy()
        t = g["ts"].astype("int64").to_numpy() / 1e9
        dt = np.diff(t)
        assert (dt <= cv.MAX_GAP_S).all()  # every segment is joined (none too long, none a jump)
        # candidate cells: those of points every quarter edge along the path, and their neighbours
        path = shapely.segmentize(shapely.LineString(np.column_stack([lng, lat])), edge_deg / 4)
        pts = shapely.get_coordinates(path)
        near = {h3.latlng_to_cell(y, x, res) for x, y in pts}
        cands = sorted({c for cell in near for c in h3.grid_disk(cell, 1)})
        polys = np.array(
            [
                shapely.Polygon(_utm(*np.array([(lo, la) for la, lo in h3.cell_to_boundary(c)]).T))
                for c in cands
            ]
        )
        xy = _utm(lng, lat)
        moving = np.flatnonzero(np.hypot(*(xy[1:] - xy[:-1]).T) > 0)
        lines = shapely.linestrings(
            np.stack([xy[moving], xy[moving + 1]], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(moving.size), 2),
        )
        tree = shapely.STRtree(polys)
        li, pi = tree.query(lines, predicate="intersects")
        length = shapely.length(shapely.intersection(lines[li], polys[pi]))
        share = length / shapely.length(lines)[li]
        dwell = np.bincount(pi, weights=share * dt[moving][li], minlength=len(cands))
        still = np.setdiff1d(np.arange(dt.size), moving)  # two fixes at one place
        if still.size:
            pts_still = shapely.points(xy[still])
            si, sp = tree.query(pts_still, predicate="within")
            dwell += np.bincount(sp, weights=dt[still][si], minlength=len(cands))
        for c, s in zip(cands, dwell, strict=True):
            if s > 0:
                out[c] = out.get(c, 0.0) + float(s)
    return pd.Series(out, dtype=float).sort_index()


@pytest.fixture(scope="module")
def references(tracks: pd.DataFrame) -> dict[int, pd.Series]:
    return {res: reference(tracks, res) for res in RESOLUTIONS}


def assert_matches(got: pd.Series, want: pd.Series, res: int, what: str) -> None:
    """Per cell: within 0.5 % where the reference has 5+ minutes, no dwell where it has none."""
    got = got[got > 0]
    stray = got.index.difference(want.index)
    assert got.reindex(stray).sum() < 1e-6, f"{what} res {res}: dwell in cells never entered"
    big = want[want >= MIN_DWELL_S]
    assert len(big) >= 10, f"res {res}: too few cells with 5+ minutes to test"
    mine = got.reindex(big.index).fillna(0.0)
    err = (mine - big).abs() / big
    worst = err.idxmax()
    assert err.max() <= REL_TOL, (
        f"{what} res {res}: {int((err > REL_TOL).sum())} of {len(big)} cells off by more than "
        f"0.5 %, worst {worst}: {mine[worst]:.1f} s against {big[worst]:.1f} s"
    )
    assert got.sum() == pytest.approx(want.sum(), rel=1e-6), f"{what} res {res}: total"


def _by_h3(frame: pd.DataFrame, column: str = "dwell_s") -> pd.Series:
    cells = [h3.int_to_str(int(c) & (2**64 - 1)) for c in frame["cell"]]
    return pd.Series(frame[column].to_numpy(dtype=float), index=cells).sort_index()


# --------------------------------------------------------------------------------------------
# tests


def test_reference_is_sound(tracks: pd.DataFrame, references: dict[int, pd.Series]) -> None:
    """The reference keeps every second and differs from summing res-10 cells to parents."""
    t = tracks.sort_values(["shift_id", "ts"])
    total = t.groupby("shift_id")["ts"].agg(lambda s: (s.max() - s.min()).total_seconds()).sum()
    for res, ref in references.items():
        assert ref.sum() == pytest.approx(total, rel=1e-9), res
    r10 = references[10]
    parents = r10.groupby([h3.cell_to_parent(c, 9) for c in r10.index]).sum()
    big = references[9][references[9] >= MIN_DWELL_S]
    off = (parents.reindex(big.index).fillna(0) - big).abs() / big > 0.02
    assert off.mean() > 0.3  # what the store served at res 9 before: most busy cells off


@pytest.mark.parametrize("res", RESOLUTIONS)
def test_rollup_matches_the_reference(
    tracks: pd.DataFrame, references: dict[int, pd.Series], res: int
) -> None:
    cells = cv.rollup(tracks, SHIFTS, tz=TZ, resolutions=RESOLUTIONS)["cells"]
    q = cv.query(cells, night=None, res=res)
    assert_matches(_by_h3(q), references[res], res, "rollup")
    # and the split itself, piece by piece
    pieces = cv.split_dwell(tracks, res=res).groupby("cell")["dwell_s"].sum()
    assert_matches(_by_h3(pieces.reset_index()), references[res], res, "split_dwell")


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
    out.to_csv(path, index=False)
    return path


def _import(engine: sa.Engine, tracks: pd.DataFrame, folder: Path) -> None:
    units = pd.DataFrame(
        {
            "unit_id": ["U_" + s for s in SHIFTS["shift_id"]],
            "name": [f"巡逻{i}组" for i in range(len(SHIFTS))],
            "kind": SHIFTS["unit_kind"],
            "station": "ST",
        }
    )
    span = tracks.groupby("shift_id")["ts"].agg(["min", "max"])
    shifts = pd.DataFrame(
        {
            "shift_id": SHIFTS["shift_id"],
            "unit_id": units["unit_id"],
            "start": span.loc[SHIFTS["shift_id"], "min"].to_numpy(),
            "end": span.loc[SHIFTS["shift_id"], "max"].to_numpy(),
            "police": 2,
            "auxiliaries": 0,
            "volunteers": 0,
            "people_checked": 0,
            "outreach": 0,
        }
    )
    shifts["start"] = pd.to_datetime(shifts["start"]).dt.tz_convert(TZ)
    shifts["end"] = pd.to_datetime(shifts["end"]).dt.tz_convert(TZ)
    for kind, frame in (("units", units), ("shifts", shifts), ("pings", tracks)):
        summary = ingest.import_file(engine, kind, _csv(frame, folder / f"{kind}.csv"))
        assert summary.rejected == 0, summary.rejects


@pytest.fixture
def loaded(engine: sa.Engine, tracks: pd.DataFrame, tmp_path: Path) -> sa.Engine:
    _import(engine, tracks, tmp_path)
    return engine


@pytest.mark.slow
def test_store_and_every_reader_match_the_reference(
    loaded: sa.Engine,
    tracks: pd.DataFrame,
    references: dict[int, pd.Series],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After the real import path, on SQLite and PostgreSQL: what the Coverage page, the map
    service and the CLI export read is the reference, cell by cell, at every resolution."""
    url = loaded.url.render_as_string(hide_password=False)
    whole = {"start": "2024-06-01", "end": "2024-06-02", "night": None}
    for res in RESOLUTIONS:
        direct = coverage_svc.coverage_cells(loaded, "all", res=res, **whole)
        assert_matches(_by_h3(direct), references[res], res, "store")
        page = coverage_svc.dwell_map(loaded, "all", res=res, **whole).cells
        pd.testing.assert_frame_equal(page.drop(columns="dwell_min"), direct)
        shown = maps.map_data(
            loaded, "all", "coverage", start="2024-06-01", end="2024-06-02", res=res, night="all"
        ).frame
        pd.testing.assert_frame_equal(shown, direct)
        out = tmp_path / f"cov{res}.csv"
        argv = ["coverage", "--db", url, "--from", "2024-06-01", "--to", "2024-06-02"]
        assert main([*argv, "--night", "all", "--res", str(res), "--out", str(out)]) == 0
        json.loads(capsys.readouterr().out)
        cli = pd.read_csv(out)
        exported = pd.Series(cli["dwell_s"].to_numpy(float), index=cli["h3"]).sort_index()
        assert_matches(exported, references[res], res, "CLI")
        # the briefing's patrol figures for the night of June 1st (every track runs 20:00-01:00)
        brief = briefing.figures(loaded, "all", "2024-06-01", "2024-06-01", res=res)
        assert brief["patrol"]["cells_covered"] == len(direct)
        assert brief["patrol"]["dwell_h"] == round(references[res].sum() / 3600, 1)
    # the rows of each shift are its own split at each resolution (per shift, per cell)
    with loaded.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(
                sa.text("SELECT shift_id, res, cell, SUM(dwell_s) FROM coverage GROUP BY 1, 2, 3")
            ).all(),
            columns=["shift_id", "res", "cell", "dwell_s"],
        )
    assert sorted(rows["res"].unique()) == list(RESOLUTIONS)
    assert store.counts(loaded)["pings"] == len(tracks)
    for res in RESOLUTIONS:
        split = cv.split_dwell(tracks, res=res).groupby(["shift_id", "cell"])["dwell_s"].sum()
        mine = rows.loc[rows["res"] == res].set_index(["shift_id", "cell"])["dwell_s"]
        pd.testing.assert_series_equal(
            mine.sort_index().astype(float),
            split[split > 0].sort_index(),
            check_names=False,
            rtol=1e-9,
        )


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["local", "dask"])
def test_batch_engines_match_the_reference(
    engine: sa.Engine,
    tracks: pd.DataFrame,
    references: dict[int, pd.Series],
    tmp_path: Path,
    engine_name: str,
) -> None:
    from geo.engines import open_engine, rollup_files

    folder = tmp_path / "pings"
    folder.mkdir()
    for i, (_, g) in enumerate(tracks.groupby("shift_id")):
        g.to_parquet(folder / f"part{i}.parquet", index=False)
    SHIFTS.to_csv(tmp_path / "kinds.csv", index=False)
    opts = {"workers": 2} if engine_name == "dask" else {}
    with open_engine(engine_name, **opts) as batch:
        rollup_files(
            batch,
            str(folder / "*"),
            db=engine,
            shifts_file=str(tmp_path / "kinds.csv"),
            progress=False,
        )
    for res in RESOLUTIONS:
        got = coverage_svc.coverage_cells(
            engine, "all", res=res, start="2024-06-01", end="2024-06-02", night=None
        )
        assert_matches(_by_h3(got), references[res], res, engine_name)


def _coverage_rows(engine: sa.Engine) -> pd.DataFrame:
    cols = ["shift_id", "res", "cell", "date", "hour", "unit_kind", "dwell_s", "stops", "last_ms"]
    with engine.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(sa.text(f"SELECT {', '.join(cols)} FROM coverage")).all(), columns=cols
        )
    rows["date"] = pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d")
    return rows.sort_values(cols[:6]).reset_index(drop=True)


def test_migration_rebuilds_a_store_of_res10_rows(
    loaded: sa.Engine, capfd: pytest.CaptureFixture[str]
) -> None:
    """A store from before (0006: res-10 rows only, no ``res`` column) gets every resolution's
    own rows on upgrade, the same as a fresh import gives, with a progress bar of shifts."""
    from alembic import command

    from geo.store import engine as store_engine

    fresh = _coverage_rows(loaded)
    cfg = store_engine._alembic_config(loaded.url.render_as_string(hide_password=False))
    with loaded.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with loaded.connect() as conn:
        cols = [c["name"] for c in sa.inspect(conn).get_columns("coverage")]
        n10 = conn.execute(sa.text("SELECT COUNT(*) FROM coverage")).scalar_one()
    assert "res" not in cols and n10 == int((fresh["res"] == 10).sum())
    capfd.readouterr()
    store_engine.migrate(loaded)
    assert "coverage" in capfd.readouterr().err  # the rebuild's progress bar
    pd.testing.assert_frame_equal(_coverage_rows(loaded), fresh, check_exact=False, rtol=1e-12)
    with loaded.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(  # no default: a row that does not say its resolution is refused
            sa.text(
                "INSERT INTO coverage (shift_id, cell, date, hour, unit_kind, dwell_s, stops,"
                " stop_s, koper_stops, last_ms) VALUES ('x', 1, '2024-06-01', 1, 'foot', 1.0,"
                " 0, 0.0, 0, 0)"
            )
        )
