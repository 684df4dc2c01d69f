"""Replay a stored night: send its GPS fixes to the live server as the devices would.

``python -m geo replay --night D`` (``cli/replay.py``) reads the pings of the shifts on duty in
the night's window, creates one device token per unit (label ``replay D``), and posts the fixes to
``POST /api/v1/positions`` the way terminals do: per unit, one batch for the fixes of each 5-second
slice of fix time, paced at ``speed`` times real time; a fraction of the batches held back and
sent a few simulated minutes late, and the fixes of some batches out of order. The tokens are
revoked at the end, whatever happens.

Times: fix times are UTC epoch milliseconds. With ``shift`` every fix moves by one constant
(:func:`now_shift_ms`) so that the night plays as tonight and no fix is sent before it is made;
without it the fixes keep their stored times (a store that already holds the night's pings would
then hold the same tracks twice once the server settles them: keep times only for a server on
another store).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import random
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain.period import window_bounds
from geo.services import tokens

_T = TypeVar("_T")

__all__ = [
    "LATE_S",
    "SLICE_S",
    "Batch",
    "ReplayResult",
    "night_fixes",
    "now_shift_ms",
    "plan_batches",
    "replay",
    "send_batches",
]

SLICE_S = 5.0
"""Seconds of fix time a device collects into one batch."""
LATE_S = (120.0, 300.0)
"""A late batch is sent this many simulated seconds (uniform) after its slice ends."""
SHUFFLED = 0.2
"""Share of the batches of two or more fixes whose fixes are sent out of order."""
LEAD_S = 60.0
"""With a shift, the night's last fix lands this many seconds before it is sent."""
MAX_RETRIES = 20
"""A batch refused for the rate limit (429) is sent again at most this many times."""


@dataclass(frozen=True)
class Batch:
    """One request of one device.

    ``send_s``: simulated seconds after the night's first fix at which it is sent; ``fixes``: the
    JSON fixes (``unit_id``, ``time`` in UTC epoch ms, ``lat``, ``lng`` WGS-84, ``speed`` km/h and
    ``accuracy`` m when stored).
    """

    unit_id: str
    send_s: float
    fixes: list[dict[str, Any]]
    late: bool = False
    shuffled: bool = False


@dataclass
class ReplayResult:
    """What the server answered: fixes sent, accepted, duplicates, rejected; batches sent."""

    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    late_batches: int = 0
    retries: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """The counts as a JSON-ready dict (reasons as ``reason: count``)."""
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "batches": self.batches,
            "late_batches": self.late_batches,
            "retries": self.retries,
        }


def night_fixes(
    engine: sa.Engine,
    night: str,
    *,
    units: Sequence[str] | None = None,
    window: str | None = None,
) -> pd.DataFrame:
    """The stored pings of the shifts on duty in ``night``'s window (starting before it too).

    Parameters
    ----------
    night
        The night, as the local date it starts on (``YYYY-MM-DD``).
    units
        Only these units (None: every unit); an id with no shift that night is a ValueError.
    window
        The night window ``HH:MM-HH:MM`` (default: the configured night).

    Returns
    -------
    DataFrame ``unit_id, shift_id, ts_ms`` (UTC epoch ms), ``lat, lng`` (WGS-84), ``speed``
    (km/h), ``accuracy`` (m), sorted by unit and time. Read unscoped: the replay runs on the
    server, as the devices' own fixes.
    """
    settings = get_settings()
    lo, hi = window_bounds(night, window or settings.night, settings.tz)
    day_after = (dt.date.fromisoformat(night) + dt.timedelta(days=1)).isoformat()
    shifts = store.read(engine, "shifts", "all", start=night, end=day_after)
    # the shifts on duty in the window: a car out at 19:50 for the 20:00 night is of that night
    shifts = shifts[(shifts["start"] < hi) & (shifts["end"] > lo)]
    if units is not None:
        missing = sorted(set(units) - set(shifts["unit_id"].dropna()))
        if missing:
            msg = f"units: no shift on the night of {night} for {', '.join(missing)}"
            raise ValueError(msg)
        shifts = shifts[shifts["unit_id"].isin(list(units))]
    columns = ["unit_id", "shift_id", "ts_ms", "lat", "lng", "speed", "accuracy"]
    if shifts.empty:
        return pd.DataFrame(columns=columns)
    pings = store.read(
        engine,
        "pings",
        "all",
        columns=["shift_id", "unit_id", "ts", "lat", "lng", "speed", "accuracy"],
        where={"shift_id": sorted(shifts["shift_id"])},
    )
    unit_of = shifts.set_index("shift_id")["unit_id"]
    pings["unit_id"] = pings["unit_id"].fillna(pings["shift_id"].map(unit_of))
    pings["ts_ms"] = store.ts_to_ms(pings["ts"]).astype("int64")
    out = pings.dropna(subset=["unit_id", "lat", "lng"])[columns]
    return out.sort_values(["unit_id", "ts_ms"], kind="stable").reset_index(drop=True)


