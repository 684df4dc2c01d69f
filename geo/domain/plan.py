"""Tonight's patrol plan without a store: units, candidate cells, landmarks, plan vs driven.

The parts of the plan without a store: units, candidate cells, landmarks, and the plan against
what was driven.

A plan document (:data:`PLAN_KEYS` and more, see :func:`geo.services.plan.make_plan`) lists every
unit's stops; :func:`plan_vs_actual` compares it with the units' GPS tracks: each stop is ``full``
(dwell at least ``full_ratio`` of the planned dwell in the stop's cell), ``brief`` (at least
``brief_s`` seconds) or ``missed``; compliance per unit and overall; dosage minutes inside the
planned cells against outside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.domain import coverage, hexes
from geo.domain.coords import haversine_m

__all__ = [
    "BEAT_M",
    "DWELL_MIN",
    "LANDMARK_M",
    "MAX_CANDIDATES",
    "PLAN_KEYS",
    "WHOLE",
    "WHY_NONE",
    "Unit",
    "add_key_points",
    "candidates",
    "cells_at",
    "default_beat",
    "in_radius",
    "landmarks",
    "parse_beat",
    "pick_candidates",
    "plan_vs_actual",
    "stops_to_fill",
    "typical_hop_m",
    "why_none",
    "window_s",
]

DWELL_MIN = 15


# Keys of a plan document (more are added: see make_plan).
PLAN_KEYS = ("plan_id", "date", "window", "risk_covered", "risk_total", "units")


# A landmark is the nearest key site or venue within this many metres of the cell centre.
LANDMARK_M = 400.0

# Beats: a unit's beat by default is the whole scope for a car; for an e-bike or foot patrol its
# grid, else this many metres around its post.
BEAT_M: dict[str, float] = {"e_bike": 1500.0, "foot": 800.0}
WHOLE = "all"  # the beat of the whole scope
# Candidates: at most this many; this many times the stops the units' shifts can hold, so that
# the routes have cells to choose from.
MAX_CANDIDATES = 600
CANDIDATE_SLACK = 1.5
# A key point (a key site that needs visits tonight) is worth at least this quantile of the
# candidates' values to the route search, so that the beats' routes take it in.
KEY_POINT_QUANTILE = 0.9
# Why a unit got no stop (plan.why.<code> in the language tables), in the order they are tested.
WHY_NONE = ("beat_outside", "beat_empty", "no_time", "taken")


@dataclass(frozen=True)
class Unit:
    """A unit on duty tonight.

    ``kind`` is police_car, e_bike or foot (aliases such as car, e-bike, auxiliary accepted);
    ``lat``/``lng`` the start point (WGS-84), where the route also ends; ``start_h`` the hours after
    the window start when the shift begins and ``shift_h`` its length (None: to the window end).
    Its beat (where it patrols, :func:`default_beat`): ``beat`` an area id (its grid) or
    :data:`WHOLE` (the whole scope), else ``beat_m`` metres around its post (its start point);
    both empty: the default of its kind.
    """

    unit_id: str
    kind: str
    lat: float
    lng: float
    shift_h: float | None = None
    start_h: float = 0.0
    name: str = ""
    beat: str = ""
    beat_m: float | None = None


def candidates(
    gaps: pd.DataFrame,
    n: int,
    *,
    value: str = "gap",
    must: Iterable[int] = (),
    avoid: Iterable[int] = (),
) -> pd.DataFrame:
    """The cells a plan may visit: the ``n`` best by ``value`` plus every ``must`` cell.

    The ``n`` best by ``value`` (``gap`` or ``risk``) with a positive value, without ``avoid``
    cells, plus every ``must`` cell.

    ``gaps`` is :func:`geo.services.risk.risk_cells` output. Returns cell (uint64), value, rank,
    risk, gap, must (bool), lat, lng (cell centre, WGS-84).
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
        rows = [
            known.loc[c].to_dict() | {"cell": np.uint64(c)}
            if c in known.index
            else {"cell": np.uint64(c), "risk": 0.0, "gap": 0.0, "rank": 0}
            for c in extra
        ]
        pick = pd.concat([pick, pd.DataFrame(rows)], ignore_index=True)
    out = pd.DataFrame(
        {
            "cell": pick["cell"].to_numpy().astype(np.uint64),
            "value": pick[value].to_numpy(float),
            "rank": pick["rank"].fillna(0).to_numpy(np.int64),
            "risk": pick["risk"].to_numpy(float),
            "gap": pick["gap"].to_numpy(float),
        }
    )
    out["must"] = np.isin(out["cell"].to_numpy().astype(np.int64), list(must_set))
    lat, lng = hexes.cell_centres(out["cell"].to_numpy())
    out["lat"], out["lng"] = lat, lng
    return out.reset_index(drop=True)


