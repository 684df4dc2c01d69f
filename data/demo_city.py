"""Deterministic synthetic demo city: the Luojia (罗家) police station area, Qingshanhu, Nanchang.

``build_demo_city(seed=7)`` returns one pandas DataFrame per record kind (units, shifts, pings,
sites, site_checks, venues, inspections, hazards, incidents, areas) with exactly the canonical
columns of :mod:`geo.domain.schema`, canonical enum values, WGS-84 coordinates and tz-aware
Asia/Shanghai times.

The place names are public; every person, unit, venue and event is made up. The generator works in a
local metric frame (x east, y north, metres from the centre) and converts to degrees at the end.

What the data is built to contain (so analysis code has something real to find):

* patrol tracks that follow a street network (shortest paths between targets biased towards hot
  places and key sites), 10-30 s between fixes, ~4 m GPS noise, stops of 2-15 min (some 10-15 min
  "Koper" stops), a few GPS gaps longer than 5 minutes and rare bad-GPS jumps;
* incidents from a mixture intensity: background along streets, venue exposure by category
  (the main source: Gaussian kernel, sigma ~170 m), exposure to open hazards (sigma ~150 m while
  the hazard is open), persistent hotspots (the bar/KTV street and a market, sigma ~230 m), two
  emerging clusters (from August, growing), two fading clusters (April-June, gone from mid-July;
  sigma ~200 m), near-repeats (follow-ups within days and ~100 m), and an evening hour-of-day
  profile peaking 20:00-01:00. Hot spots thus spread over a few hundred metres (a core H3 res-9
  cell and part of its ring), and each source's weekly intensity carries Gamma noise (CV ~0.6),
  so weekly counts are overdispersed around a stable mean (~4,000 incidents April-October);
* the summer campaign (night dates 2022-06-25..2022-10-02) adding up exactly to
  :data:`CAMPAIGN_FIGURES` (made exact by construction, see ``_adjust_to_total``);
* a station's routine at the end of the period (2022-10-31, the duty night): venues inspected by
  their grade's interval, about one in ten overdue (three never inspected, see ``_inspections``),
  hazards still open days to weeks after they were found, a few past their deadline
  (``_hazard_outcomes``).

``build_demo_mediation(city, seed)`` adds the disputes (矛盾纠纷) and leads (线索) with a random
stream of their own, so the frames above are unchanged: a wet market with a one-stop mediation
room, about 1,400 disputes (1,007 during the campaign, 97.91 % settled by its end; a few escalate
into the city's dispute and fight incidents) and about 30 leads (17 during the campaign, 10
concluded and 7 still being verified at its end), see :data:`MEDIATION_FIGURES`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import pairwise
from typing import overload

import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, shortest_path
from shapely import union_all
from shapely.geometry import Polygon

from geo.domain.schema import DISPUTE_CATEGORIES, INCIDENT_CATEGORIES, KINDS
from geo.domain.venues import grade_table

__all__ = [
    "CAMPAIGN",
    "CAMPAIGN_FIGURES",
    "CENTRE",
    "DUTY_NIGHT",
    "MEDIATION_FIGURES",
    "MEDIATION_ROOM",
    "PERIOD",
    "STATION_ID",
    "build_demo_city",
    "build_demo_duty",
    "build_demo_mediation",
    "demo_network",
    "demo_streets",
    "write_demo_streets",
]

CAMPAIGN = ("2022-06-25", "2022-10-02")
CAMPAIGN_FIGURES = {
    "police_aux_person_times": 1169,
    "volunteer_person_times": 856,
    "people_checked": 521,
    "venues_inspected": 76,
    "site_patrols": 632,
    "hazards_rectified": 36,
}
PERIOD = ("2022-04-01", "2022-10-31")
CENTRE = (115.98, 28.70)  # lng, lat (WGS-84)
STATION_ID = "ST01"
TZ = "Asia/Shanghai"

# metres per degree at the centre latitude (equirectangular is plenty for a 4 km patch)
_M_LAT = 110_850.0
_M_LNG = 111_320.0 * math.cos(math.radians(CENTRE[1]))

_HALF_W, _HALF_H = 2000.0, 1750.0  # the station contains this rectangle
_ROAD_X, _ROAD_Y = 1880.0, 1630.0  # streets and everything located lie inside this one
_DAY = 86_400

_NIGHTLIFE = (650.0, -380.0)  # bar / KTV street
_MARKET = (-880.0, 560.0)  # wet market
_EMERGING = ((-1250.0, -1080.0), (1320.0, 980.0))
_FADING = ((-260.0, 1180.0), (1480.0, -1150.0))

_CN_NUM = "一二三四五六七八九十"

# Spatial scales of the incident generator (metres). Real hot spots are street segments, a
# nightlife block, a market: they spread over a few hundred metres, and risk-terrain exposure
# acts within ~200-300 m of a venue or hazard (RTM's "spatial influence" of one to three block
# lengths). Gaussian sigmas of 150-250 m give that footprint (a res-9 H3 cell is ~350 m across,
# so each hot spot covers a core cell and its ring rather than a single cell).
_SIGMA_VENUE = (170.0, 450.0)  # (sigma, truncation radius) of venue exposure
_SIGMA_HAZARD = (150.0, 400.0)  # open-hazard exposure
_SIGMA_HOTSPOT = (230.0, 600.0)  # the persistent bar/KTV street and market
_SIGMA_CLUSTER = (200.0, 520.0)  # emerging and fading clusters
_SIGMA_REPEAT = (60.0, 160.0)  # near-repeat follow-ups
# Week-to-week overdispersion: each source's weekly intensity is multiplied by a Gamma(shape,
# 1/shape) factor (mean 1, coefficient of variation 1/sqrt(shape)), so weekly counts are
# negative-binomial around a stable mean -- noisy weeks, as in real data, rather than a fixed
# rate that last week's count pins down.
_WEEKLY_SHAPE = 3.0
# expected incidents (April-October, before near-repeats) per source
_N_BACKGROUND = 600
_N_VENUE = 2000
_N_HOTSPOT = (100, 80)  # nightlife street, market
_N_CLUSTER = (120, 110)  # each emerging, each fading cluster


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


def _to_lnglat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return CENTRE[0] + x / _M_LNG, CENTRE[1] + y / _M_LAT


def _local_epoch(date: str) -> int:
    """Seconds since 1970-01-01 in local wall time at 00:00 of ``date``."""
    return int(pd.Timestamp(date).value // 1_000_000_000)


def _ts(local_sec: np.ndarray) -> pd.Series:
    """Local wall-clock seconds -> tz-aware Asia/Shanghai timestamps (China has no DST: UTC+8)."""
    sec = np.asarray(local_sec, dtype="float64")
    na = np.isnan(sec)
    ns = (np.where(na, 0, sec).astype(np.int64) - 8 * 3600) * 1_000_000_000
    idx = pd.DatetimeIndex(pd.to_datetime(ns, unit="ns", utc=True)).tz_convert(TZ)
    if na.any():
        idx = idx.where(~na, pd.NaT)
    return pd.Series(idx)


def _adjust_to_total(
    values: np.ndarray, target: int, lo: ArrayLike, hi: ArrayLike, rng: np.random.Generator
) -> np.ndarray:
    """Move integer ``values`` by +-1 steps (random, deterministic) until they sum to ``target``.

    Each value stays within [lo, hi]; raises if the bounds make the target impossible.
    """
    v = np.asarray(values, dtype=np.int64).copy()
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), v.shape)
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), v.shape)
    v = np.clip(v, lo, hi)
    while (diff := int(target - v.sum())) != 0:
        step = 1 if diff > 0 else -1
        ok = np.flatnonzero(v < hi) if step > 0 else np.flatnonzero(v > lo)
        if ok.size == 0:
            msg = f"cannot reach total {target} within bounds"
            raise ValueError(msg)
        pick = rng.choice(ok, size=min(abs(diff), ok.size), replace=False)
        v[pick] += step
    return v


def _inside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (np.abs(x) <= _ROAD_X) & (np.abs(y) <= _ROAD_Y)


def _kernel_points(
    rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, sigma: float, rmax: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian offsets (truncated at ``rmax``) around centres, kept inside the located area."""
    cx = np.asarray(cx, float)
    cy = np.asarray(cy, float)
    x = np.empty_like(cx)
    y = np.empty_like(cy)
    todo = np.arange(cx.size)
    for _ in range(50):
        if todo.size == 0:
            break
        dx = rng.normal(0, sigma, todo.size)
        dy = rng.normal(0, sigma, todo.size)
        r = np.hypot(dx, dy)
        scale = np.where(
            r > rmax, rmax * rng.uniform(0.3, 1.0, todo.size) / np.maximum(r, 1e-9), 1.0
        )
        nx = cx[todo] + dx * scale
        ny = cy[todo] + dy * scale
        ok = _inside(nx, ny)
        x[todo[ok]] = nx[ok]
        y[todo[ok]] = ny[ok]
        todo = todo[~ok]
    if todo.size:  # centres hugging the edge: clamp
        x[todo] = np.clip(cx[todo], -_ROAD_X, _ROAD_X)
        y[todo] = np.clip(cy[todo], -_ROAD_Y, _ROAD_Y)
    return x, y


# ----------------------------------------------------------------------------------------------
# street network and areas
# ----------------------------------------------------------------------------------------------


