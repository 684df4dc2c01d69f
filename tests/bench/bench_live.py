"""Live night load test (issue 22, "Done when"): devices posting fixes to a real server.

For each backend (PostgreSQL when ``QY_BENCH_PG_URL`` or ``QY_TEST_PG_URL`` names a server: a
fresh database ``qy_bench_live``, created and dropped here; and the embedded SQLite store in a
temporary folder) the benchmark builds a store of one area (a 4 x 4 km station around the demo
city's centre), 500 units and one admin user, starts its own server (``python -m geo serve`` on
a free loopback port, its default settle loop of ``QY_LIVE_SETTLE_S`` seconds), and runs
simulated devices (asyncio on uvloop, each device its own keep-alive connection and token:
:class:`DeviceConnection`; the probes read with ``httpx``), each making one
fix every 5 s for some minutes (quick: 100 devices for 1 minute; full: 500 for 5), moving along
a 200 m street grid inside the area at its kind's speed, with short stops. A device posts as a
terminal does: one fix a request while the server keeps up; the fixes made while its request is
in flight wait and go together in the next (so an overloaded server shows as fixes per request
and as the age of a fix when accepted, not as a longer run); fixes still waiting a minute after
the last one was made are not sent (``unsent``). Nothing leaves the loopback interface; the
server is stopped at the end whatever happens.

Measured, per backend:

- fixes sent, accepted, duplicates, rejected (by reason), HTTP and connection errors (a request
  whose connection fails is sent once more: the server may close an idle keep-alive connection
  just as a device reuses it; a fix is idempotent), and the rows of ``fixes`` after the run:
  every accepted fix stored exactly once (``stored_exactly_once``: the stored (unit, time) are
  the fixes the server took, and their count is ``accepted`` + ``duplicates``: a device sends a
  fix twice only when the answer to its first request was lost; the fixes of a request that got
  no answer twice may or may not be stored, ``stored_of_unanswered``);
- request latency of ``POST /api/v1/positions`` as the devices saw it (p50/p95/p99/max);
- delay from a fix to ``/api/v1/live/positions`` showing it (a probe every 5 s polls until the
  unit's ``ts`` is the fix's);
- delay to coverage: a probe every 20 s polls the store's ``coverage`` rows of the unit's live
  shifts until a row's ``last_ms`` reaches the fix (the server settles every 15 s);
- delay to plan progress: a saved plan for tonight gives 4 units two stops each on their paths;
  from the post of the fix at a stop to ``/api/v1/live/plan`` counting it done (0 when it was
  counted on the approach, a fix within 100 m before);
- delay to alerts: one device leaves the jurisdiction (``left_jurisdiction`` from the post of its
  first fix outside), one falls silent with the duty rules' live ``gps_silent`` set to 1 minute
  (from the moment its last fix is a minute old);
- server CPU seconds over the run and peak RSS of every server process (psutil on the server's
  pid and its children: the request-serving process and the worker process that settles and
  computes the alerts, ``server_processes``), and the read endpoints' latencies.

Targets (printed beside the figures): p99 < 200 ms; < 60 s to coverage and plan progress; < 5 s
to positions and alerts. The machine is shared (2 cores for several jobs at once): CPU
contention shows in the latencies; the client's own CPU seconds are reported too.

Needs only what requirements.txt installs (no pytest). Run ``python -m geo bench --only live
[--quick]`` or ``python -m tests.bench.bench_live [--quick] [--backend sqlite|postgres]``.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import psutil
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
CENTRE = (115.98, 28.70)  # lng, lat of the area's centre (the demo city's)
HALF_M = 2000.0  # the area: a square of 2 x HALF_M metres
BLOCK_M = 200.0  # the street grid
STEP_S = 5.0  # seconds between two fixes of a device
UNITS = 500
KINDS = ("police_car", "foot", "auxiliary", "volunteer")
SPEED_MS = {"police_car": 8.0, "foot": 1.3, "auxiliary": 1.6, "volunteer": 1.2}
M_LAT = 110_850.0
M_LNG = 111_320.0 * math.cos(math.radians(CENTRE[1]))
TARGETS = {"p99_ms": 200.0, "coverage_s": 60.0, "plan_s": 60.0, "positions_s": 5.0, "alerts_s": 5.0}
PROBE_TIMEOUT_S = 120.0
GRACE_S = 60.0  # fixes still waiting this long after the last one was made are not sent
DB_NAME = "qy_bench_live"


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def _stats(values: list[float], scale: float = 1.0) -> dict[str, Any]:
    v = [x * scale for x in values]
    return {
        "n": len(v),
        "p50": _pct(v, 50),
        "p95": _pct(v, 95),
        "p99": _pct(v, 99),
        "max": round(max(v), 1) if v else None,
    }


def _lnglat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return CENTRE[0] + x / M_LNG, CENTRE[1] + y / M_LAT


def street_path(rng: np.random.Generator, steps: int, speed_ms: float) -> np.ndarray:
    """Positions (x, y metres from the centre) every :data:`STEP_S` seconds along the street grid.

    Starts at a random crossing, goes straight or turns at each crossing (never leaving the
    area, never turning back unless cornered), stops 30-120 s at one crossing in twenty.
    """
    lim = int((HALF_M - BLOCK_M) // BLOCK_M)
    x, y = (float(v) * BLOCK_M for v in rng.integers(-lim, lim + 1, 2))
    dirs = ((1, 0), (0, 1), (-1, 0), (0, -1))
    d = dirs[int(rng.integers(4))]
    to_node, pause = BLOCK_M, 0.0
    half = lim * BLOCK_M
    out = np.empty((steps, 2))
    for i in range(steps):
        out[i] = (x, y)
        if pause > 0:
            pause -= STEP_S
            continue
        budget = STEP_S * speed_ms
        while budget > 1e-9:
            step = min(budget, to_node)
            x, y = x + d[0] * step, y + d[1] * step
            budget -= step
            to_node -= step
            if to_node <= 1e-9:
                x, y = round(x / BLOCK_M) * BLOCK_M, round(y / BLOCK_M) * BLOCK_M
                ok = [
                    e
                    for e in dirs
                    if e != (-d[0], -d[1])
                    and abs(x + e[0] * BLOCK_M) <= half
                    and abs(y + e[1] * BLOCK_M) <= half
                ]
                ok = ok or [(-d[0], -d[1])]
                weights = np.array([3.0 if e == d else 1.0 for e in ok])
                d = ok[int(rng.choice(len(ok), p=weights / weights.sum()))]
                to_node = BLOCK_M
                if rng.random() < 0.05:
                    pause = float(rng.uniform(30, 120))
                    break
    return out


# -- the store ---------------------------------------------------------------------------------


@contextmanager
def pg_database(base_url: str) -> Iterator[str]:
    """A fresh database :data:`DB_NAME` on the server of ``base_url``, dropped at the end."""
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    drop = sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
        conn.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    url = sa.make_url(base_url).set(database=DB_NAME).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from geo import store

        store.forget(url)
        with admin.connect() as conn:
            conn.execute(drop)
        admin.dispose()


def build_store(url: str, devices: int, night: str, plan_paths: dict[str, np.ndarray]) -> Any:
    """One area, :data:`UNITS` units, an admin user and its token, device tokens, tonight's plan.

    Returns (engine, user token, {unit_id: device token}).
    """
    from shapely.geometry import box

    from geo import ingest, store
    from geo.services import access, duty, tokens

    engine = store.connect(url)
    (w, e), (s, n) = _lnglat(np.array([-HALF_M, HALF_M]), np.array([-HALF_M, HALF_M]))
    areas = pd.DataFrame(
        {"area_id": ["BS"], "name": ["压测派出所辖区"], "level": ["station"], "owner": [None]}
    )
    summary = ingest.import_frame(
        engine, "areas", areas, file_name="bench:areas", geometry=np.array([box(w, s, e, n)])
    )
    assert summary.rejected == 0, summary.rejects
    units = pd.DataFrame(
        {
            "unit_id": [f"B{i:04d}" for i in range(UNITS)],
            "name": [f"压测单元{i:04d}" for i in range(UNITS)],
            "kind": [KINDS[i % len(KINDS)] for i in range(UNITS)],
            "station": "BS",
        }
    )
    summary = ingest.import_frame(engine, "units", units, file_name="bench:units")
    assert summary.rejected == 0, summary.rejects
    rules = duty.get_rules(engine)
    rules["live"] = [
        {**r, "minutes": 1} if r["alert"] == "gps_silent" else r for r in rules["live"]
    ]
    duty.set_rules(engine, rules)
    access.add_user(engine, "bench", secrets.token_urlsafe(16) + "Aa1!", "admin")
    _tid, user_token = tokens.create_user_token(engine, "bench", label="bench", by="bench")
    device_tokens = {
        u: tokens.create_device_token(engine, u, label="bench", by="bench")[1]
        for u in units["unit_id"][:devices]
    }
    _save_plan(engine, night, plan_paths)
    return engine, user_token, device_tokens


def _save_plan(engine: sa.Engine, night: str, plan_paths: dict[str, np.ndarray]) -> None:
    """Tonight's plan: each unit of ``plan_paths`` ({unit: [(step, x, y), ...]}) its stops."""
    from geo.config import get_settings
    from geo.domain import hexes
    from geo.services import plan as plans

    tz = get_settings().tz
    w0 = pd.Timestamp.now(tz=tz).floor("min") - pd.Timedelta(minutes=2)
    w1 = w0 + pd.Timedelta(hours=3)
    units = []
    for unit_id, stops in plan_paths.items():
        lng, lat = _lnglat(stops[:, 1], stops[:, 2])
        cells = hexes.cells_to_str(hexes.latlng_to_cells(lat, lng, 9))
        rows = []
        for k in range(len(stops)):
            at = w0 + pd.Timedelta(minutes=2) + pd.Timedelta(seconds=float(stops[k, 0]) * STEP_S)
            rows.append(
                {
                    "seq": k + 1,
                    "h3": str(cells[k]),
                    "lat": round(float(lat[k]), 6),
                    "lng": round(float(lng[k]), 6),
                    "place": f"压测点{k + 1}",
                    "place_en": f"bench stop {k + 1}",
                    "landmark": "",
                    "landmark_m": None,
                    "arrive": at.isoformat(),
                    "leave": (at + pd.Timedelta(minutes=1)).isoformat(),
                    "latest_arrive": (at + pd.Timedelta(minutes=30)).isoformat(),
                    "value": 0.0,
                    "rank": k + 1,
                    "risk": 0.0,
                    "must": False,
                }
            )
        units.append(
            {
                "unit_id": unit_id,
                "name": unit_id,
                "kind": "police_car",
                "start_point": {"lat": rows[0]["lat"], "lng": rows[0]["lng"]},
                "shift": [w0.isoformat(), w1.isoformat()],
                "back": w1.isoformat(),
                "stops": rows,
                "travel_s": 0,
                "value": 0.0,
            }
        )
    plan = {
        "plan_id": f"PBENCH-{uuid.uuid4().hex[:6]}",
        "date": night,
        "window": f"{w0:%H:%M}-{w1:%H:%M}",
        "start": w0.isoformat(),
        "end": w1.isoformat(),
        "area": "BS",
        "res": 9,
        "value": "gap",
        "dwell_s": 60,
        "candidates": 0,
        "risk_covered": 0.0,
        "risk_total": 0.0,
        "greedy_covered": 0.0,
        "seed": 0,
        "travel": "straight",
        "units": units,
        "cells": [],
        "missed_must": [],
        "warnings": [],
        "avoid": [],
        "created": pd.Timestamp.now(tz=tz).isoformat(timespec="seconds"),
        "solve_s": 0.0,
    }
    plans.save_plan(engine, plan, user="bench")