def parse_beat(text: str | float | None) -> tuple[str, float | None]:
    """A beat as typed: ``(area id or WHOLE or "", radius in metres or None)``.

    A number is a radius in metres around the unit's post; ``all`` (also 全部, scope) is the
    whole scope; blank is the default of the unit's kind; anything else an area id.

    >>> parse_beat("800"), parse_beat("ST01-G03"), parse_beat(" all "), parse_beat("")
    (('', 800.0), ('ST01-G03', None), ('all', None), ('', None))
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return "", None
    raw = str(text).strip()
    if not raw:
        return "", None
    if raw.lower() in (WHOLE, "scope", "whole", "全部", "全辖区"):
        return WHOLE, None
    try:
        metres = float(raw)
    except ValueError:
        return raw, None
    if not np.isfinite(metres) or metres <= 0:
        msg = f"beat {raw!r}: a radius must be a positive number of metres"
        raise ValueError(msg)
    return "", metres


def default_beat(kind: str, grid: str | None) -> tuple[str, float | None]:
    """The beat of a unit by its planning kind.

    A car: the whole scope; an e-bike or foot patrol: its grid (``grid``: the grid its record
    names, or None), else :data:`BEAT_M` metres around its post.

    >>> default_beat("police_car", "G1"), default_beat("foot", "G1"), default_beat("foot", None)
    (('all', None), ('G1', None), ('', 800.0))
    """
    if kind not in BEAT_M:
        return WHOLE, None
    return (grid, None) if grid else ("", BEAT_M[kind])


def in_radius(
    lat: np.ndarray, lng: np.ndarray, centre_lat: float, centre_lng: float, radius_m: float
) -> np.ndarray:
    """Which points (WGS-84) lie within ``radius_m`` metres (great circle) of the centre."""
    d = haversine_m(np.asarray(lng, float), np.asarray(lat, float), centre_lng, centre_lat)
    return np.asarray(d <= radius_m)


def typical_hop_m(lat: np.ndarray, lng: np.ndarray) -> float:
    """Metres between a cell and its nearest neighbour, the median over the points (WGS-84).

    A route hops between near cells: this is the length of a typical hop (0 for one point).
    """
    lat, lng = np.asarray(lat, float), np.asarray(lng, float)
    if len(lat) < 2:
        return 0.0
    k = np.cos(np.radians(float(np.mean(lat)))) * 111_320.0
    xy = np.column_stack([lng * k, lat * 110_540.0])
    d, _ = cKDTree(xy).query(xy, k=2)
    return float(np.median(d[:, 1]))


def stops_to_fill(shift_s: float, dwell_s: float, hop_s: float) -> int:
    """How many stops fill a shift: ``shift / (dwell + hop)`` (seconds), at least 1.

    >>> stops_to_fill(4 * 3600, 900, 300)
    12
    """
    return max(int(shift_s // max(dwell_s + hop_s, 1.0)), 1)


def add_key_points(pool: pd.DataFrame, sites: pd.DataFrame, res: int) -> pd.DataFrame:
    """Candidates plus the key points: key sites that need visits tonight.

    ``pool`` is :func:`candidates` output; ``sites`` the key sites with ``site_id``, ``name``,
    ``lat``, ``lng`` (WGS-84) that need visits. A key point is the cell it lies in, at the site
    itself; it keeps the cell's own value (0 when the cell is no candidate) and gets a
    ``prize`` (what the route search may win by it) of at least the :data:`KEY_POINT_QUANTILE`
    of the candidates' values. Two sites in one cell are one key point (the first by id names
    it). Adds columns ``prize`` (the value elsewhere), ``site_id`` and ``site`` ("" elsewhere).
    """
    out = pool.assign(prize=pool["value"].to_numpy(float), site_id="", site="")
    if sites.empty:
        return out
    sites = sites.sort_values("site_id")
    cells = hexes.latlng_to_cells(sites["lat"].to_numpy(float), sites["lng"].to_numpy(float), res)
    positive = out.loc[out["value"] > 0, "value"].to_numpy(float)
    floor = float(np.quantile(positive, KEY_POINT_QUANTILE)) if len(positive) else 1.0
    have = {int(c): i for i, c in enumerate(out["cell"].to_numpy().astype(np.int64))}
    extra: list[dict[str, Any]] = []
    for cell, row in zip(cells.astype(np.int64), sites.itertuples(index=False), strict=True):
        c = int(cell)
        if c in have:
            i = have[c]
            if not out.at[i, "site_id"]:
                out.loc[i, ["site_id", "site", "lat", "lng"]] = [
                    str(row.site_id),
                    str(row.name),
                    float(row.lat),
                    float(row.lng),
                ]
                out.at[i, "prize"] = max(float(out.at[i, "value"]), floor)
            continue
        have[c] = len(out) + len(extra)
        extra.append(
            {
                "cell": np.uint64(c),
                "value": 0.0,
                "rank": 0,
                "risk": 0.0,
                "gap": 0.0,
                "must": False,
                "lat": float(row.lat),
                "lng": float(row.lng),
                "prize": floor,
                "site_id": str(row.site_id),
                "site": str(row.name),
            }
        )
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
        out["cell"] = out["cell"].to_numpy().astype(np.uint64)
    return out


def pick_candidates(
    prize: np.ndarray,
    beats: np.ndarray,
    need: np.ndarray,
    *,
    must: np.ndarray | None = None,
    cap: int = MAX_CANDIDATES,
) -> np.ndarray:
    """The candidates a plan routes over: enough of each beat's best to fill its units' shifts.

    Parameters
    ----------
    prize
        What visiting each cell of the pool is worth (``P`` values).
    beats
        ``(U, P)`` boolean: which cells lie in each unit's beat.
    need
        Stops each unit's shift can hold (:func:`stops_to_fill`); scaled down so that the
        total is at most ``cap`` (each unit keeps at least one).
    must
        Cells always taken.

    Units of one beat are taken together, the narrowest beat first (a car's whole scope
    last), each taking :data:`CANDIDATE_SLACK` times its units' stops from the best cells of its
    beat not yet taken; so the candidates grow with the units and their shifts. Returns the
    indices of the cells taken, in pool order.
    """
    prize = np.asarray(prize, float)
    beats = np.asarray(beats, bool)
    want = np.asarray(need, float) * CANDIDATE_SLACK
    if want.sum() > cap:
        want = want * cap / want.sum()
    need = np.floor(want + 1e-9).astype(np.int64)
    short = min(round(float(want.sum())), cap) - int(need.sum())  # largest remainders round up
    need[np.argsort(-(want - need), kind="stable")[: max(short, 0)]] += 1
    need = np.maximum(need, 1)
    taken = np.zeros(len(prize), bool) if must is None else np.asarray(must, bool).copy()
    order = np.lexsort((np.arange(len(prize)), -prize))  # best first, pool order on ties
    groups: dict[bytes, list[int]] = {}
    for u in range(len(beats)):
        groups.setdefault(beats[u].tobytes(), []).append(u)
    for units in sorted(groups.values(), key=lambda g: (int(beats[g[0]].sum()), g[0])):
        mask = beats[units[0]]
        free = order[mask[order] & ~taken[order] & (prize[order] > 0)]
        taken[free[: int(need[units].sum())]] = True
    return np.flatnonzero(taken)


def window_s(start: str, end: str, window_start: str) -> tuple[int, int]:
    """A must-visit's time window as seconds after the plan's window start.

    ``start`` and ``end`` are local times of the night (``HH:MM``) between which the unit
    arrives; ``window_start`` is the plan window's start (``HH:MM``). A time is the next one at
    or after the window start (so 01:30 of a 20:00-06:00 night is 19 800 s); a time window
    that wraps past the window start (19:00-21:00 of a 20:00 night) keeps the part inside the
    night. A window beyond the plan's end starts after it: the caller reports it.

    >>> window_s("21:00", "22:30", "20:00"), window_s("23:30", "00:30", "20:00")
    ((3600, 9000), (12600, 16200))
    >>> window_s("19:00", "21:00", "20:00"), window_s("16:30", "17:30", "20:00")
    ((0, 3600), (73800, 77400))
    """

    def minutes(text: str) -> int:
        hh, _, mm = str(text).strip().partition(":")
        h, m = int(hh), int(mm[:2])
        if not (0 <= h < 24 and 0 <= m < 60):
            msg = f"{text!r} is not a time (HH:MM)"
            raise ValueError(msg)
        return h * 60 + m

    w0 = minutes(window_start)
    a = (minutes(start) - w0) % (24 * 60) * 60
    b = (minutes(end) - w0) % (24 * 60) * 60
    if b < a:  # the time window holds the window start: the part inside the night
        a = 0
    return a, b


def why_none(*, in_scope: bool, in_beat: int, reachable: int) -> str:
    """Why a unit got no stop (a code of :data:`WHY_NONE`).

    ``in_scope``: its beat overlaps the areas planned; ``in_beat``: gaps and key points in its
    beat; ``reachable``: how many of those it could reach, visit and come back from within its
    shift. With all three, the others' routes took what its beat holds.
    """
    if not in_scope:
        return "beat_outside"
    if in_beat == 0:
        return "beat_empty"
    if reachable == 0:
        return "no_time"
    return "taken"


def landmarks(
    lat: np.ndarray, lng: np.ndarray, places: pd.DataFrame, max_m: float = LANDMARK_M
) -> tuple[list[str], np.ndarray]:
    """Name of and distance (m) to the nearest place within ``max_m`` metres of each point.

    ``places`` has ``name``, ``lat``, ``lng``. The name is "" and the distance NaN when no place
    is within ``max_m`` metres.
    """
    if places.empty or len(lat) == 0:
        return [""] * len(lat), np.full(len(lat), np.nan)
    d = haversine_m(
        np.asarray(lng)[:, None],
        np.asarray(lat)[:, None],
        places["lng"].to_numpy(float)[None, :],
        places["lat"].to_numpy(float)[None, :],
    )
    j = np.argmin(d, axis=1)
    best = d[np.arange(len(lat)), j]
    names = places["name"].astype(str).to_numpy()
    return (
        [str(names[k]) if m <= max_m else "" for k, m in zip(j, best, strict=True)],
        np.where(best <= max_m, np.round(best), np.nan),
    )


def cells_at(cells: Sequence[int | str], res: int, what: str) -> np.ndarray:
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


def plan_vs_actual(
    plan: dict[str, Any], pings: pd.DataFrame, *, full_ratio: float = 0.8, brief_s: float = 60.0
) -> dict[str, Any]:
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
    res = int(plan["res"])
    w0, w1 = pd.Timestamp(plan["start"]), pd.Timestamp(plan["end"])
    planned_dwell = float(plan["dwell_s"])
    rows = []
    unit_rows = []
    p = pings.loc[(pings["ts"] >= w0) & (pings["ts"] <= w1)] if len(pings) else pings
    for u in plan["units"]:
        mine = p.loc[p["unit_id"] == u["unit_id"]] if len(p) else p
        pieces = (
            coverage.split_dwell(mine[["shift_id", "ts", "lat", "lng"]], res=res)
            if len(mine) > 1
            else pd.DataFrame(columns=["cell", "start", "dwell_s"])
        )
        if len(pieces):
            pieces = pieces.assign(cell=pieces["cell"].to_numpy().astype(np.uint64))
            per_cell = pieces.groupby("cell")["dwell_s"].sum()
            first = pieces.groupby("cell")["start"].min()
        else:
            per_cell = pd.Series(dtype=float)
            first = pd.Series(dtype=object)
        plan_cells = (
            hexes.str_to_cells([s["h3"] for s in u["stops"]])
            if u["stops"]
            else np.array([], np.uint64)
        )
        counts = {"full": 0, "brief": 0, "missed": 0}
        for s, c in zip(u["stops"], plan_cells, strict=True):
            dwell = float(per_cell.get(np.uint64(c), 0.0))
            status = (
                "full"
                if dwell >= full_ratio * planned_dwell
                else "brief"
                if dwell >= brief_s
                else "missed"
            )
            counts[status] += 1
            fi = first.get(np.uint64(c)) if status != "missed" else None
            rows.append(
                {
                    "unit_id": u["unit_id"],
                    "seq": s["seq"],
                    "h3": s["h3"],
                    "landmark": s.get("landmark", ""),
                    "arrive": s["arrive"],
                    "dwell_s": round(dwell, 1),
                    "first_in": None
                    if fi is None or pd.isna(fi)
                    else pd.Timestamp(fi).tz_convert(w0.tz).isoformat(timespec="minutes"),
                    "status": status,
                }
            )
        inside = (
            float(per_cell.reindex(plan_cells.astype(np.uint64)).fillna(0).sum())
            if len(per_cell)
            else 0.0
        )
        total = float(per_cell.sum()) if len(per_cell) else 0.0
        n = len(u["stops"])
        unit_rows.append(
            {
                "unit_id": u["unit_id"],
                "kind": u["kind"],
                "stops": n,
                **counts,
                "compliance": round(counts["full"] / n, 4) if n else None,
                "visited": round((counts["full"] + counts["brief"]) / n, 4) if n else None,
                "dwell_in_plan_min": round(inside / 60, 1),
                "dwell_outside_min": round((total - inside) / 60, 1),
                "tracked": bool(len(mine) > 1),
            }
        )
    units = pd.DataFrame(unit_rows)
    n = int(units["stops"].sum()) if len(units) else 0
    totals = {k: int(units[k].sum()) if len(units) else 0 for k in ("full", "brief", "missed")}
    overall: dict[str, float | None] = {
        "stops": n,
        **totals,
        "dwell_in_plan_min": round(float(units["dwell_in_plan_min"].sum()), 1)
        if len(units)
        else 0.0,
        "dwell_outside_min": round(float(units["dwell_outside_min"].sum()), 1)
        if len(units)
        else 0.0,
    }
    overall["compliance"] = round(totals["full"] / n, 4) if n else None
    overall["visited"] = round((totals["full"] + totals["brief"]) / n, 4) if n else None
    return {
        "plan_id": plan["plan_id"],
        "date": plan["date"],
        "window": plan["window"],
        "full_ratio": full_ratio,
        "brief_s": brief_s,
        "stops": rows,
        "units": unit_rows,
        "overall": overall,
    }
