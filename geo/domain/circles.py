"""Response circles (1-3-5 分钟快速反应圈) and where to stand tonight.

From the posts (屯警点, 警务站: key sites of category ``post``) and, for a chosen moment, from the
units' last GPS fixes, the travel time to every cell of the area for one unit kind: straight line x
:data:`geo.domain.routing.DETOUR` at :data:`geo.domain.routing.SPEED_MPS`, or shortest paths over an
road network (:class:`geo.domain.routing.RoadNetwork`: an OSM extract, an osmnx GraphML, a
road-centreline layer, or the store's active network). Each cell and key site falls
in the first tier (:data:`geo.domain.duty.DEFAULT_RULES` ``tiers``: 1, 3, 5 minutes) that reaches
it; each key site and high-risk cell has a required tier (its category's, ``high_risk`` for the
riskiest decile of cells, ``*`` for the rest), and is inside when its travel time is within it.

:func:`where_to_stand` is a maximal covering location model (Church and ReVelle 1974) solved with
OR-Tools CP-SAT: choose ``n`` standing points among candidate cells (and the posts) so that the
weight of the key sites and high-risk cells reached within their required tier is largest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.domain import hexes, routing
from geo.domain.coords import haversine_m

__all__ = [
    "HIGH_RISK_SHARE",
    "coverage_value",
    "readiness_of",
    "required_minutes",
    "road_network",
    "tier_of",
    "travel_from",
    "where_to_stand",
]

# The riskiest share of the area's cells held to the ``high_risk`` tier.
HIGH_RISK_SHARE = 0.10


_SITE_WEIGHT = 1.0  # a key site weighs as much as the riskiest cell


def travel_from(
    src_lat: np.ndarray,
    src_lng: np.ndarray,
    dst_lat: np.ndarray,
    dst_lng: np.ndarray,
    kind: str = "police_car",
    *,
    network: routing.RoadNetwork | None = None,
    detour: float = routing.DETOUR,
) -> np.ndarray:
    """Travel seconds from each source to each destination, ``(S, D)`` float array.

    Straight line: great-circle metres x ``detour`` / speed of ``kind``. With ``network``:
    the shortest path's seconds between the nearest nodes plus both snap distances x ``detour``
    at the kind's speed (:meth:`geo.domain.routing.RoadNetwork.seconds_between`: edges slower
    than the kind by their speed limit or road class take longer); pairs the network does not
    connect fall back to the straight line.
    """
    kind = routing.plan_kind(kind)
    speed = routing.SPEED_MPS[kind]
    src_lat, src_lng = np.asarray(src_lat, float), np.asarray(src_lng, float)
    dst_lat, dst_lng = np.asarray(dst_lat, float), np.asarray(dst_lng, float)
    straight = (
        haversine_m(src_lng[:, None], src_lat[:, None], dst_lng[None, :], dst_lat[None, :])
        * detour
        / speed
    )
    if network is None or src_lat.size == 0 or dst_lat.size == 0:
        return straight
    secs = network.seconds_between(src_lat, src_lng, dst_lat, dst_lng, kind, detour=detour)
    bad = ~np.isfinite(secs)
    network.fallbacks += int(bad.sum())
    return np.where(bad, straight, np.where(bad, 0.0, secs))


def tier_of(seconds: np.ndarray, minutes: Sequence[float]) -> np.ndarray:
    """The first tier (minutes) that reaches each travel time; NaN beyond the last.

    >>> tier_of(np.array([30, 100, 200, 400.0]), [1, 3, 5]).tolist()
    [1.0, 3.0, 5.0, nan]
    """
    m = np.sort(np.asarray(minutes, float))
    s = np.asarray(seconds, float)
    i = np.searchsorted(m * 60.0, s, side="left")
    return np.where(i < m.size, m[np.minimum(i, m.size - 1)], np.nan)


def required_minutes(categories: pd.Series, tiers: Sequence[Mapping[str, Any]]) -> pd.Series:
    """The required response tier (minutes) of each site category.

    The tier naming the category, else ``*``'s (NaN when neither).
    """
    named: dict[str, float] = {}
    rest = np.nan
    for t in sorted(tiers, key=lambda r: float(r["minutes"])):
        for x in str(t["targets"]).split(","):
            if x == "*":
                rest = float(t["minutes"]) if np.isnan(rest) else rest
            else:
                named.setdefault(x, float(t["minutes"]))
    return categories.map(lambda c: named.get(str(c), rest)).astype(float)


def coverage_value(travel_s: np.ndarray, required_s: np.ndarray, weight: np.ndarray) -> float:
    """Weight of the demand points reached within their required time by any source.

    ``travel_s`` is ``(sources, points)``.
    """
    if travel_s.size == 0:
        return 0.0
    ok = (travel_s <= required_s[None, :]).any(axis=0)
    return float(np.asarray(weight, float)[ok].sum())


_WEIGHT_STEPS = 2**31  # the integer weights of the covering model add up to this


def where_to_stand(
    travel_s: np.ndarray,
    required_s: np.ndarray,
    weight: np.ndarray,
    n: int,
    *,
    fixed: Sequence[int] = (),
    time_limit_s: float = 10.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Maximal covering location: the ``n`` candidate sources that reach the most demand weight.

    Picks ``n`` of the candidate sources (rows of ``travel_s``) so that the weight of the demand
    points (columns) reached within ``required_s`` is largest.

    ``fixed`` candidates are always chosen (they count towards ``n``). Solved with OR-Tools
    CP-SAT (one worker and a fixed seed: the same input gives the same answer). Weights are
    scaled to integers so that all of them together make 2**31: every weight counts (one in two
    billion of the total is the finest step), ties stay ties and small weights break them.
    Returns ``chosen`` (candidate indices), ``covered`` (weight reached, exact), ``total`` (all
    weight), ``bound`` (no choice reaches more: the solver's bound in true weights, rounding
    included), ``gap`` (``(bound - covered) / bound``: at most that share of the best is missed;
    about 1e-7 when proved) and ``optimal`` (proved by the solver on the integer weights).
    """
    from ortools.sat.python import cp_model  # heavy (OR-Tools): loaded when a placement is asked

    weight = np.asarray(weight, float)
    n_c, _n_d = travel_s.shape
    if not 1 <= n <= n_c:
        msg = f"cannot place {n} units on {n_c} candidate points"
        raise ValueError(msg)
    if len(fixed) > n:
        msg = "more fixed points than units to place"
        raise ValueError(msg)
    reach = travel_s <= np.asarray(required_s, float)[None, :]
    counted = reach.any(axis=0) & (weight > 0)
    scale = _WEIGHT_STEPS / max(float(weight[counted].sum()), 1e-300)
    w_int = np.where(counted, np.maximum(np.round(weight * scale), 1), 0).astype(np.int64)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(n_c)]
    model.add(sum(x) == n)
    for j in fixed:
        model.add(x[int(j)] == 1)
    terms = []
    for i in np.flatnonzero(counted):
        y = model.new_bool_var(f"y{i}")
        model.add(sum(x[j] for j in np.flatnonzero(reach[:, i])) >= y)
        terms.append(int(w_int[i]) * y)
    model.maximize(sum(terms) if terms else 0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        msg = "the covering model found no solution"
        raise ValueError(msg)
    chosen = [j for j in range(n_c) if solver.value(x[j])]
    covered = coverage_value(travel_s[chosen], required_s, weight)
    # each counted weight was rounded by at most half a step (or lifted to one step)
    slack = float(np.abs(w_int[counted] / scale - weight[counted]).sum())
    bound = max(covered, min(float(solver.best_objective_bound) / scale + slack, weight.sum()))
    optimal = status == cp_model.OPTIMAL
    return {
        "chosen": chosen,
        "covered": covered,
        "total": float(weight.sum()),
        "bound": bound,
        "gap": (bound - covered) / bound if bound > 0 else 0.0,
        "optimal": optimal,
    }


def road_network(network: str | Path | routing.RoadNetwork | None) -> routing.RoadNetwork | None:
    """A loaded road network from a file path (a loaded one as it is; None stays None).

    The file: any :class:`geo.domain.routing.RoadNetwork` reads (``.osm.pbf``, ``.graphml``,
    a road-centreline ``.shp``/``.zip``/``.gpkg``).
    """
    if network is None or isinstance(network, routing.RoadNetwork):
        return network
    return routing.RoadNetwork(network)


def readiness_of(
    sites: pd.DataFrame,
    sources: pd.DataFrame,
    cells: np.ndarray,
    cell_risk: np.ndarray,
    *,
    res: int,
    tiers: Sequence[Mapping[str, Any]],
    kind: str = "police_car",
    net: routing.RoadNetwork | None = None,
    optimise: int | None = None,
    time_limit_s: float = 10.0,
) -> dict[str, Any]:
    """Response circles of an area (pure): see :func:`geo.services.circles.readiness`.

    Parameters
    ----------
    sites
        The area's key sites (site_id, name, category, lat, lng), posts included.
    sources
        Where units stand: source (``post`` or ``unit``), id, lat, lng.
    cells, cell_risk
        The area's cells at ``res`` and each one's risk (0 for none).
    tiers
        The duty rules' ``tiers`` (minutes and the site categories each applies to).
    """
    minutes = [float(t["minutes"]) for t in tiers]
    src = sources
    posts = sites.loc[sites["category"] == "post"]
    clat, clng = hexes.cell_centres(cells)
    n_high = max(round(HIGH_RISK_SHARE * cells.size), 1) if cells.size else 0
    high = np.zeros(cells.size, bool)
    if n_high:
        high[np.argsort(-cell_risk, kind="stable")[:n_high]] = True
        high &= cell_risk > 0
    cell_req = np.where(
        high,
        required_minutes(pd.Series(["high_risk"] * cells.size), tiers),
        required_minutes(pd.Series(["__cell__"] * cells.size), tiers),
    )
    t_cells = travel_from(
        src["lat"].to_numpy(), src["lng"].to_numpy(), clat, clng, kind, network=net
    )
    key = sites.loc[sites["category"] != "post"].reset_index(drop=True)
    t_sites = travel_from(
        src["lat"].to_numpy(),
        src["lng"].to_numpy(),
        key["lat"].to_numpy(float),
        key["lng"].to_numpy(float),
        kind,
        network=net,
    )
    best_c = t_cells.min(axis=0) if len(src) else np.full(cells.size, np.inf)
    best_s = t_sites.min(axis=0) if len(src) else np.full(len(key), np.inf)
    site_req = required_minutes(key["category"], tiers).to_numpy()
    cells_out = pd.DataFrame(
        {
            "cell": cells.astype(np.uint64),
            "res": res,
            "lat": clat,
            "lng": clng,
            "travel_s": np.round(best_c, 0),
            "travel_min": np.round(best_c / 60.0, 1),
            "tier": tier_of(best_c, minutes),
            "risk": np.round(cell_risk, 4),
            "high_risk": high,
            "required_min": cell_req,
            "inside": best_c <= cell_req * 60.0,
        }
    )
    sites_out = key.assign(
        travel_s=np.round(best_s, 0),
        travel_min=np.round(best_s / 60, 1),
        tier=tier_of(best_s, minutes),
        required_min=site_req,
        inside=best_s <= site_req * 60.0,
    )
    n_sites = int(np.isfinite(site_req).sum())
    by_tier = {f"{m:g}": int((cells_out["tier"] == m).sum()) for m in minutes}
    by_tier["beyond"] = int(cells_out["tier"].isna().sum())
    summary = {
        "sites": n_sites,
        "sites_inside": int(sites_out["inside"].sum()),
        "share_sites": round(float(sites_out["inside"].sum()) / n_sites, 4) if n_sites else None,
        "high_risk_cells": int(high.sum()),
        "high_risk_inside": int((cells_out["inside"] & high).sum()),
        "share_high_risk": round(float((cells_out["inside"] & high).sum()) / high.sum(), 4)
        if high.any()
        else None,
        "cells": int(cells.size),
        "cells_by_tier": by_tier,
        "sources": {
            "post": int((src["source"] == "post").sum()),
            "unit": int((src["source"] == "unit").sum()),
        },
        "kind": routing.plan_kind(kind),
        "model": "network" if net is not None else "straight",
        "tiers": minutes,
    }
    out: dict[str, Any] = {
        "cells": cells_out,
        "sites": sites_out.reset_index(drop=True),
        "sources": src,
        "summary": summary,
    }
    if optimise:
        # demand: key sites (weight 1) and high-risk cells (weight = risk / max risk)
        d_lat = np.concatenate([key["lat"].to_numpy(float), clat[high]])
        d_lng = np.concatenate([key["lng"].to_numpy(float), clng[high]])
        d_req = np.concatenate([site_req, cell_req[high]]) * 60.0
        top = float(cell_risk.max()) if cell_risk.size and cell_risk.max() > 0 else 1.0
        d_w = np.concatenate([np.full(len(key), _SITE_WEIGHT), cell_risk[high] / top])
        d_req = np.where(np.isfinite(d_req), d_req, -1.0)  # no tier: never counted
        c_lat = np.concatenate([posts["lat"].to_numpy(float), clat])
        c_lng = np.concatenate([posts["lng"].to_numpy(float), clng])
        c_id = [*posts["site_id"].astype(str), *hexes.cells_to_str(cells)]
        t = travel_from(c_lat, c_lng, d_lat, d_lng, kind, network=net)
        n = int(optimise)
        given = list(range(min(n, len(posts))))
        base = coverage_value(t[given], d_req, d_w) if given else 0.0
        best = where_to_stand(t, d_req, d_w, n, time_limit_s=time_limit_s)
        out["optimised"] = {
            "n": n,
            "covered": round(best["covered"], 3),
            "total": round(best["total"], 3),
            "posts_covered": round(base, 3),
            "optimal": best["optimal"],
            "gap": round(best["gap"], 6),
            "sites_inside": int(
                (t[best["chosen"]][:, : len(key)] <= d_req[None, : len(key)]).any(axis=0).sum()
            ),
            "posts_sites_inside": int(
                (t[given][:, : len(key)] <= d_req[None, : len(key)]).any(axis=0).sum()
            )
            if given
            else 0,
            "points": pd.DataFrame(
                {
                    "id": [c_id[j] for j in best["chosen"]],
                    "is_post": [j < len(posts) for j in best["chosen"]],
                    "lat": c_lat[best["chosen"]],
                    "lng": c_lng[best["chosen"]],
                }
            ),
        }
    return out
