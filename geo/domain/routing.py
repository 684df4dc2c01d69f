"""Routing for tonight's plan: travel times and a team orienteering solver with time windows.

Pure functions over numpy arrays; :mod:`geo.services.plan` feeds them from the store.

Travel times (seconds) come from one of two models:

- straight line: great-circle distance x a detour factor (city streets run about 1.3 times the
  straight line), at a patrol speed per unit kind (:data:`SPEED_MPS`);
- road network: shortest paths on an OpenStreetMap extract (``.osm.pbf``, read offline with pyrosm),
  an osmnx GraphML or a road-centreline layer (:mod:`geo.domain.network`), on the drive, cycle
  or walk network of the unit kind, at the same speeds (slower where a road's speed is lower).

The plan is a team orienteering problem with time windows: every candidate cell is optional with
a prize equal to its value (gap or risk), so the search keeps the most value it can fit; each unit
leaves its start point and comes back within its own shift, at its own kind's travel times; a
visit takes the dwell time (15 minutes by default, as hot-spot policing trials found 10-15 minute
stops work best; or one per cell); must-visit cells must be visited. The solver
(:data:`SOLVER`) is PyVRP's iterated local search (a prize-collecting VRP with time windows, one
routing profile per unit kind) followed by :func:`polish_routes`, which inserts whatever still
fits. It was chosen side by side with OR-Tools routing (several first solutions and
metaheuristics, still available as ``method="ortools"``) on published OPTW instances with known
optima (:mod:`geo.domain.optw`, ``python -m geo bench --only plan``). :func:`greedy_routes` is
the baseline the benchmark compares plans against.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.domain.coords import haversine_m
from geo.domain.network import RoadGraph, directed_edges, read_network

__all__ = [
    "DETOUR",
    "NETWORK_OF_KIND",
    "PLAN_KINDS",
    "SOLVER",
    "SPEED_MPS",
    "RoadNetwork",
    "Route",
    "Stop",
    "Vehicle",
    "allowed_mask",
    "capture_bound",
    "check_routes",
    "greedy_routes",
    "plan_kind",
    "polish_routes",
    "reachable",
    "routes_value",
    "solve_routes",
    "straight_line_s",
]

# Patrol speeds (metres per second): a patrol car in city traffic at about 25 km/h, an e-bike at
# 15 km/h, an officer on foot at 4.5 km/h.
SPEED_MPS: dict[str, float] = {"police_car": 25 / 3.6, "e_bike": 15 / 3.6, "foot": 4.5 / 3.6}
PLAN_KINDS = tuple(SPEED_MPS)
# Road distance over straight-line distance in a city street grid (circuity about 1.2-1.4).
DETOUR = 1.3
# OSM network each unit kind travels on (pyrosm network types).
NETWORK_OF_KIND = {"police_car": "driving", "e_bike": "cycling", "foot": "walking"}

_KIND_ALIASES = {
    "police_car": "police_car",
    "car": "police_car",
    "patrol_car": "police_car",
    "警车": "police_car",
    "车巡": "police_car",
    "巡逻车": "police_car",
    "e_bike": "e_bike",
    "e-bike": "e_bike",
    "ebike": "e_bike",
    "bike": "e_bike",
    "电动车": "e_bike",
    "电瓶车": "e_bike",
    "骑巡": "e_bike",
    "foot": "foot",
    "walk": "foot",
    "auxiliary": "foot",
    "volunteer": "foot",
    "步巡": "foot",
    "徒步": "foot",
    "辅警": "foot",
    "志愿者": "foot",
}

# Skipping a must-visit cell costs this much (far above any sum of scaled values).
_MUST_PENALTY = 10**13
# Values are scaled so that the best cell is worth this many cost units (1 unit = 1 s of travel).
_VALUE_SCALE = 10**8
# PyVRP: prize of the best cell and cost per travel second (prizes far above any travel, so value
# comes first); the bound of PyVRP's penalty per second late is this many best-cell prizes per
# "visit time" (median dwell + median shortest hop), so that arriving a visit's time late always
# costs more than a cell is worth (with PyVRP's default bound the search could prefer late routes
# that hold every cell and find no feasible plan). 3 came closer to the OPTW optima than 10 (a
# stricter bound keeps the search from crossing infeasible routes) or a fixed 10**9.
_PYVRP_SCALE = 10**8
_PYVRP_DISTANCE_COST = 1
_PYVRP_LATE_PRIZES = 3.0
# PyVRP: a leg into a candidate outside the unit's beat (cost and seconds: above any prize, longer
# than any shift)
_OUT_OF_BEAT = 10 * _PYVRP_SCALE
# The planner's solver (see solve_routes; the benchmark tests/bench/bench_plan.py chose it).
SOLVER = "pyvrp"
# Cost of one visit of difference between the busiest and the idlest unit (as seconds of travel).
_BALANCE_COST = 600


def plan_kind(kind: str) -> str:
    """The planning kind (police_car, e_bike or foot) of a unit kind or alias.

    Auxiliary and volunteer units patrol on foot.

    >>> plan_kind("car"), plan_kind("volunteer"), plan_kind("电动车")
    ('police_car', 'foot', 'e_bike')
    """
    key = str(kind).strip().lower().replace(" ", "_")
    if key not in _KIND_ALIASES:
        msg = f"unknown unit kind {kind!r}: use car, e-bike or foot"
        raise ValueError(msg)
    return _KIND_ALIASES[key]


@dataclass(frozen=True)
class Vehicle:
    """One unit as the solver sees it: its kind and its shift as seconds from the window start.

    ``allowed``: the candidates (indices) the unit may visit, those of its beat; None: any.
    """

    kind: str
    start_s: int
    end_s: int
    allowed: frozenset[int] | None = None


def allowed_mask(vehicles: Sequence[Vehicle], n_c: int) -> np.ndarray | None:
    """Which candidates each vehicle may visit: a ``(V, C)`` boolean matrix, None when all may.

    >>> allowed_mask([Vehicle("foot", 0, 60, frozenset({1})), Vehicle("foot", 0, 60)], 2)
    array([[False,  True],
           [ True,  True]])
    """
    if all(v.allowed is None for v in vehicles):
        return None
    out = np.ones((len(vehicles), n_c), bool)
    for u, v in enumerate(vehicles):
        if v.allowed is not None:
            out[u] = False
            cells = np.fromiter(v.allowed, np.int64, len(v.allowed))
            out[u, cells[(cells >= 0) & (cells < n_c)]] = True
    return out


@dataclass(frozen=True)
class Stop:
    """A visit: candidate index, arrival (seconds from the window start) and the arrival window.

    The arrival window is the earliest and latest arrival that keep the rest of the route
    feasible.
    """

    cell: int
    arrive_s: int
    earliest_s: int
    latest_s: int


@dataclass
class Route:
    """A unit's route: stops in order, travel seconds (dwell excluded), return time."""

    stops: list[Stop] = field(default_factory=list)
    travel_s: int = 0
    end_s: int = 0


