"""Period key figures (the numbers a campaign report quotes) and patrol-night reads for pages.

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
:func:`period_figures` and :func:`compare` read the rows through the user's scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo import analysis, coverage, store
from geo.config import get_settings

__all__ = ["FIGURES", "NIGHT_SHIFT_H", "compare", "figures_from_frames", "night_date",
           "night_tracks", "period_figures", "previous_period", "shifts_of_night",
           "track_breaks"]

# A shift's night date is the local date of (start - NIGHT_SHIFT_H hours).
NIGHT_SHIFT_H = 6

# Figure keys in display order.
FIGURES = ("incidents", "shifts", "police_aux", "volunteers", "people_checked", "night_patrol_h",
           "venues_inspected", "site_patrols", "hazards_found", "hazards_rectified",
           "hazards_open")


def night_date(start: pd.Series) -> pd.Series:
    """The night (local date, ``datetime.date``) each shift start belongs to."""
    tz = get_settings().tz
    local = start.dt.tz_convert(tz) if len(start) else start
    return (local - pd.Timedelta(hours=NIGHT_SHIFT_H)).dt.date


def period_dates(start: str, end: str) -> tuple[dt.date, dt.date]:
    """Local dates ``start``..``end`` (YYYY-MM-DD) as dates; ValueError when end is before start."""
    lo, hi = dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
    if hi < lo:
        msg = f"period end {end} is before its start {start}"
        raise ValueError(msg)
    return lo, hi


def _local_dates(ts: pd.Series, tz: str) -> pd.Series:
    return ts.dt.tz_convert(tz).dt.date if len(ts) else pd.Series(dtype=object)


def _night_hours(shifts: pd.DataFrame, nights: pd.Series, night: str | None, tz: str) -> float:
    """Shift hours inside each shift's night window (whole shift with ``night`` None)."""
    if shifts.empty:
        return 0.0
    s = shifts["start"].dt.tz_convert(tz)
    e = shifts["end"].dt.tz_convert(tz)
    if night is None:
        return float(((e - s).dt.total_seconds().clip(lower=0)).sum() / 3600.0)
    h0, h1 = coverage.parse_night(night)
    base = pd.to_datetime(pd.Series(nights.to_numpy(), index=shifts.index)).dt.tz_localize(tz)
    w0 = base + pd.to_timedelta(h0, unit="h")
    w1 = base + pd.to_timedelta(h1 + (24 if h1 <= h0 else 0), unit="h")
    lo = pd.concat([s, w0], axis=1).max(axis=1)
    hi = pd.concat([e, w1], axis=1).min(axis=1)
    return float((hi - lo).dt.total_seconds().clip(lower=0).sum() / 3600.0)


def figures_from_frames(frames: Mapping[str, pd.DataFrame], start: str, end: str, *,
                        night: str | None = "20:00-06:00") -> dict[str, int | float]:
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
        d = _local_dates(f[col], tz)
        return f.loc[((d >= lo) & (d <= hi)).to_numpy()]

    out: dict[str, int | float] = {}
    out["incidents"] = len(in_period(frame("incidents"), "ts"))
    sh = frame("shifts")
    if not sh.empty:
        nights = night_date(sh["start"])
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
    found_d = _local_dates(hz["found_at"], tz)
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


def _read_scope(engine: sa.Engine, scope: store.Reader, area: str | None) -> store.Reader:
    return analysis.narrowed(engine, scope, area)  # a principal keeps its row rules


