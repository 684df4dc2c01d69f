"""Aggregate privacy: what a role that may see no track receives of the patrol coverage.

A viewer may see where patrols were, never the route they took. Per-cell coverage with the time
of the last visit to the second, at resolution 10, for one night and one unit kind is a route in
disguise: sorting the cells by their last visit lists the track's cells in order. So a private
reader's cells are coarsened before they leave the store:

- a cell patrolled by fewer than :data:`MIN_SHIFTS` distinct shifts in what was asked (period,
  night window, unit kinds) is left out, as if unpatrolled (k-anonymity of shifts per cell);
- the last visit of a cell is the date of its night (local midnight of the date the night starts
  on), never a time of day, so no order within a night can be read.

Dwell minutes, nights and stops of the cells that remain are sums over at least that many shifts.
The rule is the store's: it is applied to every reader the store calls private (a viewer; other
roles by ``QY_PRIVATE_ROLES``), on every page, command, export and report that reads coverage.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["MIN_SHIFTS", "night_date", "private_cells"]

MIN_SHIFTS = 3
"""Distinct shifts a cell needs in a private reader's coverage before it is shown."""


def night_date(ts: pd.Series, night_end_hour: int) -> pd.Series:
    """The local midnight of the date each time's night starts on (tz-aware, same zone).

    A time before the night's end hour belongs to the night that started the day before.

    >>> t = pd.Series(pd.to_datetime(["2022-10-31 23:10", "2022-11-01 02:40"])).dt.tz_localize(
    ...     "Asia/Shanghai"
    ... )
    >>> night_date(t, 6).dt.strftime("%Y-%m-%d %H:%M").tolist()
    ['2022-10-31 00:00', '2022-10-31 00:00']
    """
    before = ts.dt.hour < night_end_hour
    day = ts.dt.normalize()
    return day.where(~before, day - pd.Timedelta(days=1))


def private_cells(
    cells: pd.DataFrame, shifts: pd.Series, *, night_end_hour: int, min_shifts: int = MIN_SHIFTS
) -> pd.DataFrame:
    """Coverage cells as a private reader receives them.

    Parameters
    ----------
    cells
        Coverage per cell (``cell``, ``last_visit`` tz-aware, and any sums), as the store reads it.
    shifts
        Distinct shifts per cell (index: cell) over the same period, window and unit kinds.
    night_end_hour
        The night window's end hour (local), to date a last visit after midnight.
    min_shifts
        Cells with fewer distinct shifts are left out.

    Returns
    -------
    DataFrame
        The cells with at least ``min_shifts`` shifts, ``last_visit`` the date of its night.
    """
    n = cells["cell"].map(shifts).fillna(0)
    out = cells.loc[n.to_numpy() >= min_shifts].reset_index(drop=True)
    if "last_visit" in out and len(out):
        out["last_visit"] = night_date(out["last_visit"], night_end_hour)
    return out
