"""Store: migrations, scoped reads, import history, a killed import leaving nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo import store
from tests import tiny

ROOT = Path(__file__).resolve().parent.parent


def _load(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)


def test_migrations_match_the_tables(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store.metadata)
    assert diff == []
    store.migrate(engine)  # idempotent


def test_scope_keeps_grid_records_inside(engine: sa.Engine, tmp_path: Path) -> None:
    _load(engine, tmp_path)
    assert store.resolve_scope(engine, "all") is None
    assert store.resolve_scope(engine, ["ST"]) == {"ST", "G1", "G2"}
    west = {k: store.read(engine, k, ["G1"]) for k in tiny.ORDER}
    east = {k: store.read(engine, k, ["G2"]) for k in tiny.ORDER}
    everything = {k: store.read(engine, k, "all") for k in tiny.ORDER}
    for k in ("pings", "sites", "venues", "hazards", "incidents"):
        assert (west[k]["lng"] < 115.980).all() and (east[k]["lng"] >= 115.980).all(), k
        assert len(west[k]) + len(east[k]) == len(everything[k]), k
        assert len(west[k]) > 0 and len(east[k]) > 0, k
    assert list(west["venues"]["venue_id"]) == ["V1"]
    assert list(west["inspections"]["venue_id"]) == ["V1"]  # follows its venue
    assert list(west["site_checks"]["site_id"]) == ["K1"]
    assert sorted(east["site_checks"]["site_id"]) == ["K2", "K2"]
    # S1 drove through both grids, S2 walked in G2 only
    assert list(west["shifts"]["shift_id"]) == ["S1"]
    assert sorted(east["shifts"]["shift_id"]) == ["S1", "S2"]
    assert list(west["areas"]["area_id"]) == ["G1"]
    station = store.read(engine, "incidents", ["ST"])
    assert len(station) == len(everything["incidents"])
    assert store.read(engine, "incidents", ["NOPE"]).empty


def test_period_filter_uses_local_dates(engine: sa.Engine, tmp_path: Path) -> None:
    _load(engine, tmp_path)
    got = store.read(engine, "incidents", "all", start="2022-07-03", end="2022-07-03")
    assert list(got["incident_id"]) == ["I3"]  # 01:20 local on the 3rd is 17:20 UTC on the 2nd
    got = store.read(engine, "incidents", "all", start="2022-07-01", end="2022-07-02")
    assert sorted(got["incident_id"]) == ["I1", "I2"]


def test_filters_are_bound_parameters(engine: sa.Engine, tmp_path: Path) -> None:
    _load(engine, tmp_path)
    hostile = "V1' OR '1'='1"
    assert store.read(engine, "venues", "all", where={"venue_id": [hostile]}).empty
    assert store.read(engine, "venues", [hostile]).empty
    assert store.counts(engine)["venues"] == 2


def test_import_history_records_each_file(engine: sa.Engine, tmp_path: Path) -> None:
    _load(engine, tmp_path)
    h = store.import_history(engine)
    assert len(h) == len(tiny.ORDER)
    assert set(h["kind"]) == set(tiny.ORDER)
    assert (h["accepted"] == h["read"]).all()
    assert h["file_sha256"].str.len().eq(64).all()


def _big_pings_file(tmp_path: Path) -> Path:
    n = 400_000
    t = pd.date_range(tiny.ts("2022-07-01 20:00"), periods=n, freq="1s")
    lng = 115.972 + (np.arange(n) % 2000) * 0.000008
    frame = pd.DataFrame(
        {"shift_id": "S1", "ts": t.strftime("%Y-%m-%d %H:%M:%S"), "lat": 28.7, "lng": lng}
    )
    path = tmp_path / "big_pings.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_import_killed_part_way_leaves_nothing(db_url: str, tmp_path: Path) -> None:
    engine = store.connect(db_url)
    _load(engine, tmp_path)
    before = store.counts(engine)
    path = _big_pings_file(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    err = tmp_path / "stderr.txt"
    with open(err, "wb") as err_fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "geo", "import", "pings", str(path), "--db", db_url],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err_fh,
        )
    # wait until the import has begun writing (its history row is in an open transaction, so
    # watch the process instead: give it time to parse, then kill it mid-write)
    deadline = time.monotonic() + 60
    killed = False
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if proc.poll() is not None:
            break
        if _writing(db_url):
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=60)
    assert killed, f"import ended before it could be killed: {err.read_text()!r}"
    store.dispose_all()
    engine = store.connect(db_url)
    assert store.counts(engine) == before
    assert len(store.import_history(engine)) == len(tiny.ORDER)


def _writing(db_url: str) -> bool:
    """True once another process holds a write transaction on the store."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        wal = path.with_name(path.name + "-wal")
        return wal.exists() and wal.stat().st_size > 1_000_000
    probe = sa.create_engine(db_url)
    try:
        with probe.connect() as conn:
            n = conn.execute(
                sa.text(
                    "select count(*) from pg_stat_activity where datname = current_database() "
                    "and state = 'idle in transaction' or (datname = current_database() and "
                    "query ilike 'INSERT INTO pings%' and pid <> pg_backend_pid())"
                )
            ).scalar_one()
        return int(n) > 0
    finally:
        probe.dispose()


def test_epoch_ms_with_missing_values_converts_whatever_memory_held_before() -> None:
    """A NULL time (an unrectified hazard, a venue never inspected) reads back as NaT, always.

    pandas 2 converts a float column with NaN through an ``np.empty`` buffer whose NaN slots it
    never fills and then rounds (pandas-dev/pandas#58419): when that memory last held huge
    floats, the round overflows and ``store.read`` raised FloatingPointError in CI. Freed
    buffers of 1e308 make that the likely case here; every conversion must still succeed and
    equal the values' own timestamps.
    """
    n = 2000
    ms = 1_717_250_400_000 + np.arange(n, dtype=np.int64) * 61_000
    values = pd.Series(ms.astype(float))
    values[1::2] = np.nan
    want = pd.Series(
        pd.DatetimeIndex(ms.astype("datetime64[ms]"))
        .as_unit("ns")
        .tz_localize("UTC")
        .tz_convert("Asia/Shanghai")
    )
    want[1::2] = pd.NaT
    for _ in range(20):
        junk = [np.full(n, 1e308) for _ in range(20)]
        del junk
        got = store.ms_to_ts(values, "Asia/Shanghai")
        pd.testing.assert_series_equal(got, want)
    as_int = store.ms_to_ts(pd.Series(ms), "UTC")
    assert as_int.iloc[0] == pd.Timestamp("2024-06-01 14:00", tz="UTC")
    assert as_int.iloc[-1] - as_int.iloc[0] == pd.Timedelta(seconds=61 * (n - 1))
