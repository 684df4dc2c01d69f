"""Tonight's patrol plan: routes for every unit over the riskiest gaps, and plan against actual.

A plan is made for one night (the date it starts on) and a shift window (the night window by
default). Candidate cells are the top of the gap ranking (:func:`geo.analysis.risk_cells` over the
weeks before the night); travel times come from :mod:`geo.routing` (straight line x detour by
default, an OSM road network when configured); OR-Tools picks and orders the visits. The result is
a JSON-able document (:data:`PLAN_KEYS`), saved in the store's ``plans`` table; exports live in
:mod:`geo.plan_export`.

After the night, :func:`plan_vs_actual` compares the units' GPS tracks with the plan: each stop is
``full`` (dwell at least ``full_ratio`` of the planned dwell in the stop's cell), ``brief`` (at
least ``brief_s`` seconds) or ``missed``; compliance per unit and overall; dosage minutes inside
the planned cells against outside them.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import analysis, hexes, routing, store
from geo.config import get_settings
from geo.coords import haversine_m

__all__ = ["DEFAULT_WINDOW", "PLAN_KEYS", "Unit", "actual", "candidates", "list_plans",
           "load_plan", "make_plan", "parse_window", "period_compliance", "plan_vs_actual",
           "save_plan", "units_on_duty", "window_bounds"]

DEFAULT_WINDOW = "20:00-06:00"
DWELL_MIN = 15
# Keys of a plan document (more are added: see make_plan).
PLAN_KEYS = ("plan_id", "date", "window", "risk_covered", "risk_total", "units")
# A landmark is the nearest key site or venue within this many metres of the cell centre.
LANDMARK_M = 400.0


@dataclass(frozen=True)
class Unit:
    """A unit on duty tonight.

    ``kind`` is police_car, e_bike or foot (aliases such as car, e-bike, auxiliary accepted);
    ``lat``/``lng`` the start point (WGS-84), where the route also ends; ``start_h`` the hours after
    the window start when the shift begins and ``shift_h`` its length (None: to the window end).
    """

    unit_id: str
    kind: str
    lat: float
    lng: float
    shift_h: float | None = None
    start_h: float = 0.0
    name: str = ""


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


def window_bounds(night: str, window: str = DEFAULT_WINDOW, tz: str | None = None
                  ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Local start and end instants of the shift window of ``night`` (the date it starts on)."""
    tz = tz or get_settings().tz
    d = dt.date.fromisoformat(night)
    t0, t1 = parse_window(window)
    start = pd.Timestamp(dt.datetime.combine(d, t0), tz=tz)
    end_day = d + dt.timedelta(days=1) if t1 <= t0 else d
    return start, pd.Timestamp(dt.datetime.combine(end_day, t1), tz=tz)


# --------------------------------------------------------------------------------------------
# Inputs from the store


