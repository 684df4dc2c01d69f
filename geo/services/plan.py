"""Tonight's patrol plan for a user's scope: unit routes over the riskiest gaps, saved plans.

Routes for every unit over the riskiest gaps, saved plans, and the plan against what was driven.

A plan is made for one night (the date it starts on) and a shift window (the night window by
default). Candidate cells are the top of the gap ranking (:func:`geo.services.risk.risk_cells` over
the weeks before the night); travel times come from :mod:`geo.domain.routing` (straight line x
detour by default, an OSM road network when configured); the solver of
:func:`geo.domain.routing.solve_routes` (PyVRP) picks and orders the visits. The
result is a JSON-able document (:data:`geo.domain.plan.PLAN_KEYS`), saved in the store's ``plans``
table; its sheets and files are made by :mod:`geo.reports.plan_sheets`.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from geo import store
from geo.config import get_settings
from geo.domain import hexes, places, routing
from geo.domain import plan as beats_rules
from geo.domain.duty import site_rules
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES, window_bounds
from geo.domain.plan import DWELL_MIN, WHOLE, Unit, candidates, cells_at, plan_vs_actual
from geo.i18n import t
from geo.reports import fonts, plan_sheets
from geo.reports.fonts import FONT_PACKAGE
from geo.services import networks
from geo.services.access import audit
from geo.services.coverage import night_tracks, shifts_of_night
from geo.services.duty import get_rules
from geo.services.places import name_cells, name_points
from geo.services.risk import risk_cells
from geo.store import saved_plans

__all__ = [
    "AROUND_POST",
    "FONT_PACKAGE",
    "UNIT_COLUMNS",
    "NoUnitsError",
    "PlanActual",
    "PlanShown",
    "actual",
    "against_actual",
    "cells_from_text",
    "gap_window",
    "list_plans",
    "load_plan",
    "make_from_rows",
    "make_plan",
    "period_compliance",
    "plan_choices",
    "plan_files",
    "plan_shown",
    "save_plan",
    "units_from_rows",
    "units_on_duty",
    "units_table",
]

UNIT_COLUMNS = (
    "on",
    "unit_id",
    "name",
    "kind",
    "beat",
    "beat_m",
    "start_h",
    "shift_h",
    "lat",
    "lng",
)
"""Columns of the units table the plan page edits (:func:`units_table`): ``beat`` is an area id
(a grid), ``all`` (the whole scope) or ``post``: ``beat_m`` metres around the post."""
AROUND_POST = "post"
"""The plan page's beat of ``beat_m`` metres around the unit's post."""


def units_on_duty(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    unit_ids: Sequence[str] | None = None,
    n: int | None = None,
    area: str | None = None,
    night: str | None = None,
    window: str = DEFAULT_NIGHT,
) -> list[Unit]:
    """Units from the store with a start point and shift.

    When shifts of ``night`` are stored (a night being reviewed or rostered ahead), the units on
    duty are the units of those shifts, each with its shift clipped to the window; otherwise every
    unit in the scope, for the whole window. ``unit_ids`` picks units by id (an unknown id is a
    ValueError); ``n`` takes the first ``n`` by id. A unit starts and ends at a police post (key
    site of category ``post``) of its station, posts handed out in turn, else at a point inside
    its station's area. Auxiliary and volunteer units plan as foot patrols.
    """
    ids = store.effective_scope(engine, scope, area)
    sc: store.Reader = store.narrowed(engine, scope, area)  # a principal keeps its row rules
    units = store.read(engine, "units", sc, columns=["unit_id", "name", "kind", "station"])
    units = units.sort_values("unit_id").reset_index(drop=True)
    grids = set(_areas(engine, sc).query("level == 'grid'")["area_id"])
    shifts = pd.DataFrame(columns=["unit_id", "start", "end"])
    if night is not None and not unit_ids:
        shifts = shifts_of_night(engine, scope, night, area=area)
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
    posts = store.read(
        engine,
        "sites",
        sc,
        columns=["site_id", "category", "lat", "lng"],
        where={"category": ["post"]},
    ).sort_values("site_id")
    w0 = w1 = None
    if night is not None:
        w0, w1 = window_bounds(night, window)
    out = []
    for i, u in enumerate(units.itertuples(index=False)):
        if len(posts):
            p = posts.iloc[i % len(posts)]
            lat, lng = float(p["lat"]), float(p["lng"])
        else:
            poly = store.area_polygon(engine, [u.station] if u.station else ids)
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
        kind = routing.plan_kind(u.kind)
        beat, beat_m = beats_rules.default_beat(kind, u.station if u.station in grids else None)
        out.append(
            Unit(
                str(u.unit_id),
                kind,
                lat,
                lng,
                shift_h=shift_h,
                start_h=start_h,
                name=str(u.name),
                beat=beat,
                beat_m=beat_m,
            )
        )
    return out


def _areas(engine: sa.Engine, scope: store.Reader) -> pd.DataFrame:
    """The areas the scope reads: area_id, name, level, geometry (WKT), by id."""
    areas = store.read(engine, "areas", scope, columns=["area_id", "name", "level", "geometry"])
    return areas.sort_values("area_id").reset_index(drop=True)


def beat_choices(engine: sa.Engine, scope: store.Reader, area: str | None = None) -> dict[str, str]:
    """The beats the plan page offers: ``{"all": "", "post": "", area id: name}``.

    ``all`` is the whole scope, ``post`` (:data:`AROUND_POST`) the metres of the unit's
    ``beat_m`` around its post (the page words both); then the grids and stations by id.
    """
    areas = _areas(engine, store.narrowed(engine, scope, area))
    areas = areas.assign(station=areas["level"] != "grid").sort_values(["station", "area_id"])
    return {WHOLE: "", AROUND_POST: ""} | dict(
        zip(areas["area_id"], areas["name"].astype(str), strict=True)
    )


def units_table(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    night: str,
    window: str = DEFAULT_NIGHT,
    area: str | None = None,
) -> pd.DataFrame:
    """The units on duty (:func:`units_on_duty`) as the plan page's editor shows them.

    Parameters
    ----------
    night
        Local date (YYYY-MM-DD) the night starts on.
    window
        Shift window ``HH:MM-HH:MM`` (local time).
    area
        Narrow the scope to this area.

    Returns
    -------
    DataFrame of :data:`UNIT_COLUMNS`: ``on`` (ticked), unit_id, name, kind, ``start_h`` and
    ``shift_h`` (hours after the window start, shift length; 2 decimals), lat, lng (6 decimals).
    A unit without a shift in the window has the whole window (the editor shows its hours).
    A ValueError when no unit is on duty (its message says why).
    """
    units = units_on_duty(engine, scope, night=night, window=window, area=area)
    w0, w1 = window_bounds(night, window)
    whole_h = (w1 - w0).total_seconds() / 3600
    return pd.DataFrame(
        [
            {
                "on": True,
                "unit_id": u.unit_id,
                "name": u.name,
                "kind": u.kind,
                "beat": u.beat or AROUND_POST,
                "beat_m": u.beat_m or beats_rules.BEAT_M.get(u.kind, beats_rules.BEAT_M["e_bike"]),
                "start_h": round(u.start_h, 2),
                "shift_h": round(whole_h - u.start_h if u.shift_h is None else u.shift_h, 2),
                "lat": round(u.lat, 6),
                "lng": round(u.lng, 6),
            }
            for u in units
        ]
    )


def _beat_of(u: Unit, typed: str | None) -> tuple[str, float | None]:
    """A unit's beat: as typed for it, else its own, else the default of its kind.

    Typed: :func:`geo.domain.plan.parse_beat`; the default: :func:`geo.domain.plan.default_beat`
    without a grid.
    """
    if typed is not None:
        beat, beat_m = beats_rules.parse_beat(typed)
    else:
        beat, beat_m = (u.beat or "").strip(), u.beat_m
    if not beat and beat_m is None:
        return beats_rules.default_beat(routing.plan_kind(u.kind), None)
    if beat_m is not None and not beat and not (np.isfinite(beat_m) and beat_m > 0):
        msg = f"unit {u.unit_id}: beat radius must be a positive number of metres"
        raise ValueError(msg)
    return beat, None if beat else float(beat_m)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Beats:
    """The units' beats over a pool of candidates.

    ``masks`` (units x cells, in the beat), ``whole`` (the whole scope), ``in_scope`` (the beat
    overlaps the areas planned), ``docs`` (as the plan document keeps them).
    """

    masks: np.ndarray
    whole: list[bool]
    in_scope: list[bool]
    docs: list[dict[str, Any]]


def _beats(
    engine: sa.Engine,
    scope: store.Reader,
    area: str | None,
    units: Sequence[Unit],
    pool: pd.DataFrame,
) -> _Beats:
    """Each unit's beat over the pool (see :class:`_Beats`); an unknown area id is an error."""
    ids = store.effective_scope(engine, scope, area)
    areas = _areas(engine, store.narrowed(engine, scope, area)).set_index("area_id")
    lat, lng = pool["lat"].to_numpy(float), pool["lng"].to_numpy(float)
    planned = store.area_polygon(engine, ids)
    masks = np.zeros((len(units), len(pool)), bool)
    whole, in_scope, docs = [], [], []
    for i, u in enumerate(units):
        doc: dict[str, Any] = {"area": None, "area_name": None, "radius_m": None, "centre": None}
        inside = True
        if u.beat == WHOLE:
            masks[i] = True
            doc["area"] = WHOLE
        elif u.beat:
            doc["area"] = u.beat
            if u.beat in areas.index:
                poly = shapely_wkt.loads(str(areas.at[u.beat, "geometry"]))
                masks[i] = shapely.contains_xy(poly, lng, lat)
                doc["area_name"] = str(areas.at[u.beat, "name"])
            elif store.area_polygon(engine, [u.beat]) is not None:
                inside = False  # an area, but not one of those planned
            else:
                msg = (
                    f"unit {u.unit_id}: beat {u.beat!r} is no area id (a grid), radius in "
                    "metres or 'all'"
                )
                raise ValueError(msg)
        else:
            radius = float(u.beat_m or 0.0)
            doc["radius_m"] = round(radius)
            doc["centre"] = {"lat": round(u.lat, 6), "lng": round(u.lng, 6)}
            masks[i] = beats_rules.in_radius(lat, lng, u.lat, u.lng, radius)
            if planned is not None:
                k = float(np.cos(np.radians(u.lat)) * 111_320.0)
                local = shapely.transform(planned, lambda xy, k=k: xy * [k, 110_540.0])
                inside = bool(
                    shapely.dwithin(local, shapely.Point(u.lng * k, u.lat * 110_540.0), radius)
                )
        whole.append(u.beat == WHOLE)
        in_scope.append(inside)
        docs.append(doc)
    return _Beats(masks, whole, in_scope, docs)


