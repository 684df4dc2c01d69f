"""Orienteering with time windows (OPTW/TOPTW): read the published test instances, check routes.

The planner's solver (:func:`geo.domain.routing.solve_routes`) is measured on the instances of
Cordeau et al. as the TOPTW test set distributes them, against their published optimal profits.
This module reads that format and checks a route on its own, from the instance's coordinates,
so that a gap is computed from a checked profit and never from what a solver claims.

The format, one file per instance:

- line 1: ``k v N t`` (``N`` vertices besides the depot; the rest is not used);
- line 2: ``D Q`` (not used);
- one line per vertex: ``i x y d S f a list O C``: number, coordinates, service duration ``d``,
  profit ``S``, two unused fields ``f a``, ``a`` more unused numbers, and the time window
  ``O C`` on the *start* of service (arriving early means waiting);
- vertex 0 is the depot where the route starts and ends; its ``C`` is the time budget.

Travel time is the Euclidean distance rounded *down* to two decimals. Times are kept as integer
hundredths of the instance's time unit (``SCALE``), so every check is exact: coordinates have at
most three decimals, and ``floor(100 * sqrt(dx**2 + dy**2))`` with ``dx``, ``dy`` in thousandths
is ``isqrt(dx**2 + dy**2) // 10``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geo.domain import routing

__all__ = ["KIND", "SCALE", "Instance", "check_routes", "plan_inputs", "read_instance", "to_routes"]

# Times are integer hundredths of the instance's unit (travel is rounded down to 0.01).
SCALE = 100
# The vehicle kind the instances are solved as (one travel matrix for every vehicle).
KIND = "optw"


@dataclass(frozen=True)
class Instance:
    """One OPTW instance; times in hundredths of the instance's unit (``SCALE``).

    Row 0 of every array is the depot. ``travel`` is the ``(N + 1) x (N + 1)`` matrix of
    travel times (Euclidean distance rounded down to 0.01, times ``SCALE``); ``service``,
    ``open`` and ``close`` the service duration and the window on the start of service;
    ``profit`` the value of each vertex (0 at the depot). ``close[0]`` is the budget.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    service: np.ndarray
    profit: np.ndarray
    open: np.ndarray
    close: np.ndarray
    travel: np.ndarray

    @property
    def n(self) -> int:
        """Number of customers (vertices besides the depot)."""
        return len(self.profit) - 1

    @property
    def budget(self) -> int:
        """Time by which the route must be back at the depot (hundredths)."""
        return int(self.close[0])


def _exact(values: np.ndarray, scale: int, what: str, path: Path) -> np.ndarray:
    """``values * scale`` as int64, refusing values with more decimals than ``scale`` holds."""
    scaled = np.rint(values * scale)
    if not np.allclose(scaled, values * scale, rtol=0, atol=1e-6):
        msg = f"{path.name}: {what} with more than {len(str(scale)) - 1} decimals"
        raise ValueError(msg)
    return scaled.astype(np.int64)


def _floor_sqrt(s: np.ndarray) -> np.ndarray:
    """Integer square root of non-negative int64 values (exact, vectorised)."""
    r = np.floor(np.sqrt(s.astype(float))).astype(np.int64)
    r -= (r * r > s).astype(np.int64)
    r += ((r + 1) * (r + 1) <= s).astype(np.int64)
    return r


