"""Batch rollup engines (issue 9): the dask engine on a local cluster of 2 processes writes the
same rows as the local engine and as one rollup of everything at once, on tracks that cross the
files' partition boundaries; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cli import main
from geo import store
from geo.domain import coverage
from geo.domain.period import RESOLUTIONS
from geo.engines import DigestSink, open_engine, rollup_files
from geo.services import coverage as coverage_svc
from geo.store import rollups
from tests.bench.bench_coverage import patrol_pings

TZ = "Asia/Shanghai"
SEP = "\x1f"


@pytest.fixture(scope="module")
def pings() -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 night shifts of 1,500 fixes (7-12 h) starting 19:00-22:00: all cross midnight."""
    p, shifts = patrol_pings(60_000, 40, seed=5)
    rng = np.random.default_rng(5)
    first = p.groupby("shift_id")["ts"].transform("min").dt.tz_convert(TZ)
    start = first.dt.normalize() + pd.Timedelta(hours=19)
    late = pd.Series(rng.integers(0, 180, 40), index=shifts["shift_id"])
    start += pd.to_timedelta(p["shift_id"].map(late), unit="min")
    p["ts"] = (p["ts"] - first + start).dt.floor("us")  # what a CSV file spells exactly
    return p, shifts


@pytest.fixture(scope="module")
def day_files(
    pings: tuple[pd.DataFrame, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The fixes partitioned by local calendar date: Parquet (aware times) and, for every third
    day, CSV with naive local times, in shuffled row order."""
    p, _ = pings
    folder = tmp_path_factory.mktemp("pings-by-day")
    day = p["ts"].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d")
    for i, (d, g) in enumerate(p.groupby(day)):
        g = g.sample(frac=1.0, random_state=i)  # files need not be sorted
        if i % 3 == 2:
            out = g.assign(ts=g["ts"].dt.tz_convert(TZ).dt.strftime("%Y-%m-%d %H:%M:%S.%f"))
            out.rename(
                columns={"shift_id": "班次", "ts": "定位时间", "lat": "纬度", "lng": "经度"}
            ).to_csv(folder / f"day={d}.csv", index=False)
        else:
            g.to_parquet(folder / f"day={d}.parquet", index=False)
    return folder


def _expected(p: pd.DataFrame, shifts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows of one rollup of all fixes at once (as the store keeps them: per shift, at every
    served resolution)."""
    labels = pd.DataFrame(
        {
            "shift_id": shifts["shift_id"],
            "unit_kind": shifts["shift_id"] + SEP + shifts["unit_kind"],
        }
    )
    res = coverage.rollup(p, labels, tz=TZ, resolutions=RESOLUTIONS)
    counts = p.groupby("shift_id").size()
    return rollups.rows_of(res, counts)


def _stored(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    out = {}
    for name, cols in (
        ("coverage", rollups.COVERAGE_COLUMNS),
        ("stops", rollups.STOPS_COLUMNS),
        ("track_quality", rollups.QUALITY_COLUMNS),
    ):
        with engine.connect() as conn:
            df = pd.DataFrame(
                conn.execute(sa.select(*[store.metadata.tables[name].c[c] for c in cols])).all(),
                columns=cols,
            )
        out[name] = _canon(df)
    return out


def _canon(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    if "date" in df:
        df["date"] = pd.to_datetime(df["date"]).dt.strftime("%Y-%m-%d")
    for c in df.columns:
        if c in ("dwell_s", "stop_s", "duration_s"):
            df[c] = df[c].astype(np.float64)
        elif c == "koper":
            df[c] = df[c].astype(bool)
        elif c not in ("shift_id", "unit_kind", "date"):
            df[c] = df[c].astype(np.int64)
        else:
            df[c] = df[c].astype(str)
    keys = [
        c for c in ("shift_id", "res", "cell", "date", "hour", "unit_kind", "start_ms") if c in df
    ]
    return df.sort_values(keys).reset_index(drop=True)


def _shifts_file(shifts: pd.DataFrame, folder: Path) -> Path:
    path = folder / "shifts.csv"
    shifts.to_csv(path, index=False)
    return path


def test_tracks_cross_partitions_and_naive_split_differs(
    pings: tuple[pd.DataFrame, pd.DataFrame], day_files: Path
) -> None:
    p, shifts = pings
    day = p["ts"].dt.tz_convert(TZ).dt.date
    files_per_shift = p.assign(day=day).groupby("shift_id")["day"].nunique()
    assert (files_per_shift >= 2).all()  # every night track is in two files
    # rolling each file up on its own (no stitching) loses the segments across midnight
    whole = _expected(p, shifts)["coverage"].query("res == 10")
    naive = [coverage.rollup(g, None, tz=TZ)["cells"] for _, g in p.groupby(day)]
    naive_dwell = sum(float(c["dwell_s"].sum()) for c in naive)
    assert naive_dwell < float(whole["dwell_s"].sum()) - 60.0
    assert len(list(day_files.glob("*.csv"))) >= 2 and len(list(day_files.glob("*.parquet"))) >= 4


@pytest.mark.slow
def test_dask_equals_local_equals_all_at_once(
    engine: sa.Engine, pings: tuple[pd.DataFrame, pd.DataFrame], day_files: Path, tmp_path: Path
) -> None:
    p, shifts = pings
    expected = {k: _canon(v) for k, v in _expected(p, shifts).items()}
    kinds = _shifts_file(shifts, tmp_path)
    # small buckets, so that the fixes of one track come from several files into each bucket
    plan = {"bucket_pings": 15_000}
    with open_engine("local") as eng:
        local_summary = rollup_files(
            eng, str(day_files / "*"), db=engine, shifts_file=str(kinds), progress=False, **plan
        )
    local = _stored(engine)
    with open_engine("dask", workers=2) as eng:
        assert eng.workers == 2
        pids = eng.run(lambda: __import__("os").getpid())
        assert len(set(pids.values())) == 2  # two worker processes
        dask_summary = rollup_files(
            eng, str(day_files / "*"), db=engine, shifts_file=str(kinds), progress=False, **plan
        )
    dask = _stored(engine)
    assert local_summary["buckets"] >= 4 and local_summary["pings"] == len(p)
    assert dask_summary["rows"] == local_summary["rows"]
    for name in ("coverage", "stops", "track_quality"):
        pd.testing.assert_frame_equal(dask[name], local[name], check_exact=True, obj=name)
        pd.testing.assert_frame_equal(local[name], expected[name], check_exact=True, obj=name)
    assert set(local["coverage"]["unit_kind"]) == set(shifts["unit_kind"])  # kinds from the file
    assert (local["track_quality"]["pings"] == 1500).all()
    # the read aggregated in the database (what the app reads) gives what the rows of the
    # resolution aggregated in pandas give
    for opts in (
        {"start": "2024-06-05", "end": "2024-06-20"},
        {"res": 10, "night": "22:00-02:00", "unit_kinds": ["foot", "police_car"]},
        {"res": 7, "night": None, "start": "2024-06-10", "end": "2024-06-10"},
    ):
        rows = rollups.coverage_rollup(
            engine,
            "all",
            start=opts.get("start"),
            end=opts.get("end"),
            unit_kinds=opts.get("unit_kinds"),
            res=opts.get("res", 9),
        )
        want = coverage.query(
            rows,
            start=opts.get("start"),
            end=opts.get("end"),
            night=opts.get("night", coverage.DEFAULT_NIGHT),
            res=opts.get("res", 9),
            unit_kinds=opts.get("unit_kinds"),
        )
        got = rollups.coverage_cells(engine, "all", **opts)
        assert coverage_svc.coverage_cells(engine, "all", **opts).equals(got)
        assert len(want) > 10, opts
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, obj=str(opts))


def test_unit_only_fixes_follow_the_shift_running(
    pings: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    p, shifts = pings
    p = p[p["shift_id"].isin(shifts["shift_id"].iloc[:6])]
    ranges = p.groupby("shift_id")["ts"].agg(["min", "max"])
    table = shifts.set_index("shift_id").loc[ranges.index].reset_index()
    table["unit_id"] = [f"U{i % 3}" for i in range(len(table))]
    table["start"] = ranges["min"].to_numpy()
    table["end"] = ranges["max"].to_numpy()
    path = _shifts_file(table, tmp_path)
    units = table.set_index("shift_id")["unit_id"]
    by_unit = p.assign(unit_id=p["shift_id"].map(units)).drop(columns="shift_id")
    by_unit.to_parquet(tmp_path / "units.parquet", index=False)
    p.to_parquet(tmp_path / "shifts.parquet", index=False)
    sinks = []
    for name in ("units", "shifts"):
        sink = DigestSink()
        with open_engine("local") as eng:
            rollup_files(
                eng,
                str(tmp_path / f"{name}.parquet"),
                sink=sink,
                shifts_file=str(path),
                progress=False,
            )
        sinks.append(sink.result())
    assert sinks[0] == sinks[1]
    assert sinks[0]["rows"]["track_quality"] == 6


def test_date_and_time_columns_and_a_zone_in_the_header_read_as_import_reads_them(
    pings: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """A vendor dump with 定位日期 and 定位时间(UTC) in two columns rolls up as the same fixes
    written with aware times in one column (the pair joined, the header's zone kept)."""
    p, shifts = pings
    p = p[p["shift_id"].isin(shifts["shift_id"].iloc[:4])]
    p.to_parquet(tmp_path / "aware.parquet", index=False)
    utc = p["ts"].dt.tz_convert("UTC")
    vendor = pd.DataFrame(
        {
            "班次": p["shift_id"],
            "定位日期": utc.dt.strftime("%Y/%m/%d"),
            "定位时间(UTC)": utc.dt.strftime("%H:%M:%S.%f"),
            "经度": p["lng"],
            "纬度": p["lat"],
        }
    )
    vendor.to_csv(tmp_path / "vendor.csv", index=False)
    path = _shifts_file(shifts, tmp_path)
    sinks = []
    for name in ("aware.parquet", "vendor.csv"):
        sink = DigestSink()
        with open_engine("local") as eng:
            rollup_files(
                eng, str(tmp_path / name), sink=sink, shifts_file=str(path), progress=False
            )
        sinks.append(sink.result())
    assert sinks[0]["rows"]["track_quality"] == 4
    assert sinks[0] == sinks[1]


def test_cli_rollup(tmp_path: Path, day_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    try:
        code = main(
            ["rollup", "--db", db, "--engine", "local", "--input", str(day_files / "*.parquet")]
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        summary = json.loads(out)
        assert summary["command"] == "rollup" and summary["engine"] == "local"
        assert summary["rows"]["coverage"] > 0 and summary["shifts"] == 40
        code = main(["rollup", "--db", db, "--input", str(tmp_path / "nothing-*.parquet")])
        out, err = capsys.readouterr()
        assert code == 2 and out == ""
        assert err.startswith("error: no files match") and err.count("\n") == 1
        code = main(
            [
                "rollup",
                "--db",
                db,
                "--engine",
                "local",
                "--workers",
                "2",
                "--input",
                str(day_files / "*.parquet"),
            ]
        )
        out, err = capsys.readouterr()
        assert code == 2 and "--engine dask" in err
    finally:
        store.forget(db)
