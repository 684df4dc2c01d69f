"""Periods, nights and resolutions: the one definition of each, shared by every room.

A *period* is a run of local calendar dates ``start``..``end`` (``YYYY-MM-DD``, both inclusive).
A *night* belongs to the local date it starts on (20:00 Saturday to 06:00 Sunday is Saturday's
night); the *night window* ``HH:MM-HH:MM`` (default :data:`DEFAULT_NIGHT`) bounds it. A shift
belongs to the night of ``start - NIGHT_SHIFT_H`` hours (a shift starting at 01:00 Sunday is
Saturday night's). Coverage and analyses are served at the H3 resolutions :data:`RESOLUTIONS`
(:data:`DEFAULT_RES` by default); located records are stored with their cell at
:data:`ROLLUP_RES`.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from geo.config import DEFAULT_NIGHT, get_settings

__all__ = [
    "DEFAULT_NIGHT",
    "DEFAULT_RES",
    "NIGHT_SHIFT_H",
    "RESOLUTIONS",
    "ROLLUP_RES",
    "epoch_ms_bounds",
    "local_dates",
    "night_date",
    "parse_night",
    "parse_window",
    "period_dates",
    "period_instants",
    "previous_period",
    "rollup_days",
    "shift_night",
    "window_bounds",
]

RESOLUTIONS = (7, 8, 9, 10)
"""H3 resolutions the app, the command line and the exports offer."""
DEFAULT_RES = 9
"""The default analysis resolution (about 0.1 km2, the 150 m boxes of hotspot policing)."""
ROLLUP_RES = 10
"""Resolution of the cell stored with every located record (the pre-filter of scoped reads)."""
NIGHT_SHIFT_H = 6
"""A shift's night date is the local date of its start minus this many hours."""

