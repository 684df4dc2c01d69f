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

from geo.domain import coverage, hexes
from geo.domain.coords import haversine_m

__all__ = [
    "DWELL_MIN",
    "LANDMARK_M",
    "PLAN_KEYS",
    "Unit",
    "candidates",
    "cells_at",
    "landmarks",
    "plan_vs_actual",
]

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