def period_figures(engine: sa.Engine, scope: store.Reader, start: str, end: str,
                   area: str | None = None, *,
                   night: str | None = "20:00-06:00") -> dict[str, int | float]:
    """Key figures of the period ``start``..``end`` (local dates, inclusive) in the scope.

    Keys are :data:`FIGURES`; see the module docstring for each definition.
    """
    lo, hi = period_dates(start, end)
    sc = _read_scope(engine, store.figures_scope(scope), area)  # figures only
    nxt = (hi + dt.timedelta(days=1)).isoformat()
    frames = {
        "incidents": store.read(engine, "incidents", sc, start=start, end=end,
                                columns=["incident_id", "ts", "lat", "lng"]),
        # a night's shift may start after midnight of the next calendar date
        "shifts": store.read(engine, "shifts", sc, start=start, end=nxt,
                             columns=["shift_id", "start", "end", "police", "auxiliaries",
                                      "volunteers", "people_checked"]),
        "inspections": store.read(engine, "inspections", sc, start=start, end=end,
                                  columns=["venue_id", "ts"]),
        "site_checks": store.read(engine, "site_checks", sc, start=start, end=end,
                                  columns=["site_id", "ts"]),
        "hazards": store.read(engine, "hazards", sc, end=end,
                              columns=["hazard_id", "found_at", "status", "rectified_at", "lat",
                                       "lng"]),
    }
    return figures_from_frames(frames, lo.isoformat(), hi.isoformat(), night=night)


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of the same length just before ``start``..``end``.

    >>> previous_period("2022-07-08", "2022-07-14")
    ('2022-07-01', '2022-07-07')
    """
    lo, hi = period_dates(start, end)
    days = (hi - lo).days + 1
    return ((lo - dt.timedelta(days=days)).isoformat(), (lo - dt.timedelta(days=1)).isoformat())


def compare(engine: sa.Engine, scope: store.Reader, start: str, end: str,
            area: str | None = None, *, night: str | None = "20:00-06:00") -> pd.DataFrame:
    """Figures of the period against the previous period of the same length.

    Returns
    -------
    DataFrame: figure (a :data:`FIGURES` key), value, previous, change (value - previous).
    """
    now = period_figures(engine, scope, start, end, area, night=night)
    p0, p1 = previous_period(start, end)
    before = period_figures(engine, scope, p0, p1, area, night=night)
    rows = [{"figure": k, "value": now[k], "previous": before[k],
             "change": round(now[k] - before[k], 1) if isinstance(now[k], float)
             else now[k] - before[k]} for k in FIGURES]
    return pd.DataFrame(rows, columns=["figure", "value", "previous", "change"], dtype=object)


# --------------------------------------------------------------------------------------------
# Patrol nights: shifts, tracks, GPS quality


def shifts_of_night(engine: sa.Engine, scope: store.Reader, night: str,
                    area: str | None = None) -> pd.DataFrame:
    """Shifts of one night (local date ``YYYY-MM-DD``) with their unit's name and kind.

    Returns shift_id, unit_id, unit_name, unit_kind, start, end, police, auxiliaries, volunteers.
    """
    d = dt.date.fromisoformat(night)
    sc = _read_scope(engine, scope, area)
    sh = store.read(engine, "shifts", sc, start=night,
                    end=(d + dt.timedelta(days=1)).isoformat(),
                    columns=["shift_id", "unit_id", "start", "end", "police", "auxiliaries",
                             "volunteers"])
    if len(sh):
        sh = sh.loc[(night_date(sh["start"]) == d).to_numpy()]
    units = store.read(engine, "units", sc, columns=["unit_id", "name", "kind"]).rename(
        columns={"name": "unit_name", "kind": "unit_kind"})
    out = sh.merge(units, on="unit_id", how="left")
    cols = ["shift_id", "unit_id", "unit_name", "unit_kind", "start", "end", "police",
            "auxiliaries", "volunteers"]
    return out[cols].sort_values(["start", "shift_id"]).reset_index(drop=True)


def night_tracks(engine: sa.Engine, scope: store.Reader, shift_ids: list[str]) -> pd.DataFrame:
    """GPS pings (shift_id, ts, lat, lng) of the given shifts, in time order.

    Only shifts the scope can see are returned (a shift is in scope when a ping of it is).
    """
    if not shift_ids:
        return pd.DataFrame(columns=["shift_id", "ts", "lat", "lng"])
    visible = store.read(engine, "shifts", scope, columns=["shift_id"],
                         where={"shift_id": list(shift_ids)})
    ids = visible["shift_id"].tolist()
    if not ids:
        return pd.DataFrame(columns=["shift_id", "ts", "lat", "lng"])
    # the pings inside the scope only: a shift that crossed into another grid shows its part here
    pings = store.read(engine, "pings", scope, columns=["shift_id", "ts", "lat", "lng"],
                       where={"shift_id": ids})
    return pings.sort_values(["shift_id", "ts"]).reset_index(drop=True)


def track_breaks(engine: sa.Engine, scope: store.Reader, start: str, end: str,
                 area: str | None = None, *, only_breaks: bool = True) -> pd.DataFrame:
    """GPS quality per shift of the period's nights: where tracks were not joined.

    ``gap_breaks`` counts gaps over 5 minutes between fixes, ``jump_breaks`` jumps faster than
    150 km/h (bad GPS). With ``only_breaks`` shifts without any break are left out.

    Returns shift_id, unit_id, unit_name, unit_kind, night, pings, gap_breaks, jump_breaks,
    sorted by the most breaks first.
    """
    lo, hi = period_dates(start, end)
    sc = _read_scope(engine, scope, area)
    sh = store.read(engine, "shifts", sc, start=start,
                    end=(hi + dt.timedelta(days=1)).isoformat(),
                    columns=["shift_id", "unit_id", "start"])
    cols = ["shift_id", "unit_id", "unit_name", "unit_kind", "night", "pings", "gap_breaks",
            "jump_breaks"]
    if sh.empty:
        return pd.DataFrame(columns=cols)
    sh["night"] = night_date(sh["start"])
    sh = sh.loc[((sh["night"] >= lo) & (sh["night"] <= hi)).to_numpy()]
    tq = store.track_quality
    ids = sh["shift_id"].tolist()
    parts = []
    with engine.connect() as conn:
        for i in range(0, len(ids), 5000):
            parts.append(pd.DataFrame(conn.execute(
                sa.select(tq.c.shift_id, tq.c.pings, tq.c.gap_breaks, tq.c.jump_breaks)
                .where(tq.c.shift_id.in_(ids[i : i + 5000]))).all(),
                columns=["shift_id", "pings", "gap_breaks", "jump_breaks"]))
    q = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["shift_id", "pings", "gap_breaks", "jump_breaks"])
    units = store.read(engine, "units", sc, columns=["unit_id", "name", "kind"]).rename(
        columns={"name": "unit_name", "kind": "unit_kind"})
    out = sh.merge(q, on="shift_id", how="inner").merge(units, on="unit_id", how="left")
    for c in ("pings", "gap_breaks", "jump_breaks"):
        out[c] = out[c].astype(np.int64)
    if only_breaks:
        out = out.loc[(out["gap_breaks"] + out["jump_breaks"]) > 0]
    out = out.assign(_n=out["gap_breaks"] + out["jump_breaks"]).sort_values(
        ["_n", "night", "shift_id"], ascending=[False, True, True])
    return out[cols].reset_index(drop=True)
