"""The live night's alerts and the nearest unit to a call (pure: numpy, pandas, shapely).

Positions are WGS-84 degrees, distances metres, durations seconds (``minutes`` columns in
minutes), times tz-aware timestamps. The minutes of each rule come from the duty rules' ``live``
table (:data:`geo.domain.duty.LIVE_RULES`); the store-backed assembly is
:mod:`geo.services.live_alerts`.

Alerts
------
Every function returns rows of :data:`ALERT_COLUMNS`: ``alert`` (the code), ``unit_id``,
``since`` (when the condition began), ``minutes`` (how long it has lasted; for ``point_due`` the
minutes until the point falls due, or since it fell due when ``overdue``), ``lat``/``lng`` (where:
the unit, the planned stop or the key point), ``detail`` (a short English code the callers word),
``severity`` (1 low - 3 high) and ``what`` (the beat, stop or key point named, when there is one).

- ``gps_silent`` (:func:`gps_silent`): a unit's last fix is older than the rule's minutes.
- ``long_stop`` (:func:`long_stops_now`): a unit has been standing (every fix of its latest run
  within :data:`STAND_RADIUS_M` of its last fix) for the rule's minutes or more, and where it
  stands lies outside every post's geofence. Unlike :func:`geo.domain.duty.long_stops`, which
  finds a finished night's stops, this is the stop a unit is in now.
- ``left_beat`` / ``left_jurisdiction`` (:func:`left_area`): the last fix lies outside the
  unit's beat (its station or grid) / outside the jurisdiction (the union of every area); a unit
  outside the jurisdiction is reported once, as ``left_jurisdiction``.
- ``stop_window_passed`` (:func:`stop_window_passed`): a planned stop not yet visited whose
  latest arrival has passed (one row per unit: the latest such stop, and how many there are).
- ``point_due`` (:func:`point_due`): a key point's next required visit falls due within the
  rule's minutes (or is overdue) and has not been made. Due times are those of
  :func:`geo.domain.duty.duty_table`: the ``n`` visits a night rule requires fall due one after
  the other, visit ``k`` by ``start + k/n`` of the night window.

Nearest unit
------------
:func:`nearest` ranks units by travel seconds from their last fix to a point, each by its own
kind's speed (:func:`geo.domain.circles.travel_from`: straight line x detour, or shortest paths
on a road network), with the 1-3-5 tier it falls in (:func:`geo.domain.circles.tier_of`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.domain import routing
from geo.domain.circles import tier_of, travel_from
from geo.domain.coords import haversine_m

__all__ = [
    "ALERTS",
    "ALERT_COLUMNS",
    "NEAREST_COLUMNS",
    "STAND_RADIUS_M",
    "gps_silent",
    "left_area",
    "long_stops_now",
    "nearest",
    "point_due",
    "stop_window_passed",
]

ALERTS = (
    "gps_silent",
    "long_stop",
    "left_beat",
    "left_jurisdiction",
    "stop_window_passed",
    "point_due",
)
"""The live alert codes."""

ALERT_COLUMNS = [
    "alert",
    "unit_id",
    "since",
    "minutes",
    "lat",
    "lng",
    "detail",
    "severity",
    "what",
]

STAND_RADIUS_M = 50.0
"""A unit whose fixes all lie within this many metres of its last fix is standing."""

NEAREST_COLUMNS = ["travel_s", "travel_min", "tier", "distance_m"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=ALERT_COLUMNS)


def _frame(rows: dict[str, Any]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    for c in ALERT_COLUMNS:
        if c not in out:
            out[c] = None
    return out[ALERT_COLUMNS].reset_index(drop=True)


def _minutes(delta_ns: np.ndarray | pd.Series) -> np.ndarray:
    return np.round(np.asarray(delta_ns, dtype=float) / 60e9, 1)


def gps_silent(last: pd.DataFrame, now: pd.Timestamp, minutes: float) -> pd.DataFrame:
    """Units whose last fix is more than ``minutes`` old at ``now``.

    Parameters
    ----------
    last
        One row per unit: ``unit_id``, ``ts`` (tz-aware), ``lat``, ``lng`` (WGS-84).
    now
        The moment (tz-aware).
    minutes
        The rule: minutes without a fix.

    Returns
    -------
    :data:`ALERT_COLUMNS` rows, ``since`` the last fix, ``minutes`` the silence so far.
    """
    if last.empty:
        return _empty()
    age = (pd.Timestamp(now) - last["ts"]).to_numpy("timedelta64[ns]").astype(np.int64)
    hit = age > minutes * 60e9
    f = last.loc[hit]
    m = _minutes(age[hit])
    return _frame(
        {
            "alert": "gps_silent",
            "unit_id": f["unit_id"].to_numpy(),
            "since": f["ts"].to_numpy(),
            "minutes": m,
            "lat": f["lat"].to_numpy(float),
            "lng": f["lng"].to_numpy(float),
            "detail": [f"{x:.0f} min" for x in m],
            "severity": 2,
        }
    ).assign(since=f["ts"].reset_index(drop=True))


def long_stops_now(
    tracks: pd.DataFrame,
    posts: pd.DataFrame,
    minutes: float,
    *,
    stand_m: float = STAND_RADIUS_M,
) -> pd.DataFrame:
    """Units standing for ``minutes`` or more outside every post's geofence, now.

    Parameters
    ----------
    tracks
        The recent fixes (the last hour or more) of each unit: ``unit_id``, ``ts``, ``lat``,
        ``lng``.
    posts
        Posts (key sites of category ``post``): ``lat``, ``lng``, ``radius_m`` (the geofence,
        metres; 50 when the column is missing).
    minutes
        The rule: minutes standing.
    stand_m
        A unit stands while every fix of its latest run lies within this many metres of its last
        fix.

    Returns
    -------
    :data:`ALERT_COLUMNS` rows: ``since`` the first fix of the standing run, ``minutes`` from it
    to the last fix, ``lat``/``lng`` the run's mean position, ``detail`` ``"25 min, post 300 m"``
    (metres to the nearest post's centre; ``"no post"`` when there is none).
    """
    if tracks.empty:
        return _empty()
    t = tracks.sort_values(["unit_id", "ts"], kind="stable").reset_index(drop=True)
    g = t.groupby("unit_id", sort=False)
    last_lat = g["lat"].transform("last").to_numpy(float)
    last_lng = g["lng"].transform("last").to_numpy(float)
    d = haversine_m(t["lng"].to_numpy(float), t["lat"].to_numpy(float), last_lng, last_lat)
    # the standing run: the fixes after the unit's last fix farther than stand_m from its end
    pos = np.arange(len(t))
    last_out = pd.Series(np.where(d > stand_m, pos, -1)).groupby(t["unit_id"]).transform("max")
    run = t.loc[pos > last_out.to_numpy()]
    r = run.groupby("unit_id", sort=True).agg(
        since=("ts", "first"), until=("ts", "last"), lat=("lat", "mean"), lng=("lng", "mean")
    )
    dur = (r["until"] - r["since"]).to_numpy("timedelta64[ns]").astype(np.int64)
    r = r.assign(minutes=_minutes(dur)).loc[dur >= minutes * 60e9]
    if r.empty:
        return _empty()
    if len(posts):
        pd_m = haversine_m(
            r["lng"].to_numpy(float)[:, None],
            r["lat"].to_numpy(float)[:, None],
            posts["lng"].to_numpy(float)[None, :],
            posts["lat"].to_numpy(float)[None, :],
        )
        radius = (
            posts["radius_m"].to_numpy(float) if "radius_m" in posts else np.full(len(posts), 50.0)
        )
        at_post = (pd_m <= radius[None, :]).any(axis=1)
        nearest_m = pd_m.min(axis=1)
    else:
        at_post = np.zeros(len(r), bool)
        nearest_m = np.full(len(r), np.inf)
    keep = ~at_post
    r = r.loc[keep]
    near = nearest_m[keep]
    return _frame(
        {
            "alert": "long_stop",
            "unit_id": r.index.to_numpy(),
            "minutes": r["minutes"].to_numpy(float),
            "lat": r["lat"].to_numpy(float),
            "lng": r["lng"].to_numpy(float),
            "detail": [
                f"{m:g} min, post {n:.0f} m" if np.isfinite(n) else f"{m:g} min, no post"
                for m, n in zip(r["minutes"], near, strict=True)
            ],
            "severity": 2,
        }
    ).assign(since=r["since"].reset_index(drop=True))


def left_area(
    last: pd.DataFrame,
    beats: Mapping[str, BaseGeometry],
    jurisdiction: BaseGeometry | None,
    *,
    beat_names: Mapping[str, str] | None = None,
    tracks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Units whose last fix lies outside their beat, or outside the jurisdiction.

    Parameters
    ----------
    last
        One row per unit: ``unit_id``, ``ts``, ``lat``, ``lng``.
    beats
        ``unit_id`` -> the unit's beat polygon (its station's or grid's area, WGS-84); a unit
        without one is checked against the jurisdiction only.
    jurisdiction
        The union of every area (WGS-84); None: nothing is checked against it.
    beat_names
        ``unit_id`` -> the beat's name, put in ``what``.
    tracks
        The recent fixes (``unit_id``, ``ts``, ``lat``, ``lng``): ``since`` is then the first fix
        of the latest run outside (else the last fix).

    Returns
    -------
    :data:`ALERT_COLUMNS` rows, ``left_jurisdiction`` (severity 3) before ``left_beat``
    (severity 1); ``minutes`` from ``since`` to the last fix.
    """
    if last.empty:
        return _empty()
    x, y = last["lng"].to_numpy(float), last["lat"].to_numpy(float)
    out_j = (
        ~shapely.contains_xy(jurisdiction, x, y)
        if jurisdiction is not None
        else np.zeros(len(last), bool)
    )
    units = last["unit_id"].astype(str).to_numpy()
    out_b = np.array(
        [
            u in beats and not shapely.contains_xy(beats[u], xi, yi)
            for u, xi, yi in zip(units, x, y, strict=True)
        ],
        dtype=bool,
    )
    alert = np.where(out_j, "left_jurisdiction", np.where(out_b, "left_beat", ""))
    hit = alert != ""
    if not hit.any():
        return _empty()
    f = last.loc[hit].reset_index(drop=True)
    kinds = alert[hit]
    since = f["ts"].copy()
    if tracks is not None and len(tracks):
        for i, (u, k) in enumerate(zip(f["unit_id"].astype(str), kinds, strict=True)):
            mine = tracks.loc[tracks["unit_id"].astype(str) == u].sort_values("ts")
            if mine.empty:
                continue
            area = jurisdiction if k == "left_jurisdiction" else beats[u]
            inside = shapely.contains_xy(
                area, mine["lng"].to_numpy(float), mine["lat"].to_numpy(float)
            )
            ts = mine["ts"].reset_index(drop=True)
            outside, was_in = ts[~inside], ts[inside]
            after = outside[outside > was_in.max()] if len(was_in) else outside
            if len(after):
                since.iloc[i] = after.min()
    names = beat_names or {}
    m = _minutes((f["ts"] - since).to_numpy("timedelta64[ns]").astype(np.int64))
    out = _frame(
        {
            "alert": kinds,
            "unit_id": f["unit_id"].to_numpy(),
            "minutes": m,
            "lat": f["lat"].to_numpy(float),
            "lng": f["lng"].to_numpy(float),
            "detail": [
                "outside the jurisdiction" if k == "left_jurisdiction" else "outside the beat"
                for k in kinds
            ],
            "severity": np.where(kinds == "left_jurisdiction", 3, 1),
            "what": [
                names.get(str(u)) if k == "left_beat" else None
                for u, k in zip(f["unit_id"], kinds, strict=True)
            ],
        }
    ).assign(since=since.reset_index(drop=True))
    return out.sort_values(["severity", "unit_id"], ascending=[False, True], kind="stable")


def stop_window_passed(stops: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    """Units with a planned stop not yet visited whose latest arrival has passed.

    Parameters
    ----------
    stops
        Tonight's planned stops: ``unit_id``, ``seq``, ``place`` (its name), ``lat``, ``lng``,
        ``latest`` (tz-aware: the window's end, the latest arrival; the planned arrival when the
        plan has no window) and ``done`` (visited so far).
    now
        The moment.

    Returns
    -------
    One :data:`ALERT_COLUMNS` row per unit: its latest stop passed (``since`` its latest
    arrival, ``minutes`` since then, ``what`` its place), ``detail`` ``"stop 3, 2 passed"``.
    """
    if stops.empty:
        return _empty()
    now = pd.Timestamp(now)
    late = stops.loc[(~stops["done"].astype(bool)) & (stops["latest"] < now)]
    if late.empty:
        return _empty()
    late = late.sort_values(["unit_id", "latest", "seq"], kind="stable")
    n = late.groupby("unit_id").size()
    last = late.groupby("unit_id", sort=True).tail(1).sort_values("unit_id", kind="stable")
    since = last["latest"].reset_index(drop=True)
    return _frame(
        {
            "alert": "stop_window_passed",
            "unit_id": last["unit_id"].to_numpy(),
            "minutes": _minutes((now - since).to_numpy("timedelta64[ns]").astype(np.int64)),
            "lat": last["lat"].to_numpy(float),
            "lng": last["lng"].to_numpy(float),
            "detail": [
                f"stop {int(s)}, {int(n[u])} passed"
                for u, s in zip(last["unit_id"], last["seq"], strict=True)
            ],
            "severity": 1,
            "what": last["place"].to_numpy(),
        }
    ).assign(since=since)


def point_due(
    sites: pd.DataFrame,
    visits: pd.DataFrame,
    w0: pd.Timestamp,
    w1: pd.Timestamp,
    now: pd.Timestamp,
    minutes: float,
) -> pd.DataFrame:
    """Key points whose next required visit falls due within ``minutes`` and is not made.

    Parameters
    ----------
    sites
        Key points with their rules (:func:`geo.domain.duty.site_rules`): ``site_id``, ``name``,
        ``lat``, ``lng``, ``visits`` (required in the night), ``per`` (only ``night`` rules have
        due times; per-shift rules are left out).
    visits
        Tonight's visits so far (:func:`geo.domain.duty.gps_visits` or
        :func:`geo.domain.duty.merge_visits`): ``site_id``, ``start``.
    w0, w1
        The night window.
    now
        The moment (inside the window; outside it nothing is due).
    minutes
        The rule: minutes of warning.

    Returns
    -------
    :data:`ALERT_COLUMNS` rows without a unit: ``since`` the due time, ``minutes`` until it (or
    since it, ``detail`` ``"overdue"``, severity 3), ``what`` the point's name, ``detail``
    ``"due 22:30, 1/2 done"``; a point with all its visits made is never reported.
    """
    now = pd.Timestamp(now)
    if sites.empty or not (w0 <= now < w1):
        return _empty()
    s = sites.loc[(sites["per"] == "night") & (sites["visits"] > 0)].reset_index(drop=True)
    if s.empty:
        return _empty()
    v = visits.loc[(visits["start"] >= w0) & (visits["start"] <= now)] if len(visits) else visits
    done = s["site_id"].map(v.groupby("site_id").size() if len(v) else {}).fillna(0)
    done = done.to_numpy(np.int64)
    n = s["visits"].to_numpy(np.int64)
    length = (w1 - w0).value
    # the (done+1)-th visit's due time, as geo.domain.duty.duty_table computes it
    due_ns = w0.value + np.ceil((done + 1) * length / np.maximum(n, 1)).astype(np.int64)
    left = due_ns - now.value
    hit = (done < n) & (left <= minutes * 60e9)
    if not hit.any():
        return _empty()
    f = s.loc[hit].reset_index(drop=True)
    due = pd.to_datetime(due_ns[hit], utc=True).tz_convert(w0.tz)
    over = left[hit] < 0
    return _frame(
        {
            "alert": "point_due",
            "unit_id": None,
            "minutes": _minutes(np.abs(left[hit])),
            "lat": f["lat"].to_numpy(float),
            "lng": f["lng"].to_numpy(float),
            "detail": [
                f"{'overdue' if o else 'due'} {d:%H:%M}, {k}/{m} done"
                for o, d, k, m in zip(over, due, done[hit], n[hit], strict=True)
            ],
            "severity": np.where(over, 3, 2),
            "what": f["name"].to_numpy(),
        }
    ).assign(since=pd.Series(due), site_id=f["site_id"].to_numpy())


def nearest(
    units: pd.DataFrame,
    lat: float,
    lng: float,
    tiers_min: Sequence[float],
    *,
    kinds: Sequence[str] | None = None,
    network: routing.RoadNetwork | None = None,
) -> pd.DataFrame:
    """Units ranked by travel time from their last fix to a point (WGS-84 degrees).

    Parameters
    ----------
    units
        One row per unit: ``unit_id``, ``kind`` (a unit kind; unknown kinds travel as a police
        car), ``lat``, ``lng`` and any other columns, kept.
    lat, lng
        The call's point.
    tiers_min
        The response tiers in minutes (the duty rules' ``tiers``: 1, 3, 5).
    kinds
        Keep only units of these kinds (a unit kind, or its planning kind: ``police_car``,
        ``e_bike``, ``foot``); None keeps every unit.
    network
        A road network: shortest paths on it (:func:`geo.domain.circles.travel_from`).

    Returns
    -------
    ``units`` with :data:`NEAREST_COLUMNS`: ``travel_s`` (seconds), ``travel_min``, ``tier`` (the
    first tier reaching it, NaN beyond the last), ``distance_m`` (great circle), the quickest
    first (ties by unit id).
    """
    u = units.reset_index(drop=True)
    plan = u["kind"].map(_plan_kind)
    if kinds is not None:
        wanted = {str(k) for k in kinds} | {_plan_kind(k) for k in kinds}
        keep = u["kind"].astype(str).isin(wanted) | plan.isin(wanted)
        u, plan = u.loc[keep].reset_index(drop=True), plan.loc[keep].reset_index(drop=True)
    travel = np.full(len(u), np.nan)
    for k in sorted(set(plan)):
        i = np.flatnonzero(plan.to_numpy() == k)
        travel[i] = travel_from(
            u["lat"].to_numpy(float)[i],
            u["lng"].to_numpy(float)[i],
            np.array([float(lat)]),
            np.array([float(lng)]),
            k,
            network=network,
        )[:, 0]
    out = u.assign(
        travel_s=np.round(travel, 1),
        travel_min=np.round(travel / 60.0, 1),
        tier=tier_of(travel, tiers_min),
        distance_m=np.round(
            haversine_m(u["lng"].to_numpy(float), u["lat"].to_numpy(float), lng, lat), 1
        ),
    )
    return out.sort_values(["travel_s", "unit_id"], kind="stable").reset_index(drop=True)


def _plan_kind(kind: object) -> str:
    try:
        return routing.plan_kind(str(kind))
    except ValueError:
        return "police_car"
