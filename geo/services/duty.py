"""Duty and readiness for a user's scope: duty rules, visits, compliance, alerts, assessment.

The stored duty rules, the night's key-point visits (GPS and check-ins, each visit once),
compliance over a period, the venue inspection schedule, the night's alerts and the grid
assessment (rules and tables in :mod:`geo.domain.duty`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import h3
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from geo import store
from geo.config import get_settings
from geo.domain import hazards, hexes
from geo.domain.disputes import rates_by
from geo.domain.duty import (
    ALERT_COLUMNS,
    DEDUP_WINDOW_S,
    DEFAULT_RULES,
    GRID_COLUMNS,
    HOT_CELL_HOURS,
    HOT_CELL_TOP,
    LONG_STOP_MIN,
    duty_table,
    gps_visits,
    long_stops,
    merge_visits,
    nights_table,
    rules_from_toml,
    site_rules,
    validate_rules,
    venue_schedule,
)
from geo.domain.period import ROLLUP_RES, period_instants, shift_night, window_bounds
from geo.services.access import audit
from geo.services.coverage import night_tracks, shifts_of_night
from geo.services.places import with_places
from geo.services.risk import risk_cells
from geo.store.records import pings_between

__all__ = [
    "AT_DEFAULT_MIN",
    "AT_STEP_MIN",
    "GRID_RATES",
    "RULES_META",
    "alerts",
    "get_rules",
    "grid_assessment",
    "grid_percent",
    "import_rules",
    "month_bounds",
    "month_schedule",
    "night_alerts",
    "night_duty",
    "night_shown",
    "reset_rules",
    "save_rules",
    "set_rules",
    "site_compliance",
    "site_visit_figures",
    "unit_names",
    "venue_schedule_for",
    "visits_between",
]

RULES_META = "duty_rules"


def get_rules(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """The stored duty rules, or :data:`DEFAULT_RULES`."""
    stored = store.get_meta(engine, RULES_META)
    return validate_rules(stored or {})


def set_rules(engine: sa.Engine, rules: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Validate and store duty rules; returns what was stored."""
    clean = validate_rules(rules)
    with engine.begin() as conn:
        store.set_meta(conn, RULES_META, clean)
    return clean


def save_rules(
    engine: sa.Engine, rules: Mapping[str, Any], *, user: str | None, **detail: Any
) -> dict[str, list[dict[str, Any]]]:
    """Validate and store duty rules (:func:`set_rules`), audited; returns what was stored.

    Audited as ``user``'s change of the ``duty_rules`` setting, with ``detail``. ValueError
    (nothing stored) when invalid.
    """
    clean = set_rules(engine, rules)
    audit(engine, user or None, "settings", "duty_rules", **detail)
    return clean


def import_rules(
    engine: sa.Engine, content: str | bytes, *, user: str | None, name: str
) -> dict[str, list[dict[str, Any]]]:
    """Store the duty rules of a TOML file (``content``, named ``name``), audited.

    Audited as imported by ``user``. ValueError (nothing stored) when the file or its rules are
    not valid.
    """
    return save_rules(engine, rules_from_toml(content), user=user, imported=name)


def reset_rules(engine: sa.Engine, *, user: str | None) -> dict[str, list[dict[str, Any]]]:
    """Store the default duty rules, audited as a reset by ``user``; returns what was stored.

    The defaults are :data:`geo.domain.duty.DEFAULT_RULES`.
    """
    return save_rules(engine, DEFAULT_RULES, user=user, reset=True)


def _scope(engine: sa.Engine, scope: store.Reader, area: str | None) -> store.Scope:
    ids = store.effective_scope(engine, scope, area)
    return "all" if ids is None else ids


def _sites(engine: sa.Engine, sc: store.Scope, rules: Mapping[str, Any]) -> pd.DataFrame:
    sites = store.read(engine, "sites", sc, columns=["site_id", "name", "category", "lat", "lng"])
    return site_rules(sites.sort_values("site_id"), rules)