def read_instance(path: str | Path) -> Instance:
    """Read one instance file of the Cordeau/TOPTW format (see the module docstring).

    Parameters
    ----------
    path
        The instance file (plain text, whitespace separated).

    Returns
    -------
    Instance with times in hundredths of the instance's time unit.
    """
    path = Path(path)
    lines = [ln.split() for ln in path.read_text(encoding="ascii").splitlines() if ln.strip()]
    try:
        n = int(lines[0][2])
        rows = lines[2 : 2 + n + 1]
        if len(rows) != n + 1:
            msg = f"{path.name}: {len(rows)} vertex lines, the header says {n + 1}"
            raise ValueError(msg)
        num = np.array([int(r[0]) for r in rows])
        xy = np.array([[float(r[1]), float(r[2])] for r in rows])
        dsf = np.array([[float(r[3]), float(r[4])] for r in rows])
        window = np.array([[float(r[-2]), float(r[-1])] for r in rows])
    except (IndexError, ValueError) as err:
        if isinstance(err, ValueError) and str(err).startswith(path.name):
            raise
        msg = f"{path.name}: not an OPTW instance file ({err})"
        raise ValueError(msg) from err
    if not np.array_equal(num, np.arange(n + 1)):
        msg = f"{path.name}: vertices must be numbered 0..{n} in order"
        raise ValueError(msg)
    milli = _exact(xy, 1000, "coordinates", path)
    dx = milli[:, 0][:, None] - milli[None, :, 0]
    dy = milli[:, 1][:, None] - milli[None, :, 1]
    # distance in thousandths is sqrt(dx^2 + dy^2); rounded down to hundredths: isqrt(.) // 10
    travel = _floor_sqrt(dx * dx + dy * dy) // 10
    return Instance(
        name=path.stem,
        x=xy[:, 0],
        y=xy[:, 1],
        service=_exact(dsf[:, 0], SCALE, "service times", path),
        profit=dsf[:, 1],
        open=_exact(window[:, 0], SCALE, "time windows", path),
        close=_exact(window[:, 1], SCALE, "time windows", path),
        travel=travel,
    )


def check_routes(inst: Instance, routes: Sequence[Sequence[int]]) -> tuple[list[str], float]:
    """Check routes on an instance from its own data; the problems found and the profit.

    Parameters
    ----------
    inst
        The instance.
    routes
        One list of customer numbers (1..N, the depot left out) per vehicle, in visiting order.
        Each vehicle leaves the depot when it opens, travels, waits for a window to open,
        starts service within the window, serves, and must be back at the depot by the budget.

    Returns
    -------
    (problems, profit): every violation found (a customer visited twice or unknown, a window
    missed, the budget overrun), and the profit of the customers visited (counted once).
    """
    problems: list[str] = []
    seen: set[int] = set()
    profit = 0.0
    for k, route in enumerate(routes):
        t, prev = int(inst.open[0]), 0
        for v in route:
            v = int(v)
            if not 1 <= v <= inst.n:
                problems.append(f"route {k}: {v} is not a customer of {inst.name}")
                continue
            if v in seen:
                problems.append(f"route {k}: customer {v} is visited twice")
                continue
            seen.add(v)
            t = max(t + int(inst.travel[prev, v]), int(inst.open[v]))
            if t > int(inst.close[v]):
                problems.append(
                    f"route {k}: service at {v} starts at {t / SCALE:.2f}, "
                    f"after its window closes at {inst.close[v] / SCALE:.2f}"
                )
            t += int(inst.service[v])
            profit += float(inst.profit[v])
            prev = v
        t += int(inst.travel[prev, 0])
        if t > inst.budget:
            problems.append(
                f"route {k}: back at {t / SCALE:.2f}, after the budget {inst.budget / SCALE:.2f}"
            )
    return problems, profit


def plan_inputs(
    inst: Instance, vehicles: int = 1
) -> tuple[np.ndarray, dict[str, np.ndarray], list[routing.Vehicle], np.ndarray, np.ndarray]:
    """The instance as :func:`geo.domain.routing.solve_routes` takes it.

    Returns
    -------
    (values, travel, vehicles, dwell_s, windows): the customers' profits; the travel matrix
    under :data:`KIND` with the depot repeated once per vehicle (nodes ``0..V-1``), then the
    customers; ``vehicles`` units of kind :data:`KIND` from the depot's opening to the budget;
    the service durations and windows of the customers. Times in hundredths.
    """
    idx = np.r_[np.zeros(vehicles, np.int64), np.arange(1, inst.n + 1)]
    travel = {KIND: inst.travel[np.ix_(idx, idx)]}
    units = [routing.Vehicle(KIND, int(inst.open[0]), inst.budget) for _ in range(vehicles)]
    windows = np.column_stack([inst.open[1:], inst.close[1:]])
    return inst.profit[1:].astype(float), travel, units, inst.service[1:].copy(), windows


def to_routes(routes: Sequence[routing.Route]) -> list[list[int]]:
    """Solver routes (candidate indices from 0) as customer numbers of the instance (from 1)."""
    return [[s.cell + 1 for s in r.stops] for r in routes]
