"""Period key figures: the numbers a campaign report quotes, from canonical frames.

The figures are counted from raw rows (never from rollups, so that they match a hand count),
except the night patrol hours, which are the GPS tracks' dwell:

- ``incidents``: incidents whose local date is in the period;
- ``shifts``, ``police_aux`` (sum of police + auxiliaries), ``volunteers``, ``people_checked``:
  over shifts whose *night date* is in the period. A shift's night date is the local date of
  ``start - 6 h`` (a shift starting 01:00 Sunday belongs to Saturday's night);
- ``night_patrol_h``, night patrol hours (:func:`night_patrol_hours`): the unit-hours patrol
  units' GPS tracks spent inside the area during the night window of the period's nights (the
  dwell of the coverage rollups at :data:`NIGHT_PATROL_RES`, summed over the cells whose centre
  lies in the area). Two units in one place count twice; gaps over 5 minutes and GPS jumps do
  not count; it does not depend on the map's resolution. The Overview, the Coverage page, the
  briefing and the CLI show this one number (the Coverage page for its chosen unit kinds);
- ``venues_inspected``: distinct venues with an inspection dated in the period;
- ``site_patrols``: key-site check-ins dated in the period;
- ``hazards_found``: hazards found in the period; ``hazards_rectified``: of those, the ones
  rectified by the end of the period; ``hazards_open``: hazards found by the end of the period
  and not rectified then (open or rectifying, any found date): the definitions of
  :mod:`geo.domain.hazards`.

:func:`figures_from_frames` is the pure core (canonical frames in, figures out);
:func:`geo.services.overview.period_figures` reads the rows through the user's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo.config import get_settings
from geo.domain import hazards
from geo.domain.period import ROLLUP_RES, local_dates, period_dates, shift_night

__all__ = [
    "FIGURES",
    "NIGHT_PATROL_RES",
    "figures_from_frames",
    "night_patrol_hours",
    "shift_hours",
]

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

NIGHT_PATROL_RES = ROLLUP_RES
"""H3 resolution whose cells decide what lies in an area for the night patrol hours."""


def night_patrol_hours(dwell_s: Any) -> float:
    """Night patrol hours from per-cell night dwell seconds: their sum in hours, one decimal.

    Parameters
    ----------
    dwell_s
        Dwell seconds (per cell, or any split) of the period's nights in the night window.

    Returns
    -------
    Unit-hours, rounded to 0.1 h.

    Examples
    --------
    >>> night_patrol_hours([1800.0, 3600.0, 360.0])
    1.6
    """
    total = float(np.nansum(np.asarray(dwell_s, dtype=float))) if np.size(dwell_s) else 0.0
    return round(total / 3600.0, 1)


def shift_hours(shifts: pd.DataFrame) -> float:
    """Rostered hours of whole shifts (end - start, summed), one decimal.

    Parameters
    ----------
    shifts
        Shift rows with tz-aware ``start`` and ``end``.

    Returns
    -------
    Hours on duty by the roster (not the GPS tracks), rounded to 0.1 h.
    """
    if shifts.empty:
        return 0.0
    secs = (shifts["end"] - shifts["start"]).dt.total_seconds().clip(lower=0).sum()
    return round(float(secs) / 3600.0, 1)


def figures_from_frames(
    frames: Mapping[str, pd.DataFrame], start: str, end: str
) -> dict[str, int | float]:
    """Key figures of a period from canonical frames (see the module docstring).

    Parameters
    ----------
    frames
        Canonical frames by kind: ``shifts``, ``incidents``, ``inspections``, ``site_checks``,
        ``hazards`` (missing kinds count as empty; rows outside the period are ignored), and
        ``night_coverage``: the per-cell night dwell (``dwell_s``) of this period's nights at
        :data:`NIGHT_PATROL_RES` inside the area (missing: no night patrol).
    start, end
        Local dates (YYYY-MM-DD), inclusive.

    Returns
    -------
    dict of :data:`FIGURES`.

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
        sh = sh.loc[((nights >= lo) & (nights <= hi)).to_numpy()]

    def total(col: str) -> int:
        return int(pd.to_numeric(sh[col]).fillna(0).sum()) if not sh.empty else 0

    out["shifts"] = len(sh)
    out["police_aux"] = total("police") + total("auxiliaries")
    out["volunteers"] = total("volunteers")
    out["people_checked"] = total("people_checked")
    cov = frame("night_coverage")
    out["night_patrol_h"] = night_patrol_hours(cov["dwell_s"]) if not cov.empty else 0.0
    ins = in_period(frame("inspections"), "ts")
    out["venues_inspected"] = int(ins["venue_id"].nunique()) if not ins.empty else 0
    out["site_patrols"] = len(in_period(frame("site_checks"), "ts"))
    hz = frame("hazards")
    if hz.empty:
        out.update(hazards_found=0, hazards_rectified=0, hazards_open=0)
        return out
    # the definitions of geo.domain.hazards (hazard_board counts the same)
    found_at = hz["found_at"]
    found = ((found_at >= pd.Timestamp(lo, tz=tz)) & (found_at < end_ts)).to_numpy()
    rect_at = hz["rectified_at"]
    rect_by_end = (hz["status"].eq("rectified") & rect_at.notna() & (rect_at < end_ts)).to_numpy()
    known = (found_at < end_ts).to_numpy()
    not_rectified = ~hazards.status_at(hz, end_ts).eq("rectified").to_numpy()
    out["hazards_found"] = int(found.sum())
    out["hazards_rectified"] = int((found & rect_by_end).sum())
    out["hazards_open"] = int((known & not_rectified).sum())
    return out