def units_on_duty(engine: sa.Engine, scope: store.Reader, *, unit_ids: Sequence[str] | None = None,
                  n: int | None = None, area: str | None = None, night: str | None = None,
                  window: str = DEFAULT_WINDOW) -> list[Unit]:
    """Units from the store with a start point and shift.

    When shifts of ``night`` are stored (a night being reviewed or rostered ahead), the units on
    duty are the units of those shifts, each with its shift clipped to the window; otherwise every
    unit in the scope, for the whole window. ``unit_ids`` picks units by id (an unknown id is a
    ValueError); ``n`` takes the first ``n`` by id. A unit starts and ends at a police post (key
    site of category ``post``) of its station, posts handed out in turn, else at a point inside
    its station's area. Auxiliary and volunteer units plan as foot patrols.
    """
    from geo import overview

    ids = analysis.effective_scope(engine, scope, area)
    sc: store.Reader = analysis.narrowed(engine, scope, area)  # a principal keeps its row rules
    units = store.read(engine, "units", sc, columns=["unit_id", "name", "kind", "station"])
    units = units.sort_values("unit_id").reset_index(drop=True)
    shifts = pd.DataFrame(columns=["unit_id", "start", "end"])
    if night is not None and not unit_ids:
        shifts = overview.shifts_of_night(engine, scope, night, area=area)
        if len(shifts):
            units = units.loc[units["unit_id"].isin(shifts["unit_id"])].reset_index(drop=True)
    if unit_ids:
        missing = sorted(set(unit_ids) - set(units["unit_id"]))
        if missing:
            msg = f"unknown unit(s) or outside your areas: {', '.join(missing)}"
            raise ValueError(msg)
        units = units.set_index("unit_id").loc[list(unit_ids)].reset_index()
    elif n is not None:
        if n < 1 or n > len(units):
            msg = f"--units {n}: there are {len(units)} units on duty in these areas"
            raise ValueError(msg)
        units = units.head(n)
    if units.empty:
        msg = "no units on duty in these areas"
        raise ValueError(msg)
    posts = store.read(engine, "sites", sc, columns=["site_id", "category", "lat", "lng"],
                       where={"category": ["post"]}).sort_values("site_id")
    w0 = w1 = None
    if night is not None:
        w0, w1 = window_bounds(night, window)
    out = []
    for i, u in enumerate(units.itertuples(index=False)):
        if len(posts):
            p = posts.iloc[i % len(posts)]
            lat, lng = float(p["lat"]), float(p["lng"])
        else:
            poly = analysis.area_polygon(engine, [u.station] if u.station else ids)
            if poly is None:
                msg = f"unit {u.unit_id}: no post or station area to start from"
                raise ValueError(msg)
            pt = poly.representative_point()
            lat, lng = pt.y, pt.x
        start_h, shift_h = 0.0, None
        mine = shifts.loc[shifts["unit_id"] == u.unit_id]
        if len(mine) and w0 is not None and w1 is not None:
            a = max(mine["start"].min(), w0)
            b = min(mine["end"].max(), w1)
            if b > a:
                start_h = (a - w0).total_seconds() / 3600
                shift_h = (b - a).total_seconds() / 3600
        out.append(Unit(str(u.unit_id), routing.plan_kind(u.kind), lat, lng, shift_h=shift_h,
                        start_h=start_h, name=str(u.name)))
    return out


def candidates(gaps: pd.DataFrame, n: int, *, value: str = "gap",
               must: Iterable[int] = (), avoid: Iterable[int] = ()) -> pd.DataFrame:
    """The cells a plan may visit: the ``n`` best by ``value`` (``gap`` or ``risk``) with a
    positive value, without ``avoid`` cells, plus every ``must`` cell.

    ``gaps`` is :func:`geo.analysis.risk_cells` output. Returns cell (uint64), value, rank, risk,
    gap, must (bool), lat, lng (cell centre, WGS-84).
    """
    if value not in ("gap", "risk"):
        msg = f"value must be 'gap' or 'risk', got {value!r}"
        raise ValueError(msg)
    table = gaps.copy()
    table["cell"] = table["cell"].to_numpy().astype(np.uint64)
    must_set = {int(c) for c in must}
    avoid_set = {int(c) for c in avoid}
    both = must_set & avoid_set
    if both:
        msg = f"cell {hexes.cells_to_str(sorted(both))[0]} is both must-visit and avoided"
        raise ValueError(msg)
    cells = table["cell"].to_numpy().astype(np.int64)
    table = table.loc[~np.isin(cells, list(avoid_set))]
    ranked = table.loc[table[value] > 0].sort_values([value, "cell"], ascending=[False, True])
    pick = ranked.head(int(n))
    extra = sorted(must_set - {int(c) for c in pick["cell"].to_numpy().astype(np.int64)})
    if extra:
        known = table.set_index(table["cell"].to_numpy().astype(np.int64))
        rows = [known.loc[c].to_dict() | {"cell": np.uint64(c)} if c in known.index else
                {"cell": np.uint64(c), "risk": 0.0, "gap": 0.0, "rank": 0} for c in extra]
        pick = pd.concat([pick, pd.DataFrame(rows)], ignore_index=True)
    out = pd.DataFrame({"cell": pick["cell"].to_numpy().astype(np.uint64),
                        "value": pick[value].to_numpy(float),
                        "rank": pick["rank"].fillna(0).to_numpy(np.int64),
                        "risk": pick["risk"].to_numpy(float), "gap": pick["gap"].to_numpy(float)})
    out["must"] = np.isin(out["cell"].to_numpy().astype(np.int64), list(must_set))
    lat, lng = hexes.cell_centres(out["cell"].to_numpy())
    out["lat"], out["lng"] = lat, lng
    return out.reset_index(drop=True)