def _pings_near_sites(
    engine: sa.Engine,
    sites: pd.DataFrame,
    lo_ms: int,
    hi_ms: int,
    shift_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """GPS fixes between two instants (UTC ms) near any site, or every fix of ``shift_ids``.

    Near a site means in the res-10 cells within its geofence plus a ring. Fixes are read
    unscoped: the visits are of sites in scope.
    """
    if shift_ids is None and not len(sites):
        return pd.DataFrame(columns=["shift_id", "unit_id", "ts", "lat", "lng"])
    near = None
    if shift_ids is None:
        cells = hexes.latlng_to_cells(
            sites["lat"].to_numpy(float), sites["lng"].to_numpy(float), ROLLUP_RES
        )
        # a res-10 cell is ~66 m across its edge: k rings cover the largest fence plus a ring
        k = int(np.ceil(float(sites["radius_m"].max()) / 65.0)) + 1
        near = sorted(
            {h3.str_to_int(c) for x in hexes.cells_to_str(cells) for c in h3.grid_disk(str(x), k)}
        )
    return pings_between(engine, lo_ms, hi_ms, cells=near, shift_ids=shift_ids)


def _ms(ts: pd.Timestamp) -> int:
    return int(pd.Timestamp(ts).value // 1_000_000)


def visits_between(
    engine: sa.Engine,
    scope: store.Reader,
    lo: pd.Timestamp,
    hi: pd.Timestamp,
    *,
    area: str | None = None,
    rules: Mapping[str, Any] | None = None,
    window_s: float = DEDUP_WINDOW_S,
) -> dict[str, pd.DataFrame]:
    """GPS visits, check-ins and the merged visits of the scope's sites between two instants.

    Returns a dict: ``sites`` (with their rules), ``gps`` (:func:`gps_visits`), ``checks``
    (site_checks rows) and ``merged`` (:func:`merge_visits`).
    """
    rules = get_rules(engine) if rules is None else rules
    sc = _scope(engine, scope, area)
    sites = _sites(engine, sc, rules)
    pings = _pings_near_sites(engine, sites, _ms(lo), _ms(hi))
    gps = gps_visits(pings, sites)
    gps = gps.loc[(gps["start"] >= lo) & (gps["start"] < hi)] if len(gps) else gps
    tz = get_settings().tz
    d0 = lo.tz_convert(tz).date().isoformat()
    d1 = (hi - pd.Timedelta(milliseconds=1)).tz_convert(tz).date().isoformat()
    checks = store.read(
        engine, "site_checks", sc, start=d0, end=d1, columns=["site_id", "ts", "unit_id"]
    )
    checks = (
        checks.loc[
            (checks["ts"] >= lo) & (checks["ts"] < hi) & checks["site_id"].isin(sites["site_id"])
        ]
        if len(checks)
        else checks
    )
    merged = merge_visits(gps, checks, window_s=window_s)
    return {
        "sites": sites,
        "gps": gps.reset_index(drop=True),
        "checks": checks.reset_index(drop=True),
        "merged": merged,
    }


def night_duty(
    engine: sa.Engine,
    scope: store.Reader,
    night: str,
    *,
    window: str | None = None,
    area: str | None = None,
    rules: Mapping[str, Any] | None = None,
    at: pd.Timestamp | None = None,
) -> dict[str, Any]:
    """The duty of one night (the local date it starts on) in the scope.

    ``window`` is the night window (default: the configured night). With ``at`` (an instant
    inside the night) only what happened by then counts, and due times not yet reached are not
    missed (for a night in progress).

    Returns a dict: ``night``, ``window``, ``summary`` (required, done, late, missed, sites,
    sites_missed, gps_visits, checks, merged, both, units), ``sites`` and ``units`` (frames of
    :data:`SITE_DUTY_COLUMNS`, :data:`UNIT_DUTY_COLUMNS`), ``visits`` (the merged visits) and
    ``stops`` (the night's stops of 2+ minutes with where they were).
    """
    window = window or get_settings().night
    w0, w1 = window_bounds(night, window)
    rules = get_rules(engine) if rules is None else rules
    end = w1 if at is None else min(w1, pd.Timestamp(at))
    got = visits_between(engine, scope, w0, end, area=area, rules=rules)
    shifts = shifts_of_night(engine, scope, night, area=area)
    sites, units = duty_table(got["sites"], got["merged"], w0, w1, shifts)
    if units["unit_name"].isna().any():  # a unit that visited without a shift in the scope
        names = unit_names(engine, units["unit_id"].tolist())
        units["unit_name"] = units["unit_name"].fillna(units["unit_id"].map(names))
    if at is not None and end < w1:  # in progress: only what is already due can be missed
        length = (w1 - w0).value
        n = sites["required"].to_numpy(np.int64)
        due_by_now = np.floor((end - w0).value * np.maximum(n, 1) / length).astype(np.int64)
        due_by_now = np.minimum(due_by_now, n)
        sites["missed"] = np.clip(due_by_now - sites["done"] - sites["late"], 0, None)
        sites["status"] = np.select(
            [
                sites["required"] == 0,
                sites["missed"] > 0,
                sites["done"] + sites["late"] < sites["required"],
                sites["late"] > 0,
            ],
            ["none", "missed", "pending", "late"],
            "done",
        )
    m = got["merged"]
    req = sites.loc[sites["required"] > 0]
    summary = {
        "required": int(req["required"].sum()),
        "done": int(req["done"].sum()),
        "late": int(req["late"].sum()),
        "missed": int(req["missed"].sum()),
        "sites": len(req),
        "sites_done": int((req["status"] == "done").sum()),
        "sites_missed": int((req["status"] == "missed").sum()),
        "gps_visits": len(got["gps"]),
        "checks": len(got["checks"]),
        "merged": len(m),
        "both": int((m["source"] == "both").sum()) if len(m) else 0,
        "units": int(shifts["unit_id"].nunique()) if len(shifts) else 0,
    }
    return {
        "night": night,
        "window": window,
        "start": w0,
        "end": w1,
        "summary": summary,
        "sites": sites,
        "units": units,
        "visits": m,
        "shifts": shifts,
    }


def unit_names(engine: sa.Engine, unit_ids: Sequence[object]) -> dict[str, str]:
    """The stored names of the units ``unit_ids``: unit_id -> name.

    A unit not stored, or stored without a name, is named by its id. Only for ids a page
    already shows from rows its reader may read (a visit, an inspection, a shift): the name
    says no more than the id.
    """
    ids = sorted({str(u) for u in unit_ids if isinstance(u, str) and u})
    if not ids:
        return {}
    units = store.read(
        engine, "units", store.ALL, columns=["unit_id", "name"], where={"unit_id": ids}
    )
    names = {str(u): str(n) for u, n in zip(units["unit_id"], units["name"], strict=True) if n}
    return {u: names.get(u, u) for u in ids}


def _nights(start: str, end: str) -> list[str]:
    lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(lo + dt.timedelta(days=i)).isoformat() for i in range((hi - lo).days + 1)]


def site_compliance(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    *,
    area: str | None = None,
    window: str | None = None,
    rules: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Per site, key-point visit compliance over the nights ``start``..``end``, worst first.

    The nights together: required, done, late, missed and ``compliance`` (done on time /
    required; NaN when nothing is required).
    """
    window = window or get_settings().night
    rules = get_rules(engine) if rules is None else rules
    w_first = window_bounds(start, window)[0]
    w_last = window_bounds(end, window)[1]
    got = visits_between(engine, scope, w_first, w_last, area=area, rules=rules)
    sc = _scope(engine, scope, area)
    nxt = (dt.date.fromisoformat(end) + dt.timedelta(days=1)).isoformat()
    sh = store.read(
        engine, "shifts", sc, start=start, end=nxt, columns=["shift_id", "unit_id", "start"]
    )
    sh["night"] = shift_night(sh["start"]).astype(str) if len(sh) else []
    sh = sh.assign(unit_name="", unit_kind="")
    nights = _nights(start, end)
    bounds = [window_bounds(night, window) for night in nights]
    per_night = sh.groupby("night")["shift_id"].nunique() if len(sh) else pd.Series(dtype=int)
    g = nights_table(  # every night in one pass; None: windows that overlap (the rule per night)
        got["sites"],
        got["merged"],
        [w0 for w0, _ in bounds],
        [w1 for _, w1 in bounds],
        [int(per_night.get(night, 0)) for night in nights],
    )
    if g is None:
        parts = [
            duty_table(got["sites"], got["merged"], w0, w1, sh.loc[sh["night"] == night])[0]
            for night, (w0, w1) in zip(nights, bounds, strict=True)
        ]
        g = pd.concat(parts, ignore_index=True)
    g = g.groupby("site_id")[["required", "done", "late", "missed", "visits"]].sum()
    out = (
        got["sites"][["site_id", "name", "category", "lat", "lng"]]
        .merge(g, left_on="site_id", right_index=True, how="left")
        .fillna({"required": 0, "done": 0, "late": 0, "missed": 0, "visits": 0})
    )
    for c in ("required", "done", "late", "missed", "visits"):
        out[c] = out[c].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["compliance"] = np.where(
            out["required"] > 0, out["done"] / out["required"].clip(lower=1), np.nan
        )
    out = out.sort_values(["compliance", "site_id"], kind="stable", na_position="last")
    return out.reset_index(drop=True)


def site_visit_figures(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    window_s: float = DEDUP_WINDOW_S,
) -> dict[str, Any]:
    """Key-site visits of the period's local dates from both sources, and how they were merged.

    ``checks`` is the ledger's figure (explicit check-ins: what the campaign sentence quotes),
    ``gps`` the GPS visits found in the tracks, ``merged`` the visits once duplicates are
    removed, ``both`` the merged visits seen in both, ``gps_only`` and ``check_only`` the rest,
    ``sites`` the distinct sites visited, ``window_min`` the dedup window.
    """
    lo, hi = period_instants(start, end)
    got = visits_between(engine, scope, lo, hi, area=area, window_s=window_s)
    m = got["merged"]
    src = m["source"].value_counts() if len(m) else pd.Series(dtype=np.int64)
    return {
        "checks": len(got["checks"]),
        "gps": len(got["gps"]),
        "merged": len(m),
        "both": int(src.get("both", 0)),
        "gps_only": int(src.get("gps", 0)),
        "check_only": int(src.get("check", 0)),
        "sites": int(m["site_id"].nunique()) if len(m) else 0,
        "window_min": round(window_s / 60),
    }


def month_bounds(day: str) -> tuple[str, str]:
    """The first and last local dates (YYYY-MM-DD) of the month of ``day``."""
    month0 = dt.date.fromisoformat(day).replace(day=1)
    month1 = (month0 + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return month0.isoformat(), month1.isoformat()


def venue_schedule_for(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    *,
    area: str | None = None,
    on: str | None = None,
    rules: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """:func:`venue_schedule` on the scope's venues and inspections (as at the end of ``on``).

    Every inspection up to the end of ``on`` (default ``end``) is read: the last one before the
    period decides whether a venue is overdue (:mod:`geo.domain.venues`).
    """
    sc = _scope(engine, scope, area)
    venues = store.read(
        engine, "venues", sc, columns=["venue_id", "name", "category", "risk_level", "lat", "lng"]
    )
    ins = store.read(engine, "inspections", sc, end=on or end, columns=["venue_id", "ts", "result"])
    return venue_schedule(
        venues, ins, start, end, on=on, rules=get_rules(engine) if rules is None else rules
    )


def alerts(
    engine: sa.Engine,
    scope: store.Reader,
    night: str,
    *,
    at: pd.Timestamp | None = None,
    area: str | None = None,
    window: str | None = None,
    long_stop_min: float = LONG_STOP_MIN,
    hot_hours: float = HOT_CELL_HOURS,
    hot_top: int = HOT_CELL_TOP,
    res: int = 9,
) -> pd.DataFrame:
    """What needs attention on ``night``, the most severe first.

    As of ``at`` (default the end of the night window):

    - ``long_stop``: a stop of ``long_stop_min``+ minutes more than :data:`POST_RADIUS_M` from
      any post;
    - ``missed_point``: a key point whose required visits due by then were not made;
    - ``hot_cell``: one of the ``hot_top`` riskiest cells (risk, the expected incidents per week
      from the 28 nights before, in ``detail``) not patrolled in the last ``hot_hours`` hours of
      the night so far (or not at all);
    - ``venue_overdue``: a venue overdue for inspection on the night's date (its grade's
      interval passed since its last inspection, or never inspected: :mod:`geo.domain.venues`);
      ``detail`` is the month's inspections done/required and the grade;
    - ``hazard_overdue``: an open hazard past its rectification deadline.

    Returns a DataFrame of :data:`ALERT_COLUMNS` (``what`` is a short English code; pages label
    it) with ``place``, ``place_en`` (where it is: grid and nearest landmark,
    :mod:`geo.services.places`) and ``name_en`` (a hot cell's and an overdue hazard's ``name`` is
    their place, a long stop's its unit's name and the shift's local start "MM-DD HH:MM"; ``id``
    a cell id, a hazard id, a unit id...), the most severe first.
    """
    tz = get_settings().tz
    window = window or get_settings().night
    w0, w1 = window_bounds(night, window)
    at = w1 if at is None else min(max(pd.Timestamp(at), w0), w1)
    rows: list[dict[str, Any]] = []
    sc = _scope(engine, scope, area)
    duty = night_duty(engine, scope, night, window=window, area=area, at=None if at >= w1 else at)
    for r in duty["sites"].loc[duty["sites"]["missed"] > 0].itertuples(index=False):
        rows.append(
            {
                "kind": "missed_point",
                "severity": 2,
                "what": r.category,
                "id": r.site_id,
                "name": r.name,
                "since": None,
                "detail": f"{r.missed}/{r.required}",
                "lat": r.lat,
                "lng": r.lng,
            }
        )
    shifts = duty["shifts"]
    pings = (
        night_tracks(engine, scope, shifts["shift_id"].tolist())
        if len(shifts)
        else pd.DataFrame(columns=["shift_id", "ts", "lat", "lng"])
    )
    pings = pings.loc[pings["ts"] <= at] if len(pings) else pings
    if len(pings):
        pings = pings.assign(
            unit_id=pings["shift_id"].map(
                dict(zip(shifts["shift_id"], shifts["unit_id"], strict=True))
            )
        )
    posts = duty["sites"].loc[duty["sites"]["category"] == "post"]
    # a shift is named as a commander knows it: its unit's name and its local start
    shift_names = {
        str(sid): f"{name if isinstance(name, str) and name else uid} {start:%m-%d %H:%M}"
        for sid, uid, name, start in zip(
            shifts["shift_id"], shifts["unit_id"], shifts["unit_name"], shifts["start"], strict=True
        )
    }
    for r in long_stops(pings, posts, min_minutes=long_stop_min).itertuples(index=False):
        rows.append(
            {
                "kind": "long_stop",
                "severity": 2,
                "what": "stop",
                "id": r.unit_id,
                "name": shift_names.get(str(r.shift_id), r.shift_id),
                "since": r.start,
                "detail": f"{r.minutes:g} min",
                "lat": r.lat,
                "lng": r.lng,
            }
        )
    # hot cells: the riskiest cells and when the night's tracks were last in them
    d0 = (dt.date.fromisoformat(night) - dt.timedelta(days=28)).isoformat()
    d1 = (dt.date.fromisoformat(night) - dt.timedelta(days=1)).isoformat()
    risk = risk_cells(engine, scope, start=d0, end=d1, res=res, area=area)
    hot = risk.loc[risk["risk"] > 0].sort_values("risk", ascending=False).head(hot_top)
    if len(hot):
        last = pd.Series(dtype=object)
        if len(pings):
            pc = hexes.latlng_to_cells(
                pings["lat"].to_numpy(float), pings["lng"].to_numpy(float), res
            ).astype(np.uint64)
            inwin = (pings["ts"] >= w0).to_numpy()
            # the latest fix per cell, the times kept tz-aware (no Python object per fix)
            last = pings["ts"].loc[inwin].reset_index(drop=True).groupby(pc[inwin]).max()
        cells = hot["cell"].to_numpy().astype(np.uint64)
        lat, lng = hexes.cell_centres(cells)
        names = hexes.cells_to_str(cells)
        limit = at - pd.Timedelta(hours=hot_hours)
        for c, n, la, lo, rk in zip(cells, names, lat, lng, hot["risk"], strict=True):
            seen = last.get(c)
            seen = None if seen is None or pd.isna(seen) else pd.Timestamp(seen).tz_convert(tz)
            if (seen is None and at - w0 >= pd.Timedelta(hours=hot_hours)) or (
                seen is not None and seen < limit
            ):
                rows.append(
                    {
                        "kind": "hot_cell",
                        "severity": 1,
                        "what": "cell",
                        "id": str(n),  # the cell id; its name is its place (below)
                        "name": None,
                        "since": seen,
                        "detail": f"{rk:.3f}/wk",  # expected incidents per week
                        "lat": la,
                        "lng": lo,
                    }
                )
    # venues overdue on the night's date (the rule of geo.domain.venues), hazards past deadline
    month0, month1 = month_bounds(night)
    sched, _ = venue_schedule_for(engine, scope, month0, month1, area=area, on=night)
    for r in sched.loc[sched["overdue"]].itertuples(index=False):
        rows.append(
            {
                "kind": "venue_overdue",
                "severity": 1,
                "what": r.category,
                "id": r.venue_id,
                "name": r.name,
                "since": r.last_inspection,
                "detail": f"{r.done}/{r.required} ({r.grade})",
                "lat": r.lat,
                "lng": r.lng,
            }
        )
    hz = store.read(
        engine,
        "hazards",
        sc,
        columns=[
            "hazard_id",
            "category",
            "severity",
            "lat",
            "lng",
            "found_at",
            "status",
            "rectified_at",
            "deadline",
        ],
    )
    table = hazards.hazard_table(hz, at)
    for r in table.loc[table["overdue"]].itertuples(index=False) if len(table) else []:
        rows.append(
            {
                "kind": "hazard_overdue",
                "severity": 3 if r.severity in ("major", "high") else 2,
                "what": r.category,
                "id": r.hazard_id,
                "name": None,  # a hazard is named by its place (below); its category is "what"
                "since": r.deadline,
                "detail": r.severity,
                "lat": r.lat,
                "lng": r.lng,
            }
        )
    out = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    # every alert's place by grid and nearest landmark; a hot cell and a hazard are named by it
    out = with_places(engine, scope, out, cell=None)
    hot_cell = out["kind"].isin(["hot_cell", "hazard_overdue"])
    out["name_en"] = out["name"].where(~hot_cell, out["place_en"])
    out["name"] = out["name"].where(~hot_cell, out["place"])
    order = {
        "hazard_overdue": 0,
        "long_stop": 1,
        "missed_point": 2,
        "hot_cell": 3,
        "venue_overdue": 4,
    }
    out = out.assign(_o=out["kind"].map(order)).sort_values(
        ["_o", "severity", "id"], ascending=[True, False, True], kind="stable"
    )
    return out.drop(columns="_o").reset_index(drop=True)


def grid_assessment(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    *,
    window: str | None = None,
    rules: Mapping[str, Any] | None = None,
    area: str | None = None,
) -> pd.DataFrame:
    """Per grid (网格) in the scope, the assessment over local dates ``start``..``end``.

    Key-point visits done on time against required, hazards found and closed on time (rectified
    by their deadline, or within 30 days without one), venue inspections done against the
    schedule, disputes settled (:func:`geo.services.disputes.figures`) and ``score``, the mean of
    the four rates that apply. ``area`` narrows the scope to one area (a station: its grids;
    a grid: itself): only its key points, hazards, venues and disputes are read.
    """
    rules = get_rules(engine) if rules is None else rules
    sc = _scope(engine, scope, area)
    areas = store.read(
        engine, "areas", sc, columns=["area_id", "name", "level", "owner", "geometry"]
    )
    grids = areas.loc[areas["level"] == "grid"].sort_values("area_id").reset_index(drop=True)
    if grids.empty:
        return pd.DataFrame(columns=GRID_COLUMNS)
    polys = [shapely_wkt.loads(g) for g in grids["geometry"]]

    def grid_of(lat: pd.Series, lng: pd.Series) -> np.ndarray:
        out = np.full(len(lat), -1)
        for k, poly in enumerate(polys):
            inside = shapely.contains_xy(poly, lng.to_numpy(float), lat.to_numpy(float))
            out[(out < 0) & inside] = k
        return out

    comp = site_compliance(engine, scope, start, end, area=area, window=window, rules=rules)
    g_site = grid_of(comp["lat"], comp["lng"]) if len(comp) else np.array([], int)
    hz = store.read(
        engine,
        "hazards",
        sc,
        start=start,
        end=end,
        columns=["hazard_id", "lat", "lng", "found_at", "status", "rectified_at", "deadline"],
    )
    g_hz = grid_of(hz["lat"], hz["lng"]) if len(hz) else np.array([], int)
    if len(hz):
        due = hz["deadline"].fillna(hz["found_at"] + pd.Timedelta(days=30))
        on_time = (
            hz["status"].eq("rectified") & hz["rectified_at"].notna() & (hz["rectified_at"] <= due)
        ).to_numpy()
    else:
        on_time = np.array([], bool)
    sched, _ = venue_schedule_for(engine, scope, start, end, area=area, rules=rules)
    g_v = grid_of(sched["lat"], sched["lng"]) if len(sched) else np.array([], int)
    # the period's disputes read once; each grid's are those inside its polygon, as a read of
    # the grid alone (:func:`geo.services.disputes.figures`) keeps them
    period = period_instants(start, end)
    d_all = store.read(engine, "disputes", sc, start=start, end=end)
    d_x, d_y = d_all["lng"].to_numpy(float), d_all["lat"].to_numpy(float)
    # every grid's disputes at once: a dispute counts in each grid whose polygon holds it
    held = [np.flatnonzero(shapely.contains_xy(poly, d_x, d_y)) for poly in polys]
    by_grid = rates_by(
        d_all.iloc[np.concatenate([np.zeros(0, np.int64), *held])].assign(
            _grid=np.repeat(np.arange(len(polys)), [h.size for h in held])
        ),
        *period,
        by="_grid",
    ).set_index("_grid")
    rows = []
    for k, g in grids.iterrows():
        s = comp.loc[g_site == k]
        req, done = int(s["required"].sum()), int(s["done"].sum())
        n_hz, n_ok = int((g_hz == k).sum()), int(on_time[g_hz == k].sum())
        v = sched.loc[g_v == k]
        v_req, v_done = int(v["required"].sum()), int(np.minimum(v["done"], v["required"]).sum())
        n_d = int(by_grid.at[k, "discovered"]) if k in by_grid.index else 0
        dfig = {  # as dispute_board of the grid's disputes gives them
            "disputes_discovered": n_d,
            "disputes_settled": int(by_grid.at[k, "settled"]) if n_d else 0,
            "resolution_rate": float(by_grid.at[k, "rate"]) if n_d else None,
        }
        rates = [
            done / req if req else None,
            n_ok / n_hz if n_hz else None,
            v_done / v_req if v_req else None,
            dfig["resolution_rate"],
        ]
        used = [r for r in rates if r is not None]
        rows.append(
            {
                "area_id": g["area_id"],
                "name": g["name"],
                "owner": g["owner"],
                "checkin_required": req,
                "checkin_done": done,
                "checkin_rate": rates[0],
                "hazards_found": n_hz,
                "hazards_closed_on_time": n_ok,
                "hazard_rate": rates[1],
                "inspections_required": v_req,
                "inspections_done": v_done,
                "inspection_rate": rates[2],
                "disputes": dfig["disputes_discovered"],
                "disputes_settled": dfig["disputes_settled"],
                "dispute_rate": rates[3],
                "score": round(float(np.mean(used)), 4) if used else None,
            }
        )
    out = pd.DataFrame(rows, columns=GRID_COLUMNS)
    for c in ("checkin_rate", "hazard_rate", "inspection_rate", "dispute_rate", "score"):
        out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out.sort_values(
        ["score", "area_id"], ascending=[False, True], na_position="last", kind="stable"
    ).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The Duty & readiness page (and the alerts of the Overview page), ready to show

AT_DEFAULT_MIN = 90
"""Minutes into the night window the response circles are first drawn for."""
AT_STEP_MIN = 15
"""Minutes between the moments the response circles can be drawn for."""


def night_shown(
    engine: sa.Engine,
    scope: store.Reader,
    night: str,
    *,
    window: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """The duty of one night (:func:`night_duty`) as the Duty & readiness page shows it.

    ``night``, ``window`` and ``area`` are those of :func:`night_duty`.

    Returns
    -------
    The dict of :func:`night_duty` (``window``, ``start``, ``end``, ``summary``, ``units``...)
    with ``sites`` only the key points with a required visit, ``dedup_min`` (minutes within
    which a GPS visit and a check-in are one visit) and the moments the response circles can
    be drawn for, as naive local datetimes: ``at_min`` and ``at_max`` (the window's start and
    end), ``at_default`` (:data:`AT_DEFAULT_MIN` minutes in) and ``at_step`` (a timedelta of
    :data:`AT_STEP_MIN` minutes).
    """
    d = night_duty(engine, scope, night, window=window, area=area)
    w0, w1 = d["start"], d["end"]
    return d | {
        "sites": d["sites"].loc[d["sites"]["required"] > 0],
        "dedup_min": DEDUP_WINDOW_S // 60,
        "at_min": w0.to_pydatetime().replace(tzinfo=None),
        "at_max": w1.to_pydatetime().replace(tzinfo=None),
        "at_default": (w0 + pd.Timedelta(minutes=AT_DEFAULT_MIN))
        .to_pydatetime()
        .replace(tzinfo=None),
        "at_step": dt.timedelta(minutes=AT_STEP_MIN),
    }


def month_schedule(
    engine: sa.Engine,
    scope: store.Reader,
    night: str,
    *,
    area: str | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The venue inspection schedule of the month of ``night`` (a local date, YYYY-MM-DD).

    The schedule is :func:`venue_schedule_for` as at the end of the night's date, the instant
    the Venues page takes its status at, so both count the same overdue venues.
    """
    month0, month1 = month_bounds(night)
    return venue_schedule_for(engine, scope, month0, month1, area=area, on=night)


GRID_RATES = ("checkin_rate", "hazard_rate", "inspection_rate", "dispute_rate", "score")
"""Columns of the grid assessment that are shares (0-1)."""


def grid_percent(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    *,
    window: str | None = None,
    area: str | None = None,
) -> pd.DataFrame:
    """The grid assessment over local dates ``start``..``end``, rates and score in percent.

    The assessment is :func:`grid_assessment` (of the grids of ``area`` when one is given), with
    its rates and score as percentages (0-100, one decimal).
    """
    grid = grid_assessment(engine, scope, start, end, window=window, area=area)
    # float first: the assessment of a store without grids is an empty frame of object columns
    return grid.assign(**{c: (grid[c].astype(float) * 100).round(1) for c in GRID_RATES})


def night_alerts(
    engine: sa.Engine, scope: store.Reader, night: str, *, area: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """The night's alerts (:func:`alerts`, the most severe first) for a list.

    Returns a dict: ``table`` (the first ``limit`` alerts), ``n`` (how many in all) and
    ``counts`` (``{kind: how many}``, the most frequent kind first).
    """
    table = alerts(engine, scope, night, area=area)
    counts = table["kind"].value_counts()
    return {
        "table": table.head(limit),
        "n": len(table),
        "counts": {str(k): int(v) for k, v in counts.items()},
    }
