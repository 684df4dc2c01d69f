"""Benchmark: tonight's plan against the greedy baseline (ratio ``plan_vs_greedy``).

Ten units (4 patrol cars, 3 e-bikes, 3 on foot, shifts of 4 to 6 hours in a 20:00-02:00 window,
starting from 4 posts) and 300 candidate cells drawn from the 900 res-9 cells (about 95 km2)
around Nanchang, with gap-like values (most cells low, a few high). On the same inputs in one run:

-  the plan: :func:`geo.domain.routing.solve_routes` (OR-Tools, team orienteering with time windows)
  under a total budget of 9 s, timed including the model build;
-  the baseline: :func:`geo.domain.routing.greedy_routes`, greedy nearest-highest-value (the unit
  free first goes to the cell with the most value per second of travel and dwell);
- a second, naive baseline (figure only): every unit in turn takes the highest-value cell it can
  still reach and return from, ignoring distance (how hot-spot lists are often handed out).

``plan_vs_greedy`` is the mean over instances of (value the plan captures / value greedy
captures); every route of both is checked feasible with :func:`geo.domain.routing.check_routes`.

How much room there is: :func:`geo.domain.routing.capture_bound` bounds what any feasible plan can
capture (each unit only its reachable cells, at most as many stops as its shift can hold).
``bound_vs_greedy`` (figure) is the most any plan could gain over greedy; ``plan_vs_bound`` how
close the plan comes to that bound. When ``bound_vs_greedy`` is under the 15 % target, no solver
can meet the target on that instance.

Run: ``python -m tests.bench.bench_plan [--quick]`` prints the JSON result.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

from geo.domain import hexes, routing
from tests.bench import grid_cells

KINDS = ["police_car"] * 4 + ["e_bike"] * 3 + ["foot"] * 3
DWELL_S = 900
BUDGET_S = 9.0


def instance(seed: int) -> tuple[np.ndarray, dict[str, np.ndarray], list[routing.Vehicle]]:
    """Values of 300 candidate cells, travel matrices (posts first) and ten units."""
    rng = np.random.default_rng(seed)
    area = grid_cells(900, 9)
    cells = np.sort(rng.choice(area, 300, replace=False))
    lat, lng = hexes.cell_centres(cells)
    values = np.round(rng.gamma(0.7, 1.0, 300) / 3.0, 4)
    posts = rng.choice(len(area), 4, replace=False)
    plat, plng = hexes.cell_centres(area[posts])
    start = rng.choice([0, 0, 1800, 3600], len(KINDS))
    length = rng.choice([4 * 3600, 5 * 3600, 6 * 3600], len(KINDS))
    vehicles = [
        routing.Vehicle(k, int(s), int(min(s + n, 6 * 3600)))
        for k, s, n in zip(KINDS, start, length, strict=True)
    ]
    home = np.arange(len(KINDS)) % 4
    all_lat = np.r_[plat[home], lat]
    all_lng = np.r_[plng[home], lng]
    travel = {
        k: routing.straight_line_s(all_lat, all_lng, routing.SPEED_MPS[k]) for k in set(KINDS)
    }
    return values, travel, vehicles


def highest_first(
    values: np.ndarray, travel: dict[str, np.ndarray], vehicles: list[routing.Vehicle]
) -> list[routing.Route]:
    """Naive baseline: units in turn take the most valuable reachable cell, distance ignored."""
    order = np.argsort(-values, kind="stable")
    n_v = len(vehicles)
    routes = [routing.Route() for _ in vehicles]
    free = [v.start_s for v in vehicles]
    at = list(range(n_v))
    taken = np.zeros(len(values), bool)
    active = list(range(n_v))
    while active:
        for u in list(active):
            m = travel[vehicles[u].kind]
            pick = None
            for c in order:
                if taken[c]:
                    continue
                arrive = free[u] + m[at[u], n_v + c]
                if arrive + DWELL_S + m[n_v + c, u] <= vehicles[u].end_s:
                    pick = (c, arrive)
                    break
            if pick is None:
                active.remove(u)
                continue
            c, arrive = pick
            taken[c] = True
            routes[u].stops.append(routing.Stop(int(c), int(arrive), int(arrive), int(arrive)))
            routes[u].travel_s += int(m[at[u], n_v + c])
            free[u] = int(arrive) + DWELL_S
            at[u] = n_v + int(c)
    return routes


def run(quick: bool = False) -> dict[str, Any]:
    """Solve each instance with the plan and the baselines; ratios and figures as JSON-able dict."""
    seeds = [1] if quick else [1, 2, 3]
    budget = 3.0 if quick else BUDGET_S
    rows = []
    for seed in seeds:
        values, travel, vehicles = instance(seed)
        t0 = time.perf_counter()
        plan = routing.solve_routes(
            values, travel, vehicles, dwell_s=DWELL_S, time_limit_s=budget - 0.3
        )
        solve_s = time.perf_counter() - t0
        greedy = routing.greedy_routes(values, travel, vehicles, dwell_s=DWELL_S)
        naive = highest_first(values, travel, vehicles)
        bound = routing.capture_bound(values, travel, vehicles, dwell_s=DWELL_S)
        problems = [
            p
            for r in (plan, greedy, naive)
            for p in routing.check_routes(r, travel, vehicles, dwell_s=DWELL_S)
        ]
        rows.append(
            {
                "seed": seed,
                "solve_s": round(solve_s, 2),
                "feasible": not problems,
                "plan_value": round(routing.routes_value(plan, values), 3),
                "greedy_value": round(routing.routes_value(greedy, values), 3),
                "highest_first_value": round(routing.routes_value(naive, values), 3),
                "bound_value": round(bound, 3),
                "total_value": round(float(values.sum()), 3),
                "plan_stops": sum(len(r.stops) for r in plan),
                "greedy_stops": sum(len(r.stops) for r in greedy),
            }
        )
    ratio = float(np.mean([r["plan_value"] / r["greedy_value"] for r in rows]))
    naive_ratio = float(np.mean([r["plan_value"] / r["highest_first_value"] for r in rows]))
    for r in rows:
        r["bound_vs_greedy"] = round(r["bound_value"] / r["greedy_value"], 3)
        r["plan_vs_bound"] = round(r["plan_value"] / r["bound_value"], 3)
    return {
        "ratios": {"plan_vs_greedy": round(ratio, 3)},
        "figures": {
            "instances": rows,
            "units": len(KINDS),
            "candidates": 300,
            "budget_s": budget,
            "max_solve_s": max(r["solve_s"] for r in rows),
            "all_feasible": all(r["feasible"] for r in rows),
            "plan_vs_highest_first": round(naive_ratio, 3),
            "bound_vs_greedy": round(float(np.mean([r["bound_vs_greedy"] for r in rows])), 3),
            "plan_vs_bound": round(float(np.mean([r["plan_vs_bound"] for r in rows])), 3),
            "target_plan_vs_greedy": 1.15,
            "target_solve_s": 10.0,
        },
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=p.parse_args().quick), indent=1))