def landmarks(lat: np.ndarray, lng: np.ndarray, places: pd.DataFrame,
              max_m: float = LANDMARK_M) -> tuple[list[str], np.ndarray]:
    """Name of the nearest place (``name``, ``lat``, ``lng``) to each point within ``max_m``
    metres ("" when none) and its distance in metres (NaN when none)."""
    if places.empty or len(lat) == 0:
        return [""] * len(lat), np.full(len(lat), np.nan)
    d = haversine_m(np.asarray(lng)[:, None], np.asarray(lat)[:, None],
                    places["lng"].to_numpy(float)[None, :], places["lat"].to_numpy(float)[None, :])
    j = np.argmin(d, axis=1)
    best = d[np.arange(len(lat)), j]
    names = places["name"].astype(str).to_numpy()
    return ([str(names[k]) if m <= max_m else "" for k, m in zip(j, best, strict=True)],
            np.where(best <= max_m, np.round(best), np.nan))


# --------------------------------------------------------------------------------------------
# Making a plan


def _iso(start: pd.Timestamp, seconds: int) -> str:
    return (start + pd.Timedelta(seconds=int(seconds))).isoformat(timespec="minutes")


def make_plan(engine: sa.Engine, scope: store.Reader, *, night: str,
              window: str = DEFAULT_WINDOW, units: Sequence[Unit] | None = None,
              unit_ids: Sequence[str] | None = None, n_units: int | None = None,
              dwell_min: float = DWELL_MIN, n_candidates: int = 150,
              must: Sequence[int | str] = (), avoid: Sequence[int | str] = (), res: int = 9,
              area: str | None = None, value: str = "gap", history_days: int = 28,
              seed: int | None = None, time_limit_s: float = 9.0,
              network: str | Path | routing.RoadNetwork | None = None,
              detour: float = routing.DETOUR, night_filter: str = DEFAULT_WINDOW,
              gaps: pd.DataFrame | None = None) -> dict[str, Any]:
    """Tonight's plan for the units on duty (see the module docstring).

    Parameters
    ----------
    night
        Local date (YYYY-MM-DD) the night starts on.
    window
        Shift window ``HH:MM-HH:MM`` (local time; may cross midnight).
    units, unit_ids, n_units
        Units typed in, or picked from the store by id, or the first ``n_units``; default the
        units with a shift that night, else every unit in the scope (:func:`units_on_duty`).
    dwell_min
        Minutes spent in each visited cell.
    n_candidates
        How many cells of the gap ranking to consider.
    must, avoid
        Cells (H3 strings or ints at ``res``) that must be visited / must not be.
    history_days
        Days before the night whose incidents and patrols rank the gaps.
    seed
        A randomised variant: values are jittered (about 15 %) with this seed, so that plans are
        not predictable night after night; the same seed gives the same inputs.
    time_limit_s
        Total seconds for the route search (OR-Tools guided local search).
    network
        An ``.osm.pbf`` road network (or a loaded :class:`geo.routing.RoadNetwork`); default the
        straight line x ``detour``.
    gaps
        Precomputed :func:`geo.analysis.risk_cells` output (the page caches it); read otherwise.

    Returns
    -------
    dict with :data:`PLAN_KEYS` and more: ``plan_id``, ``date``, ``window`` (``"HH:MM-HH:MM"``),
    ``start``/``end`` (ISO local), ``area``, ``res``, ``value``, ``dwell_s``, ``risk_covered``
    (sum of visited cells' values), ``risk_total`` (sum over all candidates), ``greedy_covered``
    (the greedy baseline on the same inputs), ``travel`` (model and detour), ``units`` (each with
    ``unit_id``, ``name``, ``kind``, ``start_point``, ``shift``, ``stops``, ``travel_s``,
    ``value``), ``cells`` (every candidate: ``h3`` and ``value``), ``missed_must`` and
    ``warnings``.
    """
    t_begin = time.perf_counter()
    tz = get_settings().tz
    w0, w1 = window_bounds(night, window, tz)
    horizon = int((w1 - w0).total_seconds())
    if units is None:
        units = units_on_duty(engine, scope, unit_ids=unit_ids, n=n_units, area=area,
                              night=night, window=window)
    units = [Unit(u.unit_id, routing.plan_kind(u.kind), float(u.lat), float(u.lng), u.shift_h,
                  u.start_h, u.name) for u in units]
    if len({u.unit_id for u in units}) != len(units):
        msg = "a unit is listed twice"
        raise ValueError(msg)
    if gaps is None:
        d = dt.date.fromisoformat(night)
        gaps = analysis.risk_cells(
            engine, scope, start=(d - dt.timedelta(days=history_days)).isoformat(),
            end=(d - dt.timedelta(days=1)).isoformat(), res=res, area=area, night=night_filter)
    must_c = _cells_at(must, res, "must-visit")
    avoid_c = _cells_at(avoid, res, "avoided")
    cand = candidates(gaps, n_candidates, value=value, must=must_c, avoid=avoid_c)
    if cand.empty:
        msg = "no candidate cells: no risk or gap in these areas for the weeks before this night"
        raise ValueError(msg)
    values = cand["value"].to_numpy(float)
    solve_values = values
    if seed is not None:
        rng = np.random.default_rng(seed)
        solve_values = values * np.exp(rng.normal(0.0, 0.15, len(values)))
    vehicles = []
    for u in units:
        start = round(u.start_h * 3600)
        end = horizon if u.shift_h is None else min(horizon, start + round(u.shift_h * 3600))
        if not 0 <= start < end:
            msg = f"unit {u.unit_id}: its shift does not fall inside the window {window}"
            raise ValueError(msg)
        vehicles.append(routing.Vehicle(u.kind, start, end))
    lat = np.r_[[u.lat for u in units], cand["lat"].to_numpy(float)]
    lng = np.r_[[u.lng for u in units], cand["lng"].to_numpy(float)]
    warnings: list[str] = []
    kinds = sorted({u.kind for u in units})
    if network is not None:
        net = network if isinstance(network, routing.RoadNetwork) else routing.RoadNetwork(network)
        travel = {k: net.travel_s(lat, lng, k, detour=detour) for k in kinds}
        if net.fallbacks:
            warnings.append(f"{net.fallbacks} trips are not connected on the road network; "
                            "they use the straight line")
        model = {"model": "network", "file": net.path.name, "detour": detour}
    else:
        travel = {k: routing.straight_line_s(lat, lng, routing.SPEED_MPS[k], detour=detour)
                  for k in kinds}
        model = {"model": "straight", "detour": detour}
    model["speeds_kmh"] = {k: round(routing.SPEED_MPS[k] * 3.6, 1) for k in kinds}
    dwell_s = round(dwell_min * 60)
    must_mask = cand["must"].to_numpy(bool)
    budget = max(time_limit_s - (time.perf_counter() - t_begin), 0.5)
    routes = routing.solve_routes(solve_values, travel, vehicles, dwell_s=dwell_s, must=must_mask,
                                  time_limit_s=budget)
    problems = routing.check_routes(routes, travel, vehicles, dwell_s=dwell_s)
    if problems:  # the solver's own constraints should make this impossible
        msg = "the route search returned an infeasible plan: " + "; ".join(problems[:3])
        raise RuntimeError(msg)
    greedy = routing.greedy_routes(values, travel, vehicles, dwell_s=dwell_s)
    visited = {s.cell for r in routes for s in r.stops}
    missed_must = [int(c) for c in np.flatnonzero(must_mask) if c not in visited]
    if missed_must:
        warnings.append(f"{len(missed_must)} must-visit cell(s) cannot be reached within the "
                        "units' shifts")
    sc: store.Scope = "all"
    ids = analysis.effective_scope(engine, scope, area)
    if ids is not None:
        sc = ids
    places = pd.concat([store.read(engine, k, sc, columns=["name", "lat", "lng"])
                        for k in ("sites", "venues")], ignore_index=True)
    names, dist = landmarks(cand["lat"].to_numpy(), cand["lng"].to_numpy(), places)
    h3s = hexes.cells_to_str(cand["cell"].to_numpy())
    out_units: list[dict[str, Any]] = []
    for u, r in zip(units, routes, strict=True):
        stops = []
        for k, s in enumerate(r.stops):
            c = s.cell
            stops.append({
                "seq": k + 1, "h3": str(h3s[c]), "lat": round(float(cand.at[c, "lat"]), 6),
                "lng": round(float(cand.at[c, "lng"]), 6), "landmark": names[c],
                "landmark_m": None if np.isnan(dist[c]) else float(dist[c]),
                "arrive": _iso(w0, s.arrive_s), "leave": _iso(w0, s.arrive_s + dwell_s),
                "latest_arrive": _iso(w0, s.latest_s), "value": round(float(values[c]), 4),
                "rank": int(cand.at[c, "rank"]), "risk": round(float(cand.at[c, "risk"]), 4),
                "must": bool(must_mask[c])})
        v = vehicles[len(out_units)]
        out_units.append({
            "unit_id": u.unit_id, "name": u.name, "kind": u.kind,
            "start_point": {"lat": round(u.lat, 6), "lng": round(u.lng, 6)},
            "shift": [_iso(w0, v.start_s), _iso(w0, v.end_s)],
            "back": _iso(w0, r.end_s), "stops": stops, "travel_s": int(r.travel_s),
            "value": round(float(sum(values[s.cell] for s in r.stops)), 4)})
    covered = routing.routes_value(routes, values)
    return {
        "plan_id": f"P{night.replace('-', '')}-{uuid.uuid4().hex[:6]}",
        "date": night, "window": f"{w0:%H:%M}-{w1:%H:%M}", "start": w0.isoformat(),
        "end": w1.isoformat(), "area": area, "res": int(res), "value": value,
        "dwell_s": dwell_s, "candidates": len(cand),
        "risk_covered": round(covered, 4), "risk_total": round(float(values.sum()), 4),
        "greedy_covered": round(routing.routes_value(greedy, values), 4),
        "seed": seed, "travel": model, "units": out_units,
        "cells": [{"h3": str(h), "value": round(float(v), 4)} for h, v in zip(h3s, values,
                                                                               strict=True)],
        "missed_must": [str(h3s[c]) for c in missed_must], "warnings": warnings,
        "avoid": [str(x) for x in hexes.cells_to_str(avoid_c)] if len(avoid_c) else [],
        "created": pd.Timestamp.now(tz=tz).isoformat(timespec="seconds"),
        "solve_s": round(time.perf_counter() - t_begin, 2),
    }


