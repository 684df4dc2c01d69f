"""Period key figures: the numbers a campaign report quotes, from canonical frames.

The figures are computed from raw rows, never from rollups, so that they match a hand count:

- ``incidents``: incidents whose local date is in the period;
- ``shifts``, ``police_aux`` (sum of police + auxiliaries), ``volunteers``, ``people_checked``,
  ``night_patrol_h``: over shifts whose *night date* is in the period. A shift's night date is
  the local date of ``start - 6 h`` (a shift starting 01:00 Sunday belongs to Saturday's night).
  ``night_patrol_h`` is the shift time (hours) inside the night window of that night;
- ``venues_inspected``: distinct venues with an inspection dated in the period;
- ``site_patrols``: key-site check-ins dated in the period;
- ``hazards_found``: hazards found in the period; ``hazards_rectified``: of those, the ones with
  status rectified and a ``rectified_at`` on or before the period's last day; ``hazards_open``:
  hazards found by the end of the period and not rectified by then (any found date).

:func:`figures_from_frames` is the pure core (canonical frames in, figures out);
:func:`geo.services.overview.period_figures` reads the rows through the user's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from geo.config import get_settings
from geo.domain.period import (
    DEFAULT_NIGHT,
    local_dates,
    parse_night,
    period_dates,
    shift_night,
)

__all__ = ["FIGURES", "figures_from_frames"]

# Figure keys in display order.
FIGURES = (
    "incidents",
    "shifts",
    "police_aux",
    "volunteers",
    "people_checked",
    "night_patrol_h",
    "venues_inspected",
    "site_patrols",
    "hazards_found",
    "hazards_rectified",
    "hazards_open",
)


def _night_hours(shifts: pd.DataFrame, nights: pd.Series, night: str | None, tz: str) -> float:
    """Shift hours inside each shift's night window (whole shift with ``night`` None)."""
    if shifts.empty:
        return 0.0
    s = shifts["start"].dt.tz_convert(tz)
    e = shifts["end"].dt.tz_convert(tz)
    if night is None:
        return float(((e - s).dt.total_seconds().clip(lower=0)).sum() / 3600.0)
    h0, h1 = parse_night(night)
    base = pd.to_datetime(pd.Series(nights.to_numpy(), index=shifts.index)).dt.tz_localize(tz)
    w0 = base + pd.to_timedelta(h0, unit="h")
    w1 = base + pd.to_timedelta(h1 + (24 if h1 <= h0 else 0), unit="h")
    lo = pd.concat([s, w0], axis=1).max(axis=1)
    hi = pd.concat([e, w1], axis=1).min(axis=1)
    return float((hi - lo).dt.total_seconds().clip(lower=0).sum() / 3600.0)


def figures_from_frames(
    frames: Mapping[str, pd.DataFrame], start: str, end: str, *, night: str | None = DEFAULT_NIGHT
) -> dict[str, int | float]:
    """Key figures of a period from canonical frames (see the module docstring).

    Parameters
    ----------
    frames
        Canonical frames by kind: ``shifts``, ``incidents``, ``inspections``, ``site_checks``,
        ``hazards`` (missing kinds count as empty). Extra rows outside the period are ignored.
    start, end
        Local dates (YYYY-MM-DD), inclusive.
    night
        Night window of ``night_patrol_h`` (``HH:MM-HH:MM``), or None for whole shifts.

    Examples
    --------
    >>> figures_from_frames({}, "2022-07-01", "2022-07-31")["incidents"]
    0
    """
    tz = get_settings().tz
    lo, hi = period_dates(start, end)
    end_ts = pd.Timestamp(hi + dt.timedelta(days=1), tz=tz)

    def frame(kind: str) -> pd.DataFrame:
        f = frames.get(kind)
        return f if f is not None else pd.DataFrame()

    def in_period(f: pd.DataFrame, col: str) -> pd.DataFrame:
        if f.empty:
            return f
        d = local_dates(f[col], tz)
        return f.loc[((d >= lo) & (d <= hi)).to_numpy()]

    out: dict[str, int | float] = {}
    out["incidents"] = len(in_period(frame("incidents"), "ts"))
    sh = frame("shifts")
    if not sh.empty:
        nights = shift_night(sh["start"], tz)
        keep = ((nights >= lo) & (nights <= hi)).to_numpy()
        sh, nights = sh.loc[keep], nights.loc[keep]
    else:
        nights = pd.Series(dtype=object)

    def total(col: str) -> int:
        return int(pd.to_numeric(sh[col]).fillna(0).sum()) if not sh.empty else 0

    out["shifts"] = len(sh)
    out["police_aux"] = total("police") + total("auxiliaries")
    out["volunteers"] = total("volunteers")
    out["people_checked"] = total("people_checked")
    out["night_patrol_h"] = round(_night_hours(sh, nights, night, tz), 1)
    ins = in_period(frame("inspections"), "ts")
    out["venues_inspected"] = int(ins["venue_id"].nunique()) if not ins.empty else 0
    out["site_patrols"] = len(in_period(frame("site_checks"), "ts"))
    hz = frame("hazards")
    if hz.empty:
        out.update(hazards_found=0, hazards_rectified=0, hazards_open=0)
        return out
    found_d = local_dates(hz["found_at"], tz)
    found = ((found_d >= lo) & (found_d <= hi)).to_numpy()
    rect_at = hz["rectified_at"]
    is_rect = hz["status"].eq("rectified").to_numpy()
    rect_by_end = is_rect & (rect_at.notna() & (rect_at < end_ts)).to_numpy()
    # a hazard marked rectified without a date counts as not open, but not in the period's figure
    closed_by_end = is_rect & (rect_at.isna() | (rect_at < end_ts)).to_numpy()
    out["hazards_found"] = int(found.sum())
    out["hazards_rectified"] = int((found & rect_by_end).sum())
    out["hazards_open"] = int(((hz["found_at"] < end_ts).to_numpy() & ~closed_by_end).sum())
    return out
