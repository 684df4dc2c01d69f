"""The server's background loop: settle the fixes that came in, and tell about new live alerts.

Every ``every_s`` seconds (``QY_LIVE_SETTLE_S``, default 15) :class:`LiveWorker` calls
:func:`geo.services.live.settle` (the fixes received since the last settle are cut into the
units' live shifts, their pings and coverage rollups written), then computes the live alerts of
the whole jurisdiction (:func:`geo.services.live_alerts.live_alerts`) and keeps those not seen
the time before: an alert is keyed by what it is, its unit and since when
(:func:`alert_key`). New alerts go to the webhook (``QY_ALERT_WEBHOOK``, an internal URL) as one
JSON POST (timeout 5 s; a failure is logged, never raised). The thread stops on :meth:`stop`
(the app's shutdown) within one ``every_s`` wait at most plus the cycle in progress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pandas as pd
import sqlalchemy as sa

from geo.api.geojson import records
from geo.services import live, live_alerts

__all__ = ["WEBHOOK_TIMEOUT_S", "LiveWorker", "alert_key", "new_alerts", "post_webhook"]

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_S = 5.0


def alert_key(row: dict[str, Any]) -> tuple[str, str, str]:
    """What identifies one live alert across cycles: (alert, unit_id, since as ISO text)."""
    since = row.get("since")
    if isinstance(since, pd.Timestamp):
        since = since.isoformat()
    return (str(row.get("alert")), str(row.get("unit_id")), str(since))


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


class LiveWorker:
    """The settle-and-alert loop on a daemon thread (:meth:`start`, :meth:`stop`, :meth:`run_once`).

    ``settle`` and ``alerts`` default to the live services; ``webhook`` is the URL new alerts
    are posted to (None: no webhook).
    """

    def __init__(
        self,
        engine: sa.Engine,
        *,
        every_s: float,
        webhook: str | None = None,
        settle: Callable[[sa.Engine], dict[str, Any]] | None = None,
        alerts: Callable[[sa.Engine], pd.DataFrame] | None = None,
        post: Callable[[str, list[dict[str, Any]]], bool] = post_webhook,
    ) -> None:
        self.engine = engine
        self.every_s = float(every_s)
        self.webhook = webhook or None
        self._settle = settle or (lambda eng: live.settle(eng))
        self._alerts = alerts or (lambda eng: live_alerts.live_alerts(eng, "all"))
        self._post = post
        self._seen: set[tuple[str, str, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cycles = 0
        self.settled: dict[str, Any] = {}
        self.last_new: list[dict[str, Any]] = []
        self.errors = 0

    def run_once(self) -> dict[str, Any]:
        """One cycle: settle, then the new alerts (posted to the webhook when one is set).

        Returns ``{"settled": ..., "new_alerts": [...]}``; an error in either step is logged
        and counted (``errors``), and the other step still runs.
        """
        try:
            self.settled = self._settle(self.engine)
        except Exception:  # the loop must survive a bad cycle; the next one retries
            self.errors += 1
            log.exception("settling the live fixes failed")
        fresh: list[dict[str, Any]] = []
        try:
            frame = self._alerts(self.engine)
            fresh, self._seen = new_alerts(frame, self._seen)
        except Exception:  # as above
            self.errors += 1
            log.exception("computing the live alerts failed")
        if fresh and self.webhook:
            self._post(self.webhook, fresh)
        self.last_new = fresh
        self.cycles += 1
        return {"settled": self.settled, "new_alerts": fresh}

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.run_once()
            self._stop.wait(max(0.0, self.every_s - (time.monotonic() - started)))

    def start(self) -> None:
        """Start the loop on a daemon thread (the first cycle at once)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="qy-live-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask the loop to stop and wait for the cycle in progress (at most ``timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    @property
    def running(self) -> bool:
        """True while the loop's thread is alive."""
        return self._thread is not None and self._thread.is_alive()