def _cells_at(cells: Sequence[int | str], res: int, what: str) -> np.ndarray:
    """H3 strings or ints -> uint64 cells at ``res`` (a ValueError names a bad one)."""
    out = []
    for c in cells:
        try:
            v = int(hexes.str_to_cells([c])[0]) if isinstance(c, str) else int(c)
            ok = int(hexes.cell_resolution([v])[0]) == res
        except (ValueError, TypeError, OverflowError):
            ok = False
        if not ok:
            msg = f"{what} cell {c!r} is not an H3 cell at resolution {res}"
            raise ValueError(msg)
        out.append(v)
    return np.array(out, np.uint64)


# --------------------------------------------------------------------------------------------
# Saved plans


def save_plan(engine: sa.Engine, plan: dict[str, Any], *, user: str | None = None,
              scope: Any = "all") -> str:
    """Store a plan document (its ``plan_id`` is the key; saving it again replaces it).

    The plan is seen by whoever sees its area; a plan made without an area is kept with the
    areas of ``scope`` (the maker's), comma-joined, or ``all`` (admins only) for every area.
    """
    p = store.plans
    saved_scope = plan.get("area")
    if not saved_scope:
        ids = store.resolve_scope(engine, scope)
        who = store.principal(scope)
        if who is not None and who.areas is not None:
            ids = who.areas  # the user's own areas (a station stands for its grids)
        saved_scope = "all" if ids is None else ",".join(sorted(ids))
    row = {"plan_id": plan["plan_id"], "night": dt.date.fromisoformat(plan["date"]),
           "created_ms": int(pd.Timestamp.now(tz="UTC").value // 1_000_000), "user_name": user,
           "scope": saved_scope, "risk_covered": float(plan["risk_covered"]),
           "risk_total": float(plan["risk_total"]),
           "body": json.dumps(plan, ensure_ascii=False)}
    with engine.begin() as conn:
        conn.execute(sa.delete(p).where(p.c.plan_id == row["plan_id"]))
        conn.execute(sa.insert(p), row)
    return str(plan["plan_id"])


def _visible(engine: sa.Engine, scope: store.Reader, plan_scope: str) -> bool:
    allowed = store.resolve_scope(engine, scope)
    if allowed is None:
        return True
    return plan_scope != "all" and all(a in allowed for a in plan_scope.split(","))


def load_plan(engine: sa.Engine, plan_id: str, scope: store.Reader = "all") -> dict[str, Any]:
    """A saved plan by id (ValueError when unknown or outside the scope)."""
    p = store.plans
    with engine.connect() as conn:
        row = conn.execute(sa.select(p.c.body, p.c.scope).where(p.c.plan_id == plan_id)).first()
    if row is None or not _visible(engine, scope, row.scope):
        msg = f"no plan {plan_id!r}"
        raise ValueError(msg)
    return json.loads(row.body)


def list_plans(engine: sa.Engine, scope: store.Reader = "all", *, start: str | None = None,
               end: str | None = None) -> pd.DataFrame:
    """Saved plans (plan_id, night, created, user_name, area, risk_covered, risk_total), newest
    night first, optionally for nights ``start``..``end``."""
    p = store.plans
    stmt = sa.select(p.c.plan_id, p.c.night, p.c.created_ms, p.c.user_name, p.c.scope,
                     p.c.risk_covered, p.c.risk_total).order_by(p.c.night.desc(),
                                                                p.c.created_ms.desc())
    if start:
        stmt = stmt.where(p.c.night >= dt.date.fromisoformat(start))
    if end:
        stmt = stmt.where(p.c.night <= dt.date.fromisoformat(end))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).all(),
                          columns=["plan_id", "night", "created_ms", "user_name", "area",
                                   "risk_covered", "risk_total"])
    if len(df):
        df = df.loc[[_visible(engine, scope, a) for a in df["area"]]].reset_index(drop=True)
    df["created"] = store.ms_to_ts(df.pop("created_ms"), get_settings().tz) if len(df) else \
        pd.Series(dtype=object)
    return df


