"""The server's background work: settle the fixes that came in, compute and tell the live alerts.

:class:`LiveWorker` runs two loops: every ``every_s`` seconds (``QY_LIVE_SETTLE_S``, default 15)
:func:`geo.services.live.settle` (the fixes received since the last settle are cut into the
units' live shifts, their pings and coverage rollups written), and every ``alerts_s`` seconds
(``QY_LIVE_ALERTS_S``, default 2) the live alerts of the whole jurisdiction
(:func:`geo.services.live_alerts.live_alerts`), kept in the store
(:func:`geo.services.live_alerts.store_alerts`) for the API's readers and its event stream.
An alert is keyed by what it is, its unit and since when (:func:`alert_key`); those not in the
alerts stored the cycle before (read back from the store, so that a restarted worker does not
tell them again) go to the webhook (``QY_ALERT_WEBHOOK``, an internal URL) as one JSON POST
(timeout 5 s; a failure is logged, never raised).

``python -m geo serve`` runs the worker in a process of its own (:class:`WorkerProcess`:
``python -m geo serve --worker-only``, :func:`run_worker`), so that the request-serving process
only takes fixes and answers reads: the settle and the alerts are CPU-bound Python, which in
the same process would hold the interpreter's lock against the requests. The worker process
stops on SIGTERM or SIGINT, or when the server that started it is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import sqlalchemy as sa

from geo.api.geojson import records
from geo.services import live, live_alerts

__all__ = [
    "WEBHOOK_TIMEOUT_S",
    "LiveWorker",
    "WorkerProcess",
    "alert_key",
    "new_alerts",
    "post_webhook",
    "run_worker",
]

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_S = 5.0
ROOT = Path(__file__).resolve().parents[2]


def alert_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """What identifies one live alert across cycles: (alert, unit_id, since as ISO text)."""
    since, unit = row.get("since"), row.get("unit_id")
    if isinstance(since, pd.Timestamp) and not pd.isna(since):
        since = since.isoformat()
    # a key point's alert names no unit: None, or NaN once in a frame, are one key
    return (
        str(row.get("alert")),
        "" if unit is None or pd.isna(unit) else str(unit),
        "" if since is None or pd.isna(since) else str(since),
    )


def new_alerts(
    frame: pd.DataFrame, seen: Iterable[tuple[str, str, str]]
) -> tuple[list[dict[str, Any]], set[tuple[str, str, str]]]:
    """The alerts of ``frame`` not in ``seen`` (as JSON-ready dicts), and every key of ``frame``.

    Keys are taken from the frame's own values (``since`` a timestamp), so that a JSON round trip
    cannot make an old alert look new.
    """
    old = set(seen)
    keys = [alert_key(r) for r in frame.to_dict("records")] if len(frame) else []
    rows = records(frame)
    fresh = [row for row, key in zip(rows, keys, strict=True) if key not in old]
    return fresh, set(keys)


def post_webhook(url: str, alerts: list[dict[str, Any]]) -> bool:
    """POST ``{"alerts": [...]}`` to ``url``; True when the receiver answered 2xx.

    Timeout :data:`WEBHOOK_TIMEOUT_S`; errors are logged, not raised.
    """
    try:
        r = httpx.post(url, json={"alerts": alerts}, timeout=WEBHOOK_TIMEOUT_S)
    except httpx.HTTPError as e:
        log.warning("alert webhook %s failed: %s", url, e)
        return False
    if r.status_code >= 300:
        log.warning("alert webhook %s answered %s", url, r.status_code)
        return False
    return True


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class LiveWorker:
    """The settle loop and the alerts loop on two daemon threads (:meth:`start`, :meth:`stop`).

    ``settle`` and ``alerts`` default to the live services (the alerts of the whole
    jurisdiction); ``webhook`` is the URL new alerts are posted to (None: no webhook);
    ``alerts_s`` the seconds between two alert cycles (default ``every_s``). :meth:`run_once`
    runs one settle and one alert cycle in the caller's thread.
    """

    def __init__(
        self,
        engine: sa.Engine,
        *,
        every_s: float,
        alerts_s: float | None = None,
        webhook: str | None = None,
        settle: Callable[[sa.Engine], dict[str, Any]] | None = None,
        alerts: Callable[[sa.Engine], pd.DataFrame] | None = None,
        post: Callable[[str, list[dict[str, Any]]], bool] = post_webhook,
    ) -> None:
        self.engine = engine
        self.every_s = float(every_s)
        self.alerts_s = float(every_s if alerts_s is None else alerts_s)
        self.webhook = webhook or None
        self._settle = settle or (lambda eng: live.settle(eng))
        self._alerts = alerts or (lambda eng: live_alerts.live_alerts(eng, "all"))
        self._post = post
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.cycles = 0
        self.alert_cycles = 0
        self.settled: dict[str, Any] = {}
        self.last_new: list[dict[str, Any]] = []
        self.errors = 0

    def _error(self, what: str) -> None:
        with self._lock:
            self.errors += 1
        log.exception(what)

    def settle_once(self) -> dict[str, Any]:
        """One settle; an error is logged and counted (``errors``), never raised."""
        try:
            self.settled = self._settle(self.engine)
        except Exception:  # the loop must survive a bad cycle; the next one retries
            self._error("settling the live fixes failed")
        with self._lock:
            self.cycles += 1
        return self.settled

    def alerts_once(self) -> list[dict[str, Any]]:
        """One alert cycle: compute, store, post the new ones; returns the new alerts.

        New: not among the alerts stored the cycle before. An error is logged and counted.
        """
        fresh: list[dict[str, Any]] = []
        try:
            at = _now_ms()
            frame = self._alerts(self.engine)
            before = live_alerts.stored_alerts(self.engine)
            seen = (
                {alert_key(r) for r in before[1].to_dict("records")} if before is not None else ()
            )
            fresh, _keys = new_alerts(frame, seen)
            live_alerts.store_alerts(self.engine, frame, at_ms=at)
        except Exception:  # as above
            self._error("computing the live alerts failed")
        if fresh and self.webhook:
            self._post(self.webhook, fresh)
        self.last_new = fresh
        with self._lock:
            self.alert_cycles += 1
        return fresh

    def run_once(self) -> dict[str, Any]:
        """One settle, then one alert cycle: ``{"settled": ..., "new_alerts": [...]}``."""
        settled = self.settle_once()
        return {"settled": settled, "new_alerts": self.alerts_once()}

    def _loop(self, step: Callable[[], object], every_s: float) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            step()
            self._stop.wait(max(0.0, every_s - (time.monotonic() - started)))

    def start(self) -> None:
        """Start both loops on daemon threads (the first cycles at once)."""
        if self._threads:
            return
        self._stop.clear()
        self._threads = [
            threading.Thread(
                target=self._loop, args=(self.settle_once, self.every_s), name="qy-settle"
            ),
            threading.Thread(
                target=self._loop, args=(self.alerts_once, self.alerts_s), name="qy-alerts"
            ),
        ]
        for t in self._threads:
            t.daemon = True
            t.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the loops to stop and wait for the cycles in progress (at most ``timeout_s``)."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = []

    @property
    def running(self) -> bool:
        """True while a loop's thread is alive."""
        return any(t.is_alive() for t in self._threads)

    def status(self) -> dict[str, Any]:
        """The counters as JSON-ready values (pid, cycles, alert cycles, errors, last settle)."""
        return {
            "pid": os.getpid(),
            "cycles": self.cycles,
            "alert_cycles": self.alert_cycles,
            "errors": self.errors,
            "settled": self.settled,
            "beat_ms": _now_ms(),
        }