def straight_line_s(
    lat: np.ndarray, lng: np.ndarray, speed_mps: float, *, detour: float = DETOUR
) -> np.ndarray:
    """Travel seconds between all pairs of points (WGS-84 degrees), as an int64 matrix.

    Great-circle metres x ``detour`` / ``speed_mps``, rounded up to whole seconds.
    """
    lat = np.asarray(lat, float)
    lng = np.asarray(lng, float)
    d = haversine_m(lng[:, None], lat[:, None], lng[None, :], lat[None, :])
    return np.ceil(d * detour / speed_mps).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Road network


class RoadNetwork:
    """Shortest-path travel on a road network, per unit kind.

    Parameters
    ----------
    path
        A road network file: an OpenStreetMap ``.osm.pbf`` (read with pyrosm per network type,
        as OSM tags say who may use a way), or any file :func:`geo.domain.network.read_network`
        reads (an osmnx GraphML, a road-centreline Shapefile or GeoPackage).
    bbox
        Optional ``[min_lng, min_lat, max_lng, max_lat]`` to read only part of a large extract.
    graph
        A :class:`geo.domain.network.RoadGraph` already read (a stored network); ``path`` then
        only names it.

    Points are snapped to the nearest network node (the snap distance is added at the unit's
    speed with the detour factor); pairs the network does not connect fall back to the straight
    line and are counted in :attr:`fallbacks`. On a :class:`~geo.domain.network.RoadGraph` an
    edge takes ``length / min(speed of the kind, speed of the edge)`` seconds (the edge's
    speed: the file's limit, else its class's default; :data:`geo.domain.network.CLASSES`);
    where no edge is slower than the kind, that is the network metres / the kind's speed.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        bbox: Sequence[float] | None = None,
        graph: RoadGraph | None = None,
    ) -> None:
        self.bbox = list(bbox) if bbox is not None else None
        self._graphs: dict[str, tuple[np.ndarray, np.ndarray, object]] = {}
        self._edges: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._times: dict[str, csr_matrix | None] = {}
        self._trees: dict[str, tuple[int, cKDTree]] = {}
        self.fallbacks = 0
        self.road_graph = graph
        if graph is not None:
            self.path = Path(path or graph.source.get("file") or "network")
            return
        if path is None:
            msg = "a road network needs a file or a read graph"
            raise ValueError(msg)
        self.path = Path(path)
        if not self.path.exists():
            msg = f"{self.path}: no such road network file"
            raise ValueError(msg)
        if not self.path.name.endswith(".pbf"):
            self.road_graph = read_network(self.path)

    @property
    def name(self) -> str:
        """The network's file name."""
        return self.path.name

    def graph(self, network_type: str) -> tuple[np.ndarray, np.ndarray, object]:
        """(node lat, node lng, directed CSR matrix of metres) of one network type.

        ``driving``, ``cycling`` or ``walking`` (pyrosm's names); parallel edges keep the
        shortest.
        """
        if network_type in self._graphs:
            return self._graphs[network_type]
        if self.road_graph is not None:
            g = self.road_graph
            u, v, m, cap = directed_edges(g, network_type)
            self._edges[network_type] = (u, v, m, cap)
            lat = g.nodes["lat"].to_numpy(float)
            lng = g.nodes["lng"].to_numpy(float)
            self._graphs[network_type] = (lat, lng, _min_csr(u, v, m, len(lat)))
            return self._graphs[network_type]
        # pyrosm (and the geopandas stack under it) loads only when a road network is read
        from pyrosm import OSM

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyrosm/geopandas deprecation chatter
            osm = OSM(str(self.path), bounding_box=self.bbox)
            got = osm.get_network(network_type=network_type, nodes=True)
        if got is None or got[0] is None or len(got[1]) == 0:
            msg = f"{self.path.name}: no {network_type} network in this extract"
            raise ValueError(msg)
        nodes, edges = got
        ids = nodes["id"].to_numpy(np.int64)
        order = np.argsort(ids)
        ids = ids[order]
        lat = nodes["lat"].to_numpy(float)[order]
        lng = nodes["lon"].to_numpy(float)[order]
        u = np.searchsorted(ids, edges["u"].to_numpy(np.int64))
        v = np.searchsorted(ids, edges["v"].to_numpy(np.int64))
        length = edges["length"].to_numpy(float)
        both = np.ones(len(edges), bool)
        if network_type == "driving" and "oneway" in edges:
            ow = edges["oneway"].astype("string").str.lower().fillna("no")
            forward = ow.isin(["yes", "true", "1"]).to_numpy()
            backward = ow.eq("-1").to_numpy()
            both = ~(forward | backward)
            u, v = np.where(backward, v, u), np.where(backward, u, v)
        src = np.concatenate([u, v[both]])
        dst = np.concatenate([v, u[both]])
        w = np.concatenate([length, length[both]])
        n = len(ids)
        graph = csr_matrix((np.maximum(w, 0.01), (src, dst)), shape=(n, n))
        self._graphs[network_type] = (lat, lng, graph)
        return self._graphs[network_type]

    def seconds_graph(self, kind: str) -> csr_matrix | None:
        """Directed CSR matrix of edge seconds for a unit kind.

        None when every edge allows the kind's speed: seconds are then the metres of
        :meth:`graph` / the kind's speed.
        """
        if kind in self._times:
            return self._times[kind]
        network_type = NETWORK_OF_KIND[kind]
        lat, _, _ = self.graph(network_type)
        speed = SPEED_MPS[kind]
        out = None
        if network_type in self._edges:
            u, v, m, cap = self._edges[network_type]
            if (cap < speed).any():
                out = _min_csr(u, v, m / np.minimum(speed, cap), len(lat))
        self._times[kind] = out
        return out

    def _snap(
        self, lat: np.ndarray, lng: np.ndarray, network_type: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each point's distance (metres) to its nearest node of the network type, and the node."""
        nlat, nlng, _ = self.graph(network_type)
        kept = self._trees.get(network_type)
        k = np.cos(np.radians(float(np.mean(nlat)))) * 111_320.0
        if kept is None or kept[0] != len(nlat):
            kept = (len(nlat), cKDTree(np.column_stack([nlng * k, nlat * 110_540.0])))
            self._trees[network_type] = kept
        pts = np.column_stack([np.asarray(lng, float) * k, np.asarray(lat, float) * 110_540.0])
        snap_m, node = kept[1].query(pts)
        return np.asarray(snap_m, float), np.asarray(node, np.int64)

    def distances_m(
        self, lat: np.ndarray, lng: np.ndarray, network_type: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Network metres between all pairs of points and each point's snap distance (metres).

        Unconnected pairs are ``inf``.
        """
        _, _, graph = self.graph(network_type)
        snap_m, node = self._snap(lat, lng, network_type)
        uniq, inv = np.unique(node, return_inverse=True)
        table = dijkstra(graph, directed=True, indices=uniq)[:, uniq]
        net = table[inv][:, inv]
        return net, snap_m

    def seconds_between(
        self,
        src_lat: np.ndarray,
        src_lng: np.ndarray,
        dst_lat: np.ndarray,
        dst_lng: np.ndarray,
        kind: str,
        *,
        detour: float = DETOUR,
    ) -> np.ndarray:
        """Seconds from each source to each destination for a unit kind, ``(S, D)`` floats.

        Shortest path between the nearest nodes plus both snap distances x ``detour`` at the
        kind's speed; ``inf`` where the network does not connect them.
        """
        speed = SPEED_MPS[kind]
        network_type = NETWORK_OF_KIND[kind]
        _, _, graph = self.graph(network_type)
        timed = self.seconds_graph(kind)
        s_snap, s_node = self._snap(src_lat, src_lng, network_type)
        d_snap, d_node = self._snap(dst_lat, dst_lng, network_type)
        uniq, inv = np.unique(s_node, return_inverse=True)
        snaps = (s_snap[:, None] + d_snap[None, :]) * detour
        if timed is None:
            table = dijkstra(graph, directed=True, indices=uniq)[:, d_node]
            return (table[inv] + snaps) / speed
        table = dijkstra(timed, directed=True, indices=uniq)[:, d_node]
        return table[inv] + snaps / speed

    def travel_s(
        self, lat: np.ndarray, lng: np.ndarray, kind: str, *, detour: float = DETOUR
    ) -> np.ndarray:
        """Travel seconds between all pairs of points for a unit kind (int64 matrix).

        Rounded up to whole seconds; unconnected pairs take the straight line.
        """
        speed = SPEED_MPS[kind]
        if self.seconds_graph(kind) is None:
            net, snap = self.distances_m(lat, lng, NETWORK_OF_KIND[kind])
            secs = (net + (snap[:, None] + snap[None, :]) * detour) / speed
        else:
            secs = self.seconds_between(lat, lng, lat, lng, kind, detour=detour)
        straight = straight_line_s(lat, lng, speed, detour=detour)
        bad = ~np.isfinite(secs)
        np.fill_diagonal(bad, False)
        self.fallbacks += int(bad.sum())
        out = np.where(bad, straight, np.ceil(np.where(bad, 0, secs)))
        np.fill_diagonal(out, 0)
        return out.astype(np.int64)


def _min_csr(u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int) -> csr_matrix:
    """Directed CSR matrix of weights ``w`` from ``u`` to ``v``; parallel edges keep the least."""
    keep = u != v
    u, v, w = u[keep], v[keep], np.maximum(w[keep], 1e-6)
    order = np.lexsort((w, v, u))
    u, v, w = u[order], v[order], w[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    return csr_matrix((w[first], (u[first], v[first])), shape=(n, n))


# --------------------------------------------------------------------------------------------
# Solver


def _dwells(dwell_s: int | np.ndarray, n_c: int) -> np.ndarray:
    """Dwell seconds per candidate (int64, length ``n_c``) from one number or one per cell."""
    d = np.broadcast_to(np.asarray(dwell_s, np.int64), (n_c,)).copy()
    if (d < 0).any():
        msg = "dwell times must be >= 0"
        raise ValueError(msg)
    return d


def _service(travel: np.ndarray, n_depots: int, dwell: np.ndarray) -> np.ndarray:
    """Transit matrix of the time dimension: travel from i to j plus the dwell at i."""
    t = np.asarray(travel, np.int64).copy()
    t[n_depots:, :] += dwell[:, None]
    return t


def _check_inputs(
    values: np.ndarray, travel: dict[str, np.ndarray], vehicles: Sequence[Vehicle]
) -> None:
    """Raise ValueError for no units or travel matrices of the wrong shape."""
    n_v, n_c = len(vehicles), len(values)
    if n_v == 0:
        msg = "no units on duty"
        raise ValueError(msg)
    n = n_v + n_c
    for kind, m in travel.items():
        if m.shape != (n, n):
            msg = f"travel matrix for {kind} is {m.shape}, expected {(n, n)}"
            raise ValueError(msg)


def solve_routes(
    values: np.ndarray,
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell_s: int | np.ndarray = 900,
    windows: np.ndarray | None = None,
    must: np.ndarray | None = None,
    time_limit_s: float = 10.0,
    method: str = SOLVER,
    seed: int = 0,
    polish: bool = True,
    first_solution: str = "GREEDY",
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
) -> list[Route]:
    """Routes that visit the most value within every unit's shift (team orienteering).

    Parameters
    ----------
    values
        Value of each of the ``C`` candidate cells (gap or risk, >= 0).
    travel
        Per unit kind, a ``(V + C) x (V + C)`` matrix of travel seconds: nodes ``0..V-1`` are the
        units' start points (in ``vehicles`` order), then the candidates.
    vehicles
        The units: kind and shift (seconds from the window start); each route starts and ends at
        its own start point inside its shift, and visits only the candidates of its beat
        (``Vehicle.allowed``; with PyVRP one load dimension per beat, which the units of that
        beat cannot carry, see :func:`_pyvrp_orders`).
    dwell_s
        Seconds spent in each visited cell: one number, or one per candidate.
    windows
        Optional ``(C, 2)`` earliest and latest arrival (seconds from the window start); a unit
        that comes early waits.
    must
        Optional boolean mask of cells that must be visited.
    time_limit_s
        Search time limit in seconds (the search improves until then).
    method
        ``pyvrp`` (the default, :data:`SOLVER`: PyVRP's iterated local search, then
        :func:`polish_routes`), or ``ortools`` (OR-Tools routing from the greedy routes, the
        planner's solver before; ``first_solution`` and ``metaheuristic`` apply to it only).
    seed
        Seed of PyVRP's random numbers.
    polish
        With ``pyvrp``: insert what still fits after the search (:func:`polish_routes`).
    first_solution
        OR-Tools first solution strategy: ``GREEDY`` (the default) starts from
        :func:`greedy_routes` and falls back to ``PARALLEL_CHEAPEST_INSERTION``; or any of
        OR-Tools' (``PARALLEL_CHEAPEST_INSERTION``, ``PATH_CHEAPEST_ARC``,
        ``LOCAL_CHEAPEST_INSERTION``...).
    metaheuristic
        OR-Tools local search metaheuristic (``GUIDED_LOCAL_SEARCH``, ``TABU_SEARCH``,
        ``SIMULATED_ANNEALING``...).

    Returns
    -------
    list of Route, one per vehicle, with each stop's earliest arrival and the latest arrival
    that keeps the rest of its route in time. Raises ValueError when no plan fits (e.g. a
    must-visit cell no unit can reach within its shift).
    """
    values = np.asarray(values, float)
    _check_inputs(values, travel, vehicles)
    dwell = _dwells(dwell_s, len(values))
    must_mask = np.zeros(len(values), bool) if must is None else np.asarray(must, bool)
    if method == "pyvrp":
        orders = _pyvrp_orders(
            values, travel, vehicles, dwell, windows, must_mask, time_limit_s, seed
        )
        if polish:
            orders = polish_routes(orders, values, travel, vehicles, dwell_s=dwell, windows=windows)
    elif method == "ortools":
        orders = _ortools_orders(
            values,
            travel,
            vehicles,
            dwell,
            windows,
            must_mask,
            time_limit_s,
            first_solution,
            metaheuristic,
        )
    else:
        msg = f"unknown solver {method!r}: use pyvrp or ortools"
        raise ValueError(msg)
    missed = set(np.flatnonzero(must_mask).tolist()) - {c for o in orders for c in o}
    if missed:
        msg = "no plan fits the units' shifts (check must-visit cells, windows and shift times)"
        raise ValueError(msg)
    return _schedule(orders, travel, vehicles, dwell=dwell, windows=windows)


def _prizes(values: np.ndarray, must: np.ndarray, scale: int = _VALUE_SCALE) -> np.ndarray:
    """Integer prizes (cost units, 1 unit = 1 s of travel): values scaled, must-visits huge."""
    top = float(values.max()) if len(values) and values.max() > 0 else 1.0
    prize = np.maximum(np.rint(values / top * scale), 1).astype(np.int64)
    prize[must] = _MUST_PENALTY
    return prize


def _pyvrp_orders(
    values: np.ndarray,
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    dwell: np.ndarray,
    windows: np.ndarray | None,
    must: np.ndarray,
    time_limit_s: float,
    seed: int,
) -> list[list[int]]:
    """Visiting orders (candidate indices) per vehicle from PyVRP's iterated local search.

    The plan as a prize-collecting VRP with time windows: one depot per unit's start point, one
    vehicle type per unit (its shift as the type's time window, its kind as the routing profile:
    a matrix per kind), every candidate an optional client whose prize is its scaled value
    (must-visit cells required), the travel seconds as the distance cost.
    """
    # PyVRP (a compiled extension) loads only when routes are solved
    from pyvrp import (
        Client,
        Depot,
        Location,
        PenaltyParams,
        ProblemData,
        SolveParams,
        VehicleType,
        solve,
    )
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import MaxRuntime

    n_v, n_c = len(vehicles), len(values)
    if n_c == 0:
        return [[] for _ in vehicles]
    kinds = sorted({v.kind for v in vehicles})
    prize = _prizes(values, must, _PYVRP_SCALE)
    lo = np.zeros(n_c, np.int64) if windows is None else np.asarray(windows[:, 0], np.int64)
    hi = (
        np.full(n_c, max(v.end_s for v in vehicles), np.int64)
        if windows is None
        else np.asarray(windows[:, 1], np.int64)
    )
    # a window that closes before it opens can never be kept: the cell is left out
    usable = hi >= np.maximum(lo, 0)
    clients = [
        Client(
            n_v + int(c),
            service_duration=int(dwell[c]),
            tw_early=int(max(lo[c], 0)),
            tw_late=int(hi[c]),
            prize=int(prize[c]),
            required=bool(must[c]),
        )
        for c in np.flatnonzero(usable | must)
    ]
    if not clients:
        return [[] for _ in vehicles]
    keep = np.flatnonzero(usable | must)
    # one travel matrix per kind, as the distance (cost) and as the duration of each profile
    matrices: list[Any] = [np.asarray(travel[k], np.int64) for k in kinds]
    profile = [kinds.index(v.kind) for v in vehicles]
    allowed = allowed_mask(vehicles, n_c)
    if allowed is not None:
        # beats: one more profile per kind and beat, whose legs into a candidate outside the
        # beat cost more than any cell is worth and take longer than any shift (measured against
        # beats as load dimensions, the other way to say it to PyVRP: 0.93-1.00 of the capture
        # bound against 0.99-1.00 with these profiles, on 18 units and 300 candidates)
        beats: dict[tuple[str, frozenset[int]], int] = {}
        for u, v in enumerate(vehicles):
            if v.allowed is None:
                continue
            key = (v.kind, v.allowed)
            if key not in beats:
                beats[key] = len(matrices)
                m = matrices[kinds.index(v.kind)].copy()
                m[:, n_v + np.flatnonzero(~allowed[u])] = _OUT_OF_BEAT
                np.fill_diagonal(m, 0)
                matrices.append(m)
            profile[u] = beats[key]
    data = ProblemData(
        [Location(0, 0) for _ in range(n_v + n_c)],
        clients,
        [Depot(i) for i in range(n_v)],
        [
            VehicleType(
                1,
                start_depot=i,
                end_depot=i,
                tw_early=int(v.start_s),
                tw_late=int(v.end_s),
                profile=profile[i],
                unit_distance_cost=_PYVRP_DISTANCE_COST,
            )
            for i, v in enumerate(vehicles)
        ],
        matrices,
        matrices,
    )
    hop = np.min(
        np.where(np.eye(n_c, dtype=bool), np.inf, matrices[0][n_v:, n_v:]), axis=1, initial=np.inf
    )
    visit_s = float(np.median(dwell)) + (float(np.median(hop)) if n_c > 1 else 0.0)
    max_penalty = _PYVRP_LATE_PRIZES * _PYVRP_SCALE / max(visit_s, 1.0)
    with warnings.catch_warnings():
        # PyVRP warns when its penalty on late arrivals reaches its bound while the search
        # roams through infeasible routes; the result is used only when it is feasible
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = solve(
            data,
            stop=MaxRuntime(max(float(time_limit_s), 0.05)),
            seed=int(seed),
            collect_stats=False,
            params=SolveParams(penalty=PenaltyParams(max_penalty=max_penalty)),
        )
    orders: list[list[int]] = [[] for _ in vehicles]
    if not result.best.is_feasible():
        return orders
    for route in result.best.routes():
        orders[route.vehicle_type()] = [int(keep[a.idx]) for a in route if a.is_client()]
    return orders


def _ortools_orders(
    values: np.ndarray,
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    dwell: np.ndarray,
    windows: np.ndarray | None,
    must: np.ndarray,
    time_limit_s: float,
    first_solution: str,
    metaheuristic: str,
) -> list[list[int]]:
    """Visiting orders per vehicle from OR-Tools routing (disjunction penalties = values)."""
    # OR-Tools takes a while to load: only when routes are solved
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n_v, n_c = len(vehicles), len(values)
    n = n_v + n_c
    allowed = allowed_mask(vehicles, n_c)
    horizon = max(v.end_s for v in vehicles)
    manager = pywrapcp.RoutingIndexManager(n, n_v, list(range(n_v)), list(range(n_v)))
    routing = pywrapcp.RoutingModel(manager)
    time_cb: dict[str, int] = {}
    cost_cb: dict[str, int] = {}
    for kind in sorted({v.kind for v in vehicles}):
        m = np.asarray(travel[kind], np.int64)
        cost_cb[kind] = routing.RegisterTransitMatrix(m.tolist())
        time_cb[kind] = routing.RegisterTransitMatrix(_service(m, n_v, dwell).tolist())
    for i, v in enumerate(vehicles):
        routing.SetArcCostEvaluatorOfVehicle(cost_cb[v.kind], i)
    routing.AddDimensionWithVehicleTransits(
        [time_cb[v.kind] for v in vehicles], int(horizon), int(horizon), False, "time"
    )
    time = routing.GetDimensionOrDie("time")
    for i, v in enumerate(vehicles):
        time.CumulVar(routing.Start(i)).SetRange(int(v.start_s), int(v.end_s))
        time.CumulVar(routing.End(i)).SetRange(int(v.start_s), int(v.end_s))
    prize = _prizes(values, must)
    for c in range(n_c):
        index = manager.NodeToIndex(n_v + c)
        if windows is not None:
            lo, hi = int(windows[c, 0]), int(windows[c, 1])
            time.CumulVar(index).SetRange(max(lo, 0), min(hi, int(horizon)))
        routing.AddDisjunction([index], int(prize[c]))
        if allowed is not None:  # only the units whose beat holds the cell
            routing.VehicleVar(index).SetValues([-1, *np.flatnonzero(allowed[:, c]).tolist()])
    # Spread the visits over the units where value allows: the spread between the busiest and
    # the idlest unit costs a little (far less than any cell's value).
    routing.AddConstantDimension(1, n_c + 1, True, "visits")
    routing.GetDimensionOrDie("visits").SetGlobalSpanCostCoefficient(_BALANCE_COST)
    for i in range(n_v):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(i)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(i)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    strategies = routing_enums_pb2.FirstSolutionStrategy
    params.first_solution_strategy = getattr(
        strategies,
        "PARALLEL_CHEAPEST_INSERTION" if first_solution == "GREEDY" else first_solution,
    )
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic
    )
    params.time_limit.FromMilliseconds(max(int(time_limit_s * 1000), 100))
    solution = None
    if first_solution == "GREEDY":
        # start from the greedy routes (never worse than the baseline) and improve
        start = greedy_routes(values, travel, vehicles, dwell_s=dwell, windows=windows)
        initial = routing.ReadAssignmentFromRoutes(
            [[manager.NodeToIndex(n_v + st.cell) for st in r.stops] for r in start], True
        )
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, params)
    solution = solution or routing.SolveWithParameters(params)
    if solution is None:
        msg = "no plan fits the units' shifts (check must-visit cells, windows and shift times)"
        raise ValueError(msg)
    orders = []
    for i in range(n_v):
        order = []
        index = solution.Value(routing.NextVar(routing.Start(i)))
        while not routing.IsEnd(index):
            order.append(manager.IndexToNode(index) - n_v)
            index = solution.Value(routing.NextVar(index))
        orders.append(order)
    return orders


def _schedule(
    orders: Sequence[Sequence[int]],
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell: np.ndarray,
    windows: np.ndarray | None,
) -> list[Route]:
    """Each route's earliest schedule and, per stop, the latest arrival that keeps it in time.

    The earliest schedule leaves at the shift start and arrives as early as the windows allow;
    a stop's latest arrival keeps every later stop and the return in time.
    """
    n_v = len(vehicles)
    out = []
    for depot, (order, v) in enumerate(zip(orders, vehicles, strict=True)):
        m = travel[v.kind]
        nodes = [n_v + int(c) for c in order]
        arrive = []
        t, prev, travel_s = int(v.start_s), depot, 0
        for node in nodes:
            t += int(m[prev, node])
            travel_s += int(m[prev, node])
            if windows is not None:
                t = max(t, int(windows[node - n_v, 0]))
            arrive.append(t)
            t += int(dwell[node - n_v])
            prev = node
        end = t + int(m[prev, depot])
        travel_s += int(m[prev, depot])
        latest = [0] * len(nodes)
        nxt_latest, nxt = int(v.end_s), depot
        for k in range(len(nodes) - 1, -1, -1):
            lt = nxt_latest - int(m[nodes[k], nxt]) - int(dwell[nodes[k] - n_v])
            if windows is not None:
                lt = min(lt, int(windows[nodes[k] - n_v, 1]))
            latest[k] = lt
            nxt_latest, nxt = lt, nodes[k]
        stops = [
            Stop(int(c), a, a, max(a, lt)) for c, a, lt in zip(order, arrive, latest, strict=True)
        ]
        out.append(Route(stops, travel_s, end))
    return out


def reachable(
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell_s: int | np.ndarray,
    windows: np.ndarray | None = None,
) -> np.ndarray:
    """Which candidates each unit could visit alone: ``(V, C)`` boolean.

    In its beat (``Vehicle.allowed``), and out from its start point, arriving within the
    candidate's window (``windows`` as :func:`solve_routes`; waiting for it to open), the dwell
    and back within its shift (seconds, same inputs as :func:`solve_routes`).
    """
    n_v = len(vehicles)
    n_c = len(next(iter(travel.values()))) - n_v if travel else 0
    dwell = _dwells(dwell_s, n_c)
    lo, hi = _window_bounds(windows, n_c)
    out = np.zeros((n_v, n_c), bool)
    for u, v in enumerate(vehicles):
        m = np.asarray(travel[v.kind], np.int64)
        arrive = np.maximum(v.start_s + m[u, n_v:], lo)
        out[u] = (arrive <= hi) & (arrive + dwell + m[n_v:, u] <= v.end_s)
    allowed = allowed_mask(vehicles, n_c)
    return out if allowed is None else out & allowed


def routes_value(routes: Sequence[Route], values: np.ndarray) -> float:
    """Sum of the values of the visited cells (each cell counted once)."""
    seen = {s.cell for r in routes for s in r.stops}
    return float(np.asarray(values, float)[sorted(seen)].sum()) if seen else 0.0


def capture_bound(
    values: np.ndarray,
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell_s: int | np.ndarray = 900,
    windows: np.ndarray | None = None,
) -> float:
    """An upper bound on the value any feasible plan can capture.

    Same inputs as :func:`solve_routes`; tells how far a plan or a baseline can be from the best
    one.

    It relaxes the routing to counting: unit ``u`` can only visit cells it can reach and leave
    in time (out from its start point, the dwell, back within its shift, inside the cell's
    window), and at most ``k_u`` of them, the largest ``k`` with
    ``first + k * dwell + (k - 1) * hop + last <= shift length`` where ``first``, ``last`` and
    ``hop`` are its shortest possible legs out, back and between two of its reachable cells and
    ``dwell`` the shortest dwell among those cells.
    The bound is the most value such counts can hold with every cell visited once: a
    transportation problem (a bipartite b-matching, so its linear program has an integral
    optimum), solved with SciPy's HiGHS. Every plan's value is at most this; the gap between
    the two is at most what better routing could still add.
    """
    values = np.asarray(values, float)
    n_v, n_c = len(vehicles), len(values)
    if n_v == 0 or n_c == 0:
        return 0.0
    dwell = _dwells(dwell_s, n_c)
    allowed = allowed_mask(vehicles, n_c)
    units: list[np.ndarray] = []
    cells: list[np.ndarray] = []
    caps: list[int] = []
    for u, v in enumerate(vehicles):
        m = np.asarray(travel[v.kind], np.int64)
        out, back = m[u, n_v:].astype(float), m[n_v:, u].astype(float)
        arrive = v.start_s + out
        if windows is not None:
            arrive = np.maximum(arrive, windows[:, 0])
        ok = arrive + dwell + back <= v.end_s
        if windows is not None:
            ok &= arrive <= windows[:, 1]
        if allowed is not None:
            ok &= allowed[u]
        reach = np.flatnonzero(ok)
        if reach.size == 0:
            continue
        length = float(v.end_s - v.start_s)
        hop = 0.0
        if reach.size > 1:
            between = m[np.ix_(n_v + reach, n_v + reach)].astype(float)
            np.fill_diagonal(between, np.inf)
            hop = float(between.min())
        least = float(dwell[reach].min())
        k = int((length - out[reach].min() - back[reach].min() + hop) // max(least + hop, 1.0))
        units.append(np.full(reach.size, len(caps)))
        cells.append(reach)
        caps.append(min(max(k, 0), reach.size))
    if not caps:
        return 0.0
    uu, cc = np.concatenate(units), np.concatenate(cells)
    n_x = uu.size
    rows = np.r_[uu, len(caps) + cc]  # one row per unit (its count), then one per cell (once)
    a = coo_matrix(
        (np.ones(2 * n_x), (rows, np.r_[np.arange(n_x), np.arange(n_x)])),
        shape=(len(caps) + n_c, n_x),
    ).tocsr()
    b = np.r_[np.asarray(caps, float), np.ones(n_c)]
    res = linprog(-values[cc], A_ub=a, b_ub=b, bounds=(0, 1), method="highs")
    if res.status != 0:  # pragma: no cover - the problem is always feasible (x = 0)
        msg = f"capture bound: {res.message}"
        raise RuntimeError(msg)
    return float(-res.fun)


def check_routes(
    routes: Sequence[Route],
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell_s: int | np.ndarray,
    windows: np.ndarray | None = None,
) -> list[str]:
    """Violations of the plan's rules (empty when every route is feasible).

    Recomputes each route from the travel matrices: a unit leaves no earlier than its shift
    start, travels, waits for a window to open if it must, dwells ``dwell_s`` in each cell,
    arrives within each window, and is back at its start point by its shift end. A cell visited
    twice is a violation too.
    """
    n_v = len(vehicles)
    dwell = _dwells(dwell_s, len(next(iter(travel.values()))) - n_v)
    problems: list[str] = []
    seen: dict[int, int] = {}
    for u, (r, v) in enumerate(zip(routes, vehicles, strict=True)):
        m = travel[v.kind]
        t, prev = int(v.start_s), u
        for k, s in enumerate(r.stops):
            node = n_v + s.cell
            t += int(m[prev, node])
            if windows is not None:
                t = max(t, int(windows[s.cell, 0]))
                if t > int(windows[s.cell, 1]):
                    problems.append(f"unit {u} stop {k}: arrives after its window closes")
            if s.arrive_s < t:
                problems.append(
                    f"unit {u} stop {k}: planned arrival {s.arrive_s} s is before "
                    f"the earliest possible {t} s"
                )
            t = max(t, s.arrive_s) + int(dwell[s.cell])
            prev = node
            if v.allowed is not None and s.cell not in v.allowed:
                problems.append(f"unit {u} stop {k}: cell {s.cell} lies outside its beat")
            if s.cell in seen:
                problems.append(f"cell {s.cell} is visited by units {seen[s.cell]} and {u}")
            seen[s.cell] = u
        t += int(m[prev, u])
        if t > v.end_s:
            problems.append(f"unit {u}: back at {t} s, after its shift ends at {v.end_s} s")
    return problems


def greedy_routes(
    values: np.ndarray,
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell_s: int | np.ndarray = 900,
    windows: np.ndarray | None = None,
) -> list[Route]:
    """Baseline: greedy nearest-highest-value routing.

    The unit that is free first goes next to the unvisited cell with the most value per second
    spent (value / (travel + dwell)) among those it can reach inside the cell's window and still
    get back to its start point before its shift ends; a unit with no such cell goes home.
    """
    values = np.asarray(values, float)
    n_v, n_c = len(vehicles), len(values)
    dwell = _dwells(dwell_s, n_c)
    allowed = allowed_mask(vehicles, n_c)
    free = np.array([v.start_s for v in vehicles], float)
    at = list(range(n_v))
    done = np.zeros(n_v, bool)
    taken = np.zeros(n_c, bool)
    routes = [Route() for _ in vehicles]
    while not done.all():
        u = int(np.argmin(np.where(done, np.inf, free)))
        v = vehicles[u]
        m = travel[v.kind]
        arrive = free[u] + m[at[u], n_v:]
        if windows is not None:
            arrive = np.maximum(arrive, windows[:, 0])
        back = arrive + dwell + m[n_v:, u]
        ok = ~taken & (back <= v.end_s)
        if windows is not None:
            ok &= arrive <= windows[:, 1]
        if allowed is not None:
            ok &= allowed[u]
        if not ok.any():
            done[u] = True
            routes[u].travel_s += int(m[at[u], u])
            routes[u].end_s = int(free[u] + m[at[u], u])
            continue
        rate = np.where(ok, values / np.maximum(arrive - free[u] + dwell, 1), -np.inf)
        c = int(np.argmax(rate))
        taken[c] = True
        routes[u].stops.append(Stop(c, int(arrive[c]), int(arrive[c]), int(arrive[c])))
        routes[u].travel_s += int(m[at[u], n_v + c])
        free[u] = arrive[c] + dwell[c]
        at[u] = n_v + c
    return routes


def _window_bounds(windows: np.ndarray | None, n_c: int) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest arrival per candidate (int64; no window: from 0, no end)."""
    if windows is None:
        return np.zeros(n_c, np.int64), np.full(n_c, np.iinfo(np.int64).max // 4, np.int64)
    w = np.asarray(windows, np.int64)
    return w[:, 0].copy(), w[:, 1].copy()


def _insertions(
    order: Sequence[int],
    cand: np.ndarray,
    m: np.ndarray,
    unit: int,
    vehicle: Vehicle,
    n_v: int,
    dwell: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates fit in which gap of a route, and the seconds each insertion adds.

    Uses each stop's earliest start and latest start (the latest keeping the rest of the route
    and the return in time) for all gaps x candidates at once. Returns ``(ok, added)``, both
    ``(len(order) + 1, len(cand))``: gap ``k`` is before the ``k``-th stop (the last gap before
    the return); ``added`` is how much later the stop after the gap then starts.
    """
    nodes = np.array([unit] + [n_v + int(c) for c in order] + [unit])
    cells = nodes[1:-1] - n_v
    start = np.empty(len(nodes), np.int64)
    start[0] = vehicle.start_s
    for k in range(1, len(nodes)):
        t = start[k - 1] + (dwell[cells[k - 2]] if k > 1 else 0) + m[nodes[k - 1], nodes[k]]
        start[k] = max(t, lo[cells[k - 1]]) if k < len(nodes) - 1 else t
    latest = np.empty(len(nodes), np.int64)
    latest[-1] = vehicle.end_s
    for k in range(len(nodes) - 2, 0, -1):
        c = cells[k - 1]
        latest[k] = min(hi[c], latest[k + 1] - m[nodes[k], nodes[k + 1]] - dwell[c])
    leave = start[:-1] + np.r_[0, dwell[cells]]  # leaving the node before each gap
    arrive = np.maximum(leave[:, None] + m[np.ix_(nodes[:-1], n_v + cand)], lo[cand][None, :])
    onward = m[np.ix_(n_v + cand, nodes[1:])].T  # candidate -> the node after the gap
    after = arrive + dwell[cand][None, :] + onward
    after = np.maximum(after, np.r_[lo[cells], np.iinfo(np.int64).min // 4][:, None])
    ok = (arrive <= hi[cand][None, :]) & (after <= latest[1:, None])
    return ok, np.where(ok, after - start[1:, None], np.iinfo(np.int64).max)


def polish_routes(
    orders: Sequence[Sequence[int]],
    values: np.ndarray,
    travel: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    *,
    dwell_s: int | np.ndarray = 900,
    windows: np.ndarray | None = None,
) -> list[list[int]]:
    """Add what still fits to feasible routes, then spread the stops over the units.

    1. Insertion: repeatedly takes the most valuable unvisited candidate that can be inserted
       somewhere without breaking a window or a shift (on any unit's route, at the position
       that adds the least time) until none fits.
    2. Spread: while a unit has at least two stops fewer than another, moves one of the busier
       unit's stops to it where that fits (the cheapest such move), so that no unit stays idle
       when others could give it work; the value is unchanged.

    Every insertion is checked with each stop's earliest and latest start, for all candidates
    and positions at once. The routes only gain value and stay feasible.

    Parameters
    ----------
    orders
        Visiting order (candidate indices) per vehicle; feasible.
    values, travel, vehicles, dwell_s, windows
        As for :func:`solve_routes`.

    Returns
    -------
    The orders with the inserted and moved candidates.
    """
    values = np.asarray(values, float)
    n_v, n_c = len(vehicles), len(values)
    dwell = _dwells(dwell_s, n_c)
    lo, hi = _window_bounds(windows, n_c)
    mats = {k: np.asarray(m, np.int64) for k, m in travel.items()}
    out = [[int(c) for c in o] for o in orders]
    free = np.ones(n_c, bool)
    free[[c for o in out for c in o]] = False
    free &= values > 0
    allowed = allowed_mask(vehicles, n_c)
    while free.any():
        best: tuple[float, int, int, int, int] | None = None  # -value, added s, unit, gap, cell
        for u, v in enumerate(vehicles):
            cand = np.flatnonzero(free if allowed is None else free & allowed[u])
            if cand.size == 0:
                continue
            ok, added = _insertions(out[u], cand, mats[v.kind], u, v, n_v, dwell, lo, hi)
            if not ok.any():
                continue
            j = int(np.argmax(np.where(ok.any(axis=0), values[cand], -np.inf)))
            gap = int(np.argmin(added[:, j]))
            key = (-float(values[cand[j]]), int(added[gap, j]), u, gap, int(cand[j]))
            best = key if best is None or key < best else best
        if best is None:
            break
        _, _, u, gap, cell = best
        out[u].insert(gap, cell)
        free[cell] = False
    return _spread(out, mats, vehicles, dwell, lo, hi, allowed)


def _spread(
    out: list[list[int]],
    mats: dict[str, np.ndarray],
    vehicles: Sequence[Vehicle],
    dwell: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    allowed: np.ndarray | None = None,
) -> list[list[int]]:
    """Move stops from the busiest units to the idlest while that fits (see polish_routes).

    A stop moves only to a unit whose beat holds it (``allowed``, as :func:`allowed_mask`).
    """
    n_v = len(vehicles)
    for _ in range(sum(len(o) for o in out)):
        counts = np.array([len(o) for o in out])
        moved = False
        for u in np.argsort(counts, kind="stable"):  # the idlest unit first
            donors = [w for w in range(n_v) if counts[w] - counts[u] >= 2]
            best: tuple[int, int, int, int] | None = None  # added s, donor, its stop, gap
            for w in donors:
                held = np.array(out[w], np.int64)
                pos = (  # the donor's stops the idle unit's beat holds, by position
                    np.flatnonzero(allowed[u, held])
                    if allowed is not None and held.size
                    else np.arange(held.size)
                )
                if pos.size == 0:
                    continue
                cand = held[pos]
                ok, added = _insertions(
                    out[u], cand, mats[vehicles[u].kind], int(u), vehicles[u], n_v, dwell, lo, hi
                )
                for j in map(int, np.flatnonzero(ok.any(axis=0))):
                    at = int(pos[j])  # its position on the donor's route
                    rest = out[w][:at] + out[w][at + 1 :]
                    if not _fits(rest, mats[vehicles[w].kind], w, vehicles[w], n_v, dwell, lo, hi):
                        continue  # travel times without the triangle inequality
                    gap = int(np.argmin(added[:, j]))
                    key = (int(added[gap, j]), w, at, gap)
                    best = key if best is None or key < best else best
            if best is not None:
                _, donor, stop, gap = best
                out[int(u)].insert(gap, out[donor].pop(stop))
                moved = True
                break
        if not moved:
            break
    return out


def _fits(
    order: Sequence[int],
    m: np.ndarray,
    unit: int,
    vehicle: Vehicle,
    n_v: int,
    dwell: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> bool:
    """Whether a route keeps every window and is back by the shift end."""
    t, prev = int(vehicle.start_s), unit
    for c in order:
        t = max(t + int(m[prev, n_v + c]), int(lo[c]))
        if t > hi[c]:
            return False
        t += int(dwell[c])
        prev = n_v + c
    return t + int(m[prev, unit]) <= vehicle.end_s