class _Net:
    """Street network in metres: nodes (x, y), undirected edges, all-pairs shortest paths."""

    def __init__(self, rng: np.random.Generator) -> None:
        ncol, nrow = 14, 12
        xs = np.linspace(-_ROAD_X + 40, _ROAD_X - 40, ncol)
        ys = np.linspace(-_ROAD_Y + 40, _ROAD_Y - 40, nrow)
        xs[1:-1] += rng.uniform(-45, 45, ncol - 2)
        ys[1:-1] += rng.uniform(-45, 45, nrow - 2)
        gx, gy = np.meshgrid(xs, ys, indexing="ij")  # [col, row]
        gx = gx + rng.uniform(-22, 22, gx.shape)
        gy = gy + rng.uniform(-22, 22, gy.shape)
        gx = np.clip(gx, -_ROAD_X + 10, _ROAD_X - 10)
        gy = np.clip(gy, -_ROAD_Y + 10, _ROAD_Y - 10)
        self.x = gx.ravel()
        self.y = gy.ravel()

        def nid(c: int, r: int) -> int:
            return c * nrow + r

        main_cols = {0, 4, 8, ncol - 1}
        main_rows = {0, 4, 8, nrow - 1}
        edges: list[tuple[int, int, str]] = []
        for c in range(ncol):
            for r in range(nrow):
                if c + 1 < ncol:
                    edges.append((nid(c, r), nid(c + 1, r), "main" if r in main_rows else "side"))
                if r + 1 < nrow:
                    edges.append((nid(c, r), nid(c, r + 1), "main" if c in main_cols else "side"))
        # drop some side-street links (never isolating a node)
        deg = np.zeros(self.x.size, int)
        for a, b, _ in edges:
            deg[a] += 1
            deg[b] += 1
        keep: list[tuple[int, int, str]] = []
        drop_p = rng.uniform(size=len(edges))
        for (a, b, k), p in zip(edges, drop_p, strict=True):
            if k == "side" and p < 0.14 and deg[a] > 2 and deg[b] > 2:
                deg[a] -= 1
                deg[b] -= 1
                continue
            keep.append((a, b, k))
        # two diagonal avenues made of cell diagonals (no crossings between them)
        for i in range(6):
            keep.append((nid(1 + i, 1 + i), nid(2 + i, 2 + i), "diagonal"))
        for i in range(5):
            keep.append((nid(ncol - 2 - i, 2 + i), nid(ncol - 3 - i, 3 + i), "diagonal"))
        self.ea = np.array([e[0] for e in keep])
        self.eb = np.array([e[1] for e in keep])
        self.ekind = [e[2] for e in keep]
        self.elen = np.hypot(self.x[self.ea] - self.x[self.eb], self.y[self.ea] - self.y[self.eb])
        n = self.x.size
        g = coo_matrix((self.elen, (self.ea, self.eb)), shape=(n, n)).tocsr()
        ncomp, _ = connected_components(g, directed=False)
        assert ncomp == 1, "street network must be connected"
        self.dist, self.pred = shortest_path(g, directed=False, return_predecessors=True)
        self._paths: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def nearest(self, x: float, y: float) -> int:
        return int(np.argmin((self.x - x) ** 2 + (self.y - y) ** 2))

    def path(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Node ids from a to b and cumulative distance along them."""
        key = (a, b)
        got = self._paths.get(key)
        if got is None:
            nodes = [b]
            cur = b
            while cur != a:
                cur = int(self.pred[a, cur])
                nodes.append(cur)
            arr = np.array(nodes[::-1])
            seg = np.hypot(np.diff(self.x[arr]), np.diff(self.y[arr]))
            got = (arr, np.concatenate([[0.0], np.cumsum(seg)]))
            self._paths[key] = got
        return got

    def random_edge_points(
        self,
        rng: np.random.Generator,
        n: int,
        offset: tuple[float, float],
        weights: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Points beside random streets (length-weighted), ``offset`` metres off the centre line."""
        p = self.elen if weights is None else self.elen * weights
        e = rng.choice(self.ea.size, size=n, p=p / p.sum())
        t = rng.uniform(0.1, 0.9, n)
        ax, ay = self.x[self.ea[e]], self.y[self.ea[e]]
        bx, by = self.x[self.eb[e]], self.y[self.eb[e]]
        dx, dy = bx - ax, by - ay
        ln = np.hypot(dx, dy)
        nx, ny = -dy / ln, dx / ln
        off = rng.uniform(*offset, n) * rng.choice([-1.0, 1.0], n)
        return ax + t * dx + off * nx, ay + t * dy + off * ny


def _areas(rng: np.random.Generator) -> tuple[pd.DataFrame, Polygon]:
    """Station polygon and 4 x 3 grid polygons that tile it exactly (shared vertices)."""
    ncol, nrow = 4, 3
    bx = np.linspace(-_HALF_W, _HALF_W, ncol + 1)
    by = np.linspace(-_HALF_H, _HALF_H, nrow + 1)
    px = np.empty((ncol + 1, nrow + 1))
    py = np.empty((ncol + 1, nrow + 1))
    for i in range(ncol + 1):
        for j in range(nrow + 1):
            x, y = bx[i], by[j]
            edge_i = i in (0, ncol)
            edge_j = j in (0, nrow)
            x += (np.sign(x) * rng.uniform(0, 120)) if edge_i else rng.uniform(-140, 140)
            y += (np.sign(y) * rng.uniform(0, 120)) if edge_j else rng.uniform(-90, 90)
            px[i, j], py[i, j] = x, y

    def bulge(a: tuple[float, float], b: tuple[float, float], outward: tuple[float, float]):
        """One extra outward vertex between boundary vertices a and b."""
        t = rng.uniform(0.3, 0.7)
        d = rng.uniform(20, 150)
        return (
            a[0] + t * (b[0] - a[0]) + outward[0] * d,
            a[1] + t * (b[1] - a[1]) + outward[1] * d,
        )

    # extra vertices on the outer boundary, per boundary cell side
    extra: dict[tuple[str, int], tuple[float, float]] = {}
    for i in range(ncol):
        extra[("S", i)] = bulge((px[i, 0], py[i, 0]), (px[i + 1, 0], py[i + 1, 0]), (0, -1))
        extra[("N", i)] = bulge(
            (px[i, nrow], py[i, nrow]), (px[i + 1, nrow], py[i + 1, nrow]), (0, 1)
        )
    for j in range(nrow):
        extra[("W", j)] = bulge((px[0, j], py[0, j]), (px[0, j + 1], py[0, j + 1]), (-1, 0))
        extra[("E", j)] = bulge(
            (px[ncol, j], py[ncol, j]), (px[ncol, j + 1], py[ncol, j + 1]), (1, 0)
        )

    rows = []
    polys = []
    letters = "ABCDEFGHIJKL"
    k = 0
    for j in range(nrow - 1, -1, -1):  # number grids north-west to south-east
        for i in range(ncol):
            ring = [(px[i, j], py[i, j])]
            if j == 0:
                ring.append(extra[("S", i)])
            ring.append((px[i + 1, j], py[i + 1, j]))
            if i == ncol - 1:
                ring.append(extra[("E", j)])
            ring.append((px[i + 1, j + 1], py[i + 1, j + 1]))
            if j == nrow - 1:
                ring.append(extra[("N", i)])
            ring.append((px[i, j + 1], py[i, j + 1]))
            if i == 0:
                ring.append(extra[("W", j)])
            xy = np.array(ring)
            lng, lat = _to_lnglat(xy[:, 0], xy[:, 1])
            poly = Polygon(list(zip(lng.tolist(), lat.tolist(), strict=True)))
            polys.append(poly)
            rows.append(
                {
                    "area_id": f"{STATION_ID}-G{k + 1:02d}",
                    "name": f"罗家第{k + 1}网格",
                    "level": "grid",
                    "owner": f"网格员{letters[k]}",
                    "parent_id": STATION_ID,
                    "geometry": poly,
                }
            )
            k += 1
    station = union_all(polys)
    if station.geom_type != "Polygon":  # pragma: no cover - construction guarantees a polygon
        msg = "station area is not a single polygon"
        raise RuntimeError(msg)
    station = Polygon(station.exterior.coords)
    head = {
        "area_id": STATION_ID,
        "name": "罗家派出所辖区",
        "level": "station",
        "owner": "罗家派出所(演示)",
        "parent_id": None,
        "geometry": station,
    }
    return pd.DataFrame([head, *rows], columns=KINDS["areas"].names), station


@lru_cache(maxsize=4)
def _network_cached(seed: int) -> _Net:
    return _Net(np.random.default_rng([seed, 0]))


def demo_network(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo street network as (nodes, edges) frames in WGS-84.

    nodes: node_id, lat, lng. edges: u, v, kind (main/side/diagonal), length_m, and the endpoint
    coordinates lat_u, lng_u, lat_v, lng_v.
    """
    net = _network_cached(seed)
    lng, lat = _to_lnglat(net.x, net.y)
    nodes = pd.DataFrame({"node_id": np.arange(net.x.size), "lat": lat, "lng": lng})
    edges = pd.DataFrame(
        {
            "u": net.ea,
            "v": net.eb,
            "kind": net.ekind,
            "length_m": net.elen.round(1),
            "lat_u": lat[net.ea],
            "lng_u": lng[net.ea],
            "lat_v": lat[net.eb],
            "lng_v": lng[net.eb],
        }
    )
    return nodes, edges


# Street names of the demo city (made up): main roads by column and row, side streets, the
# two diagonal avenues. A survey department's road-centreline layer names them, gives their
# class (道路等级), direction (单行: 1 both ways, 2 one way along the line, 3 against it) and
# speed limit (限速, km/h; 0 when the class's default applies).
_MAIN_COL_NAMES = {0: "罗家大道", 4: "青云路", 8: "昌北大道", 13: "洪都大道"}
_MAIN_ROW_NAMES = {0: "湖滨路", 4: "京东大道", 8: "新溪路", 11: "广州路"}
_SIDE_ROW_NAMES = ("文昌巷", "桂花街", "槐树巷", "杏花街", "柳巷", "梅岭街", "竹林巷", "松柏街")
_SIDE_COL_NAMES = (
    "青石巷",
    "白塔街",
    "荷花巷",
    "枫林街",
    "书院巷",
    "石桥街",
    "古井巷",
    "兴隆街",
    "望江巷",
    "丰收街",
)
_DIAGONAL_NAMES = ("青山湖大道", "解放斜街")
_ONE_WAY_ROWS = {"桂花街": 2, "梅岭街": 3}  # one-way side streets (survey direction codes)


def demo_streets(seed: int = 7) -> pd.DataFrame:
    """The demo streets as a survey department's road-centreline layer, in WGS-84.

    One line per run of a street between its gaps: 道路名称 (name), 道路等级 (主干路, 次干路,
    支路), 单行 (1 both ways, 2 along the line, 3 against it), 限速 (km/h, 0 for the class's
    default) and ``geometry`` (shapely linestrings, lng/lat). Lines cross at shared vertices.
    """
    net = _network_cached(seed)
    lng, lat = _to_lnglat(net.x, net.y)
    ncol, nrow = 14, 12
    have = {(min(a, b), max(a, b)) for a, b in zip(net.ea.tolist(), net.eb.tolist(), strict=True)}
    side_rows = iter(_SIDE_ROW_NAMES)
    side_cols = iter(_SIDE_COL_NAMES)
    rows: list[dict[str, object]] = []

    def add(nodes: list[int], name: str, cls: str, oneway: int, speed: float) -> None:
        run: list[int] = [nodes[0]]
        for a, b in pairwise(nodes):
            if (min(a, b), max(a, b)) in have:
                run.append(b)
                continue
            if len(run) > 1:
                rows.append(_street_row(run, lng, lat, name, cls, oneway, speed))
            run = [b]
        if len(run) > 1:
            rows.append(_street_row(run, lng, lat, name, cls, oneway, speed))

    for r in range(nrow):
        nodes = [c * nrow + r for c in range(ncol)]
        if r in _MAIN_ROW_NAMES:
            add(nodes, _MAIN_ROW_NAMES[r], "主干路", 1, 50.0)
        else:
            name = next(side_rows)
            add(nodes, name, "支路", _ONE_WAY_ROWS.get(name, 1), 0.0)
    for c in range(ncol):
        nodes = [c * nrow + r for r in range(nrow)]
        if c in _MAIN_COL_NAMES:
            add(nodes, _MAIN_COL_NAMES[c], "主干路", 1, 50.0)
        else:
            add(nodes, next(side_cols), "支路", 1, 0.0)
    diag = [(1 + i) * nrow + (1 + i) for i in range(7)]
    anti = [(ncol - 2 - i) * nrow + (2 + i) for i in range(6)]
    add(diag, _DIAGONAL_NAMES[0], "次干路", 1, 40.0)
    add(anti, _DIAGONAL_NAMES[1], "次干路", 1, 40.0)
    return pd.DataFrame(rows)


def _street_row(
    run: list[int], lng: np.ndarray, lat: np.ndarray, name: str, cls: str, oneway: int, speed: float
) -> dict[str, object]:
    line = shapely.linestrings(np.column_stack([lng[run], lat[run]]))
    return {"道路名称": name, "道路等级": cls, "单行": oneway, "限速": speed, "geometry": line}


def write_demo_streets(path: str, seed: int = 7) -> str:
    """Write :func:`demo_streets` as a survey department supplies it; returns ``path``.

    A GeoPackage layer 道路中心线 in CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548).
    """
    # geopandas (GDAL through pyogrio) loads only when the demo's road layer is written
    import geopandas as gpd

    streets = demo_streets(seed)
    gdf = gpd.GeoDataFrame(
        streets.drop(columns="geometry"), geometry=list(streets["geometry"]), crs="EPSG:4326"
    ).to_crs("EPSG:4548")
    gdf.to_file(path, layer="道路中心线", driver="GPKG", engine="pyogrio")
    return path


# ----------------------------------------------------------------------------------------------
# static entities
# ----------------------------------------------------------------------------------------------

_UNIT_PLAN = (
    ("police_car", [f"车巡{_CN_NUM[i]}组" for i in range(6)]),
    ("foot", [f"步巡{_CN_NUM[i]}组" for i in range(5)]),
    ("auxiliary", [f"辅警巡逻{_CN_NUM[i]}队" for i in range(5)]),
    ("volunteer", ["罗家志愿者队", "青山湖平安志愿队", "社区红袖标队", "夜巡护航志愿队"]),
)


def _units() -> pd.DataFrame:
    rows = []
    k = 1
    for kind, names in _UNIT_PLAN:
        for name in names:
            rows.append({"unit_id": f"U{k:02d}", "name": name, "kind": kind, "station": STATION_ID})
            k += 1
    return pd.DataFrame(rows, columns=KINDS["units"].names)


_SITE_PLAN = (
    (
        "school",
        ["罗家中心小学", "青云实验小学", "罗家中学", "晨曦幼儿园", "启明双语学校", "湖畔小学"],
    ),
    (
        "bank",
        [
            "青云农商银行罗家支行",
            "城东商业银行营业部",
            "罗家信用社",
            "湖滨储蓄所",
            "新城银行自助网点",
        ],
    ),
    ("hub", ["罗家公交枢纽站", "地铁罗家站(演示)"]),
    ("market", ["罗家农贸市场", "青云综合市场", "东湖小商品市场"]),
    ("hospital", ["罗家社区卫生服务中心", "青云仁和医院"]),
    ("mall", ["罗家汇景城", "青云广场", "湖畔天街", "新城购物中心"]),
    ("government", ["罗家镇政府(演示)", "罗家社区服务中心", "青云街道便民中心", "罗家司法所"]),
    ("post", ["罗家警务站一", "青云广场警务站", "罗家夜市警务站", "湖畔屯警点"]),
)


def _sites(rng: np.random.Generator, net: _Net) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Key sites: ~30, each beside its own street node. Returns frame, site node ids, x/y array."""
    anchors = {"market": [_MARKET], "post": [_NIGHTLIFE, _MARKET], "mall": [_NIGHTLIFE]}
    used: set[int] = set()
    rows, nodes, xy = [], [], []
    k = 1
    for cat, names in _SITE_PLAN:
        for i, name in enumerate(names):
            pref = anchors.get(cat, [])
            if i < len(pref):
                nd = net.nearest(*pref[i])
                if nd in used:
                    nd = int(np.argsort((net.x - pref[i][0]) ** 2 + (net.y - pref[i][1]) ** 2)[1])
            else:
                nd = int(rng.integers(net.x.size))
                while nd in used or abs(net.x[nd]) > _ROAD_X - 80 or abs(net.y[nd]) > _ROAD_Y - 80:
                    nd = int(rng.integers(net.x.size))
            used.add(nd)
            ang = rng.uniform(0, 2 * np.pi)
            r = 0.0 if cat == "post" else rng.uniform(15, 35)
            x, y = net.x[nd] + r * np.cos(ang), net.y[nd] + r * np.sin(ang)
            lng, lat = _to_lnglat(np.array([x]), np.array([y]))
            rows.append(
                {
                    "site_id": f"S{k:03d}",
                    "name": name,
                    "category": cat,
                    "lat": float(lat[0]),
                    "lng": float(lng[0]),
                }
            )
            nodes.append(nd)
            xy.append((x, y))
            k += 1
    return pd.DataFrame(rows, columns=KINDS["sites"].names), np.array(nodes), np.array(xy)


# category: (count, share on the nightlife street, share near the market, name parts, suffix)
_VENUE_PLAN = {
    "ktv": (
        12,
        0.7,
        0.0,
        [
            "金曲",
            "星光",
            "欢唱",
            "麦霸",
            "声浪",
            "乐享",
            "红磨坊",
            "银河",
            "蓝调",
            "嘹亮",
            "夜莺",
            "嗨歌",
        ],
        "KTV",
    ),
    "bar": (
        14,
        0.75,
        0.0,
        [
            "微醺",
            "月光",
            "老码头",
            "琥珀",
            "夜航",
            "回声",
            "橡木桶",
            "霓虹",
            "半糖",
            "北纬",
            "后街",
            "灯塔",
            "雾岛",
            "晚风",
        ],
        "酒吧",
    ),
    "hotel": (
        16,
        0.25,
        0.15,
        [
            "宾至",
            "青云",
            "湖景",
            "锦程",
            "悦途",
            "安居",
            "鸿运",
            "途安",
            "星途客",
            "罗家",
            "和顺",
            "佳宾",
            "温馨",
            "港湾",
            "枫叶",
            "旅途",
        ],
        "宾馆",
    ),
    "internet_cafe": (
        12,
        0.35,
        0.1,
        [
            "极速",
            "风云",
            "鱼跃",
            "电竞空间",
            "星际",
            "飞跃",
            "战神",
            "天翼",
            "快乐驿站",
            "光速",
            "先锋",
            "云端",
        ],
        "网咖",
    ),
    "market": (
        6,
        0.0,
        0.6,
        ["罗家菜篮子", "青云生鲜", "湖畔农副", "惠民果蔬", "东门水产", "乐购便民"],
        "市场",
    ),
    "nursing_home": (6, 0.0, 0.0, ["夕阳红", "康乐", "福寿", "安馨", "颐养", "松鹤"], "养老院"),
    "bathhouse": (
        10,
        0.4,
        0.1,
        ["汤泉", "水韵", "沐足坊", "暖阳", "清泉", "悦足", "兰亭", "泉之源", "舒心", "足道"],
        "洗浴中心",
    ),
    "restaurant": (
        44,
        0.2,
        0.2,
        [
            "湘味",
            "赣菜",
            "老表",
            "瓦罐汤",
            "拌粉",
            "烧烤",
            "火锅",
            "小炒",
            "面馆",
            "粥铺",
            "饺子",
            "大排档",
        ],
        "餐馆",
    ),
}
_VENUE_WEIGHT = {
    "bar": 4.0,
    "ktv": 4.0,
    "internet_cafe": 2.0,
    "bathhouse": 2.0,
    "hotel": 1.5,
    "market": 2.5,
    "restaurant": 0.8,
    "nursing_home": 0.3,
}
_RISK_MULT = {"low": 0.6, "medium": 1.0, "high": 1.8}


def _venues(rng: np.random.Generator, net: _Net) -> pd.DataFrame:
    rows = []
    k = 1
    for cat, (n, p_night, p_market, parts, suffix) in _VENUE_PLAN.items():
        u = rng.uniform(size=n)
        xs, ys = net.random_edge_points(rng, n, (10, 30))
        cx, cy = _kernel_points(rng, np.full(n, _NIGHTLIFE[0]), np.full(n, _NIGHTLIFE[1]), 90, 220)
        mx, my = _kernel_points(rng, np.full(n, _MARKET[0]), np.full(n, _MARKET[1]), 90, 220)
        x = np.where(u < p_night, cx, np.where(u < p_night + p_market, mx, xs))
        y = np.where(u < p_night, cy, np.where(u < p_night + p_market, my, ys))
        if cat in ("bar", "ktv", "bathhouse"):
            risk_p = [0.2, 0.45, 0.35]
        elif cat in ("internet_cafe", "hotel", "nursing_home"):
            risk_p = [0.35, 0.45, 0.2]
        else:
            risk_p = [0.6, 0.3, 0.1]
        risk = rng.choice(["low", "medium", "high"], size=n, p=risk_p)
        lng, lat = _to_lnglat(x, y)
        for i in range(n):
            part = parts[i % len(parts)]
            name = f"{part}{suffix}"
            if i >= len(parts):
                name += f"{i // len(parts) + 1}号店"
            if cat == "restaurant":
                name = f"{part}{['小馆', '酒家', '食府', '餐厅'][i // len(parts) % 4]}"
                if i >= 4 * len(parts):
                    name += f"{i}号"
            rows.append(
                {
                    "venue_id": f"V{k:03d}",
                    "name": name,
                    "category": cat,
                    "lat": float(lat[i]),
                    "lng": float(lng[i]),
                    "licence": f"DEMO-360111-{k:05d}",
                    "risk_level": str(risk[i]),
                    "_x": float(x[i]),
                    "_y": float(y[i]),
                }
            )
            k += 1
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# calendar
# ----------------------------------------------------------------------------------------------


class _Cal:
    def __init__(self) -> None:
        self.days = pd.date_range(PERIOD[0], PERIOD[1], freq="D")
        self.n = len(self.days)
        self.t0 = _local_epoch(PERIOD[0])
        self.c0 = int((pd.Timestamp(CAMPAIGN[0]) - self.days[0]).days)
        self.c1 = int((pd.Timestamp(CAMPAIGN[1]) - self.days[0]).days)
        self.in_campaign = (np.arange(self.n) >= self.c0) & (np.arange(self.n) <= self.c1)
        self.dow = self.days.dayofweek.to_numpy()

    @overload
    def day_sec(self, day_idx: int) -> np.int64: ...
    @overload
    def day_sec(self, day_idx: np.ndarray) -> np.ndarray: ...
    def day_sec(self, day_idx: int | np.ndarray) -> np.int64 | np.ndarray:
        """Local seconds at 00:00 of the day(s) ``day_idx`` of the period (a scalar for one)."""
        return self.t0 + np.asarray(day_idx, np.int64) * _DAY


# hour-of-day profile for incidents: low 04-08, rising through the day, peak 20:00-01:00
_HOUR_PROFILE = np.array(
    [
        5.5,
        4.0,
        2.6,
        1.6,
        1.0,
        0.8,
        0.9,
        1.3,
        1.9,
        2.3,
        2.5,
        2.7,
        2.8,
        2.7,
        2.7,
        2.9,
        3.1,
        3.4,
        3.8,
        4.5,
        6.0,
        6.8,
        7.0,
        6.6,
    ]
)
_HOUR_PROFILE = _HOUR_PROFILE / _HOUR_PROFILE.sum()


# ----------------------------------------------------------------------------------------------
# shifts and tracks
# ----------------------------------------------------------------------------------------------

_SPEED_KMH = {"police_car": (15, 40), "foot": (3, 5), "auxiliary": (8, 15), "volunteer": (3, 5)}


def _shifts(rng: np.random.Generator, cal: _Cal, units: pd.DataFrame) -> pd.DataFrame:
    kinds = units["kind"].to_numpy()
    pol_units = np.flatnonzero(kinds != "volunteer")
    vol_units = np.flatnonzero(kinds == "volunteer")
    rec = []
    for d in range(cal.n):
        camp = cal.in_campaign[d]
        n_pol = int(rng.integers(3, 7)) if camp else int(rng.integers(2, 4))
        n_vol = int(rng.integers(1, 4)) if camp else int(rng.integers(0, 2))
        for u in rng.choice(pol_units, n_pol, replace=False):
            rec.append((d, int(u)))
        for u in rng.choice(vol_units, n_vol, replace=False):
            rec.append((d, int(u)))
    day = np.array([r[0] for r in rec])
    uix = np.array([r[1] for r in rec])
    n = day.size
    kind = kinds[uix]
    is_day = rng.uniform(size=n) < 0.15
    start_min = np.where(
        is_day, rng.integers(8 * 12, 14 * 12 + 1, n) * 5, rng.integers(19 * 12, 21 * 12 + 1, n) * 5
    )
    dur_min = rng.integers(4 * 12, 6 * 12 + 1, n) * 5
    start = cal.day_sec(day) + start_min * 60
    end = start + dur_min * 60
    pol = kind != "volunteer"
    police = np.where(np.isin(kind, ["police_car", "foot"]), 1, 0)
    police = np.where((kind == "police_car") & (rng.uniform(size=n) < 0.3), 2, police)
    aux = np.where(kind == "auxiliary", rng.integers(2, 4, n), rng.integers(1, 3, n))
    aux = np.where(pol, aux, 0)
    vols = np.where(~pol, rng.integers(3, 7, n), 0)
    vols = np.where((kind == "foot") & (rng.uniform(size=n) < 0.1), 1, vols)
    checked = np.where(pol, rng.poisson(np.where(cal.in_campaign[day], 1.1, 0.6)), 0)
    outreach = np.where(pol, rng.poisson(6, n), rng.poisson(45, n))

    camp = cal.in_campaign[day]
    ci = np.flatnonzero(camp)
    # exact campaign figures: adjust campaign rows only, within plausible bounds
    pa_target = CAMPAIGN_FIGURES["police_aux_person_times"] - int(police[ci].sum())
    aux_lo = np.where(kind[ci] == "auxiliary", 1, 0)
    aux_lo = np.where(police[ci] == 0, np.maximum(aux_lo, 1), aux_lo)
    aux_lo = np.where(pol[ci], aux_lo, 0)
    aux_hi = np.where(pol[ci], 4, 0)
    aux[ci] = _adjust_to_total(aux[ci], pa_target, aux_lo, aux_hi, rng)
    vol_lo = np.where(kind[ci] == "volunteer", 2, 0)
    vol_hi = np.where(kind[ci] == "volunteer", 10, np.where(kind[ci] == "foot", 2, 0))
    vols[ci] = _adjust_to_total(
        vols[ci], CAMPAIGN_FIGURES["volunteer_person_times"], vol_lo, vol_hi, rng
    )
    chk_hi = np.where(pol[ci], 8, 0)
    checked[ci] = _adjust_to_total(checked[ci], CAMPAIGN_FIGURES["people_checked"], 0, chk_hi, rng)

    uid = units["unit_id"].to_numpy()[uix]
    dates = cal.days[day].strftime("%Y%m%d")
    return pd.DataFrame(
        {
            "shift_id": [f"SH{dt}-{u}" for dt, u in zip(dates, uid, strict=True)],
            "unit_id": uid,
            "_day": day,
            "_uix": uix,
            "_kind": kind,
            "_start": start,
            "_end": end,
            "police": police.astype(np.int64),
            "auxiliaries": aux.astype(np.int64),
            "volunteers": vols.astype(np.int64),
            "people_checked": checked.astype(np.int64),
            "outreach": outreach.astype(np.int64),
        }
    )


def _tracks(
    rng: np.random.Generator,
    net: _Net,
    shifts: pd.DataFrame,
    site_nodes: np.ndarray,
    hot_xy: list[tuple[float, float]],
    n_units: int,
):
    """GPS pings for every shift, plus the stops made (for site check-ins)."""
    nn = net.x.size
    site_node_set = np.zeros(nn, bool)
    site_node_set[site_nodes] = True
    hot = np.zeros(nn)
    for hx, hy in hot_xy:
        hot += np.exp(-((net.x - hx) ** 2 + (net.y - hy) ** 2) / (2 * 250.0**2))
    base_w = 1.0 + 8.0 * hot + 5.0 * site_node_set
    stop_node = site_node_set | (hot > 0.35)
    station_node = net.nearest(0.0, 0.0)
    # each non-car unit has a beat centre
    urng = np.random.default_rng(rng.integers(2**32))
    beat = urng.choice(nn, n_units, replace=False)

    out_t, out_x, out_y, out_v, out_shift = [], [], [], [], []
    stops = []  # (shift row, node, arrival sec)
    starts = shifts["_start"].to_numpy()
    ends = shifts["_end"].to_numpy()
    kinds = shifts["_kind"].to_numpy()
    uix = shifts["_uix"].to_numpy()
    for s in range(len(shifts)):
        kind = kinds[s]
        lo, hi = _SPEED_KMH[kind]
        seg0 = starts[s] + int(rng.integers(0, 21)) * 60
        dur = min(int(rng.uniform(75, 180) * 60), int(ends[s] - seg0))
        if kind == "police_car":
            w = base_w
            cur = station_node
        else:
            b = beat[uix[s]]
            d = np.hypot(net.x - net.x[b], net.y - net.y[b])
            w = base_w * np.exp(-d / 600.0)
            cur = int(b)
        p = w / w.sum()
        kt, kx, ky, kv = [0.0], [net.x[cur]], [net.y[cur]], [0.0]
        t = 0.0
        targets = rng.choice(nn, size=64, p=p)
        ti = 0
        while t < dur:
            tgt = int(targets[ti % 64])
            ti += 1
            if tgt == cur:
                continue
            nodes, cum = net.path(cur, tgt)
            v = rng.uniform(lo, hi) / 3.6
            kt.extend((t + cum[1:] / v).tolist())
            kx.extend(net.x[nodes[1:]].tolist())
            ky.extend(net.y[nodes[1:]].tolist())
            kv.extend([v] * (nodes.size - 1))
            t = kt[-1]
            cur = tgt
            r = rng.uniform()
            if stop_node[tgt] and r < 0.75:
                dwell = rng.uniform(600, 900) if rng.uniform() < 0.35 else rng.uniform(120, 540)
            elif r < 0.08:
                dwell = rng.uniform(120, 300)
            else:
                continue
            if t < dur:
                stops.append((s, tgt, seg0 + t))
            t += dwell
            kt.append(t)
            kx.append(net.x[tgt])
            ky.append(net.y[tgt])
            kv.append(0.0)
        kt_a = np.array(kt)
        n_est = dur // 10 + 2
        pt = np.cumsum(rng.integers(10, 31, n_est))
        pt = np.concatenate([[0], pt[pt <= dur]])
        if rng.uniform() < 0.25 and dur > 1800:  # a GPS gap longer than 5 minutes
            g0 = rng.uniform(300, dur - 1200)
            glen = rng.uniform(330, 900)
            pt = pt[(pt < g0) | (pt > g0 + glen)]
        px = np.interp(pt, kt_a, kx)
        py = np.interp(pt, kt_a, ky)
        seg_i = np.clip(np.searchsorted(kt_a, pt, side="right"), 1, kt_a.size - 1)
        pv = np.asarray(kv)[seg_i]
        out_t.append(seg0 + pt)
        out_x.append(px)
        out_y.append(py)
        out_v.append(pv)
        out_shift.append(np.full(pt.size, s, np.int32))
    ping_t = np.concatenate(out_t)
    x = np.concatenate(out_x)
    y = np.concatenate(out_y)
    ping_v = np.concatenate(out_v)
    srow = np.concatenate(out_shift)
    n = ping_t.size
    acc = rng.uniform(3, 12, n).round(1)
    x = x + rng.normal(0, 4.0, n)
    y = y + rng.normal(0, 4.0, n)
    speed = np.where(ping_v > 0, ping_v * 3.6 * rng.uniform(0.93, 1.07, n), rng.uniform(0, 1.5, n))
    jump = rng.uniform(size=n) < 0.0006  # bad GPS: a far-off fix
    x[jump] = rng.uniform(-_ROAD_X, _ROAD_X, jump.sum())
    y[jump] = rng.uniform(-_ROAD_Y, _ROAD_Y, jump.sum())
    acc[jump] = rng.uniform(50, 200, jump.sum()).round(1)
    x = np.clip(x, -_ROAD_X - 20, _ROAD_X + 20)
    y = np.clip(y, -_ROAD_Y - 20, _ROAD_Y + 20)
    lng, lat = _to_lnglat(x, y)
    pings = pd.DataFrame(
        {
            "shift_id": shifts["shift_id"].to_numpy()[srow],
            "unit_id": shifts["unit_id"].to_numpy()[srow],
            "ts": _ts(ping_t),
            "lat": lat,
            "lng": lng,
            "speed": speed.round(1),
            "accuracy": acc,
        }
    )
    stops_df = pd.DataFrame(stops, columns=["row", "node", "sec"])
    return pings, stops_df


# ----------------------------------------------------------------------------------------------
# site checks, inspections, hazards
# ----------------------------------------------------------------------------------------------


def _site_checks(
    rng: np.random.Generator,
    cal: _Cal,
    shifts: pd.DataFrame,
    stops: pd.DataFrame,
    sites: pd.DataFrame,
    site_nodes: np.ndarray,
) -> pd.DataFrame:
    node_to_sites: dict[int, list[int]] = {}
    for i, nd in enumerate(site_nodes):
        node_to_sites.setdefault(int(nd), []).append(i)
    st = stops[stops["node"].isin(list(node_to_sites))].copy()
    hour = (st["sec"] // 3600) % 24
    st = st[(hour >= 8) & (hour < 23)]
    day = ((st["sec"] - cal.t0) // _DAY).astype(int)
    st = st[(day >= 0) & (day < cal.n)]
    day = ((st["sec"] - cal.t0) // _DAY).astype(int).to_numpy()
    camp = cal.in_campaign[day]
    target = CAMPAIGN_FIGURES["site_patrols"]
    cand = np.flatnonzero(camp)
    if cand.size >= target:
        keep_c = np.sort(rng.choice(cand, target, replace=False))
        extra = pd.DataFrame(columns=["site", "sec", "row"])
    else:  # not enough recorded stops: add check-ins inside campaign shifts (08:00-23:00)
        keep_c = cand
        need = target - cand.size
        rows = shifts.index[cal.in_campaign[shifts["_day"].to_numpy()]].to_numpy()
        pick = rng.choice(rows, need, replace=True)
        d = shifts.loc[pick, "_day"].to_numpy()
        sec = cal.day_sec(d) + rng.integers(8 * 3600, 23 * 3600, need)
        extra = pd.DataFrame({"site": rng.integers(len(sites), size=need), "sec": sec, "row": pick})
    out_c = np.flatnonzero(~camp)
    keep_o = np.sort(rng.choice(out_c, int(out_c.size * 0.5), replace=False))
    chosen = st.iloc[np.concatenate([keep_c, keep_o])]
    site_ix = [
        node_to_sites[int(nd)][int(rng.integers(len(node_to_sites[int(nd)])))]
        for nd in chosen["node"]
    ]
    frame = pd.DataFrame(
        {"site": site_ix, "sec": chosen["sec"].to_numpy(), "row": chosen["row"].to_numpy()}
    )
    if len(extra):
        frame = pd.concat([frame, extra], ignore_index=True)
    frame["sec"] = frame["sec"].astype(np.int64)
    frame = frame.sort_values(["sec", "site"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "site_id": sites["site_id"].to_numpy()[frame["site"].to_numpy(int)],
            "ts": _ts(frame["sec"].to_numpy()),
            "unit_id": shifts["unit_id"].to_numpy()[frame["row"].to_numpy(int)],
        },
        columns=KINDS["site_checks"].names,
    )


_VENUES_NEVER = 3  # new venues on the register, never inspected
_VENUES_UNSWEPT = 4  # A venues that lapsed in the campaign and the October sweep has not reached
_VENUES_LATE = 5  # C or B venues a few days past their last due date at the end of the period

_FINDINGS: dict[str, list[str | None]] = {
    "pass": [None, None, "检查未发现问题", "台账登记规范"],
    "rectify": [
        "消防通道堆放杂物",
        "灭火器过期",
        "未落实实名登记",
        "监控设备故障",
        "应急照明损坏",
        "从业人员信息未报备",
        "安全出口指示不清",
    ],
    "fail": ["接纳未成年人", "超时营业", "无证经营", "拒不整改前次问题"],
}


def _inspections(
    rng: np.random.Generator, cal: _Cal, venues: pd.DataFrame, units: pd.DataFrame
) -> pd.DataFrame:
    """Inspections by the venue's grade, with the campaign's distinct venues exact.

    Each venue is inspected on a rhythm of its grade (every 70-100 % of the grade's interval of
    :func:`geo.domain.venues.grade_table`: A 30 days, B 10, C 6), so it is on time unless its
    rhythm is broken on purpose: the summer campaign concentrates on grades C and B, so exactly
    :data:`CAMPAIGN_FIGURES` ``venues_inspected`` venues (every C and B venue, then A venues) are
    inspected in it and the other A venues lapse until an October sweep; the sweep has not
    reached :data:`_VENUES_UNSWEPT` of them by the end of the period, :data:`_VENUES_LATE` C or B
    venues have missed their last visit by a few days, and :data:`_VENUES_NEVER` new A venues
    were never inspected: about one venue in ten is overdue at the end of the period.
    """
    nv, n, c0, c1 = len(venues), cal.n, cal.c0, cal.c1
    level = venues["risk_level"].to_numpy(str)
    interval = grade_table()["interval_days"].reindex(level).to_numpy(np.int64)
    # the rhythm: a first visit within one interval, then every 70-100 % of the interval
    steps = int(n // max(1, int(0.7 * interval.min()))) + 2
    gaps = np.floor(interval[:, None] * rng.uniform(0.7, 1.0, (nv, steps))).astype(np.int64)
    first = np.floor(interval * rng.uniform(0.0, 1.0, nv)).astype(np.int64)
    day = first[:, None] + np.cumsum(np.c_[np.zeros(nv, np.int64), gaps[:, :-1]], axis=1)
    keep = day < n
    # the campaign's venues: C first, then B, then A (ties at random)
    rank = np.lexsort((rng.uniform(size=nv), interval))
    n_camp = CAMPAIGN_FIGURES["venues_inspected"]
    in_camp = np.zeros(nv, bool)
    in_camp[rank[:n_camp]] = True
    lapsed = np.flatnonzero(~in_camp)
    lapsed = lapsed[rng.permutation(lapsed.size)]
    never = lapsed[:_VENUES_NEVER]
    swept = lapsed[_VENUES_NEVER + _VENUES_UNSWEPT :]  # the ones in between stay unswept
    keep[lapsed] &= day[lapsed] < c0  # nothing in the campaign, nor after it (the sweep below)
    keep[never] = False
    # the October sweep: one visit each between the campaign's end and the period's end
    sweep_day = rng.integers(c1 + 1, n, swept.size)
    # a few C or B venues miss their last visit: overdue by some days at the end of the period
    late = rng.choice(rank[: min(n_camp, nv)], _VENUES_LATE, replace=False)
    late_by = rng.integers(1, 9, late.size)
    keep[late] &= day[late] <= (n - 1 - interval[late] - late_by)[:, None]
    vi, col = np.nonzero(keep)
    v = np.concatenate([vi, swept])
    d = np.concatenate([day[vi, col], sweep_day])
    camp = (d >= c0) & (d <= c1)
    if np.unique(v[camp]).size != n_camp:
        msg = f"demo inspections: {np.unique(v[camp]).size} venues in the campaign, not {n_camp}"
        raise RuntimeError(msg)
    insp_units = units.loc[units["kind"].isin(["police_car", "foot"]), "unit_id"].to_numpy()
    sec = cal.day_sec(d) + rng.integers(8 * 60, 23 * 60, v.size) * 60  # 08:00-22:59
    order = np.lexsort((v, sec))
    v, sec = v[order], sec[order]
    risk = level[v]
    p_fail = np.where(risk == "high", 0.04, np.where(risk == "medium", 0.02, 0.01))
    p_rect = np.where(risk == "high", 0.12, np.where(risk == "medium", 0.08, 0.05))
    u = rng.uniform(size=v.size)
    result = np.where(u < p_fail, "fail", np.where(u < p_fail + p_rect, "rectify", "pass"))
    pick = rng.integers(0, 1 << 30, v.size)
    findings = [_FINDINGS[r][int(k) % len(_FINDINGS[r])] for r, k in zip(result, pick, strict=True)]
    follow = np.where(
        result == "pass", np.nan, (sec // _DAY + rng.integers(7, 16, v.size)) * _DAY + 18 * 3600
    )
    return pd.DataFrame(
        {
            "inspection_id": [f"JC{i + 1:05d}" for i in range(v.size)],
            "venue_id": venues["venue_id"].to_numpy()[v],
            "ts": _ts(sec),
            "unit_id": rng.choice(insp_units, v.size),
            "result": result,
            "findings": findings,
            "follow_up_due": _ts(follow),
        },
        columns=KINDS["inspections"].names,
    )


def _hazards(rng: np.random.Generator, cal: _Cal, net: _Net, venues: pd.DataFrame) -> pd.DataFrame:
    """~120 hazards; the campaign groups are sized so the rectified figure is exact."""
    c0, c1, n = cal.c0, cal.c1, cal.n
    groups = [
        # (count, first day, last day, kind of outcome)
        (CAMPAIGN_FIGURES["hazards_rectified"], c0, c1 - 2, "rect_in"),
        (6, c0 + 40, c1, "unrect"),
        (5, c0 + 68, c1, "rect_after"),
        (45, 0, c0 - 1, "pre"),
        (28, c1 + 1, n - 1, "post"),
    ]
    recs = []
    for cnt, a, b, g in groups:
        fday = rng.integers(a, b + 1, cnt)
        fmin = rng.integers(8 * 60, 22 * 60, cnt)
        for fd, fm in zip(fday, fmin, strict=True):
            fd = int(fd)
            status, rday = "open", None
            if g == "rect_in":
                status, rday = "rectified", min(fd + int(rng.integers(1, 26)), c1)
            elif g == "unrect":
                status = "rectifying" if rng.uniform() < 0.5 else "open"
            elif g == "rect_after":
                status, rday = "rectified", int(rng.integers(c1 + 1, n))
            elif g == "pre":
                if rng.uniform() < 0.85:
                    status, rday = "rectified", min(fd + int(rng.integers(3, 45)), n - 1)
                else:
                    status = "rectifying"
            elif g == "post":
                if rng.uniform() < 0.3 and fd < n - 3:
                    status, rday = "rectified", int(rng.integers(fd + 1, n))
                else:
                    status = "rectifying" if rng.uniform() < 0.4 else "open"
            rsec = (
                None
                if rday is None
                else cal.t0 + rday * _DAY + int(rng.integers(8 * 60, 23 * 60)) * 60
            )
            recs.append((fd, int(fm), status, rsec))
    nh = len(recs)
    fsec = np.array([cal.t0 + r[0] * _DAY + r[1] * 60 for r in recs], np.int64)
    statuses = np.array([r[2] for r in recs])
    rect_sec = np.array([np.nan if r[3] is None else r[3] for r in recs], float)
    # category / severity / place: a third at venues (fire, electrical, gas), the rest by streets
    at_venue = rng.uniform(size=nh) < 0.35
    vi = rng.integers(len(venues), size=nh)
    sx, sy = net.random_edge_points(rng, nh, (5, 40))
    vx, vy = _kernel_points(rng, venues["_x"].to_numpy()[vi], venues["_y"].to_numpy()[vi], 8, 20)
    x = np.where(at_venue, vx, sx)
    y = np.where(at_venue, vy, sy)
    cat = np.where(
        at_venue,
        rng.choice(["fire", "electrical", "gas"], nh, p=[0.5, 0.3, 0.2]),
        rng.choice(
            ["fire", "electrical", "structural", "traffic", "public_order", "other"],
            nh,
            p=[0.15, 0.15, 0.15, 0.25, 0.2, 0.1],
        ),
    )
    sev = rng.choice(["low", "medium", "high", "major"], nh, p=[0.35, 0.4, 0.2, 0.05])
    deadline = (fsec // _DAY + rng.choice([7, 15, 30], nh)) * _DAY + 18 * 3600
    order = np.argsort(fsec, kind="stable")
    lng, lat = _to_lnglat(x, y)
    df = pd.DataFrame(
        {
            "hazard_id": [f"YH{i + 1:04d}" for i in range(nh)],
            "category": cat[order],
            "severity": sev[order],
            "lat": lat[order],
            "lng": lng[order],
            "found_at": _ts(fsec[order]),
            "status": statuses[order],
            "rectified_at": _ts(rect_sec[order]),
            "deadline": _ts(deadline[order]),
        },
        columns=KINDS["hazards"].names,
    )
    df.attrs["_x"], df.attrs["_y"] = x[order], y[order]
    df.attrs["_f"], df.attrs["_r"] = fsec[order], rect_sec[order]
    return df


def _hazard_outcomes(rng: np.random.Generator, cal: _Cal, hazards: pd.DataFrame) -> pd.DataFrame:
    """Rectify the hazards a real register would have closed by the end of the period.

    Run after the incidents (a Generator of its own), so the incidents stay as they were: a
    hazard found before the campaign and still open is rectified within 60-100 % of its deadline;
    half of those found in the campaign and open at its end (never fewer than three left open)
    are rectified in October; one found after the campaign is rectified after 30-120 % of its
    deadline if that day has come. What stays open at the end of the period is days to weeks
    old, a few of them past their deadline. The campaign's figures do not change.
    """
    hz = hazards.copy()
    found = hz["found_at"]
    f_day = ((found.dt.tz_localize(None) - cal.days[0]).dt.days).to_numpy(np.int64)
    allowed = (hz["deadline"] - found).dt.total_seconds().to_numpy() / _DAY
    open_ = hz["status"].ne("rectified").to_numpy()
    pre = open_ & (f_day < cal.c0)
    post = open_ & (f_day > cal.c1)
    camp = np.flatnonzero(open_ & ~pre & ~post)
    late = rng.choice(camp, max(0, min(camp.size // 2, camp.size - 3)), replace=False)
    r_day = np.full(len(hz), -1, np.int64)
    r_day[pre] = f_day[pre] + np.ceil(allowed[pre] * rng.uniform(0.6, 1.0, pre.sum()))
    r_day[late] = rng.integers(cal.c1 + 1, cal.n, late.size)
    after = f_day + np.ceil(allowed * rng.uniform(0.3, 1.2, len(hz))).astype(np.int64)
    r_day = np.where(post & (after < cal.n), after, r_day)
    done = r_day >= 0
    sec = cal.day_sec(r_day[done]) + rng.integers(8 * 60, 23 * 60, done.sum()) * 60
    rect = hz["rectified_at"].copy()
    rect.loc[done] = _ts(sec).to_numpy()
    hz["rectified_at"] = rect
    hz.loc[done, "status"] = "rectified"
    return hz


# ----------------------------------------------------------------------------------------------
# incidents
# ----------------------------------------------------------------------------------------------

_CATS = np.array(INCIDENT_CATEGORIES)  # the demo draws every category the store knows


def _mix(**kw: float) -> np.ndarray:
    p = np.array([kw.get(c, 0.0) for c in _CATS])
    return p / p.sum()


_CAT_MIX = {
    "bar": _mix(
        fight=0.3, disturbance=0.25, theft=0.1, drugs=0.08, gambling=0.05, dispute=0.12, other=0.1
    ),
    "ktv": _mix(
        fight=0.3, disturbance=0.2, theft=0.1, drugs=0.1, gambling=0.08, dispute=0.12, other=0.1
    ),
    "market": _mix(theft=0.45, dispute=0.25, fraud=0.1, fight=0.1, other=0.1),
    "internet_cafe": _mix(theft=0.3, fraud=0.2, fight=0.2, dispute=0.2, other=0.1),
    "hotel": _mix(theft=0.25, fraud=0.2, drugs=0.1, gambling=0.1, dispute=0.2, other=0.15),
    "bathhouse": _mix(gambling=0.2, drugs=0.1, dispute=0.2, fight=0.2, other=0.3),
    "restaurant": _mix(dispute=0.35, fight=0.25, theft=0.15, disturbance=0.15, other=0.1),
    "nursing_home": _mix(fraud=0.5, dispute=0.3, other=0.2),
    "background": _mix(theft=0.2, burglary=0.15, fraud=0.2, dispute=0.2, traffic=0.15, other=0.1),
    "hazard": _mix(traffic=0.25, theft=0.2, burglary=0.15, dispute=0.2, other=0.2),
    "cluster": _mix(
        theft=0.3, burglary=0.15, robbery=0.05, fight=0.2, disturbance=0.15, dispute=0.1, other=0.05
    ),
}


def _incidents(
    rng: np.random.Generator, cal: _Cal, net: _Net, venues: pd.DataFrame, hazards: pd.DataFrame
) -> pd.DataFrame:
    nd = cal.n
    dix = np.arange(nd)
    doy = cal.days.dayofyear.to_numpy()
    base_day = (1 + 0.25 * np.sin((doy - 120) / 365 * 2 * np.pi)) * np.where(
        np.isin(cal.dow, [4, 5]), 1.3, 1.0
    )
    aug = int((pd.Timestamp("2022-08-01") - cal.days[0]).days)
    jul15 = int((pd.Timestamp("2022-07-15") - cal.days[0]).days)
    jul1 = int((pd.Timestamp("2022-07-01") - cal.days[0]).days)
    emerging_day = np.where(dix >= aug, (dix - aug + 1) / (nd - aug), 0.0) * base_day
    fading_day = np.where(dix < jul1, 1.0, np.clip((jul15 - dix) / (jul15 - jul1), 0, 1)) * base_day

    def days_from(wd: np.ndarray, k: int) -> np.ndarray:
        return rng.choice(nd, k, p=wd / wd.sum())

    def weekly_noise() -> np.ndarray:
        """Per-day multiplier, constant within each week: Gamma(shape, 1/shape), mean 1."""
        g = rng.gamma(_WEEKLY_SHAPE, 1 / _WEEKLY_SHAPE, nd // 7 + 1)
        return g[dix // 7]

    xs, ys, ds, cats = [], [], [], []

    def add(x, y, d, mix_key_or_cats):
        xs.append(np.asarray(x))
        ys.append(np.asarray(y))
        ds.append(np.asarray(d))
        if isinstance(mix_key_or_cats, str):
            cats.append(rng.choice(_CATS, len(x), p=_CAT_MIX[mix_key_or_cats]))
        else:
            cats.append(np.asarray(mix_key_or_cats))

    # background along streets (main roads weigh more)
    k = int(rng.poisson(_N_BACKGROUND))
    ew = np.array([2.0 if e != "side" else 1.0 for e in net.ekind])
    x, y = net.random_edge_points(rng, k, (0, 30), ew)
    add(x, y, days_from(base_day, k), "background")
    # venue exposure: intensity proportional to category weight x risk, Gaussian kernel of
    # ~200 m (_SIGMA_VENUE); each venue has its own week-to-week noise (a busy week at one bar)
    vw = (
        venues["category"].map(_VENUE_WEIGHT).to_numpy()
        * venues["risk_level"].map(_RISK_MULT).to_numpy()
    )
    per_venue = rng.poisson(_N_VENUE * vw / vw.sum())
    vi = np.repeat(np.arange(len(venues)), per_venue)
    k = vi.size
    vd = np.concatenate([days_from(base_day * weekly_noise(), int(n)) for n in per_venue])
    x, y = _kernel_points(
        rng, venues["_x"].to_numpy()[vi], venues["_y"].to_numpy()[vi], *_SIGMA_VENUE
    )
    vc = venues["category"].to_numpy()[vi]
    cat = np.empty(k, dtype=object)
    for c in np.unique(vc):
        m = vc == c
        cat[m] = rng.choice(_CATS, m.sum(), p=_CAT_MIX[c])
    add(x, y, vd, cat)
    # open-hazard exposure: only while the hazard is open (found_at .. rectified_at / period end)
    hf = hazards.attrs["_f"]
    hr = hazards.attrs["_r"]
    fday = (hf - cal.t0) // _DAY
    rday = np.where(np.isnan(hr), nd, (np.nan_to_num(hr) - cal.t0) // _DAY).astype(int)
    rday = np.minimum(rday, nd)
    open_days = np.maximum(rday - fday, 1)
    sev_w = (
        hazards["severity"].map({"low": 0.5, "medium": 1.0, "high": 1.8, "major": 3.0}).to_numpy()
    )
    k = int(rng.poisson(500))
    hi = rng.choice(len(hazards), k, p=sev_w * open_days / (sev_w * open_days).sum())
    d = fday[hi] + (rng.uniform(size=k) * open_days[hi]).astype(int)
    d = np.clip(d, 0, nd - 1)
    x, y = _kernel_points(rng, hazards.attrs["_x"][hi], hazards.attrs["_y"][hi], *_SIGMA_HAZARD)
    add(x, y, d, "hazard")
    # persistent hotspots: the bar/KTV street and the market (~200 m spread, noisy weeks)
    for (cx, cy), mean, key in (
        (_NIGHTLIFE, _N_HOTSPOT[0], "bar"),
        (_MARKET, _N_HOTSPOT[1], "market"),
    ):
        k = int(rng.poisson(mean))
        x, y = _kernel_points(rng, np.full(k, cx), np.full(k, cy), *_SIGMA_HOTSPOT)
        add(x, y, days_from(base_day * weekly_noise(), k), key)
    # emerging (from August, growing) and fading (April-June, gone from mid-July) clusters
    for centres, wd, mean in (
        (_EMERGING, emerging_day, _N_CLUSTER[0]),
        (_FADING, fading_day, _N_CLUSTER[1]),
    ):
        for cx, cy in centres:
            k = int(rng.poisson(mean))
            x, y = _kernel_points(rng, np.full(k, cx), np.full(k, cy), *_SIGMA_CLUSTER)
            add(x, y, days_from(wd * weekly_noise(), k), "cluster")
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    d = np.concatenate(ds).astype(np.int64)
    cat = np.concatenate(cats).astype(object)
    sec = (
        cal.day_sec(d)
        + rng.choice(24, d.size, p=_HOUR_PROFILE) * 3600
        + rng.integers(0, 3600, d.size)
    )
    # near-repeats: two generations of follow-ups within 1-7 days and ~100 m, same category
    px, py, psec, pcat = x, y, sec, cat
    for p_rep in (0.13, 0.08):
        m = rng.uniform(size=psec.size) < p_rep
        k = int(m.sum())
        nx, ny = _kernel_points(rng, px[m], py[m], *_SIGMA_REPEAT)
        nsec = (
            psec[m]
            + rng.integers(1, 8, k) * _DAY
            + rng.integers(-3, 4, k) * 3600
            + rng.integers(0, 3600, k)
        )
        x = np.concatenate([x, nx])
        y = np.concatenate([y, ny])
        sec = np.concatenate([sec, nsec])
        cat = np.concatenate([cat, pcat[m]])
        px, py, psec, pcat = nx, ny, nsec, pcat[m]
    keep = sec < cal.t0 + nd * _DAY
    x, y, sec, cat = x[keep], y[keep], sec[keep], cat[keep]
    order = np.lexsort((x, sec))
    x, y, sec, cat = x[order], y[order], sec[order], cat[order]
    n = sec.size
    pr = np.where(
        np.isin(cat, ["robbery", "fight", "drugs"]),
        1,
        np.where(np.isin(cat, ["disturbance", "dispute", "other"]), 3, 2),
    )
    bump = rng.uniform(size=n) < 0.08
    pr = np.where(bump, np.clip(pr + rng.choice([-1, 1], n), 1, 3), pr)
    lng, lat = _to_lnglat(x, y)
    return pd.DataFrame(
        {
            "incident_id": [f"JQ2022{i + 1:06d}" for i in range(n)],
            "ts": _ts(sec),
            "category": cat.astype(str),
            "lat": lat,
            "lng": lng,
            "priority": pr.astype(np.int64),
        },
        columns=KINDS["incidents"].names,
    )


# ----------------------------------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------------------------------


def build_demo_city(seed: int = 7) -> dict[str, pd.DataFrame]:
    """Build the synthetic demo city for ``seed``: one canonical frame per record kind."""
    rngs = {
        name: np.random.default_rng([seed, i])
        for i, name in enumerate(
            [
                "network",
                "areas",
                "sites",
                "venues",
                "shifts",
                "tracks",
                "checks",
                "inspections",
                "hazards",
                "incidents",
            ]
        )
    }
    net = _network_cached(seed)
    cal = _Cal()
    areas, _station = _areas(rngs["areas"])
    units = _units()
    sites, site_nodes, _site_xy = _sites(rngs["sites"], net)
    venues = _venues(rngs["venues"], net)
    shifts = _shifts(rngs["shifts"], cal, units)
    pings, stops = _tracks(
        rngs["tracks"],
        net,
        shifts,
        site_nodes,
        [_NIGHTLIFE, _MARKET, *_EMERGING, *_FADING],
        len(units),
    )
    site_checks = _site_checks(rngs["checks"], cal, shifts, stops, sites, site_nodes)
    inspections = _inspections(rngs["inspections"], cal, venues, units)
    hazards = _hazards(rngs["hazards"], cal, net, venues)
    incidents = _incidents(rngs["incidents"], cal, net, venues, hazards)
    hazards.attrs = {}
    hazards = _hazard_outcomes(np.random.default_rng([seed, 300]), cal, hazards)

    shifts_out = shifts.assign(
        start=_ts(shifts["_start"].to_numpy()), end=_ts(shifts["_end"].to_numpy())
    )
    shifts_out = shifts_out.sort_values(["start", "unit_id"], kind="stable").reset_index(drop=True)
    shifts_out = shifts_out[KINDS["shifts"].names]
    pings = pings.sort_values(["shift_id", "ts"], kind="stable").reset_index(drop=True)
    out = {
        "units": units,
        "shifts": shifts_out,
        "pings": pings[KINDS["pings"].names],
        "sites": sites,
        "site_checks": site_checks,
        "venues": venues[KINDS["venues"].names].copy(),
        "inspections": inspections,
        "hazards": hazards,
        "incidents": incidents,
        "areas": areas,
    }
    return {k: v.reset_index(drop=True) for k, v in out.items()}


# ----------------------------------------------------------------------------------------------
# disputes under mediation and reported leads (issue 10)
# ----------------------------------------------------------------------------------------------
# Built by build_demo_mediation() from the finished city with a Generator of its own, after
# everything else: the frames above and their random streams stay exactly as they were.

MEDIATION_ROOM = "罗家农贸市场一站式调解室"
"""The one-stop mediation room (一站式矛盾纠纷调解室) of the wet market (key site 罗家农贸市场)."""

MEDIATION_FIGURES = {
    "disputes_discovered": 1007,
    "disputes_settled": 986,  # 化解率 97.91 %
    "disputes_escalated": 6,
    "disputes_referred": 4,
    "leads_received": 17,
    "leads_concluded": 10,  # 8 closed + 2 unfounded
    "leads_verifying": 7,
}
"""Dispute and lead figures of the campaign period (reported/received 2022-06-25..2022-10-02,
statuses at the end of 2022-10-02), exact by construction as the patrol figures are."""

_DCATS = np.array(DISPUTE_CATEGORIES)
_DCAT_P = np.array([0.30, 0.14, 0.09, 0.18, 0.14, 0.08, 0.04, 0.03])
# mean days to settle, per category (gamma, shape 1.5); the market's room settles on the spot
_DCAT_DAYS = {
    "neighbours": 4.0,
    "family": 6.0,
    "wages": 14.0,
    "market_trade": 1.5,
    "property_management": 9.0,
    "consumer": 2.0,
    "traffic": 3.0,
    "other": 5.0,
}
_MEDIATORS = {
    "community": "罗家社区人民调解委员会",
    "street": "青云街道综治中心",
    "police": "罗家派出所调解室",
    "justice": "罗家司法所",
}
_LCHANNELS = np.array(["phone_line", "app", "courier", "volunteer", "walk_in"])
_LCHANNEL_P = np.array([0.3, 0.2, 0.15, 0.25, 0.1])
_LTOPICS = np.array(["elder_fraud", "drugs", "gambling", "hazard", "other"])
_LTOPIC_P = np.array([0.35, 0.15, 0.2, 0.2, 0.1])
_LTOPIC_NEAR = {
    "elder_fraud": ["nursing_home"],
    "drugs": ["bar", "ktv", "hotel"],
    "gambling": ["bathhouse", "hotel", "internet_cafe"],
}


def _local_sec(ts: pd.Series) -> np.ndarray:
    """tz-aware timestamps -> local wall-clock seconds (the inverse of :func:`_ts`)."""
    return (pd.to_datetime(ts).astype("int64") // 1_000_000_000 + 8 * 3600).to_numpy(np.int64)


def _xy_of(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = (np.asarray(lng, float) - CENTRE[0]) * _M_LNG
    return x, (np.asarray(lat, float) - CENTRE[1]) * _M_LAT


def _office_hours(t: np.ndarray, after: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move times at night into office hours of the same day (08:00-20:59), never before
    ``after`` + 10 minutes: disputes are settled and leads closed by people at work."""
    t = np.asarray(t, float).copy()
    ok = np.isfinite(t)
    day = np.floor(t[ok] / _DAY) * _DAY
    hour = (t[ok] - day) / 3600
    early = day + rng.uniform(8, 9.5, hour.size) * 3600
    late = day + rng.uniform(19, 20.9, hour.size) * 3600
    moved = np.where(hour < 8, early, np.where(hour >= 21, late, t[ok]))
    t[ok] = np.maximum(moved, np.asarray(after, float)[ok] + 600)
    return np.floor(t)


def _grid_owner(areas: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Grid manager (owner) of the grid holding each local point ("" outside every grid)."""
    lng, lat = _to_lnglat(x, y)
    out = np.full(len(x), "", dtype=object)
    grids = areas.loc[areas["level"] == "grid"]
    for geom, owner in zip(grids["geometry"], grids["owner"], strict=True):
        out[shapely.contains_xy(geom, lng, lat) & (out == "")] = owner
    return out


def _dispute_rows(
    rng: np.random.Generator,
    net: _Net,
    cal: _Cal,
    city: dict[str, pd.DataFrame],
    days: np.ndarray,
    n: int,
) -> pd.DataFrame:
    """``n`` regular disputes reported on ``days`` (day indices): place, category, parties,
    mediator and the days they take to settle (status decided by the caller)."""
    venues, sites = city["venues"], city["sites"]
    vx, vy = _xy_of(venues["lat"].to_numpy(), venues["lng"].to_numpy())
    market_site = sites.loc[sites["name"] == "罗家农贸市场"].iloc[0]
    msx, msy = _xy_of(np.array([market_site["lat"]]), np.array([market_site["lng"]]))
    markets = np.flatnonzero(venues["category"].eq("market").to_numpy())
    consumer_at = np.flatnonzero(
        venues["category"].isin(["restaurant", "hotel", "ktv", "bathhouse", "bar"]).to_numpy()
    )
    restaurants = np.flatnonzero(venues["category"].eq("restaurant").to_numpy())
    compounds = net.random_edge_points(rng, 6, (60, 120))  # residential compounds (小区)
    cat = rng.choice(_DCATS, n, p=_DCAT_P)
    x, y = net.random_edge_points(rng, n, (15, 60))
    site_id = np.full(n, None, dtype=object)
    venue_id = np.full(n, None, dtype=object)
    located = np.ones(n, bool)
    u = rng.uniform(size=n)
    for i in range(n):
        c = cat[i]
        if c == "market_trade":
            if u[i] < 0.55:  # at the wet market, named by its key site
                site_id[i], located[i] = market_site["site_id"], False
                x[i], y[i] = msx[0], msy[0]
            else:  # at one of the market venues
                v = int(rng.choice(markets))
                venue_id[i], located[i] = venues["venue_id"].iat[v], u[i] >= 0.85
                x[i], y[i] = vx[v], vy[v]
        elif c == "property_management":
            k = int(rng.integers(6))
            x[i], y[i] = compounds[0][k] + rng.normal(0, 50), compounds[1][k] + rng.normal(0, 50)
        elif c == "consumer" or (c == "wages" and u[i] < 0.4):
            v = int(rng.choice(consumer_at if c == "consumer" else restaurants))
            venue_id[i], located[i] = venues["venue_id"].iat[v], u[i] < 0.2
            x[i], y[i] = vx[v], vy[v]
    x, y = np.clip(x, -_ROAD_X, _ROAD_X), np.clip(y, -_ROAD_Y, _ROAD_Y)
    hours = np.where(cat == "market_trade", rng.integers(6, 19, n), rng.integers(8, 21, n))
    sec = cal.day_sec(days) + hours * 3600 + rng.integers(0, 3600, n)
    parties = np.where(rng.uniform(size=n) < 0.78, 2, rng.integers(3, 5, n))
    parties = np.where(cat == "wages", rng.integers(3, 21, n), parties)
    parties = np.where(cat == "property_management", rng.integers(4, 41, n), parties)
    owner = _grid_owner(city["areas"], x, y)
    med = np.empty(n, dtype=object)
    for i in range(n):
        c = cat[i]
        if c == "market_trade":
            med[i] = MEDIATION_ROOM
        elif c in ("neighbours", "family"):
            med[i] = owner[i] if owner[i] and u[i] < 0.6 else _MEDIATORS["community"]
        elif c == "property_management":
            med[i] = _MEDIATORS["community"] if u[i] < 0.7 else _MEDIATORS["street"]
        elif c == "wages":
            med[i] = _MEDIATORS["justice"] if u[i] < 0.7 else _MEDIATORS["street"]
        elif c in ("consumer", "traffic"):
            med[i] = _MEDIATORS["police"]
        else:
            med[i] = _MEDIATORS["street"]
    mean = np.array([_DCAT_DAYS[c] for c in cat])
    on_spot = (med == MEDIATION_ROOM) & (rng.uniform(size=n) < 0.8)
    dur_s = np.where(
        on_spot, rng.uniform(0.5, 6, n) * 3600, rng.gamma(1.5, mean / 1.5, n) * _DAY + 3600
    )
    return pd.DataFrame(
        {
            "sec": sec,
            "category": cat,
            "x": x,
            "y": y,
            "located": located,
            "site_id": site_id,
            "venue_id": venue_id,
            "parties": parties,
            "mediator": med,
            "dur_s": dur_s,
            "status": "settled",
            "settled": sec + dur_s,
            "incident_id": None,
        }
    )


def _escalated_rows(
    rng: np.random.Generator,
    city: dict[str, pd.DataFrame],
    lo: int | np.integer,
    hi: int | np.integer,
    n: int,
    taken: set[str],
) -> pd.DataFrame:
    """``n`` disputes that escalated into an incident (警情) of category dispute or fight between
    local seconds ``lo`` and ``hi``: reported 2-12 days before it, where it later happened."""
    inc = city["incidents"]
    isec = _local_sec(inc["ts"])
    ok = np.flatnonzero(
        inc["category"].isin(["dispute", "fight"]).to_numpy()
        & (isec >= lo)
        & (isec < hi)
        & ~inc["incident_id"].isin(taken).to_numpy()
    )
    pick = np.sort(rng.choice(ok, n, replace=False))
    before = rng.uniform(2, 12, n) * _DAY
    x, y = _xy_of(inc["lat"].to_numpy()[pick], inc["lng"].to_numpy()[pick])
    x, y = x + rng.normal(0, 15, n), y + rng.normal(0, 15, n)
    cat = rng.choice(
        ["neighbours", "family", "market_trade", "wages"], n, p=[0.45, 0.25, 0.15, 0.15]
    )
    owner = _grid_owner(city["areas"], x, y)
    taken.update(inc["incident_id"].to_numpy()[pick])
    return pd.DataFrame(
        {
            "sec": isec[pick] - before,
            "category": cat,
            "x": x,
            "y": y,
            "located": True,
            "site_id": None,
            "venue_id": None,
            "parties": rng.integers(2, 5, n),
            "mediator": [o or _MEDIATORS["community"] for o in owner],
            "dur_s": before,
            "status": "escalated",
            "settled": isec[pick].astype(float),
            "incident_id": inc["incident_id"].to_numpy()[pick],
        }
    )


def _disputes(
    rng: np.random.Generator, net: _Net, cal: _Cal, city: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """The mediation register, April to October: campaign figures exact (MEDIATION_FIGURES)."""
    f = MEDIATION_FIGURES
    c_lo, c_hi = cal.day_sec(cal.c0), cal.day_sec(cal.c1 + 1)  # campaign [start, end)
    data_end = cal.day_sec(cal.n)
    taken: set[str] = set()
    dow_w = np.where(cal.dow >= 5, 0.7, 1.0)  # fewer registered at weekends
    # campaign: intensified screening (排查), 1007 disputes of which 986 settled by its end
    cdays = np.flatnonzero(cal.in_campaign)
    n_esc, n_ref = f["disputes_escalated"], f["disputes_referred"]
    n_reg = f["disputes_discovered"] - n_esc
    camp = _dispute_rows(
        rng,
        net,
        cal,
        city,
        np.sort(rng.choice(cdays, n_reg, p=dow_w[cdays] / dow_w[cdays].sum())),
        n_reg,
    )
    n_late = n_reg - n_ref - f["disputes_settled"]  # still being mediated when the campaign ends
    late_w = np.where(camp["sec"] > c_hi - 40 * _DAY, camp["dur_s"], 0.0)
    late = rng.choice(n_reg, n_late, replace=False, p=late_w / late_w.sum())
    ref_w = (
        camp["category"]
        .map({"wages": 8.0, "property_management": 3.0, "consumer": 1.0, "traffic": 2.0})
        .fillna(0.0)
        .to_numpy()
    )
    ref_w[late] = 0.0
    ref_w = np.where(camp["sec"] < c_hi - 5 * _DAY, ref_w, 0.0)
    ref = rng.choice(n_reg, n_ref, replace=False, p=ref_w / ref_w.sum())
    settle = camp["settled"].to_numpy().copy()
    over = settle >= c_hi
    # the others settle within the campaign: a long case reported near its end takes less
    settle = np.where(
        over, camp["sec"] + rng.uniform(0.05, 0.95, len(camp)) * (c_hi - camp["sec"]), settle
    )
    settle[ref] = camp["sec"].to_numpy()[ref] + rng.uniform(0.6, 0.95, n_ref) * np.minimum(
        c_hi - camp["sec"].to_numpy()[ref], 30 * _DAY
    )
    status = np.full(len(camp), "settled", dtype=object)
    status[ref] = "referred"
    settle[late] = c_hi + rng.uniform(1, 40, n_late) * _DAY  # some only after October
    camp["settled"], camp["status"] = settle, status
    camp = camp.assign(
        mediator=np.where(status == "referred", _MEDIATORS["justice"], camp["mediator"])
    )
    esc_c = _escalated_rows(rng, city, c_lo + 13 * _DAY, c_hi, n_esc, taken)
    # before and after the campaign: routine registration, about 3 a day
    odays = np.flatnonzero(~cal.in_campaign)
    n_out = int(rng.poisson(3.1 * odays.size))
    rest = _dispute_rows(
        rng,
        net,
        cal,
        city,
        np.sort(rng.choice(odays, n_out, p=dow_w[odays] / dow_w[odays].sum())),
        n_out,
    )
    u = rng.uniform(size=n_out)
    p_ref = rest["category"].map({"wages": 0.08, "property_management": 0.03}).fillna(0.004)
    rest["status"] = np.where(u < p_ref, "referred", "settled")
    rest["mediator"] = np.where(
        rest["status"] == "referred", _MEDIATORS["justice"], rest["mediator"]
    )
    # two wage claims and a property quarrel from spring that drag on (overdue in October)
    drag = rng.choice(
        np.flatnonzero(
            (
                rest["category"].isin(["wages", "property_management"])
                & (rest["sec"] < cal.day_sec(cal.c0 - 20))
            ).to_numpy()
        ),
        3,
        replace=False,
    )
    rest.loc[rest.index[drag], "settled"] = data_end + 60 * _DAY
    esc_before = _escalated_rows(rng, city, cal.day_sec(14), c_lo - 14 * _DAY, 2, taken)
    esc_after = _escalated_rows(rng, city, c_hi + 14 * _DAY, data_end, 1, taken)
    d = pd.concat([camp, esc_c, rest, esc_before, esc_after], ignore_index=True)
    # what the register says at the end of the data: later settlements are not known yet
    future = d["settled"] >= data_end
    fresh = future & (d["sec"] > data_end - 3 * _DAY) & (rng.uniform(size=len(d)) < 0.6)
    d["status"] = np.where(fresh, "pending", np.where(future, "mediating", d["status"]))
    settled = np.where(future, np.nan, d["settled"])
    d["settled"] = np.where(
        d["status"].eq("escalated"),
        np.floor(settled),  # the incident's time
        _office_hours(settled, d["sec"], rng),
    )
    d = d.sort_values(["sec", "x"], kind="stable").reset_index(drop=True)
    lng, lat = _to_lnglat(d["x"].to_numpy(), d["y"].to_numpy())
    loc = d["located"].to_numpy(bool)
    return pd.DataFrame(
        {
            "dispute_id": [f"JF2022{i + 1:05d}" for i in range(len(d))],
            "reported_at": _ts(np.floor(d["sec"].to_numpy(float))),
            "category": d["category"].astype(str).to_numpy(),
            "lat": np.where(loc, lat, np.nan),
            "lng": np.where(loc, lng, np.nan),
            "site_id": d["site_id"].to_numpy(object),
            "venue_id": d["venue_id"].to_numpy(object),
            "parties": d["parties"].astype(np.int64).to_numpy(),
            "mediator": d["mediator"].astype(str).to_numpy(),
            "status": d["status"].astype(str).to_numpy(),
            "settled_at": _ts(d["settled"].to_numpy(float)),
            "incident_id": d["incident_id"].to_numpy(object),
        },
        columns=KINDS["disputes"].names,
    )


def _leads(
    rng: np.random.Generator, net: _Net, cal: _Cal, city: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Leads from residents, couriers and volunteers; campaign figures exact (17 / 10 / 7)."""
    f = MEDIATION_FIGURES
    c_hi = cal.day_sec(cal.c1 + 1)
    data_end = cal.day_sec(cal.n)
    cdays = np.flatnonzero(cal.in_campaign)
    odays = np.flatnonzero(~cal.in_campaign)
    n_c = f["leads_received"]
    n_o = int(rng.poisson(0.12 * odays.size))
    days = np.concatenate(
        [
            np.sort(rng.choice(cdays, n_c, replace=False)),
            np.sort(rng.choice(odays, n_o, replace=False)),
        ]
    )
    n = days.size
    sec = cal.day_sec(days) + rng.integers(8 * 3600, 22 * 3600, n)
    topic = rng.choice(_LTOPICS, n, p=_LTOPIC_P)
    channel = rng.choice(_LCHANNELS, n, p=_LCHANNEL_P)
    venues = city["venues"]
    vx, vy = _xy_of(venues["lat"].to_numpy(), venues["lng"].to_numpy())
    x, y = net.random_edge_points(rng, n, (10, 50))
    for i in range(n):
        near = np.flatnonzero(venues["category"].isin(_LTOPIC_NEAR.get(topic[i], [])).to_numpy())
        if near.size:
            v = int(rng.choice(near))
            x[i], y[i] = vx[v] + rng.normal(0, 40), vy[v] + rng.normal(0, 40)
    x, y = np.clip(x, -_ROAD_X, _ROAD_X), np.clip(y, -_ROAD_Y, _ROAD_Y)
    u = rng.uniform(size=n)
    located = u < 0.7
    grid = np.full(n, None, dtype=object)
    grids = city["areas"].loc[city["areas"]["level"] == "grid"]
    lng, lat = _to_lnglat(x, y)
    for geom, area_id in zip(grids["geometry"], grids["area_id"], strict=True):
        grid[shapely.contains_xy(geom, lng, lat)] = area_id
    grid[located | (u >= 0.9)] = None  # a tenth were never placed at all
    close = sec + rng.uniform(1, 25, n) * _DAY
    status = np.where(rng.uniform(size=n) < 0.2, "unfounded", "closed").astype(object)
    # campaign: 10 concluded by its end (2 unfounded), 7 still being verified then
    ci = np.arange(n_c)
    verifying = rng.choice(
        ci,
        f["leads_verifying"],
        replace=False,
        p=(sec[ci] - sec[0] + _DAY) / (sec[ci] - sec[0] + _DAY).sum(),
    )
    done = np.setdiff1d(ci, verifying)
    close[done] = sec[done] + rng.uniform(0.1, 0.9, done.size) * np.minimum(
        c_hi - sec[done], 25 * _DAY
    )
    status[done] = "closed"
    status[done[rng.choice(done.size, 2, replace=False)]] = "unfounded"
    close[verifying] = np.maximum(
        close[verifying], c_hi + rng.uniform(2, 40, verifying.size) * _DAY
    )
    status[verifying] = np.where(np.arange(verifying.size) < 5, "closed", "unfounded")
    future = close >= data_end
    status = np.where(future, "verifying", status)
    order = np.argsort(sec, kind="stable")
    return pd.DataFrame(
        {
            "lead_id": [f"XS2022{i + 1:04d}" for i in range(n)],
            "received_at": _ts(sec[order]),
            "channel": channel[order],
            "topic": topic[order],
            "lat": np.where(located, lat, np.nan)[order],
            "lng": np.where(located, lng, np.nan)[order],
            "area_id": grid[order],
            "status": status[order].astype(str),
            "closed_at": _ts(_office_hours(np.where(future, np.nan, close), sec, rng)[order]),
        },
        columns=KINDS["leads"].names,
    )


def build_demo_mediation(city: dict[str, pd.DataFrame], seed: int = 7) -> dict[str, pd.DataFrame]:
    """Disputes and leads of the demo city built by :func:`build_demo_city` for ``seed``.

    A Generator of their own (``[seed, 100]``) makes them, after the rest of the city, so the
    other kinds do not change. The wet market (key site 罗家农贸市场) runs a one-stop mediation
    room (:data:`MEDIATION_ROOM`) that settles most market-trade disputes on the spot; disputes
    named by a site or a market venue only carry no coordinates (import locates them there). Over
    the campaign the figures are exactly :data:`MEDIATION_FIGURES`; escalated disputes link the
    dispute or fight incident they turned into.
    """
    rng = np.random.default_rng([seed, 100])
    net = _network_cached(seed)
    cal = _Cal()
    disputes = _disputes(rng, net, cal, city)
    leads = _leads(rng, net, cal, city)
    return {"disputes": disputes, "leads": leads}


# ----------------------------------------------------------------------------------------------
# a duty night (issue 11): key-point patrols, appended
# ----------------------------------------------------------------------------------------------
# Built by build_demo_duty() from the finished city with a Generator of its own, after everything
# else: no existing record changes. The night is after the campaign, so its figures stay.

DUTY_NIGHT = "2022-10-31"
# (unit kind, sites visited in the first round, second round) by site name; posts by index
_DUTY_PLAN: tuple[tuple[str, int, list[str], list[str]], ...] = (
    (
        "police_car",
        0,
        [
            "青云农商银行罗家支行",
            "罗家中心小学",
            "罗家农贸市场",
            "启明双语学校",
            "东湖小商品市场",
            "湖畔天街",
        ],
        ["青云农商银行罗家支行", "罗家农贸市场"],
    ),
    (
        "police_car",
        2,
        ["城东商业银行营业部", "罗家中学", "青云实验小学", "新城购物中心", "青云综合市场"],
        ["城东商业银行营业部", "湖滨储蓄所"],
    ),
    (
        "police_car",
        3,
        ["罗家信用社", "罗家公交枢纽站", "地铁罗家站(演示)", "罗家汇景城", "湖滨储蓄所"],
        [
            "罗家信用社",
            "罗家公交枢纽站",
            "地铁罗家站(演示)",
            "新城银行自助网点",
            "新城银行自助网点",
        ],
    ),
    ("foot", 1, ["罗家农贸市场", "青云综合市场"], []),
)
# left out on purpose (missed unless the night's other patrols pass by): 湖畔小学,
# 晨曦幼儿园 (only checked in by hand), 青云仁和医院, 罗家社区卫生服务中心, 青云广场;
# 新城银行自助网点 is first visited after its first due time (late); unit 2 stands 50 minutes
# away from any post.


def build_demo_duty(city: dict[str, pd.DataFrame], seed: int = 7) -> dict[str, pd.DataFrame]:
    """Shifts, GPS pings and check-ins of one duty night (:data:`DUTY_NIGHT`) to append.

    Four units not otherwise on duty that night patrol the key points (必巡点) by the default
    duty rules from the posts: most points are visited on time, three are missed, one bank is
    visited late, one car stands 50 minutes away from any post, and some visits are also checked
    in by hand (one check-in has no GPS visit behind it). A Generator of its own
    (``[seed, 200]``) makes them; the other frames do not change and the night is after the
    campaign, so the campaign figures stay as they are.
    """
    rng = np.random.default_rng([seed, 200])
    net = _network_cached(seed)
    sites, site_nodes, _ = _sites(np.random.default_rng([seed, 2]), net)
    node_of = dict(zip(sites["name"], site_nodes, strict=True))
    posts = [int(n) for n, c in zip(site_nodes, sites["category"], strict=True) if c == "post"]
    d = DUTY_NIGHT.replace("-", "")
    busy = set(city["shifts"].loc[city["shifts"]["shift_id"].str.startswith(f"SH{d}-"), "unit_id"])
    units = city["units"]
    t0 = _local_epoch(DUTY_NIGHT) + 19 * 3600 + 50 * 60
    shifts, pings, checks = [], [], []
    long_stop = net.nearest(300.0, 900.0)
    for k, (kind, post, round1, round2) in enumerate(_DUTY_PLAN):
        uid = next(
            u
            for u, kd in zip(units["unit_id"], units["kind"], strict=True)
            if kd == kind and u not in busy
        )
        busy.add(uid)
        v = 7.0 if kind == "police_car" else 1.3
        home = posts[post]
        legs: list[tuple[int, float]] = [(home, 600.0)]  # out at 20:00
        legs += [(node_of[n], float(rng.uniform(180, 360))) for n in round1]
        if k == 1:
            legs.append((long_stop, 3000.0))  # a long stop away from the posts
        legs.append((home, -(5 * 3600 + 15 * 60)))  # stand at the post until 01:05
        legs += [(node_of[n], float(rng.uniform(180, 360))) for n in round2]
        if k == 2:  # the late bank again, well after the dedup window
            legs.insert(len(legs) - 1, (home, 2400.0))
        legs.append((home, -(10 * 3600)))  # back at the post until 05:50
        kt, kx, ky = [0.0], [net.x[home]], [net.y[home]]
        cur, t = home, 0.0
        for node, dwell in legs:
            if node != cur:
                nodes, cum = net.path(cur, node)
                kt.extend((t + cum[1:] / v).tolist())
                kx.extend(net.x[nodes[1:]].tolist())
                ky.extend(net.y[nodes[1:]].tolist())
                t = kt[-1]
                cur = node
            t = max(t + 60.0, -dwell) if dwell < 0 else t + dwell
            kt.append(t)
            kx.append(net.x[node])
            ky.append(net.y[node])
            if dwell > 0 and k == 0 and node in site_nodes[sites["category"] == "bank"]:
                checks.append(
                    (
                        sites["site_id"].to_numpy()[list(site_nodes).index(node)],
                        t0 + t - dwell + 60,
                        uid,
                    )
                )
        end = kt[-1]
        pt = np.concatenate([[0.0], np.cumsum(rng.integers(12, 25, int(end // 12) + 2))])
        pt = pt[pt <= end]
        px, py = np.interp(pt, kt, kx), np.interp(pt, kt, ky)
        moving = np.hypot(np.gradient(px), np.gradient(py)) > 1.0  # standing fixes jitter less
        noise = np.where(moving, 4.0, 1.5)
        px = px + rng.normal(0, 1.0, pt.size) * noise
        py = py + rng.normal(0, 1.0, pt.size) * noise
        lng, lat = _to_lnglat(px, py)
        sid = f"SH{d}-{uid}"
        pings.append(
            pd.DataFrame(
                {
                    "shift_id": sid,
                    "unit_id": uid,
                    "ts": _ts(t0 + pt),
                    "lat": lat,
                    "lng": lng,
                    "speed": rng.uniform(0, 1.2, pt.size).round(1),
                    "accuracy": rng.uniform(3, 12, pt.size).round(1),
                }
            )
        )
        car = kind == "police_car"
        shifts.append(
            {
                "shift_id": sid,
                "unit_id": uid,
                "start": t0,
                "end": t0 + end + 600,
                "police": 2 if car else 1,
                "auxiliaries": 1,
                "volunteers": 0,
                "people_checked": int(rng.integers(0, 3)),
                "outreach": int(rng.integers(0, 8)),
            }
        )
    school = sites.loc[sites["name"] == "晨曦幼儿园", "site_id"].iloc[0]
    checks.append((school, t0 + 2 * 3600 + 25 * 60, shifts[2]["unit_id"]))  # no GPS behind it
    sh = pd.DataFrame(shifts)
    sh["start"] = _ts(sh["start"].to_numpy())
    sh["end"] = _ts(sh["end"].to_numpy())
    ck = pd.DataFrame(checks, columns=["site_id", "sec", "unit_id"]).sort_values("sec")
    return {
        "shifts": sh[KINDS["shifts"].names],
        "pings": pd.concat(pings, ignore_index=True)[KINDS["pings"].names],
        "site_checks": pd.DataFrame(
            {
                "site_id": ck["site_id"].to_numpy(),
                "ts": _ts(ck["sec"].to_numpy()),
                "unit_id": ck["unit_id"].to_numpy(),
            },
            columns=KINDS["site_checks"].names,
        ),
    }