def run_worker(
    engine: sa.Engine,
    *,
    every_s: float,
    alerts_s: float,
    webhook: str | None = None,
    parent_pid: int | None = None,
) -> dict[str, Any]:
    """Run :class:`LiveWorker` in this process until SIGTERM or SIGINT, or the parent is gone.

    The worker's status is stored after every alert cycle (``geo.store.live.worker_status``).
    Returns the final status.
    """
    worker = LiveWorker(engine, every_s=every_s, alerts_s=alerts_s, webhook=webhook)
    done = threading.Event()

    def _stop(_sig: int, _frame: object) -> None:
        done.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    worker.start()
    try:
        while not done.wait(min(1.0, alerts_s)):
            if parent_pid is not None and os.getppid() != parent_pid:
                log.warning("the server that started this worker is gone: stopping")
                break
            with contextlib.suppress(Exception):
                live_alerts.save_worker_status(engine, worker.status())
    finally:
        worker.stop()
    status = worker.status()
    with contextlib.suppress(Exception):
        live_alerts.save_worker_status(engine, status)
    return status


class WorkerProcess:
    """``python -m geo serve --worker-only`` on the store at ``url``: started, stopped, watched.

    The child inherits the environment; it stops on :meth:`stop` (SIGTERM, then a kill after
    ``timeout_s``) and by itself when this process is gone.
    """

    def __init__(
        self, url: str, *, every_s: float, alerts_s: float, log_level: str = "warning"
    ) -> None:
        self.url = url
        self.every_s = float(every_s)
        self.alerts_s = float(alerts_s)
        self.log_level = log_level
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The worker's command line."""
        return [
            sys.executable,
            "-m",
            "geo",
            "serve",
            "--worker-only",
            "--db",
            self.url,
            "--settle",
            f"{self.every_s:g}",
            "--alerts",
            f"{self.alerts_s:g}",
            "--parent",
            str(os.getpid()),
            "--log-level",
            self.log_level,
        ]

    def start(self) -> None:
        """Start the worker process (stdout dropped, stderr the server's)."""
        if self.proc is not None:
            return
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """Stop the worker (SIGTERM; a kill after ``timeout_s``); its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        code = self.proc.returncode
        self.proc = None
        return code

    @property
    def running(self) -> bool:
        """True while the worker process lives."""
        return self.proc is not None and self.proc.poll() is None