# --------------------------------------------------------------------------------------------
# Plan against actual


def plan_vs_actual(plan: dict[str, Any], pings: pd.DataFrame, *, full_ratio: float = 0.8,
                   brief_s: float = 60.0) -> dict[str, Any]:
    """Compare a plan with what its units drove (pure).

    Parameters
    ----------
    plan
        A plan document (:func:`make_plan`).
    pings
        GPS fixes of the night: ``unit_id``, ``shift_id``, ``ts`` (tz-aware), ``lat``, ``lng``.
        Only fixes inside the plan's window count.
    full_ratio
        Share of the planned dwell that makes a visit ``full``.
    brief_s
        Seconds in the cell that make a visit at least ``brief``.

    Returns
    -------
    dict: ``plan_id``, ``stops`` (one row per planned stop: unit_id, seq, h3, landmark, arrive,
    dwell_s (seconds the unit spent in the cell during the window), first_in (ISO time or None),
    status full/brief/missed), ``units`` (per unit: stops, full, brief, missed, compliance
    (full / stops), visited (full + brief) / stops, dwell_in_plan_min, dwell_outside_min,
    tracked (bool)), and ``overall`` with the same figures summed over the plan.
    """
    from geo import coverage

    res = int(plan["res"])
    w0, w1 = pd.Timestamp(plan["start"]), pd.Timestamp(plan["end"])
    planned_dwell = float(plan["dwell_s"])
    rows = []
    unit_rows = []
    p = pings.loc[(pings["ts"] >= w0) & (pings["ts"] <= w1)] if len(pings) else pings
    for u in plan["units"]:
        mine = p.loc[p["unit_id"] == u["unit_id"]] if len(p) else p
        pieces = coverage.split_dwell(mine[["shift_id", "ts", "lat", "lng"]], res=res) \
            if len(mine) > 1 else pd.DataFrame(columns=["cell", "start", "dwell_s"])
        if len(pieces):
            pieces = pieces.assign(cell=pieces["cell"].to_numpy().astype(np.uint64))
            per_cell = pieces.groupby("cell")["dwell_s"].sum()
            first = pieces.groupby("cell")["start"].min()
        else:
            per_cell = pd.Series(dtype=float)
            first = pd.Series(dtype=object)
        plan_cells = hexes.str_to_cells([s["h3"] for s in u["stops"]]) if u["stops"] else \
            np.array([], np.uint64)
        counts = {"full": 0, "brief": 0, "missed": 0}
        for s, c in zip(u["stops"], plan_cells, strict=True):
            dwell = float(per_cell.get(np.uint64(c), 0.0))
            status = ("full" if dwell >= full_ratio * planned_dwell else
                      "brief" if dwell >= brief_s else "missed")
            counts[status] += 1
            fi = first.get(np.uint64(c)) if status != "missed" else None
            rows.append({"unit_id": u["unit_id"], "seq": s["seq"], "h3": s["h3"],
                         "landmark": s.get("landmark", ""), "arrive": s["arrive"],
                         "dwell_s": round(dwell, 1),
                         "first_in": None if fi is None or pd.isna(fi) else
                         pd.Timestamp(fi).tz_convert(w0.tz).isoformat(timespec="minutes"),
                         "status": status})
        inside = float(per_cell.reindex(plan_cells.astype(np.uint64)).fillna(0).sum()) \
            if len(per_cell) else 0.0
        total = float(per_cell.sum()) if len(per_cell) else 0.0
        n = len(u["stops"])
        unit_rows.append({"unit_id": u["unit_id"], "kind": u["kind"], "stops": n, **counts,
                          "compliance": round(counts["full"] / n, 4) if n else None,
                          "visited": round((counts["full"] + counts["brief"]) / n, 4) if n
                          else None,
                          "dwell_in_plan_min": round(inside / 60, 1),
                          "dwell_outside_min": round((total - inside) / 60, 1),
                          "tracked": bool(len(mine) > 1)})
    units = pd.DataFrame(unit_rows)
    n = int(units["stops"].sum()) if len(units) else 0
    totals = {k: int(units[k].sum()) if len(units) else 0 for k in ("full", "brief", "missed")}
    overall: dict[str, float | None] = {
        "stops": n, **totals,
        "dwell_in_plan_min": round(float(units["dwell_in_plan_min"].sum()), 1)
        if len(units) else 0.0,
        "dwell_outside_min": round(float(units["dwell_outside_min"].sum()), 1)
        if len(units) else 0.0}
    overall["compliance"] = round(totals["full"] / n, 4) if n else None
    overall["visited"] = round((totals["full"] + totals["brief"]) / n, 4) if n else None
    return {"plan_id": plan["plan_id"], "date": plan["date"], "window": plan["window"],
            "full_ratio": full_ratio, "brief_s": brief_s, "stops": rows,
            "units": unit_rows, "overall": overall}