def _beat_words(doc: dict[str, Any], lang: str) -> str:
    """A beat as the users say it: the grid's name, the whole area, or metres around the post."""
    if doc.get("area") == WHOLE:
        return t("plan.beat.all", lang)
    if doc.get("area"):
        return str(doc.get("area_name") or doc["area"])
    return t("plan.beat.radius", lang, m=doc.get("radius_m") or 0)


def _key_points(engine: sa.Engine, scope: store.Reader, area: str | None) -> pd.DataFrame:
    """Key sites in the scope that need visits tonight: site_id, name, lat, lng.

    Those a duty rule asks visits of, per night or per shift.
    """
    sc = store.narrowed(engine, scope, area)
    sites = store.read(engine, "sites", sc, columns=["site_id", "name", "category", "lat", "lng"])
    if sites.empty:
        return sites
    ruled = site_rules(sites.sort_values("site_id"), get_rules(engine))
    return ruled.loc[ruled["visits"] > 0, ["site_id", "name", "lat", "lng"]].reset_index(drop=True)


def _must_docs(
    cand: pd.DataFrame,
    named: pd.DataFrame,
    h3s: np.ndarray,
    must_mask: np.ndarray,
    must_why: Mapping[int, str],
    visited: Mapping[int, tuple[str, int]],
    given: Mapping[str, tuple[str, str]],
    spans: Mapping[str, tuple[str, str]],
    w0: pd.Timestamp,
    w1: pd.Timestamp,
) -> tuple[list[dict[str, Any]], dict[int, dict[str, str]]]:
    """The must-visits as the plan keeps them, and per missed one its name and reason in words.

    Returns the plan's ``must`` list and ``{candidate: {"name_zh-CN": name, "name_en": name,
    "zh-CN": reason, "en": reason}}`` for the missed ones.
    """
    docs: list[dict[str, Any]] = []
    worded: dict[int, dict[str, str]] = {}
    for c in map(int, np.flatnonzero(must_mask)):
        h = str(h3s[c])
        zh, en = given.get(h) or (str(named.at[c, "place"]), str(named.at[c, "place_en"]))
        span = [str(x).strip()[:5] for x in spans[h]] if spans.get(h) else None
        doc: dict[str, Any] = {"h3": h, "place": zh, "place_en": en, "window": span}
        if c in visited:
            doc |= {"unit_id": visited[c][0], "arrive": _hhmm(w0, visited[c][1]), "why": None}
        else:
            why = must_why.get(int(c), "no_time")
            a, b = span or ["", ""]
            words = {
                lang: t(
                    f"plan.must_why.{why}",
                    lang,
                    start=a,
                    end=b,
                    window=f"{w0:%H:%M}–{w1:%H:%M}",
                )
                for lang in ("zh-CN", "en")
            }
            doc |= {"unit_id": None, "arrive": None, "why": why}
            doc |= {"why_zh": words["zh-CN"], "why_en": words["en"]}
            worded[c] = {"name_zh-CN": zh, "name_en": en, **words}
        docs.append(doc)
    return docs, worded