def now_shift_ms(first_ms: int, last_ms: int, *, now_ms: int, speed: float) -> int:
    """The constant (ms) that moves a night of fixes to the present without sending the future.

    At ``speed`` 1 the night's first fix lands one minute before ``now_ms`` and every fix is sent
    a minute after it is made. At ``speed`` S > 1 the fixes are sent S times faster than they
    were made, so a night that started a minute ago would soon be sending fixes from the future
    (which the server refuses beyond 5 minutes): the night is moved so that its last fix lands
    one minute before the replay sends it, ``span / S`` after ``now_ms``; every earlier fix is
    then older than the moment it is sent.

    >>> now_shift_ms(0, 3_600_000, now_ms=10_000_000, speed=1.0)
    9940000
    >>> now_shift_ms(0, 3_600_000, now_ms=10_000_000, speed=60.0)
    6400000
    """
    span_ms = last_ms - first_ms
    return int(now_ms - LEAD_S * 1000 - last_ms + round(span_ms / speed))


def _fix(row: Any, shift_ms: int) -> dict[str, Any]:
    fix: dict[str, Any] = {
        "unit_id": str(row.unit_id),
        "time": int(row.ts_ms) + shift_ms,
        "lat": round(float(row.lat), 7),
        "lng": round(float(row.lng), 7),
    }
    for name in ("speed", "accuracy"):
        value = getattr(row, name)
        if value is not None and not pd.isna(value):
            fix[name] = round(float(value), 2)
    return fix