def actual(engine: sa.Engine, scope: store.Reader, plan: dict[str, Any] | str, **kwargs: Any
           ) -> dict[str, Any]:
    """Plan against actual for a saved plan (by id) or a plan document, from the stored tracks
    of the plan's units on its night (read through ``scope``)."""
    if isinstance(plan, str):
        plan = load_plan(engine, plan, scope)
    w0, w1 = pd.Timestamp(plan["start"]), pd.Timestamp(plan["end"])
    unit_ids = [u["unit_id"] for u in plan["units"]]
    lo = (w0 - pd.Timedelta(days=1)).date().isoformat()
    hi = w1.date().isoformat()
    shifts = store.read(engine, "shifts", scope, start=lo, end=hi,
                        columns=["shift_id", "unit_id", "start", "end"],
                        where={"unit_id": unit_ids})
    if len(shifts):
        shifts = shifts.loc[(shifts["start"] < w1) & (shifts["end"] > w0)]
    if shifts.empty:
        pings = pd.DataFrame(columns=["unit_id", "shift_id", "ts", "lat", "lng"])
    else:
        pings = store.read(engine, "pings", scope, columns=["shift_id", "ts", "lat", "lng"],
                           where={"shift_id": shifts["shift_id"].tolist()})
        ids = store.resolve_scope(engine, scope)
        if ids is not None and len(pings):  # only the part of the tracks inside the scope
            poly = analysis.area_polygon(engine, ids)
            if poly is not None:
                pings = pings.loc[shapely.contains_xy(poly, pings["lng"].to_numpy(float),
                                                      pings["lat"].to_numpy(float))]
        pings = pings.merge(shifts[["shift_id", "unit_id"]], on="shift_id")
        pings = pings.sort_values(["shift_id", "ts"]).reset_index(drop=True)
    return plan_vs_actual(plan, pings, **kwargs)


def period_compliance(engine: sa.Engine, scope: store.Reader, start: str, end: str
                      ) -> dict[str, Any] | None:
    """Plan compliance over the saved plans of nights ``start``..``end`` (for the briefing).

    Returns None when no plan exists for the period; else plans, stops, full, brief, missed,
    compliance and visited (shares of stops), summed over every plan of the period.
    """
    plans = list_plans(engine, scope, start=start, end=end)
    if plans.empty:
        return None
    tot = {"plans": len(plans), "stops": 0, "full": 0, "brief": 0, "missed": 0}
    for pid in plans["plan_id"]:
        o = actual(engine, scope, pid)["overall"]
        for k in ("stops", "full", "brief", "missed"):
            tot[k] += int(o[k])
    n = tot["stops"]
    return tot | {"compliance": round(tot["full"] / n, 4) if n else None,
                  "visited": round((tot["full"] + tot["brief"]) / n, 4) if n else None}