# -- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, log: Path) -> Iterator[tuple[str, psutil.Process]]:
    """``python -m geo serve`` of the store at ``url`` on a free loopback port; stopped after."""
    port = _free_port()
    env = {**os.environ, "QY_DATABASE_URL": url}
    cmd = [sys.executable, "-m", "geo", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen([*cmd, "--db", url], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                msg = f"the server exited ({proc.returncode}): {log.read_text()[-2000:]}"
                raise RuntimeError(msg)
            try:
                if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                msg = "the server did not start within 120 s"
                raise RuntimeError(msg)
            time.sleep(0.25)
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class ServerWatch:
    """CPU seconds and peak RSS (MiB) of the server process and its children, sampled each 0.5 s."""

    def __init__(self, proc: psutil.Process) -> None:
        self.proc = proc
        self.peak_rss = 0
        self.processes = 0
        self.cpu0 = self._cpu()

    def _procs(self) -> list[psutil.Process]:
        try:
            return [self.proc, *self.proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _cpu(self) -> float:
        total = 0.0
        for p in self._procs():
            try:
                c = p.cpu_times()
                total += c.user + c.system
            except psutil.NoSuchProcess:
                pass
        return total

    def sample(self) -> None:
        rss = 0
        procs = self._procs()
        self.processes = max(self.processes, len(procs))
        for p in procs:
            try:
                rss += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        self.peak_rss = max(self.peak_rss, rss)

    def cpu_s(self) -> float:
        return self._cpu() - self.cpu0


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Load:
    """What the devices and the probes saw."""

    latencies: list[float] = field(default_factory=list)
    batch_sizes: list[int] = field(default_factory=list)
    fix_age: list[float] = field(default_factory=list)  # seconds from a fix made to accepted
    unsent: int = 0
    unanswered: set[tuple[str, int]] = field(default_factory=set)
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    http: dict[str, int] = field(default_factory=dict)
    accepted_keys: set[tuple[str, int]] = field(default_factory=set)
    last: tuple[str, int, float] | None = None  # the last accepted fix: unit, ms, answered at
    at_stop: list[tuple[str, int, float]] = field(default_factory=list)  # unit, stop k, answered
    left_at: float | None = None
    silent_last_ms: int | None = None
    delays: dict[str, list[float]] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    reads: dict[str, list[float]] = field(default_factory=dict)


def _ms_of(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    return int(pd.Timestamp(value).value // 1_000_000)


async def _get(client: httpx.AsyncClient, load: Load, path: str, token: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        r = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    except httpx.TransportError as e:
        key = f"GET {type(e).__name__}"
        load.http[key] = load.http.get(key, 0) + 1
        return {}
    load.reads.setdefault(path, []).append(time.perf_counter() - t0)
    if r.status_code != 200:
        key = f"GET {path.rsplit('/', 1)[-1]} {r.status_code}"
        load.http[key] = load.http.get(key, 0) + 1
        return {}
    out: dict[str, Any] = r.json()
    return out


class DeviceConnection:
    """One device's own keep-alive HTTP/1.1 connection to the server, as a terminal holds one.

    Plain asyncio streams and a request written by hand: the 500 simulated devices share the
    server's two cores, so the simulator spends as little of them as it can (an
    ``httpx.AsyncClient`` pool of hundreds of connections cost ~8 ms of CPU per request, more
    than the server's own work). A connection the server closed is opened again and the
    request sent once more (a fix is idempotent); no answer twice gives None.
    """

    def __init__(self, client: httpx.AsyncClient, load: Load) -> None:
        self.host = str(client.base_url.host)
        self.port = int(client.base_url.port or 80)
        self.load = load
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes] | None:
        """POST ``body`` (JSON) to ``path``; (status, response body) or None."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        for _attempt in range(2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), 60.0
                    )
                assert self.reader is not None
                self.writer.write(head + body)
                return await asyncio.wait_for(self._answer(self.reader), 60.0)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as e:
                name = type(e).__name__
                self.load.http[name] = self.load.http.get(name, 0) + 1
                self.close()
        return None

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        payload = await reader.readexactly(length)
        if close:
            self.close()
        return status, payload

    def close(self) -> None:
        """Close the connection (opened again by the next post)."""
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _device(
    client: httpx.AsyncClient,
    load: Load,
    unit_id: str,
    token: str,
    path: np.ndarray,
    t0: float,
    offset_s: float,
    *,
    stops: dict[int, int],
    leave_step: int | None,
    silent_step: int | None,
    speed_ms: float,
    rng: np.random.Generator,
    deadline: float,
) -> None:
    """Make one fix every :data:`STEP_S` s along ``path`` (a fixed schedule); post what waits.

    As a terminal does: while a request is in flight the new fixes wait, and go together in the
    next batch; a server that keeps up gets one fix a request. Fixes still waiting at
    ``deadline`` (perf_counter seconds) are not sent (``unsent``).
    """
    conn = DeviceConnection(client, load)
    waiting: list[tuple[int, dict[str, Any]]] = []
    made = asyncio.Event()
    finished = False

    async def produce() -> None:
        nonlocal finished
        last_ms = 0
        for k in range(len(path)):
            if silent_step is not None and k > silent_step:
                break
            wait = t0 + offset_s + k * STEP_S - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            x, y = path[k]
            if leave_step is not None and k >= leave_step:
                x = HALF_M + 600.0 + 20.0 * (k - leave_step)  # east of the area, outside all
            lng, lat = _lnglat(np.array([x + rng.normal(0, 3)]), np.array([y + rng.normal(0, 3)]))
            # a client that lags (its loop starved on a busy machine) makes several late fixes at
            # once: each keeps a time of its own, or the server rightly counts it a duplicate
            last_ms = max(int(time.time() * 1000), last_ms + 1)
            fix = {
                "unit_id": unit_id,
                "time": last_ms,
                "lat": round(float(lat[0]), 7),
                "lng": round(float(lng[0]), 7),
                "speed": round(speed_ms * 3.6, 1),
                "accuracy": 5.0,
            }
            waiting.append((k, fix))
            made.set()
        finished = True
        made.set()

    async def send(batch: list[tuple[int, dict[str, Any]]]) -> None:
        t = time.perf_counter()
        body = json.dumps({"fixes": [f for _k, f in batch]}).encode()
        answer = await conn.post("/api/v1/positions", body, token)
        load.sent += len(batch)
        load.batch_sizes.append(len(batch))
        if answer is None:  # no answer twice: stored or not, the device cannot tell
            load.unanswered.update((unit_id, int(f["time"])) for _k, f in batch)
            return
        status, payload = answer
        done = time.perf_counter()
        load.latencies.append(done - t)
        if status != 200:
            load.http[str(status)] = load.http.get(str(status), 0) + 1
            return
        body_json = json.loads(payload)
        load.accepted += int(body_json.get("accepted", 0))
        load.duplicates += int(body_json.get("duplicates", 0))
        bad = set()
        for item in body_json.get("rejected") or []:
            reason = str(item.get("reason"))
            load.rejected[reason] = load.rejected.get(reason, 0) + 1
            bad.add(int(item.get("index", -1)))
        wall = time.time()
        for i, (k, fix) in enumerate(batch):
            if i in bad:
                continue
            ms = int(fix["time"])
            # stored now, or already (a retried request whose first answer was lost): either way
            # this fix must be in the table exactly once
            load.accepted_keys.add((unit_id, ms))
            load.fix_age.append(wall - ms / 1000)
            load.last = (unit_id, ms, done)
            if k in stops:
                load.at_stop.append((unit_id, stops[k], done))
            if leave_step is not None and k == leave_step:
                load.left_at = done
            if silent_step is not None and k == silent_step:
                load.silent_last_ms = ms

    producer = asyncio.create_task(produce())
    while True:
        await made.wait()
        made.clear()
        while waiting:
            batch = waiting[:]
            waiting.clear()
            if time.perf_counter() > deadline:
                load.unsent += len(batch)
                continue
            await send(batch)
        if finished and not waiting:
            break
    await producer
    conn.close()


async def _probe_positions(
    client: httpx.AsyncClient, load: Load, token: str, stop: asyncio.Event
) -> None:
    """Every 5 s: the last accepted fix, until /live/positions shows it."""
    while not stop.is_set():
        await asyncio.sleep(5)
        if load.last is None:
            continue
        unit_id, ms, answered = load.last
        deadline = time.perf_counter() + PROBE_TIMEOUT_S
        while time.perf_counter() < deadline:
            rows = (await _get(client, load, "/api/v1/live/positions", token)).get("positions", [])
            row = next((r for r in rows if r.get("unit_id") == unit_id), None)
            if row is not None and (_ms_of(row.get("ts")) or 0) >= ms:
                load.delays.setdefault("positions", []).append(time.perf_counter() - answered)
                break
            await asyncio.sleep(0.5)
        else:
            load.missed["positions"] = load.missed.get("positions", 0) + 1


def _coverage_last_ms(engine: sa.Engine, unit_id: str) -> int:
    from geo.store.tables import RECORD_TABLES, coverage

    shifts = RECORD_TABLES["shifts"]
    stmt = (
        sa.select(sa.func.max(coverage.c.last_ms))
        .select_from(coverage.join(shifts, coverage.c.shift_id == shifts.c.shift_id))
        .where(shifts.c.unit_id == unit_id)
    )
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)


async def _probe_coverage(engine: sa.Engine, load: Load, stop: asyncio.Event) -> None:
    """Every 20 s: the last accepted fix, until the store's coverage rows of the unit reach it."""
    while not stop.is_set():
        await asyncio.sleep(20)
        if load.last is None:
            continue
        unit_id, ms, answered = load.last
        deadline = time.perf_counter() + PROBE_TIMEOUT_S
        while time.perf_counter() < deadline:
            got = await asyncio.to_thread(_coverage_last_ms, engine, unit_id)
            if got >= ms - 1000:
                load.delays.setdefault("coverage", []).append(time.perf_counter() - answered)
                break
            await asyncio.sleep(1.0)
        else:
            load.missed["coverage"] = load.missed.get("coverage", 0) + 1


async def _probe_plan_and_alerts(
    client: httpx.AsyncClient,
    load: Load,
    token: str,
    left_unit: str,
    silent_unit: str,
    done: asyncio.Event,
) -> None:
    """Each second: /live/plan for the stops reached, /live/alerts for the two alert probes."""
    seen_stops: set[tuple[str, int]] = set()
    left_seen = silent_seen = False
    while True:
        now = time.perf_counter()
        pending = [(u, k, t) for u, k, t in load.at_stop if (u, k) not in seen_stops]
        for u, k, t in pending:
            if now - t > PROBE_TIMEOUT_S:
                seen_stops.add((u, k))
                load.missed["plan"] = load.missed.get("plan", 0) + 1
        if pending:
            rows = (await _get(client, load, "/api/v1/live/plan", token)).get("units", [])
            have = {str(r.get("unit_id")): int(r.get("stops_done") or 0) for r in rows}
            for u, k, t in pending:
                if (u, k) not in seen_stops and have.get(u, 0) >= k:
                    seen_stops.add((u, k))
                    load.delays.setdefault("plan", []).append(max(0.0, time.perf_counter() - t))
        silent_due = load.silent_last_ms / 1000 + 60.0 if load.silent_last_ms is not None else None
        wall = time.time()
        want_left = load.left_at is not None and not left_seen
        want_silent = silent_due is not None and not silent_seen and wall >= silent_due - 2
        if want_left or want_silent:
            rows = (await _get(client, load, "/api/v1/live/alerts", token)).get("alerts", [])
            kinds = {(str(r.get("alert")), str(r.get("unit_id"))) for r in rows}
            if want_left and load.left_at is not None:
                if ("left_jurisdiction", left_unit) in kinds:
                    left_seen = True
                    load.delays["alerts_left"] = [time.perf_counter() - load.left_at]
                elif time.perf_counter() - load.left_at > PROBE_TIMEOUT_S:
                    left_seen = True
                    load.missed["alerts_left"] = 1
            if want_silent and silent_due is not None:
                if ("gps_silent", silent_unit) in kinds:
                    silent_seen = True
                    load.delays["alerts_silent"] = [max(0.0, time.time() - silent_due)]
                elif time.time() - silent_due > PROBE_TIMEOUT_S:
                    silent_seen = True
                    load.missed["alerts_silent"] = 1
        stops_done = all((u, k) in seen_stops for u, k, _t in load.at_stop)
        if done.is_set() and left_seen and silent_seen and stops_done:
            return
        await asyncio.sleep(1.0)


async def _run_load(
    base: str,
    engine: sa.Engine,
    user_token: str,
    device_tokens: dict[str, str],
    paths: dict[str, np.ndarray],
    plan_stops: dict[str, dict[int, int]],
    *,
    seconds: float,
    watch: ServerWatch,
) -> Load:
    load = Load()
    units = list(device_tokens)
    left_unit, silent_unit = units[-1], units[-2]
    steps = int(seconds // STEP_S)
    rng = np.random.default_rng(11)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as client:
        t0 = time.perf_counter() + 1.0
        stop, probes_done = asyncio.Event(), asyncio.Event()
        devices = [
            asyncio.create_task(
                _device(
                    client,
                    load,
                    u,
                    device_tokens[u],
                    paths[u][:steps],
                    t0,
                    float(rng.uniform(0, STEP_S)),
                    stops=plan_stops.get(u, {}),
                    leave_step=steps // 3 if u == left_unit else None,
                    silent_step=2 if u == silent_unit else None,
                    speed_ms=SPEED_MS[KINDS[int(u[1:]) % len(KINDS)]],
                    rng=np.random.default_rng(int(u[1:])),
                    deadline=t0 + seconds + GRACE_S,
                )
            )
            for u in units
        ]
        probes = [
            asyncio.create_task(_probe_positions(client, load, user_token, stop)),
            asyncio.create_task(_probe_coverage(engine, load, stop)),
        ]
        alerts = asyncio.create_task(
            _probe_plan_and_alerts(client, load, user_token, left_unit, silent_unit, probes_done)
        )

        async def sample() -> None:
            while not probes_done.is_set():
                watch.sample()
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*devices)
        load.delays["load_s"] = [time.perf_counter() - t0]
        stop.set()
        await asyncio.gather(*probes)
        probes_done.set()
        await asyncio.wait_for(alerts, PROBE_TIMEOUT_S + 30)
        await sampler
    return load


def _run_loop(coro: Any) -> Load:
    """Run the load on uvloop (what the server runs on; requirements.txt pins it)."""
    import uvloop  # the event loop of the server too (uvicorn picks it when installed)

    out: Load = uvloop.run(coro)
    return out


def _stored(engine: sa.Engine) -> set[tuple[str, int]]:
    from geo.store.tables import fixes

    with engine.connect() as conn:
        rows = conn.execute(sa.select(fixes.c.unit_id, fixes.c.ts)).all()
    return {(str(u), int(t)) for u, t in rows}


def run_backend(url: str, *, devices: int, minutes: float, work: Path) -> dict[str, Any]:
    """The load test on the store at ``url`` (empty: built here)."""
    from geo import store
    from geo.domain.period import shift_night

    seconds = minutes * 60.0
    steps = int(seconds // STEP_S) + 1
    rng = np.random.default_rng(5)
    unit_ids = [f"B{i:04d}" for i in range(devices)]
    paths = {
        u: street_path(rng, steps, SPEED_MS[KINDS[i % len(KINDS)]] * rng.uniform(0.8, 1.2))
        for i, u in enumerate(unit_ids)
    }
    # four cars (kind index 0) with two stops each, their positions a third and two thirds in;
    # a stop counts as reached at the first fix within 100 m of it (clear of 100 m by 6 m)
    plan_paths: dict[str, np.ndarray] = {}
    plan_stops: dict[str, dict[int, int]] = {}
    for u in [x for i, x in enumerate(unit_ids[:-2]) if i % len(KINDS) == 0]:
        p = paths[u][: int(seconds // STEP_S)]
        picks, firsts = [], []
        for k in (len(p) // 3, (2 * len(p)) // 3):
            d = np.hypot(*(p - p[k]).T)
            j = int(np.argmax(d <= 100.0))
            if j >= 1 and d[j] <= 94.0 and d[:j].min() > 106.0:
                picks.append(k)
                firsts.append(j)
        if len(picks) == 2 and firsts[0] < firsts[1]:
            plan_paths[u] = np.array([(k, *p[k]) for k in picks])
            plan_stops[u] = {j: n + 1 for n, j in enumerate(firsts)}
        if len(plan_paths) == 4:
            break
    tz_now = pd.Timestamp.now(tz="UTC")
    from geo.config import get_settings

    night = shift_night(pd.Series([tz_now.tz_convert(get_settings().tz)]))[0].isoformat()
    t_build = time.perf_counter()
    engine, user_token, device_tokens = build_store(url, devices, night, plan_paths)
    build_s = time.perf_counter() - t_build
    cpu_client0 = psutil.Process().cpu_times()
    load_avg0 = os.getloadavg()[0]
    try:
        with server(url, work / "server.log") as (base, proc):
            watch = ServerWatch(proc)
            t0 = time.perf_counter()
            load = _run_loop(
                _run_load(
                    base,
                    engine,
                    user_token,
                    device_tokens,
                    paths,
                    plan_stops,
                    seconds=seconds,
                    watch=watch,
                )
            )
            wall = time.perf_counter() - t0
            cpu_s = watch.cpu_s()
            peak = watch.peak_rss
            n_procs = watch.processes
        cpu_client1 = psutil.Process().cpu_times()
        stored = _stored(engine)
    finally:
        store.forget(url)
        engine.dispose()
    # every fix the server took in the table once, and no other row: accepted, or a duplicate of
    # a request sent again after its answer was lost (a device never sends a fix twice otherwise)
    # (and the fixes of a request never answered stored or not)
    extra = stored - load.accepted_keys
    exact = (
        load.accepted_keys <= stored
        and extra <= load.unanswered
        and len(load.accepted_keys) == load.accepted + load.duplicates
    )
    lat_ms = _stats(load.latencies, 1000.0)
    delays = {k: _stats(v) for k, v in load.delays.items() if k != "load_s"}
    p99 = lat_ms["p99"]

    def worst(*keys: str) -> float | None:
        vals = [x for k in keys for x in load.delays.get(k, [])]
        return max(vals) if vals else None

    met = {
        "p99_ms": p99 is not None and p99 < TARGETS["p99_ms"],
        "positions_s": (worst("positions") or math.inf) < TARGETS["positions_s"],
        "alerts_s": (worst("alerts_left", "alerts_silent") or math.inf) < TARGETS["alerts_s"],
        "coverage_s": (worst("coverage") or math.inf) < TARGETS["coverage_s"],
        "plan_s": (worst("plan") or math.inf) < TARGETS["plan_s"],
    }
    return {
        "devices": devices,
        "minutes": minutes,
        "build_s": round(build_s, 1),
        "load_s": round(load.delays["load_s"][0], 1),
        "wall_s": round(wall, 1),
        "sent": load.sent,
        "made": load.sent + load.unsent,
        "unsent": load.unsent,
        "requests": len(load.batch_sizes),
        "fixes_per_request": {
            "mean": round(float(np.mean(load.batch_sizes)), 2) if load.batch_sizes else None,
            "max": max(load.batch_sizes) if load.batch_sizes else None,
        },
        "fix_to_accepted_s": _stats(load.fix_age),
        "accepted": load.accepted,
        "duplicates": load.duplicates,
        "rejected": load.rejected,
        "http_errors": load.http,
        "stored": len(stored),
        "stored_exactly_once": exact,
        "stored_of_unanswered": f"{len(extra)} of {len(load.unanswered)}",
        "request_ms": lat_ms,
        "requests_per_s": round(len(load.batch_sizes) / max(load.delays["load_s"][0], 1e-9), 1),
        "fixes_per_s": round(load.sent / max(load.delays["load_s"][0], 1e-9), 1),
        "delay_s": delays,
        "probes_missed": load.missed,
        "reads_ms": {k.rsplit("/", 1)[-1]: _stats(v, 1000.0) for k, v in load.reads.items()},
        "server_cpu_s": round(cpu_s, 1),
        "server_cpu_share": round(cpu_s / wall, 2),
        "server_peak_rss_mib": round(peak / 2**20, 1),
        "server_processes": n_procs,
        "machine_load_avg_1m": [round(load_avg0, 1), round(os.getloadavg()[0], 1)],
        "client_cpu_s": round(
            (cpu_client1.user + cpu_client1.system) - (cpu_client0.user + cpu_client0.system), 1
        ),
        "met": met,
    }


def run(quick: bool = False, backends: tuple[str, ...] = ("postgres", "sqlite")) -> dict[str, Any]:
    """The load test on each backend; ``quick``: 100 devices for 1 minute, else 500 for 5."""
    devices, minutes = (100, 1.0) if quick else (500, 5.0)
    figures: dict[str, Any] = {"targets": TARGETS, "settle_every_s": _settle_s()}
    pg = os.environ.get("QY_BENCH_PG_URL") or os.environ.get("QY_TEST_PG_URL")
    work = Path(tempfile.mkdtemp(prefix="qy-bench-live-"))
    try:
        for backend in backends:
            if backend == "postgres":
                if not pg:
                    figures[backend] = {"skipped": "no QY_BENCH_PG_URL or QY_TEST_PG_URL"}
                    continue
                with pg_database(pg) as url:
                    figures[backend] = run_backend(url, devices=devices, minutes=minutes, work=work)
            else:
                url = f"sqlite:///{work / 'live.db'}"
                figures[backend] = run_backend(url, devices=devices, minutes=minutes, work=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios: dict[str, float] = {}
    p99 = {b: (figures.get(b) or {}).get("request_ms", {}).get("p99") for b in backends}
    if p99.get("postgres") and p99.get("sqlite"):
        ratios["live_p99_postgres_vs_sqlite"] = round(p99["postgres"] / p99["sqlite"], 2)
    return {"ratios": ratios, "figures": figures}


def _settle_s() -> float:
    try:
        return float(os.environ.get("QY_LIVE_SETTLE_S", "15"))
    except ValueError:
        return 15.0


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    chosen = tuple(a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--backend=")) or (
        "postgres",
        "sqlite",
    )
    print(json.dumps(run(quick=quick, backends=chosen), indent=2, ensure_ascii=False))