_NIGHT_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_night(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` in whole hours -> ``(start_hour, end_hour)``.

    >>> parse_night("20:00-06:00")
    (20, 6)
    """
    m = _NIGHT_RE.match(text or "")
    if not m:
        msg = f"night window must look like 20:00-06:00, got {text!r}"
        raise ValueError(msg)
    h0, m0, h1, m1 = (int(x) for x in m.groups())
    if m0 or m1:
        msg = f"night window must use whole hours, got {text!r}"
        raise ValueError(msg)
    if h1 == 24:
        h1 = 0
    if not (0 <= h0 <= 23 and 0 <= h1 <= 23):
        msg = f"night window hours must be 00..23, got {text!r}"
        raise ValueError(msg)
    if h0 == h1:
        msg = f"night window must not be empty or a whole day, got {text!r}; use night=None"
        raise ValueError(msg)
    return h0, h1


def night_date(ts_local: pd.Series | pd.DatetimeIndex, night_end_hour: int) -> pd.Series:
    """Date of the night each local instant belongs to (a night belongs to the date it starts on).

    Instants before ``night_end_hour`` o'clock belong to the previous date's night. Returns naive
    midnights (``datetime64[ns]``).

    >>> ts = pd.Series(pd.to_datetime(["2024-06-01 22:00", "2024-06-02 03:00", "2024-06-02 07:00"]))
    >>> night_date(ts, 6).dt.strftime("%Y-%m-%d").tolist()
    ['2024-06-01', '2024-06-01', '2024-06-02']
    """
    s = pd.Series(ts_local)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    return (s - pd.Timedelta(hours=int(night_end_hour))).dt.normalize()


def shift_night(start: pd.Series, tz: str | None = None) -> pd.Series:
    """The night (local date, ``datetime.date``) each shift start belongs to.

    The local date of ``start - NIGHT_SHIFT_H`` hours in ``tz`` (default: the configured zone).

    >>> s = pd.Series(pd.to_datetime(["2022-07-02 01:00+08:00", "2022-07-02 20:00+08:00"]))
    >>> [d.isoformat() for d in shift_night(s, "Asia/Shanghai")]
    ['2022-07-01', '2022-07-02']
    """
    tz = tz or get_settings().tz
    local = start.dt.tz_convert(tz) if len(start) else start
    return (local - pd.Timedelta(hours=NIGHT_SHIFT_H)).dt.date


def period_dates(start: str, end: str) -> tuple[dt.date, dt.date]:
    """Local dates ``start``..``end`` (YYYY-MM-DD) as dates; ValueError when end is before start.

    >>> period_dates("2022-07-01", "2022-07-31")
    (datetime.date(2022, 7, 1), datetime.date(2022, 7, 31))
    """
    lo, hi = dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
    if hi < lo:
        msg = f"period end {end} is before its start {start}"
        raise ValueError(msg)
    return lo, hi


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of the same length just before ``start``..``end``.

    >>> previous_period("2022-07-08", "2022-07-14")
    ('2022-07-01', '2022-07-07')
    """
    lo, hi = period_dates(start, end)
    days = (hi - lo).days + 1
    return ((lo - dt.timedelta(days=days)).isoformat(), (lo - dt.timedelta(days=1)).isoformat())


def period_instants(
    start: str, end: str, tz: str | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start 00:00, end + 1 day 00:00)`` as tz-aware local instants.

    ValueError when the end is before the start.

    >>> period_instants("2022-07-01", "2022-07-01", "Asia/Shanghai")[1].isoformat()
    '2022-07-02T00:00:00+08:00'
    """
    tz = tz or get_settings().tz
    lo = pd.Timestamp(dt.date.fromisoformat(start), tz=tz)
    hi = pd.Timestamp(dt.date.fromisoformat(end) + dt.timedelta(days=1), tz=tz)
    if hi <= lo:
        msg = f"period end {end} is before its start {start}"
        raise ValueError(msg)
    return lo, hi


def local_dates(ts: pd.Series, tz: str) -> pd.Series:
    """Local calendar dates (``datetime.date``) of tz-aware instants."""
    return ts.dt.tz_convert(tz).dt.date if len(ts) else pd.Series(dtype=object)


def rollup_days(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Calendar dates of the rollup rows a period of nights needs: ``start`` .. ``end + 1``.

    Night hours after midnight sit on the next calendar date. None stays open.

    >>> rollup_days("2022-07-01", "2022-07-31")
    (datetime.date(2022, 7, 1), datetime.date(2022, 8, 1))
    """
    lo = pd.Timestamp(start).date() if start else None
    hi = (pd.Timestamp(end) + pd.Timedelta(days=1)).date() if end else None
    return lo, hi


def epoch_ms_bounds(start: str | None, end: str | None, tz: str) -> tuple[int | None, int | None]:
    """``[start, end + 1 day)`` of local dates as UTC epoch milliseconds (None stays open).

    >>> epoch_ms_bounds("2022-07-01", None, "UTC")
    (1656633600000, None)
    """
    lo = hi = None
    if start:
        lo = int(pd.Timestamp(start, tz=tz).value // 1_000_000)
    if end:
        hi = int((pd.Timestamp(end, tz=tz) + pd.Timedelta(days=1)).value // 1_000_000)
    return lo, hi


def parse_window(text: str) -> tuple[dt.time, dt.time]:
    """``"HH:MM-HH:MM"`` -> (start, end) local times; the end may be after midnight.

    >>> parse_window("19:30-02:00")
    (datetime.time(19, 30), datetime.time(2, 0))
    """
    try:
        a, b = (s.strip() for s in str(text).split("-"))
        t0, t1 = dt.time.fromisoformat(a), dt.time.fromisoformat(b)
    except ValueError:
        msg = f"shift window must look like 20:00-06:00, got {text!r}"
        raise ValueError(msg) from None
    if t0 == t1:
        msg = f"shift window must not be empty, got {text!r}"
        raise ValueError(msg)
    return t0, t1


def window_bounds(
    night: str, window: str = DEFAULT_NIGHT, tz: str | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local start and end instants of the shift window of ``night`` (the date it starts on).

    >>> [t.isoformat() for t in window_bounds("2022-07-15", "20:00-06:00", "Asia/Shanghai")]
    ['2022-07-15T20:00:00+08:00', '2022-07-16T06:00:00+08:00']
    """
    tz = tz or get_settings().tz
    d = dt.date.fromisoformat(night)
    t0, t1 = parse_window(window)
    start = pd.Timestamp(dt.datetime.combine(d, t0), tz=tz)
    end_day = d + dt.timedelta(days=1) if t1 <= t0 else d
    return start, pd.Timestamp(dt.datetime.combine(end_day, t1), tz=tz)
