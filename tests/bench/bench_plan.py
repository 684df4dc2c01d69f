"""Benchmark: the solver against published optima, and tonight's plan against greedy.

Part 1, the solver against exact results (ratios ``optw_vs_optimum_mean``/``_worst``): the eight
orienteering-with-time-windows instances of Cordeau et al. in ``tests/bench/data/optw`` (pr01-pr05,
pr07-pr09, one vehicle, read by :func:`geo.domain.optw.read_instance`) are solved by every
candidate in :data:`CANDIDATES` with the same time limit (:data:`OPTW_LIMIT_S`, the planner's
default), one after the other in one run. Each route is checked on its own by
:func:`geo.domain.optw.check_routes` (windows, budget, service times) and the gap
``1 - checked profit / optimum`` (per cent) is reported per instance and candidate, with the mean
and the worst; targets: mean <= 1.5 %, worst <= 4 %. The candidates: the planner's solver before
(OR-Tools from the greedy routes, guided local search), OR-Tools with other first solutions and
metaheuristics, PyVRP's iterated local search alone, and PyVRP with
:func:`geo.domain.routing.polish_routes` on top (the planner's solver now,
:data:`geo.domain.routing.SOLVER`). The load average of the machine is recorded: the limit is
wall-clock time, so a busy machine gives every candidate less search.

Part 2, tonight's plan against the greedy baseline (ratio ``plan_vs_greedy``).

Ten units (4 patrol cars, 3 e-bikes, 3 on foot, shifts of 4 to 6 hours in a 20:00-02:00 window,
starting from 4 posts) and 300 candidate cells drawn from the 900 res-9 cells (about 95 km2)
around Nanchang, with gap-like values (most cells low, a few high). On the same inputs in one run:

-  the plan: :func:`geo.domain.routing.solve_routes` (the planner's solver, team orienteering with
  time windows) under a total budget of 9 s, timed including the model build;
-  the solver before (figure ``current_value``, ``current_vs_bound``): the same with
  ``method="ortools"`` and the same budget;
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
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from geo.domain import hexes, optw, routing
from tests.bench import grid_cells

OPTW_DIR = Path(__file__).resolve().parent / "data" / "optw"
# Optimal profits, one vehicle (Righini and Salani's exact results; data/optw/README.md).
OPTIMA = {
    "pr01": 308,
    "pr02": 404,
    "pr03": 394,
    "pr04": 489,
    "pr05": 595,
    "pr07": 298,
    "pr08": 463,
    "pr09": 493,
}
# The planner's default search time (seconds), given to every candidate.
OPTW_LIMIT_S = 10.0
TARGET_MEAN_GAP_PCT = 1.5
TARGET_WORST_GAP_PCT = 4.0
# name -> solve_routes options; "current" is the planner's solver before this benchmark chose.
CANDIDATES: dict[str, dict[str, Any]] = {
    "current": {"method": "ortools", "first_solution": "GREEDY"},
    "ortools_path_cheapest_arc_gls": {
        "method": "ortools",
        "first_solution": "PATH_CHEAPEST_ARC",
        "metaheuristic": "GUIDED_LOCAL_SEARCH",
    },
    "ortools_parallel_insertion_tabu": {
        "method": "ortools",
        "first_solution": "PARALLEL_CHEAPEST_INSERTION",
        "metaheuristic": "TABU_SEARCH",
    },
    "ortools_local_insertion_sa": {
        "method": "ortools",
        "first_solution": "LOCAL_CHEAPEST_INSERTION",
        "metaheuristic": "SIMULATED_ANNEALING",
    },
    "pyvrp": {"method": "pyvrp", "polish": False},
    "pyvrp_polished": {"method": "pyvrp", "polish": True},
}
CHOSEN = "pyvrp_polished"
QUICK_INSTANCES = ("pr01", "pr07")
QUICK_CANDIDATES = ("current", CHOSEN)

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


def solve_optw(name: str, options: dict[str, Any], limit_s: float) -> dict[str, Any]:
    """Solve one OPTW instance with one candidate; the checked profit and the gap to the optimum.

    The profit is recomputed by :func:`geo.domain.optw.check_routes` from the instance, and a
    route with any violation counts as profit 0.
    """
    inst = optw.read_instance(OPTW_DIR / f"{name}.txt")
    values, travel, vehicles, dwell, windows = optw.plan_inputs(inst)
    t0 = time.perf_counter()
    routes = routing.solve_routes(
        values, travel, vehicles, dwell_s=dwell, windows=windows, time_limit_s=limit_s, **options
    )
    solve_s = time.perf_counter() - t0
    problems, profit = optw.check_routes(inst, optw.to_routes(routes))
    checked = 0.0 if problems else profit
    return {
        "profit": checked,
        "gap_pct": round(100.0 * (1.0 - checked / OPTIMA[name]), 2),
        "stops": sum(len(r.stops) for r in routes),
        "problems": problems[:3],
        "solve_s": round(solve_s, 2),
    }


def optw_gaps(
    names: tuple[str, ...], candidates: tuple[str, ...], limit_s: float
) -> dict[str, Any]:
    """Gap table (instance x candidate, per cent), mean and worst per candidate, the load."""
    load_before = os.getloadavg()[0]
    table: dict[str, dict[str, Any]] = {}
    for name in names:
        table[name] = {
            "optimum": OPTIMA[name],
            "customers": optw.read_instance(OPTW_DIR / f"{name}.txt").n,
        }
        for cand in candidates:
            table[name][cand] = solve_optw(name, CANDIDATES[cand], limit_s)
    summary = {
        cand: {
            "mean_gap_pct": round(float(np.mean([table[n][cand]["gap_pct"] for n in names])), 2),
            "worst_gap_pct": round(float(np.max([table[n][cand]["gap_pct"] for n in names])), 2),
            "optimal": sum(table[n][cand]["gap_pct"] == 0 for n in names),
            "all_feasible": all(not table[n][cand]["problems"] for n in names),
        }
        for cand in candidates
    }
    return {
        "time_limit_s": limit_s,
        "instances": table,
        "gap_pct": {n: {c: table[n][c]["gap_pct"] for c in candidates} for n in names},
        "summary": summary,
        "chosen": CHOSEN,
        "target_mean_gap_pct": TARGET_MEAN_GAP_PCT,
        "target_worst_gap_pct": TARGET_WORST_GAP_PCT,
        "targets_met": summary[CHOSEN]["mean_gap_pct"] <= TARGET_MEAN_GAP_PCT
        and summary[CHOSEN]["worst_gap_pct"] <= TARGET_WORST_GAP_PCT,
        "load_avg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """The OPTW gaps of every candidate, then the plan against the baselines (JSON-able dict)."""
    names = QUICK_INSTANCES if quick else tuple(OPTIMA)
    cands = QUICK_CANDIDATES if quick else tuple(CANDIDATES)
    gaps = optw_gaps(names, cands, 3.0 if quick else OPTW_LIMIT_S)
    profit_ratio = [1.0 - gaps["gap_pct"][n][CHOSEN] / 100.0 for n in names]
    current = [1.0 - gaps["gap_pct"][n]["current"] / 100.0 for n in names]
    plan = plan_vs_greedy(quick)
    plan["ratios"].update(
        {
            "optw_vs_optimum_mean": round(float(np.mean(profit_ratio)), 4),
            "optw_vs_optimum_worst": round(float(np.min(profit_ratio)), 4),
            "optw_vs_current": round(float(np.sum(profit_ratio) / np.sum(current)), 4),
        }
    )
    plan["figures"]["optw"] = gaps
    return plan


def plan_vs_greedy(quick: bool = False) -> dict[str, Any]:
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
        before = routing.solve_routes(
            values, travel, vehicles, dwell_s=DWELL_S, time_limit_s=budget - 0.3, method="ortools"
        )
        naive = highest_first(values, travel, vehicles)
        bound = routing.capture_bound(values, travel, vehicles, dwell_s=DWELL_S)
        problems = [
            p
            for r in (plan, greedy, naive, before)
            for p in routing.check_routes(r, travel, vehicles, dwell_s=DWELL_S)
        ]
        rows.append(
            {
                "seed": seed,
                "solve_s": round(solve_s, 2),
                "feasible": not problems,
                "plan_value": round(routing.routes_value(plan, values), 3),
                "greedy_value": round(routing.routes_value(greedy, values), 3),
                "current_value": round(routing.routes_value(before, values), 3),
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
            "current_vs_bound": round(
                float(np.mean([r["current_value"] / r["bound_value"] for r in rows])), 3
            ),
            "target_plan_vs_greedy": 1.15,
            "target_solve_s": 10.0,
        },
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=p.parse_args().quick), indent=1))