def _run_apart(make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run the coroutine ``make()`` to its end, in a thread of its own when this one runs a loop.

    :func:`asyncio.run` refuses inside a running event loop (a caller inside one, such as a
    browser driver's sync API).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    out: dict[str, Any] = {}

    def work() -> None:
        try:
            out["value"] = asyncio.run(make())
        except BaseException as e:  # re-raised in the caller's thread
            out["error"] = e

    worker = threading.Thread(target=work, name="replay", daemon=True)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def plan_batches(
    fixes: pd.DataFrame,
    *,
    shift_ms: int = 0,
    late: float = 0.05,
    seed: int = 0,
    slice_s: float = SLICE_S,
) -> list[Batch]:
    """The devices' requests for ``fixes`` (:func:`night_fixes`), in the order they are sent.

    Each unit's fixes are grouped by ``slice_s``-second slice of fix time (counted from the
    night's first fix); a batch is sent when its slice ends. A share ``late`` of the batches
    (chosen at random with ``seed``) is sent :data:`LATE_S` simulated seconds later, and the fixes
    of :data:`SHUFFLED` of the batches of two or more fixes are shuffled. Fix times move by
    ``shift_ms`` milliseconds.
    """
    if not 0.0 <= late <= 1.0:
        msg = f"late: a share between 0 and 1, got {late}"
        raise ValueError(msg)
    if fixes.empty:
        return []
    rng = random.Random(seed)
    first = int(fixes["ts_ms"].min())
    slot = ((fixes["ts_ms"] - first) // int(slice_s * 1000)).astype("int64")
    out: list[Batch] = []
    for (unit_id, k), rows in fixes.groupby([fixes["unit_id"], slot], sort=True):
        body = [_fix(r, shift_ms) for r in rows.itertuples(index=False)]
        send_s = (int(k) + 1) * slice_s
        is_late = rng.random() < late
        if is_late:
            send_s += rng.uniform(*LATE_S)
        shuffled = len(body) > 1 and rng.random() < SHUFFLED
        if shuffled:
            rng.shuffle(body)
            if [f["time"] for f in body] == sorted(f["time"] for f in body):
                body.reverse()
        out.append(Batch(str(unit_id), send_s, body, is_late, shuffled))
    out.sort(key=lambda b: (b.send_s, b.unit_id))
    return out


async def _post(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    token: str,
    batch: Batch,
    result: ReplayResult,
    on_batch: Callable[[Batch, float], None] | None,
) -> None:
    """Send one batch, again when the server asks.

    Refused for the rate (429): again after ``Retry-After`` (waited outside the ``gate``); a
    kept-alive connection that fails: once more (the server may close an idle one as it is
    reused; a fix is idempotent).
    """
    failures = 0
    for _attempt in range(MAX_RETRIES + 1):
        try:
            async with gate:
                t0 = time.perf_counter()
                r = await client.post(
                    "/api/v1/positions",
                    json={"fixes": batch.fixes},
                    headers={"Authorization": f"Bearer {token}"},
                )
                took = time.perf_counter() - t0
        except httpx.TransportError as e:
            failures += 1
            if isinstance(e, httpx.ConnectError | httpx.TimeoutException) or failures > 1:
                msg = f"url: the server did not answer ({type(e).__name__}: {e})"
                raise ConnectionError(msg) from None
            continue
        if r.status_code == 429:
            result.retries += 1
            await asyncio.sleep(_retry_after(r))
            continue
        if on_batch is not None:
            on_batch(batch, took)
        _count(result, batch, r)
        return
    result.rejected += len(batch.fixes)
    result.reasons["rate_limited"] = result.reasons.get("rate_limited", 0) + len(batch.fixes)


def _retry_after(r: httpx.Response) -> float:
    try:
        return min(30.0, max(0.05, float(r.headers.get("Retry-After", "1"))))
    except ValueError:
        return 1.0


def _count(result: ReplayResult, batch: Batch, r: httpx.Response) -> None:
    """Add one answer to ``result`` (a refused request counts all its fixes rejected)."""
    result.batches += 1
    result.late_batches += int(batch.late)
    result.sent += len(batch.fixes)
    if r.status_code >= 400:
        if r.status_code in (401, 403):
            msg = (
                f"token: the server refused the device token of {batch.unit_id} "
                f"({r.status_code}); --db must be the server's store"
            )
            raise PermissionError(msg)
        result.rejected += len(batch.fixes)
        key = f"http_{r.status_code}"
        result.reasons[key] = result.reasons.get(key, 0) + len(batch.fixes)
        return
    body = r.json()
    result.accepted += int(body.get("accepted", 0))
    result.duplicates += int(body.get("duplicates", 0))
    rejected = body.get("rejected") or []
    result.rejected += len(rejected)
    for item in rejected:
        key = str(item.get("reason", "unknown"))
        result.reasons[key] = result.reasons.get(key, 0) + 1


async def send_batches(
    url: str,
    device_tokens: dict[str, str],
    batches: Sequence[Batch],
    *,
    speed: float = 60.0,
    concurrency: int = 32,
    transport: httpx.AsyncBaseTransport | None = None,
    on_batch: Callable[[Batch, float], None] | None = None,
) -> ReplayResult:
    """Post ``batches`` to the server at ``url``, each at ``send_s / speed`` real seconds.

    ``device_tokens`` maps a unit to its device token. At most ``concurrency`` requests are in
    flight; a request refused for the rate limit (429) waits its ``Retry-After`` and is sent
    again. ``on_batch(batch, seconds)`` is called with every answered request's latency.
    """
    if not speed > 0 or not math.isfinite(speed):
        msg = f"speed: a positive number, got {speed}"
        raise ValueError(msg)
    result = ReplayResult()
    gate = asyncio.Semaphore(concurrency)

    async def one(batch: Batch) -> None:
        await _post(client, gate, device_tokens[batch.unit_id], batch, result, on_batch)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, timeout=30.0, limits=limits, transport=transport
    ) as client:
        t0 = time.perf_counter()
        pending: list[asyncio.Task[None]] = []
        for batch in batches:
            wait = t0 + batch.send_s / speed - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            pending.append(asyncio.create_task(one(batch)))
            if len(pending) > 4 * concurrency:  # collect errors as we go
                done = [t for t in pending if t.done()]
                for t in done:
                    t.result()
                pending = [t for t in pending if not t.done()]
        await asyncio.gather(*pending)
    return result


def replay(
    engine: sa.Engine,
    night: str,
    *,
    url: str = "http://127.0.0.1:8600",
    speed: float = 60.0,
    shift: bool = True,
    now_ms: int | None = None,
    late: float = 0.05,
    units: Sequence[str] | None = None,
    seed: int = 0,
    by: str | None = "replay",
) -> dict[str, Any]:
    """Send ``night``'s stored fixes to the server at ``url`` as its devices would.

    ``engine`` must be the server's store (the device tokens are written there). With ``shift``
    the fixes move by :func:`now_shift_ms` from ``now_ms`` (default: the current time); the same
    ``now_ms`` twice sends the same fixes twice (the second time all duplicates). Returns the
    counts of :class:`ReplayResult` with ``units``, ``shift_ms``, ``first`` and ``last`` (the
    first and last fix time sent, ISO 8601 in the store's zone) and ``seconds`` (wall clock).
    """
    t0 = time.perf_counter()
    fixes = night_fixes(engine, night, units=units)
    if fixes.empty:
        msg = f"night: no stored GPS pings on the night of {night}"
        raise ValueError(msg)
    first, last = int(fixes["ts_ms"].min()), int(fixes["ts_ms"].max())
    shift_ms = 0
    if shift:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        shift_ms = now_shift_ms(first, last, now_ms=now_ms, speed=speed)
    batches = plan_batches(fixes, shift_ms=shift_ms, late=late, seed=seed)
    unit_ids = sorted(fixes["unit_id"].unique())
    issued: dict[str, tuple[str, str]] = {}
    try:
        for unit_id in unit_ids:
            issued[unit_id] = tokens.create_device_token(
                engine, unit_id, label=f"replay {night}", by=by
            )
        device_tokens = {u: tok for u, (_tid, tok) in issued.items()}
        result = _run_apart(lambda: send_batches(url, device_tokens, batches, speed=speed))
    finally:
        for token_id, _tok in issued.values():
            tokens.revoke_token(engine, token_id, by=by)
    tz = get_settings().tz
    return {
        **result.summary(),
        "reasons": result.reasons,
        "units": len(unit_ids),
        "shift_ms": shift_ms,
        "first": pd.Timestamp(first + shift_ms, unit="ms", tz="UTC").tz_convert(tz).isoformat(),
        "last": pd.Timestamp(last + shift_ms, unit="ms", tz="UTC").tz_convert(tz).isoformat(),
        "seconds": round(time.perf_counter() - t0, 1),
    }