def _avoid_docs(
    engine: sa.Engine,
    scope: store.Reader,
    cells: Sequence[str],
    given: Mapping[str, tuple[str, str]],
) -> list[dict[str, str]]:
    """The avoided cells by name (as given, else by grid and landmark), with their ids."""
    if not cells:
        return []
    named = name_cells(engine, scope, list(cells))
    out = []
    for i, h in enumerate(cells):
        zh, en = given.get(h) or (str(named.at[i, "place"]), str(named.at[i, "place_en"]))
        out.append({"h3": h, "place": zh, "place_en": en})
    return out


def _blank(v: Any) -> bool:
    """True for an empty cell of a table (None, NaN, NaT, blank text)."""
    return v is None or (not isinstance(v, str) and pd.isna(v)) or not str(v).strip()


def _hhmm(start: pd.Timestamp, seconds: int) -> str:
    return f"{start + pd.Timedelta(seconds=int(seconds)):%H:%M}"


def _iso(start: pd.Timestamp, seconds: int) -> str:
    return (start + pd.Timedelta(seconds=int(seconds))).isoformat(timespec="minutes")


def make_plan(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    night: str,
    window: str = DEFAULT_NIGHT,
    units: Sequence[Unit] | None = None,
    unit_ids: Sequence[str] | None = None,
    n_units: int | None = None,
    dwell_min: float = DWELL_MIN,
    n_candidates: int | None = None,
    must: Sequence[int | str] = (),
    avoid: Sequence[int | str] = (),
    must_windows: Mapping[str, tuple[str, str]] | None = None,
    names: Mapping[str, tuple[str, str]] | None = None,
    points: Mapping[str, tuple[float, float]] | None = None,
    res: int = DEFAULT_RES,
    area: str | None = None,
    value: str = "gap",
    beats: Mapping[str, str] | None = None,
    history_days: int = 28,
    seed: int | None = None,
    time_limit_s: float = 9.0,
    network: str | Path | routing.RoadNetwork | None = None,
    detour: float = routing.DETOUR,
    night_filter: str = DEFAULT_NIGHT,
    gaps: pd.DataFrame | None = None,
) -> dict[str, Any]:
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
        How many candidates (gap cells and key points) to route over; default as many as the
        units' shifts can fill, :data:`geo.domain.plan.CANDIDATE_SLACK` times over, at most
        :data:`geo.domain.plan.MAX_CANDIDATES` (:func:`geo.domain.plan.pick_candidates`).
    must, avoid
        Cells (H3 strings or ints at ``res``) that must be visited / must not be.
    must_windows
        Per must-visit cell (H3 string): the local times ``(HH:MM, HH:MM)`` between which a unit
        arrives (:func:`geo.domain.plan.window_s`); a must-visit without one may be visited any
        time of the shifts. A must-visit that cannot be visited (its window outside the plan's,
        no unit reaching it in time, or not together with the other must-visits) is planned
        without, and the plan says why (``must``, ``warnings``).
    names
        Display names (zh-CN, en) of must-visit and avoided cells by H3 string (a key site's
        name, say); default the cell's place by grid and landmark.
    points
        Where a must-visit cell (H3 string) is visited: the picked place's point (lat, lng,
        WGS-84; a key site, a venue); default the cell's centre (or its key point).
    beats
        Beats typed per unit id (:func:`geo.domain.plan.parse_beat`: a grid id, metres around
        the post, ``all``) over the units' own (:class:`geo.domain.plan.Unit`). Each unit
        visits the gap cells and key points (key sites that need visits tonight, by the duty
        rules) of its beat only; a must-visit cell in no unit's beat is open to every unit.
    history_days
        Days before the night whose incidents and patrols rank the gaps.
    seed
        A randomised variant: values are jittered (about 15 %) with this seed, so that plans are
        not predictable night after night; the same seed gives the same inputs.
    time_limit_s
        Total seconds for the route search (:func:`geo.domain.routing.solve_routes`).
    network
        A road network (:func:`geo.services.networks.resolve`): a loaded
        :class:`geo.domain.routing.RoadNetwork`, a file, a stored network's id, or
        ``"straight"`` for the straight line x ``detour``; default the store's active network
        (the straight line when there is none).
    gaps
        Precomputed :func:`geo.services.risk.risk_cells` output (:func:`make_from_rows` reads it
        before the route search's clock starts); read otherwise.

    Returns
    -------
    dict with :data:`PLAN_KEYS` and more: ``plan_id``, ``date``, ``window`` (``"HH:MM-HH:MM"``),
    ``start``/``end`` (ISO local), ``area``, ``res``, ``value``, ``dwell_s``, ``risk_covered``
    (sum of visited cells' values), ``risk_total`` (sum over all candidates), ``greedy_covered``
    (the greedy baseline on the same inputs), ``travel`` (model and detour), ``units`` (each with
    ``unit_id``, ``name``, ``kind``, ``start_point``, ``shift``, ``stops``, ``travel_s``,
    ``value``, ``beat`` (area, area_name, radius_m, centre) and ``why_none`` (None, or why it
    got no stop: a code of :data:`geo.domain.plan.WHY_NONE`, worded in ``why_none_zh`` and
    ``why_none_en``); a stop is named by ``place`` and ``place_en``, grid and nearest landmark the
    user may read, :mod:`geo.services.places`, with its ``landmark``, ``landmark_m`` and the
    cell id ``h3`` as details), ``cells`` (every candidate: ``h3`` and ``value``),
    ``missed_must`` and ``warnings`` (English; ``warnings_zh`` and ``warnings_en`` worded for
    the users), ``must`` (each must-visit: ``h3``, ``place``, ``place_en``, ``window`` (``[HH:MM,
    HH:MM]`` or None), ``unit_id`` and ``arrive`` (``HH:MM``) when planned, else ``why`` (a
    code: ``window_outside``, ``no_unit``, ``no_time``) and ``why_zh``/``why_en``) and
    ``avoided`` (``h3``, ``place``, ``place_en``).
    """
    t_begin = time.perf_counter()
    tz = get_settings().tz
    w0, w1 = window_bounds(night, window, tz)
    horizon = int((w1 - w0).total_seconds())
    if units is None:
        units = units_on_duty(
            engine, scope, unit_ids=unit_ids, n=n_units, area=area, night=night, window=window
        )
    units = [
        Unit(
            u.unit_id,
            routing.plan_kind(u.kind),
            float(u.lat),
            float(u.lng),
            u.shift_h,
            u.start_h,
            u.name,
            *_beat_of(u, (beats or {}).get(u.unit_id)),
        )
        for u in units
    ]
    if len({u.unit_id for u in units}) != len(units):
        msg = "a unit is listed twice"
        raise ValueError(msg)
    if n_candidates is not None and n_candidates < 1:
        msg = f"candidates: {n_candidates} is not a positive number of cells"
        raise ValueError(msg)
    unknown = sorted(set(beats or {}) - {u.unit_id for u in units})
    if unknown:
        msg = f"beat: unit(s) {', '.join(unknown)} not on duty in this plan"
        raise ValueError(msg)
    if gaps is None:
        d = dt.date.fromisoformat(night)
        gaps = risk_cells(
            engine,
            scope,
            start=(d - dt.timedelta(days=history_days)).isoformat(),
            end=(d - dt.timedelta(days=1)).isoformat(),
            res=res,
            area=area,
            night=night_filter,
        )
    must_c = cells_at(must, res, "must-visit")
    avoid_c = cells_at(avoid, res, "avoided")
    pool = candidates(gaps, len(gaps), value=value, must=must_c, avoid=avoid_c)
    pool = beats_rules.add_key_points(pool, _key_points(engine, scope, area), res)
    pool = pool.loc[
        ~np.isin(pool["cell"].to_numpy().astype(np.int64), avoid_c.astype(np.int64))
    ].reset_index(drop=True)
    if pool.empty:
        msg = "no candidate cells: no risk or gap in these areas for the weeks before this night"
        raise ValueError(msg)
    spans = []
    for u in units:
        start = round(u.start_h * 3600)
        end = horizon if u.shift_h is None else min(horizon, start + round(u.shift_h * 3600))
        if not 0 <= start < end:
            msg = f"unit {u.unit_id}: its shift does not fall inside the window {window}"
            raise ValueError(msg)
        spans.append((start, end))
    beat = _beats(engine, scope, area, units, pool)
    dwell_s = round(dwell_min * 60)
    hop_m = beats_rules.typical_hop_m(pool["lat"].to_numpy(float), pool["lng"].to_numpy(float))
    need = np.array(
        [
            beats_rules.stops_to_fill(b - a, dwell_s, hop_m * detour / routing.SPEED_MPS[u.kind])
            for u, (a, b) in zip(units, spans, strict=True)
        ],
        float,
    )
    cap = beats_rules.MAX_CANDIDATES
    if n_candidates is not None:  # as many as asked for, shared out as the shifts would
        cap = int(n_candidates)
        need = need * cap / (need.sum() * beats_rules.CANDIDATE_SLACK)
    must_pool = pool["must"].to_numpy(bool)
    picked = beats_rules.pick_candidates(
        pool["prize"].to_numpy(float), beat.masks, need, must=must_pool, cap=cap
    )
    cand = pool.iloc[picked].reset_index(drop=True)
    at = {str(k): v for k, v in (points or {}).items()}
    for ci, h in enumerate(hexes.cells_to_str(cand["cell"].to_numpy())):
        if cand.at[ci, "must"] and str(h) in at:  # the place picked, not the cell's centre
            cand.loc[ci, ["lat", "lng"]] = [float(at[str(h)][0]), float(at[str(h)][1])]
    masks = beat.masks[:, picked]
    must_mask = cand["must"].to_numpy(bool)
    masks[:, must_mask & ~masks.any(axis=0)] = True  # a must-visit cell in no beat: anyone's
    values = cand["value"].to_numpy(float)
    cand_h3 = hexes.cells_to_str(cand["cell"].to_numpy())
    windows = np.tile(np.array([0, horizon], np.int64), (len(cand), 1))
    must_why: dict[int, str] = {}
    wanted = {str(k): v for k, v in (must_windows or {}).items() if _blank(v[0]) + _blank(v[1]) < 2}
    for h, hm in wanted.items():
        if _blank(hm[0]) or _blank(hm[1]):
            msg = f"must-visit cell {h}: a time window needs both its start and its end"
            raise ValueError(msg)
    for ci in map(int, np.flatnonzero(must_mask)):
        span = wanted.get(str(cand_h3[ci]))
        if span:
            a, b = beats_rules.window_s(span[0], span[1], f"{w0:%H:%M}")
            windows[ci] = (a, min(b, horizon))
            if a >= horizon:
                must_why[ci] = "window_outside"
    solve_values = cand["prize"].to_numpy(float)
    if seed is not None:
        rng = np.random.default_rng(seed)
        solve_values = solve_values * np.exp(rng.normal(0.0, 0.15, len(values)))
    vehicles = [
        routing.Vehicle(u.kind, a, b, None if whole else frozenset(np.flatnonzero(m).tolist()))
        for u, (a, b), m, whole in zip(units, spans, masks, beat.whole, strict=True)
    ]
    lat = np.r_[[u.lat for u in units], cand["lat"].to_numpy(float)]
    lng = np.r_[[u.lng for u in units], cand["lng"].to_numpy(float)]
    warnings: list[str] = []
    kinds = sorted({u.kind for u in units})
    net = networks.resolve(engine, network)  # None: the store's active network, if any
    if net is not None:
        fallbacks = net.fallbacks  # a stored network is shared: count this plan's own
        travel = {k: net.travel_s(lat, lng, k, detour=detour) for k in kinds}
        if net.fallbacks > fallbacks:
            warnings.append(
                f"{net.fallbacks - fallbacks} trips are not connected on the road network; "
                "they use the straight line"
            )
        model = {"model": "network", "file": net.path.name, "detour": detour}
    else:
        travel = {
            k: routing.straight_line_s(lat, lng, routing.SPEED_MPS[k], detour=detour) for k in kinds
        }
        model = {"model": "straight", "detour": detour}
    model["speeds_kmh"] = {k: round(routing.SPEED_MPS[k] * 3.6, 1) for k in kinds}
    reach = routing.reachable(travel, vehicles, dwell_s=dwell_s, windows=windows)
    for ci in map(int, np.flatnonzero(must_mask & ~reach.any(axis=0))):
        must_why.setdefault(ci, "no_unit")
    required = must_mask.copy()
    required[list(must_why)] = False
    budget = max(time_limit_s - (time.perf_counter() - t_begin), 0.5)
    try:
        routes = routing.solve_routes(
            solve_values,
            travel,
            vehicles,
            dwell_s=dwell_s,
            must=required,
            windows=windows,
            time_limit_s=budget,
        )
    except ValueError:  # the must-visits do not fit together: as the most valuable places
        boosted = solve_values.copy()
        boosted[required] = max(float(solve_values.max()), 1.0) * 3
        budget = max(time_limit_s - (time.perf_counter() - t_begin), 0.5)
        routes = routing.solve_routes(
            boosted, travel, vehicles, dwell_s=dwell_s, windows=windows, time_limit_s=budget
        )
    problems = routing.check_routes(routes, travel, vehicles, dwell_s=dwell_s, windows=windows)
    if problems:  # the solver's own constraints should make this impossible
        msg = "the route search returned an infeasible plan: " + "; ".join(problems[:3])
        raise RuntimeError(msg)
    greedy = routing.greedy_routes(values, travel, vehicles, dwell_s=dwell_s, windows=windows)
    visited = {
        s.cell: (u.unit_id, s.arrive_s) for u, r in zip(units, routes, strict=True) for s in r.stops
    }
    missed_must = [ci for ci in map(int, np.flatnonzero(must_mask)) if ci not in visited]
    for ci in missed_must:
        must_why.setdefault(ci, "no_time")
    # stops by name: grid + nearest landmark the user may read (the hexagon id is a detail)
    named = name_points(engine, scope, cand["lat"].to_numpy(float), cand["lng"].to_numpy(float))
    h3s = cand_h3
    given = {str(k): v for k, v in (names or {}).items()}
    must_docs, worded = _must_docs(
        cand, named, h3s, must_mask, must_why, visited, given, wanted, w0, w1
    )
    for ci in missed_must:
        warnings.append(
            f"must-visit place {worded[ci]['name_en']!r} could not be planned: {must_why[ci]}"
        )
    avoid_h3 = [str(x) for x in hexes.cells_to_str(avoid_c)] if len(avoid_c) else []
    avoided = _avoid_docs(engine, scope, avoid_h3, given)
    out_units: list[dict[str, Any]] = []
    for u, r in zip(units, routes, strict=True):
        stops = []
        for k, s in enumerate(r.stops):
            c = s.cell
            stops.append(
                {
                    "seq": k + 1,
                    "h3": str(h3s[c]),
                    "lat": round(float(cand.at[c, "lat"]), 6),
                    "lng": round(float(cand.at[c, "lng"]), 6),
                    "place": str(named.at[c, "place"]),
                    "place_en": str(named.at[c, "place_en"]),
                    "landmark": str(named.at[c, "landmark"]),
                    "landmark_m": None
                    if np.isnan(named.at[c, "metres"])
                    else round(float(named.at[c, "metres"])),
                    "arrive": _iso(w0, s.arrive_s),
                    "leave": _iso(w0, s.arrive_s + dwell_s),
                    "latest_arrive": _iso(w0, s.latest_s),
                    "value": round(float(values[c]), 4),
                    "rank": int(cand.at[c, "rank"]),
                    "risk": round(float(cand.at[c, "risk"]), 4),
                    "must": bool(must_mask[c]),
                    "key_point": str(cand.at[c, "site"]) or None,
                }
            )
        i = len(out_units)
        v = vehicles[i]
        why = (
            None
            if r.stops
            else beats_rules.why_none(
                in_scope=bool(beat.in_scope[i]),
                in_beat=int(beat.masks[i].sum()),
                reachable=int(reach[i].sum()),
            )
        )
        out_units.append(
            {
                "unit_id": u.unit_id,
                "name": u.name,
                "kind": u.kind,
                "start_point": {"lat": round(u.lat, 6), "lng": round(u.lng, 6)},
                "shift": [_iso(w0, v.start_s), _iso(w0, v.end_s)],
                "back": _iso(w0, r.end_s),
                "stops": stops,
                "travel_s": int(r.travel_s),
                "value": round(float(sum(values[s.cell] for s in r.stops)), 4),
                "beat": beat.docs[i],
                "why_none": why,
                **{
                    f"why_none_{lang[:2]}": None
                    if why is None
                    else t(f"plan.why.{why}", lang, beat=_beat_words(beat.docs[i], lang))
                    for lang in ("zh-CN", "en")
                },
            }
        )
    covered = routing.routes_value(routes, values)
    return {
        "plan_id": f"P{night.replace('-', '')}-{uuid.uuid4().hex[:6]}",
        "date": night,
        "window": f"{w0:%H:%M}-{w1:%H:%M}",
        "start": w0.isoformat(),
        "end": w1.isoformat(),
        "area": area,
        "res": int(res),
        "value": value,
        "dwell_s": dwell_s,
        "candidates": len(cand),
        "key_points": int((cand["site"] != "").sum()),
        "risk_covered": round(covered, 4),
        "risk_total": round(float(values.sum()), 4),
        "greedy_covered": round(routing.routes_value(greedy, values), 4),
        "seed": seed,
        "travel": model,
        "units": out_units,
        "cells": [
            {"h3": str(h), "value": round(float(v), 4)} for h, v in zip(h3s, values, strict=True)
        ],
        "missed_must": [str(h3s[c]) for c in missed_must],
        "warnings": warnings,
        **{
            f"warnings_{lang[:2]}": [
                t(
                    "plan.must_missed",
                    lang,
                    place=worded[ci][f"name_{lang}"],
                    reason=worded[ci][lang],
                )
                for ci in missed_must
            ]
            + [w for w in warnings if not w.startswith("must-visit place ")]
            for lang in ("zh-CN", "en")
        },
        "must": must_docs,
        "avoid": avoid_h3,
        "avoided": avoided,
        "created": pd.Timestamp.now(tz=tz).isoformat(timespec="seconds"),
        "solve_s": round(time.perf_counter() - t_begin, 2),
    }


def save_plan(
    engine: sa.Engine, plan: dict[str, Any], *, user: str | None = None, scope: store.Reader = "all"
) -> str:
    """Store a plan document (its ``plan_id`` is the key; saving it again replaces it).

    The plan is seen by whoever sees its area; a plan made without an area is kept with the
    areas of ``scope`` (the maker's), comma-joined, or ``all`` (admins only) for every area.
    """
    saved_scope = plan.get("area")
    if not saved_scope:
        ids = store.resolve_scope(engine, scope)
        who = store.principal(scope)
        if who is not None and who.areas is not None:
            ids = who.areas  # the user's own areas (a station stands for its grids)
        saved_scope = "all" if ids is None else ",".join(sorted(ids))
    now_ms = int(pd.Timestamp.now(tz="UTC").value // 1_000_000)
    return saved_plans.save_plan(engine, plan, scope=saved_scope, user=user, now_ms=now_ms)


def load_plan(engine: sa.Engine, plan_id: str, scope: store.Reader = "all") -> dict[str, Any]:
    """A saved plan by id (ValueError when unknown or outside the scope)."""
    return saved_plans.load_plan(engine, plan_id, scope)


def list_plans(
    engine: sa.Engine,
    scope: store.Reader = "all",
    *,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Saved plans, newest night first, optionally for nights ``start``..``end``.

    Columns plan_id, night, created, user_name, area, risk_covered, risk_total.
    """
    return saved_plans.list_plans(engine, scope, start=start, end=end, tz=get_settings().tz)


def actual(
    engine: sa.Engine, scope: store.Reader, plan: dict[str, Any] | str, **kwargs: Any
) -> dict[str, Any]:
    """Plan against actual for a saved plan (by id) or a plan document.

    Measured on the stored tracks of the plan's units on its night (read through ``scope``).
    """
    if isinstance(plan, str):
        plan = load_plan(engine, plan, scope)
    w0, w1 = pd.Timestamp(plan["start"]), pd.Timestamp(plan["end"])
    unit_ids = [u["unit_id"] for u in plan["units"]]
    lo = (w0 - pd.Timedelta(days=1)).date().isoformat()
    hi = w1.date().isoformat()
    shifts = store.read(
        engine,
        "shifts",
        scope,
        start=lo,
        end=hi,
        columns=["shift_id", "unit_id", "start", "end"],
        where={"unit_id": unit_ids},
    )
    if len(shifts):
        shifts = shifts.loc[(shifts["start"] < w1) & (shifts["end"] > w0)]
    if shifts.empty:
        pings = pd.DataFrame(columns=["unit_id", "shift_id", "ts", "lat", "lng"])
    else:
        pings = store.read(
            engine,
            "pings",
            scope,
            columns=["shift_id", "ts", "lat", "lng"],
            where={"shift_id": shifts["shift_id"].tolist()},
        )
        ids = store.resolve_scope(engine, scope)
        if ids is not None and len(pings):  # only the part of the tracks inside the scope
            poly = store.area_polygon(engine, ids)
            if poly is not None:
                pings = pings.loc[
                    shapely.contains_xy(
                        poly, pings["lng"].to_numpy(float), pings["lat"].to_numpy(float)
                    )
                ]
        pings = pings.merge(shifts[["shift_id", "unit_id"]], on="shift_id")
        pings = pings.sort_values(["shift_id", "ts"]).reset_index(drop=True)
    return plan_vs_actual(plan, pings, **kwargs)


def period_compliance(
    engine: sa.Engine, scope: store.Reader, start: str, end: str
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
    return tot | {
        "compliance": round(tot["full"] / n, 4) if n else None,
        "visited": round((tot["full"] + tot["brief"]) / n, 4) if n else None,
    }


# --------------------------------------------------------------------------------------------
# The plan page: a plan made from the edited unit rows, what it shows, plan against actual


class NoUnitsError(ValueError):
    """No unit row is ticked: a plan needs at least one unit."""


def cells_from_text(text: str) -> list[str]:
    """The cells typed in a text box: H3 strings split on commas (also full-width) or spaces."""
    return [c.strip() for c in text.replace("，", ",").replace(" ", ",").split(",") if c.strip()]


def _cell_text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip()


def _row_beat(v: Any) -> str:
    """A units-table beat cell as :class:`Unit` keeps it (around the post: "", the radius)."""
    text = _cell_text(v)
    return "" if text == AROUND_POST else text


def _cell_number(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def units_from_rows(rows: pd.DataFrame) -> list[Unit]:
    """The ticked rows of the plan page's units table (:data:`UNIT_COLUMNS`) as units.

    An empty ``name``, ``start_h`` or ``shift_h`` is no name, the window start and the whole
    window; an empty ``beat`` and ``beat_m`` the default beat of the unit's kind. Raises
    :class:`NoUnitsError` when no row is ticked; a ValueError or TypeError when a row's numbers
    are not numbers.
    """
    on = rows.loc[rows["on"].fillna(False).astype(bool)] if len(rows) else rows
    units = [
        Unit(
            str(r.unit_id),
            str(r.kind),
            float(r.lat),
            float(r.lng),
            shift_h=None if pd.isna(r.shift_h) else float(r.shift_h),
            start_h=0.0 if pd.isna(r.start_h) else float(r.start_h),
            name="" if pd.isna(r.name) else str(r.name),
            beat=_row_beat(getattr(r, "beat", None)),
            beat_m=_cell_number(getattr(r, "beat_m", None)),
        )
        for r in on.itertuples(index=False)
    ]
    if not units:
        msg = "no units"
        raise NoUnitsError(msg)
    return units


def gap_window(night: str, history_days: int = 28) -> tuple[str, str]:
    """The ``history_days`` days before ``night`` whose incidents and patrols rank its gaps.

    Returns the first and last local dates (YYYY-MM-DD, inclusive).
    """
    d = dt.date.fromisoformat(night)
    return (d - dt.timedelta(days=history_days)).isoformat(), (d - dt.timedelta(days=1)).isoformat()


def make_from_rows(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    rows: pd.DataFrame,
    night: str,
    window: str,
    user: str,
    dwell_min: float = DWELL_MIN,
    n_candidates: int | None = None,
    must: str | Sequence[str] = (),
    avoid: str | Sequence[str] = (),
    must_windows: Mapping[str, tuple[str, str]] | None = None,
    names: Mapping[str, tuple[str, str]] | None = None,
    points: Mapping[str, tuple[float, float]] | None = None,
    res: int = DEFAULT_RES,
    area: str | None = None,
    value: str = "gap",
    seed: int | None = None,
    time_limit_s: float = 9.0,
    network: str = "",
    night_filter: str = DEFAULT_NIGHT,
    history_days: int = 28,
) -> dict[str, Any]:
    """Make, save and audit a plan from the plan page's edited units table.

    Parameters
    ----------
    rows
        The units table (:data:`UNIT_COLUMNS`); only ticked rows plan (:func:`units_from_rows`).
    night, window
        Local date (YYYY-MM-DD) the night starts on; shift window ``HH:MM-HH:MM``.
    user
        Who makes the plan (saved with it and written to the audit log; "" for nobody).
    must, avoid
        Cells (H3 strings at ``res``: the picked places' cells,
        :func:`geo.services.plan_places.pickable_places`), or text as typed
        (:func:`cells_from_text`).
    must_windows, names, points
        As :func:`make_plan`: arrival windows of must-visit cells, names and points of the
        picked places.
    network
        The plan page's choice: a stored network's id, ``"straight"`` (or blank) for the
        straight line x detour (:func:`geo.services.networks.resolve`).
    night_filter
        The night window (``HH:MM-HH:MM``) of the incidents that rank the gaps, over the
        ``history_days`` days before the night (:func:`gap_window`).
    dwell_min, n_candidates, res, area, value, seed, time_limit_s
        As :func:`make_plan` (minutes, a count, the H3 resolution, an area, ``gap`` or ``risk``,
        a seed for a randomised variant, seconds for the route search).

    Returns
    -------
    The saved plan document (:func:`make_plan`). Raises :class:`NoUnitsError` when no row is
    ticked, ValueError (or TypeError for a bad row) when no plan can be made.
    """
    units = units_from_rows(rows)
    start, end = gap_window(night, history_days)
    gaps = risk_cells(engine, scope, start=start, end=end, res=res, area=area, night=night_filter)
    made = make_plan(
        engine,
        scope,
        night=night,
        window=window,
        units=units,
        dwell_min=dwell_min,
        n_candidates=n_candidates,
        must=cells_from_text(must) if isinstance(must, str) else list(must),
        avoid=cells_from_text(avoid) if isinstance(avoid, str) else list(avoid),
        must_windows=must_windows,
        names=names,
        points=points,
        res=res,
        area=area,
        value=value,
        seed=seed,
        time_limit_s=time_limit_s,
        network=network.strip() or networks.STRAIGHT,
        gaps=gaps,
    )
    save_plan(engine, made, user=user, scope=scope)
    audit(
        engine,
        user or None,
        "plan",
        made["plan_id"],
        rows=sum(len(u["stops"]) for u in made["units"]),
        night=made["date"],
        area=area,
        units=len(made["units"]),
    )
    return made


@dataclass(frozen=True)
class PlanShown:
    """A plan as the plan page shows it (:func:`plan_shown`).

    ``metrics``: ``units`` and ``stops`` (counts), ``covered`` (share of the candidates' value
    the routes cover, ``"45%"``) and ``vs_greedy`` (against the greedy baseline, ``"+3%"``);
    ``units``: unit_id, kind (code), shift (``HH:MM–HH:MM``), stops, travel_min, value,
    why_none_zh and why_none_en (why a unit has no stop, in words; None when it has some);
    ``stops``: one row per stop (:func:`geo.reports.plan_sheets.stops_frame`) with arrive,
    leave and latest_arrive as local ``HH:MM``.
    """

    metrics: dict[str, int | str]
    units: pd.DataFrame
    stops: pd.DataFrame


def plan_shown(plan: dict[str, Any]) -> PlanShown:
    """The figures, unit summary and stops of a plan document, ready to show."""
    n_stops = sum(len(u["stops"]) for u in plan["units"])
    share = plan["risk_covered"] / plan["risk_total"] if plan["risk_total"] else 0.0
    gain = plan["risk_covered"] / plan["greedy_covered"] - 1 if plan["greedy_covered"] else 0.0
    units = pd.DataFrame(
        [
            {
                "unit_id": u["unit_id"],
                "kind": u["kind"],
                "shift": f"{u['shift'][0][11:16]}–{u['shift'][1][11:16]}",
                "stops": len(u["stops"]),
                "travel_min": round(u["travel_s"] / 60),
                "value": u["value"],
                "why_none_zh": u.get("why_none_zh"),
                "why_none_en": u.get("why_none_en"),
            }
            for u in plan["units"]
        ]
    )
    stops = plan_sheets.stops_frame(plan)
    if len(stops):
        stops = stops.assign(
            arrive=stops["arrive"].str[11:16],
            leave=stops["leave"].str[11:16],
            latest_arrive=stops["latest_arrive"].str[11:16],
        )
    return PlanShown(
        {
            "units": len(plan["units"]),
            "stops": n_stops,
            "covered": f"{share:.0%}",
            "vs_greedy": f"{gain:+.0%}",
        },
        units,
        stops,
    )


def _file_maker(
    write: Callable[..., bytes], plan: dict[str, Any], lang: str, crs: str
) -> Callable[[], bytes]:
    """``write(plan, lang, crs=crs)`` when called (a GPX or KML file in ``crs``)."""
    return lambda: write(plan, lang, crs=crs)


def plan_files(
    engine: sa.Engine, plan: dict[str, Any], lang: str
) -> dict[str, tuple[Callable[[], str | bytes], str, str]]:
    """The plan's files for the field: ``{label: (make, mime type, extension)}``.

    For PDF, HTML, GPX and KML (each in WGS-84 and in GCJ-02, the label says which), CSV (with
    a BOM, for Excel) and JSON. ``make()`` makes the file
    when called (the PDF and HTML sheets take about a second); the sheets say so when the demo
    city is loaded. Without a TrueType CJK font there is no PDF (the page says what to install:
    :data:`FONT_PACKAGE`); the other files need none.
    """
    demo = store.is_demo(engine)
    back = networks.sheet_backdrop(engine, "all")  # streets and grid lines under the routes
    pdf = {
        "PDF": (
            lambda: plan_sheets.to_pdf(plan, lang, demo=demo, backdrop=back),
            "application/pdf",
            "pdf",
        )
    }
    maps: dict[str, tuple[Callable[[], str | bytes], str, str]] = {}
    for fmt, write, mime in (
        ("GPX", plan_sheets.to_gpx, "application/gpx+xml"),
        ("KML", plan_sheets.to_kml, "application/vnd.google-earth.kml+xml"),
    ):
        for crs in plan_sheets.CRS:  # WGS-84 for GPS devices, GCJ-02 for Amap's phone maps
            label = t("plan.fmt_crs", lang, fmt=fmt, crs=t(f"plan.crs.{crs}", lang))
            ext = fmt.lower() if crs == "wgs84" else f"{crs}.{fmt.lower()}"
            maps[label] = (_file_maker(write, plan, lang, crs), mime, ext)
    return (pdf if fonts.has_cjk_font() else {}) | {
        "HTML": (
            lambda: plan_sheets.to_html(plan, lang, demo=demo, backdrop=back),
            "text/html",
            "html",
        ),
        **maps,
        "CSV": (lambda: "\ufeff" + plan_sheets.to_csv(plan), "text/csv", "csv"),
        "JSON": (lambda: plan_sheets.to_json(plan), "application/json", "json"),
    }


def plan_choices(engine: sa.Engine, scope: store.Reader) -> dict[str, str]:
    """The saved plans the scope sees, newest night first: ``{plan_id: "id · night · area"}``.

    A plan of every area the user had names no area.
    """
    saved = list_plans(engine, scope)
    return {
        r.plan_id: f"{r.plan_id} · {r.night}"
        + ("" if r.area in (None, "", "all") else f" · {r.area}")
        for r in saved.itertuples()
    }


@dataclass(frozen=True)
class PlanActual:
    """A saved plan against what was driven, ready to show (:func:`against_actual`).

    ``plan``: the plan document; ``full_pct`` the share of the planned dwell that makes a visit
    full (``"60"``, percent) and ``brief_s`` the seconds that make it brief; ``metrics``:
    ``compliance`` and ``visited`` (``"45%"`` or ``"—"``), ``in_plan`` and ``outside`` (minutes
    in and outside the plan's cells, ``"12"``); ``status``: ``{(unit_id, seq): full | brief |
    missed}``; ``tracks``: the pings (shift_id, ts, lat, lng) of the plan's units' shifts of its
    night; ``units``: per unit stops, full, brief, missed, compliance (``"45%"`` or ``"—"``),
    dwell_in_plan_min, dwell_outside_min; ``stops``: per stop unit_id, seq, arrive (``HH:MM``),
    landmark, place and place_en (the stop's name, :func:`geo.domain.places.place_of`), status
    (code), dwell_min, first_in (``HH:MM`` or ``"—"``), h3 (the cell id, a detail).
    """

    plan: dict[str, Any]
    full_pct: str
    brief_s: int
    metrics: dict[str, str]
    status: dict[tuple[str, int], str]
    tracks: pd.DataFrame
    units: pd.DataFrame
    stops: pd.DataFrame


def _pct(v: float | None) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:.0%}"


def against_actual(
    engine: sa.Engine, scope: store.Reader, plan_id: str, *, area: str | None = None
) -> PlanActual:
    """A saved plan (by id) against the stored tracks of its night (:func:`actual`).

    With the tracks of its units' shifts that night in ``area`` (read through ``scope``).

    ValueError when the plan is unknown or outside the scope.
    """
    plan = load_plan(engine, plan_id, scope)
    result = actual(engine, scope, plan)
    o = result["overall"]
    shifts = shifts_of_night(engine, scope, plan["date"], area=area)
    mine = shifts.loc[shifts["unit_id"].isin([u["unit_id"] for u in plan["units"]])]
    tracks = night_tracks(engine, scope, mine["shift_id"].tolist())
    units = pd.DataFrame(result["units"])
    if len(units):
        units["compliance"] = units["compliance"].map(_pct)
    stops = pd.DataFrame(result["stops"])
    if len(stops):
        planned = {(u["unit_id"], int(s["seq"])): s for u in plan["units"] for s in u["stops"]}
        keys = list(zip(stops["unit_id"], stops["seq"].astype(int), strict=True))
        stops = stops.assign(
            place=[places.place_of(planned.get(k, {}), "zh-CN") for k in keys],
            place_en=[places.place_of(planned.get(k, {}), "en") for k in keys],
            arrive=stops["arrive"].str[11:16],
            dwell_min=(stops["dwell_s"] / 60).round(1),
            first_in=stops["first_in"].map(lambda v: v[11:16] if isinstance(v, str) else "—"),
        )
    return PlanActual(
        plan=plan,
        full_pct=f"{result['full_ratio']:.0%}".rstrip("%"),
        brief_s=int(result["brief_s"]),
        metrics={
            "compliance": _pct(o["compliance"]),
            "visited": _pct(o["visited"]),
            "in_plan": f"{o['dwell_in_plan_min']:.0f}",
            "outside": f"{o['dwell_outside_min']:.0f}",
        },
        status={(s["unit_id"], int(s["seq"])): s["status"] for s in result["stops"]},
        tracks=tracks,
        units=units,
        stops=stops,
    )
