"""Concurrency and faults (issue 8, part 5): overlapping imports at once store each row once; an
import that dies at any point leaves nothing of its file. (The app serving other users while an
import runs is tests/browser/test_hostile_browser.py.)"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import ingest, store
from geo.store import engine as store_engine
from tests import tiny

ROOT = Path(__file__).resolve().parent.parent


def _incidents(folder: Path, name: str, ids: range, *, category: str = "theft") -> Path:
    frame = pd.DataFrame(
        {
            "incident_id": [f"C{i}" for i in ids],
            "ts": "2022-07-01 22:00",
            "category": category,
            "lat": 28.7,
            "lng": 115.98,
            "priority": 1,
        }
    )
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def _stored_ids(engine: sa.Engine, kind: str, column: str) -> list[str]:
    t = store.RECORD_TABLES[kind]
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(t.c[column]))]


def test_overlapping_imports_in_threads_store_each_row_once(
    engine: sa.Engine, tmp_path: Path
) -> None:
    tiny.load(engine, tmp_path)
    files = [
        _incidents(tmp_path, "a.csv", range(0, 3000)),
        _incidents(tmp_path, "b.csv", range(1500, 4500)),
        _incidents(tmp_path, "c.csv", range(1000, 2000)),
        _incidents(tmp_path, "d.csv", range(1500, 2500), category="fraud"),
    ]  # conflicts
    start = threading.Barrier(len(files))
    results: dict[str, object] = {}

    def run(path: Path) -> None:
        start.wait()
        try:
            results[path.name] = ingest.import_file(engine, "incidents", path)
        except Exception as e:  # reported below; a thread must not swallow it
            results[path.name] = e

    threads = [threading.Thread(target=run, args=(p,)) for p in files]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    errors = {k: v for k, v in results.items() if isinstance(v, Exception)}
    assert errors == {}
    ids = _stored_ids(engine, "incidents", "incident_id")
    assert len(ids) == len(set(ids)) == 4500 + 3
    summaries = [results[p.name] for p in files]
    assert sum(s.accepted for s in summaries) == 4500  # type: ignore[attr-defined]
    # every row of every file is accounted for exactly once: stored, a duplicate or a conflict
    for s in summaries:
        assert s.read == s.accepted + s.duplicates + s.conflicts  # type: ignore[attr-defined]
    d = results["d.csv"]
    stored = store.read(engine, "incidents", "all", columns=["incident_id", "category"])
    fraud = set(
        stored.loc[
            (stored["category"] == "fraud") & stored["incident_id"].str.startswith("C"),
            "incident_id",
        ]
    )
    # d's rows won where d came first and were conflicts elsewhere; never both, never overwritten
    assert len(fraud) == d.accepted  # type: ignore[attr-defined]
    assert d.accepted + d.conflicts == 1000  # type: ignore[attr-defined]
    assert len(store.import_history(engine)) == len(tiny.ORDER) + len(files)


def test_overlapping_imports_in_processes_store_each_row_once(db_url: str, tmp_path: Path) -> None:
    engine = store.connect(db_url)
    tiny.load(engine, tmp_path)
    files = [
        _incidents(tmp_path, "p1.csv", range(0, 2000)),
        _incidents(tmp_path, "p2.csv", range(1000, 3000)),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "geo", "import", "incidents", str(p), "--db", db_url],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for p in files
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    ids = _stored_ids(engine, "incidents", "incident_id")
    assert len(ids) == len(set(ids)) == 3000 + 3


# --------------------------------------------------------------------------------------------
# Faults


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_fault_at_a_random_statement_leaves_nothing(
    engine: sa.Engine, tmp_path: Path, monkeypatch, seed: int
) -> None:
    """The import's connection fails at a random statement of its transaction (the history row,
    the rows, the coverage rollup of pings, the summary update): nothing of the file remains."""
    tiny.load(engine, tmp_path)
    before = store.counts(engine), len(store.import_history(engine))
    frame = tiny.frames()["pings"].copy()
    frame["shift_id"] = "S1"
    frame["ts"] = pd.date_range(tiny.ts("2022-07-01 22:00"), periods=len(frame), freq="7s")
    frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / "more_pings.csv"
    frame.to_csv(path, index=False)

    # count the statements of a good import on a copy of the store's state, then fail at one
    calls = {"n": 0, "fail_at": None}
    real = sa.Connection.execute

    def execute(self: sa.Connection, *args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["fail_at"] is not None and calls["n"] == calls["fail_at"]:
            msg = "injected fault"
            raise OSError(msg)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sa.Connection, "execute", execute)
    with engine.connect() as conn:  # a dry run in a transaction that is rolled back
        trans = conn.begin()
        calls["n"] = 0
        monkeypatch.setattr(engine, "begin", lambda: _Nested(conn))
        ingest.import_file(engine, "pings", path)
        trans.rollback()
    monkeypatch.undo()
    total = calls["n"]
    assert total >= 5
    monkeypatch.setattr(sa.Connection, "execute", execute)
    calls["n"], calls["fail_at"] = 0, random.Random(seed).randint(1, total)
    with pytest.raises(OSError, match="injected fault"):
        ingest.import_file(engine, "pings", path)
    monkeypatch.undo()
    assert (store.counts(engine), len(store.import_history(engine))) == before
    s = ingest.import_file(engine, "pings", path)  # and the store still takes the file
    assert s.accepted == len(frame)


class _Nested:
    """``engine.begin()`` stand-in that runs inside an outer transaction (for the dry run)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sa.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None


def _pings_file(folder: Path, name: str, shift: str, n: int) -> Path:
    t = pd.date_range(tiny.ts("2022-07-01 20:00"), periods=n, freq="1s")
    lng = 115.972 + (pd.RangeIndex(n) % 2000).to_numpy() * 0.000008
    pd.DataFrame(
        {"shift_id": shift, "ts": t.strftime("%Y-%m-%d %H:%M:%S"), "lat": 28.7, "lng": lng}
    ).to_csv(folder / name, index=False)
    return folder / name


@pytest.mark.slow
def test_import_killed_at_random_points_leaves_nothing_of_that_file(
    db_url: str, tmp_path: Path
) -> None:
    """SIGKILL a CLI import at random moments of its run (start-up, reading, validating, writing
    rows, the coverage rollup, the commit): each file is in the store whole or not at all."""
    engine = store.connect(db_url)
    tiny.load(engine, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(path: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "geo", "import", "pings", str(path), "--db", db_url],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    n = 60_000
    # one run to completion gives the length of a run on this machine (not a threshold)
    first = _pings_file(tmp_path, "whole.csv", "S2", n)
    t0 = time.monotonic()
    assert start(first).wait(timeout=300) == 0
    length = time.monotonic() - t0
    rng = random.Random(8)
    killed = 0
    for i in range(4):
        path = _pings_file(tmp_path, f"cut{i}.csv", "S1", n)
        before = store.counts(engine)["pings"]
        proc = start(path)
        time.sleep(rng.uniform(0.15, 0.95) * length)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        store.dispose_all()
        engine = store.connect(db_url)
        t = store.RECORD_TABLES["pings"]
        with engine.connect() as conn:
            of_file = conn.execute(
                sa.select(sa.func.count()).select_from(t).where(t.c.source_file == path.name)
            ).scalar_one()
        history = store.import_history(engine)
        mine = history[history["file_name"] == path.name]
        if len(mine):  # committed (perhaps killed just after): then all of it
            assert mine["read"].tolist() == [n]
            assert of_file == int(mine["accepted"].iloc[0]) > 0
        else:
            assert proc.returncode == -signal.SIGKILL
            assert of_file == 0 and store.counts(engine)["pings"] == before
        if of_file:  # the next file is the same shift and times: remove this one's rows
            with engine.begin() as conn:
                conn.execute(t.delete().where(t.c.source_file == path.name))
    assert killed >= 2  # the moments fell inside runs, not after them


def test_an_import_that_cannot_wait_for_another_says_so_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: while another import holds the write lock past the wait, the file is refused
    with a message naming it (StoreBusy, a FileError: the Data page and the CLI show it), and
    nothing of it is stored; once the lock frees, the same file imports whole."""
    import sqlite3

    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 100)  # read when a connection opens
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = store.connect(url)
    try:
        path = _incidents(tmp_path, "夜间警情.csv", range(50))
        holder = sqlite3.connect(tmp_path / "busy.db", timeout=0, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # what a long import does until its file is stored
        try:
            with pytest.raises(ingest.StoreBusy, match=r"夜间警情\.csv: another import"):
                ingest.import_file(engine, "incidents", path)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert _stored_ids(engine, "incidents", "incident_id") == []
        assert store.import_history(engine).empty
        summary = ingest.import_file(engine, "incidents", path)
        assert summary.accepted == 50
    finally:
        store.forget(url)
        engine.dispose()
