"""Places by name: the grid a point lies in and the nearest named landmark, with its direction.

A commander hands out "罗家第3网格 · 青云谱小学东120米", not a hexagon id. For each point (a cell's
centre, a stop, an alert):

- the **area** is the grid (网格) whose polygon holds the point; where no grid does, the station
  (辖区), then any other area; none outside every area;
- the **landmark** is a named key site or venue, or, when a road network is loaded
  (:class:`StreetMarks`), a crossing or a street, chosen in this order (a commander reads a
  site before a crossing before a street, as long as it is close):

  1. the nearest key site or venue within :data:`PREFER_M` metres;
  2. else the nearest crossing within :data:`PREFER_M` metres ("青云路与湖滨路交叉口东北80米");
  3. else the nearest street within :data:`PREFER_M` metres, said as the street the point lies
     beside ("青云路旁30米" / "30 m off 青云路", no compass point);
  4. else the nearest key site, venue or crossing within :data:`NEAR_M` metres;
  5. else the nearest street within :data:`NEAR_M` metres (beside it, as in 3.).

  Without a road network this is the nearest key site or venue within :data:`NEAR_M` metres.
  A **crossing** is a node of the network where streets of two or more different names meet
  (unnamed roads do not count), named by the two of highest road class (then by name):
  "A与B交叉口" / "A & B crossing" (``place.crossing``, the street names as stored). The
  **direction** is the compass point (of eight) of the azimuth from the landmark to the point,
  its **distance** is rounded to 10 m under 200 m and to 50 m from 200 m on
  (:func:`round_distance_m`, halves up); a street's distance is to its nearest point;
- closer than :data:`AT_M` metres the point is *at* the landmark: "罗家第3网格 · 青云谱小学";
- with no landmark within :data:`NEAR_M` metres the point is named by its area and its
  coordinates to four decimals (about 10 m, enough to find it on a phone map):
  "罗家第3网格 · 北纬28.7134° 东经115.9127°" / "Luojia Grid 3 · 28.7134°N 115.9127°E". (The
  words say north and east: the project's region is China.)

English names: a record's ``name_en`` where the caller's frame has one, else the name as stored
(names are data, never translated here). The words around them are i18n strings
(``geo/strings/places.py``).

Distances and directions are measured on a local azimuthal equidistant projection centred on the
data (metres; at city scale its distances and azimuths are within a millimetre per kilometre and
a small fraction of a degree of the ellipsoid's): nearest landmarks by a KD-tree; grids by an
STR-tree of their polygons in degrees (as every area test of the project). A road network's
crossings and streets are indexed once (:func:`street_marks`, a KD-tree and an STR-tree on an
azimuthal equidistant plane centred on the network) and reused for every naming. Vectorised;
only the final text is written row by row, for the rows shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from geo.domain.network import CLASSES, RoadGraph, street_lines
from geo.i18n import t

__all__ = [
    "AT_M",
    "COMPASS",
    "NEAR_M",
    "PLACE_COLUMNS",
    "PREFER_M",
    "StreetMarks",
    "compass_point",
    "label",
    "labels",
    "name_places",
    "place_of",
    "round_distance_m",
    "street_marks",
    "street_marks_of",
]

NEAR_M = 1000.0
"""A landmark farther than this many metres does not name a point (its coordinates do)."""
AT_M = 15.0
"""A point closer than this many metres to its landmark is at the landmark."""
PREFER_M = 150.0
"""Within this many metres a key site or venue names a point before a crossing, a crossing
before a street (the order of the module docstring)."""
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
"""The eight compass points, clockwise from north (45° sectors centred on each)."""
PLACE_COLUMNS = (
    "area",
    "area_en",
    "landmark",
    "landmark_en",
    "landmark_kind",
    "direction",
    "distance_m",
    "metres",
    "lat",
    "lng",
    "place",
    "place_en",
)
"""Columns of :func:`name_places`."""

_LEVEL_RANK = {"grid": 0, "station": 1}  # grids name a point before stations, then the rest


def round_distance_m(metres: ArrayLike) -> np.ndarray:
    """Distances as said aloud: 10 m steps under 200 m, 50 m steps from 200 m on (halves up).

    Parameters
    ----------
    metres
        Distances in metres (NaN stays NaN).

    Returns
    -------
    Rounded metres (float). 195 m gives 200, 224.9 m gives 200, 225 m gives 250.

    >>> round_distance_m([14.9, 15.0, 124.0, 125.0, 199.0, 224.9, 225.0]).tolist()
    [10.0, 20.0, 120.0, 130.0, 200.0, 200.0, 250.0]
    """
    m = np.asarray(metres, dtype=float)
    step = np.where(m < 200.0, 10.0, 50.0)
    return np.floor(m / step + 0.5) * step


def compass_point(azimuth_deg: ArrayLike) -> np.ndarray:
    """The compass point (:data:`COMPASS`) of azimuths in degrees clockwise from north.

    >>> compass_point([0, 22.4, 22.5, 90, 200, -30, 337.5]).tolist()
    ['N', 'N', 'NE', 'E', 'S', 'NW', 'N']
    """
    az = np.mod(np.asarray(azimuth_deg, dtype=float), 360.0)
    return np.asarray(COMPASS, dtype=object)[(np.floor((az + 22.5) / 45.0).astype(int)) % 8]


def _english(frame: pd.DataFrame) -> np.ndarray:
    """The ``name_en`` of each row where it has one, else its ``name``."""
    names = frame["name"].astype(str)
    if "name_en" not in frame:
        return names.to_numpy(object)
    en = frame["name_en"].astype("string").str.strip()
    return en.where(en.notna() & (en != ""), names).astype(object).to_numpy()


def _named(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of ``frame`` with a name (blank names name nothing)."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=["name"])
    keep = frame["name"].notna() & (frame["name"].astype(str).str.strip() != "")
    return frame.loc[keep].reset_index(drop=True)


def _geoms(values: pd.Series) -> np.ndarray:
    """Shapely geometries of a column of geometries or WKT text."""
    arr = values.to_numpy(object)
    text = np.array([isinstance(g, str) for g in arr], dtype=bool)
    if text.any():
        arr = arr.copy()
        arr[text] = shapely.from_wkt(arr[text].astype(str))
    return arr


def _areas_of(lng: np.ndarray, lat: np.ndarray, areas: pd.DataFrame) -> np.ndarray:
    """Index (into ``areas``) of the area naming each point, -1 for none.

    In degrees, as every area test of the project (``shapely.contains_xy`` on WGS-84 polygons).
    """
    out = np.full(len(lng), -1, dtype=np.int64)
    if areas.empty or len(lng) == 0:
        return out
    level = areas["level"] if "level" in areas else pd.Series("", index=areas.index)
    rank = level.map(_LEVEL_RANK).fillna(len(_LEVEL_RANK)).to_numpy(int)
    order = np.lexsort((np.arange(len(areas)), rank))  # grids first, then stations, then others
    tree = shapely.STRtree(_geoms(areas["geometry"])[order])
    pt, poly = tree.query(shapely.points(lng, lat), predicate="intersects")
    if len(pt):
        best = pd.Series(poly).groupby(pt).min()  # the first area in that order holding it
        out[best.index.to_numpy()] = order[best.to_numpy()]
    return out


_CLASS_RANK = {c: i for i, c in enumerate(CLASSES)}  # motorway first: a crossing's names


@dataclass(frozen=True)
class StreetMarks:
    """A road network's named crossings and streets, indexed once for :func:`name_places`.

    ``crossings``: name, name_en, lat, lng (WGS-84); ``streets``: name, name_en and ``geometry``
    (shapely lines, WGS-84), one row per line. The indexes are on an azimuthal equidistant plane
    centred on the network (``to_m``, metres): a KD-tree of the crossings, an STR-tree of the
    streets' lines (``lines``, in metres).
    """

    crossings: pd.DataFrame
    streets: pd.DataFrame
    to_m: pyproj.Transformer
    crossing_xy: np.ndarray
    crossing_tree: cKDTree | None
    lines: np.ndarray
    line_tree: shapely.STRtree | None


def street_marks(
    streets: pd.DataFrame | None, crossings: pd.DataFrame | None = None
) -> StreetMarks:
    """Index named street lines and crossings (see :class:`StreetMarks`).

    Parameters
    ----------
    streets
        ``name``, ``geometry`` (shapely or WKT lines, WGS-84), optional ``name_en``; rows
        without a name are dropped.
    crossings
        ``name``, ``lat``, ``lng`` (WGS-84 degrees), optional ``name_en``.
    """
    lines = _named(streets)
    marks = _named(crossings)
    if len(marks):
        where = marks["lat"].astype(float).notna() & marks["lng"].astype(float).notna()
        marks = marks.loc[where].reset_index(drop=True)
    geoms = _geoms(lines["geometry"]) if len(lines) else np.empty(0, dtype=object)
    xy = shapely.get_coordinates(geoms) if len(geoms) else np.empty((0, 2))
    if len(marks):
        xy = np.r_[xy, marks[["lng", "lat"]].to_numpy(float)]
    lng0, lat0 = (xy.min(axis=0) + xy.max(axis=0)) / 2 if len(xy) else (0.0, 0.0)
    aeqd = pyproj.CRS.from_dict({"proj": "aeqd", "lat_0": lat0, "lon_0": lng0, "datum": "WGS84"})
    to_m = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)

    def fwd(c: np.ndarray) -> np.ndarray:
        x, y = to_m.transform(c[:, 0], c[:, 1])
        return np.column_stack([x, y])

    metric = shapely.transform(geoms, fwd) if len(geoms) else geoms
    if len(marks):
        mx, my = to_m.transform(marks["lng"].to_numpy(float), marks["lat"].to_numpy(float))
        cxy = np.column_stack([mx, my])
    else:
        cxy = np.empty((0, 2))
    keep = ["name", "name_en"]
    return StreetMarks(
        crossings=marks.assign(name_en=_english(marks))[[*keep, "lat", "lng"]]
        if len(marks)
        else pd.DataFrame(columns=[*keep, "lat", "lng"]),
        streets=lines.assign(name_en=_english(lines), geometry=geoms)[[*keep, "geometry"]]
        if len(lines)
        else pd.DataFrame(columns=[*keep, "geometry"]),
        to_m=to_m,
        crossing_xy=cxy,
        crossing_tree=cKDTree(cxy) if len(cxy) else None,
        lines=metric,
        line_tree=shapely.STRtree(metric) if len(metric) else None,
    )


def street_marks_of(g: RoadGraph) -> StreetMarks:
    """The named streets and crossings of a road network (:func:`street_marks`).

    Streets: one line per road with a name (:func:`geo.domain.network.street_lines`). Crossings:
    every node where edges of two or more different names meet, named by the two names of the
    highest road class (:data:`geo.domain.network.CLASSES` order, then the name):
    ``place.crossing`` in zh-CN ("A与B交叉口") and in English ("A & B crossing").
    """
    lines = street_lines(g)
    e = g.edges
    names = e["name"].fillna("").astype(str).str.strip()
    rank = e["road_class"].map(_CLASS_RANK).fillna(len(_CLASS_RANK)).to_numpy(int)
    ends = pd.DataFrame(
        {
            "node": np.r_[e["u"].to_numpy(np.int64), e["v"].to_numpy(np.int64)],
            "name": np.r_[names.to_numpy(object), names.to_numpy(object)],
            "rank": np.r_[rank, rank],
        }
    )
    ends = ends.loc[ends["name"] != ""]
    ends = ends.groupby(["node", "name"], sort=False, as_index=False)["rank"].min()
    ends = ends.sort_values(["node", "rank", "name"], kind="stable")
    ends["k"] = ends.groupby("node").cumcount()
    two = ends.loc[ends["k"] < 2].pivot(index="node", columns="k", values="name").dropna()
    if len(two):
        a, b = two[0].astype(str).to_numpy(), two[1].astype(str).to_numpy()
        nodes = two.index.to_numpy(np.int64)
        crossings = pd.DataFrame(
            {
                "name": [t("place.crossing", "zh-CN", a=x, b=y) for x, y in zip(a, b, strict=True)],
                "name_en": [t("place.crossing", "en", a=x, b=y) for x, y in zip(a, b, strict=True)],
                "lat": g.nodes["lat"].to_numpy(float)[nodes],
                "lng": g.nodes["lng"].to_numpy(float)[nodes],
            }
        )
    else:
        crossings = pd.DataFrame(columns=["name", "name_en", "lat", "lng"])
    return street_marks(lines[["name", "geometry"]], crossings)


def name_places(
    lat: ArrayLike,
    lng: ArrayLike,
    *,
    areas: pd.DataFrame | None = None,
    landmarks: pd.DataFrame | None = None,
    streets: pd.DataFrame | StreetMarks | None = None,
    crossings: pd.DataFrame | None = None,
    near_m: float = NEAR_M,
    at_m: float = AT_M,
    prefer_m: float = PREFER_M,
) -> pd.DataFrame:
    """Name points by their area and landmark (see the module docstring for the order).

    Parameters
    ----------
    lat, lng
        Points in WGS-84 degrees (cell centres, stops).
    areas
        ``name``, ``geometry`` (shapely or WKT, WGS-84), optional ``level`` (``grid`` names a
        point before ``station``) and ``name_en``.
    landmarks
        Named points (key sites, venues): ``name``, ``lat``, ``lng``, optional ``kind`` and
        ``name_en``. Among landmarks at the same distance the first row names the point.
    streets
        A road network's named streets and crossings indexed once (:class:`StreetMarks`,
        :func:`street_marks_of`), or named lines: ``name``, ``geometry`` (shapely or WKT
        linestrings, WGS-84), optional ``name_en`` (indexed here, with ``crossings``).
    crossings
        Named crossings (``name``, ``lat``, ``lng``, optional ``name_en``) beside lines given as
        a frame in ``streets``.
    near_m, at_m, prefer_m
        Metres within which a landmark names a point, under which the point is at it, and
        within which a site or venue comes before a crossing and a crossing before a street.

    Returns
    -------
    DataFrame of :data:`PLACE_COLUMNS`, one row per point in order: ``area``/``area_en`` (""
    outside every area), ``landmark``/``landmark_en`` ("" without one), ``landmark_kind``
    (the landmark row's ``kind``; ``crossing``, ``street``; "" without one), ``direction`` (a
    :data:`COMPASS` code from the landmark to the point; "" at or without a landmark and for a
    street), ``distance_m`` (rounded, :func:`round_distance_m`; 0 at the landmark, NaN without
    one), ``metres`` (unrounded), ``lat``, ``lng``, and the names ``place`` (zh-CN) and
    ``place_en`` (:func:`label`; "" for a point without coordinates).
    """
    la = np.atleast_1d(np.asarray(lat, dtype=float))
    lo = np.atleast_1d(np.asarray(lng, dtype=float))
    n = len(la)
    marks, zones = _named(landmarks), _named(areas)
    if streets is not None and not isinstance(streets, StreetMarks):
        streets = street_marks(streets, crossings)
    elif streets is None and crossings is not None:
        streets = street_marks(None, crossings)
    if len(marks):  # a landmark without coordinates names nothing
        where = marks["lat"].astype(float).notna() & marks["lng"].astype(float).notna()
        marks = marks.loc[where].reset_index(drop=True)
    all_lat = np.r_[la, marks["lat"].to_numpy(float) if len(marks) else []]
    all_lng = np.r_[lo, marks["lng"].to_numpy(float) if len(marks) else []]
    ok = np.isfinite(all_lat) & np.isfinite(all_lng)
    lat0 = float(np.mean(all_lat[ok])) if ok.any() else 0.0
    lng0 = float(np.mean(all_lng[ok])) if ok.any() else 0.0
    aeqd = pyproj.CRS.from_dict({"proj": "aeqd", "lat_0": lat0, "lon_0": lng0, "datum": "WGS84"})
    to_m = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)

    valid = np.isfinite(la) & np.isfinite(lo)  # a point without coordinates has no name
    safe_lo, safe_la = np.where(valid, lo, lng0), np.where(valid, la, lat0)
    px, py = to_m.transform(safe_lo, safe_la)
    px, py = np.asarray(px, float), np.asarray(py, float)

    # candidates: 0 site or venue, 1 crossing, 2 street; metres, row, and the azimuth
    # from the landmark (its nearest point) to the point, each on its own plane
    dist = np.full((3, n), np.inf)
    row = np.zeros((3, n), dtype=np.int64)
    azimuth = np.zeros((3, n))
    if len(marks) and n:
        mx, my = to_m.transform(marks["lng"].to_numpy(float), marks["lat"].to_numpy(float))
        mx, my = np.asarray(mx, float), np.asarray(my, float)
        k = min(4, len(marks))
        d, j = cKDTree(np.column_stack([mx, my])).query(
            np.column_stack([px, py]), k=k, distance_upper_bound=near_m
        )
        d, j = d.reshape(n, k), j.reshape(n, k)
        # ties (a school listed as a site and a venue): the first row of ``landmarks`` names it
        tied = d <= d[:, :1] + 1e-6
        j = np.where(tied & np.isfinite(d), j, len(marks)).min(axis=1)
        hit = j < len(marks)
        jj = j[hit]
        dist[0, hit] = np.hypot(px[hit] - mx[jj], py[hit] - my[jj])
        row[0, hit] = jj
        azimuth[0, hit] = np.degrees(np.arctan2(px[hit] - mx[jj], py[hit] - my[jj]))
    if streets is not None and n:
        sx, sy = streets.to_m.transform(safe_lo, safe_la)
        sxy = np.column_stack([np.asarray(sx, float), np.asarray(sy, float)])
        if streets.crossing_tree is not None:
            d, j = streets.crossing_tree.query(sxy, k=1, distance_upper_bound=near_m)
            hit = np.isfinite(d)
            jj = j[hit]
            cx, cy = streets.crossing_xy[jj, 0], streets.crossing_xy[jj, 1]
            dist[1, hit] = d[hit]
            row[1, hit] = jj
            azimuth[1, hit] = np.degrees(np.arctan2(sxy[hit, 0] - cx, sxy[hit, 1] - cy))
        if streets.line_tree is not None:
            pts = shapely.points(sxy)
            (i, j), d = streets.line_tree.query_nearest(
                pts, max_distance=near_m, return_distance=True, all_matches=False
            )
            dist[2, i] = d
            row[2, i] = j

    # the order of the module docstring: sites and venues, crossings, streets within prefer_m;
    # then the nearest site, venue or crossing within near_m; then a street within near_m
    pick = np.full(n, -1, dtype=np.int64)
    for source in (0, 1, 2):
        pick = np.where((pick < 0) & (dist[source] <= prefer_m), source, pick)
    points = np.where(dist[1] < dist[0], 1, 0)  # a site or venue first when as near
    pick = np.where((pick < 0) & (dist[points, np.arange(n)] <= near_m), points, pick)
    pick = np.where((pick < 0) & (dist[2] <= near_m), 2, pick)
    pick = np.where(valid, pick, -1)
    near = pick >= 0
    col = np.arange(n)
    chosen = np.where(near, dist[np.maximum(pick, 0), col], np.inf)
    chosen_row = row[np.maximum(pick, 0), col]

    name = np.full(n, "", dtype=object)
    name_en = np.full(n, "", dtype=object)
    kind = np.full(n, "", dtype=object)
    if (pick == 0).any():
        s = pick == 0
        name[s] = marks["name"].astype(str).to_numpy(object)[chosen_row[s]]
        name_en[s] = _english(marks)[chosen_row[s]]
        kinds = marks["kind"].astype(str) if "kind" in marks else pd.Series("", index=marks.index)
        kind[s] = kinds.to_numpy(object)[chosen_row[s]]
    for source, frame, what in ((1, "crossings", "crossing"), (2, "streets", "street")):
        s = pick == source
        if s.any() and streets is not None:
            got = getattr(streets, frame)
            name[s] = got["name"].astype(str).to_numpy(object)[chosen_row[s]]
            name_en[s] = got["name_en"].astype(str).to_numpy(object)[chosen_row[s]]
            kind[s] = what
    at = near & (chosen < at_m)
    compass = near & ~at & (pick != 2)  # beside a street: no compass point
    az = azimuth[np.maximum(pick, 0), col]
    direction = np.where(compass, compass_point(az), "").astype(object)
    rounded = np.where(near, np.where(at, 0.0, round_distance_m(chosen)), np.nan)

    zone = _areas_of(safe_lo, safe_la, zones)
    has = (zone >= 0) & valid
    area = np.full(n, "", dtype=object)
    area_en = np.full(n, "", dtype=object)
    if has.any():
        area[has] = zones["name"].astype(str).to_numpy(object)[zone[has]]
        area_en[has] = _english(zones)[zone[has]]
    out = pd.DataFrame(
        {
            "area": area,
            "area_en": area_en,
            "landmark": name,
            "landmark_en": name_en,
            "landmark_kind": kind,
            "direction": direction,
            "distance_m": rounded,
            "metres": np.where(near, chosen, np.nan),
            "lat": la,
            "lng": lo,
        }
    )
    out["place"] = np.where(valid, labels(out, "zh-CN"), "")
    out["place_en"] = np.where(valid, labels(out, "en"), "")
    return out[list(PLACE_COLUMNS)]


def label(parts: Mapping[str, Any], lang: str = "zh-CN") -> str:
    """The name of one place in ``lang`` from its parts (a row of :func:`name_places`).

    >>> label({"area": "罗家第3网格", "landmark": "青云谱小学", "direction": "E",
    ...        "distance_m": 120.0, "lat": 28.7, "lng": 115.9})
    '罗家第3网格 · 青云谱小学东120米'
    >>> label({"area": "罗家第3网格", "area_en": "Luojia Grid 3", "landmark": "青云谱小学",
    ...        "landmark_en": "Qingyunpu School", "direction": "E", "distance_m": 120.0,
    ...        "lat": 28.7, "lng": 115.9}, "en")
    'Luojia Grid 3 · 120 m E of Qingyunpu School'
    >>> label({"landmark": "青云路", "landmark_kind": "street", "distance_m": 30.0}, "en")
    '30 m off 青云路'
    """
    en = lang == "en"
    area = str((parts.get("area_en") if en else None) or parts.get("area") or "")
    mark = str((parts.get("landmark_en") if en else None) or parts.get("landmark") or "")
    if mark and parts.get("landmark_kind") == "street" and parts.get("distance_m"):
        where = t("place.beside", lang, street=mark, m=f"{float(parts['distance_m']):.0f}")
    elif mark and parts.get("direction"):
        where = t(
            "place.near",
            lang,
            landmark=mark,
            direction=t(f"place.dir.{parts['direction']}", lang),
            m=f"{float(parts['distance_m']):.0f}",
        )
    elif mark:
        where = t("place.at", lang, landmark=mark)
    else:
        where = t(
            "place.latlng", lang, lat=f"{float(parts['lat']):.4f}", lng=f"{float(parts['lng']):.4f}"
        )
    return t("place.in_area", lang, area=area, where=where) if area else where


def labels(parts: pd.DataFrame, lang: str = "zh-CN") -> list[str]:
    """:func:`label` of every row of ``parts`` (the rows shown: one string each)."""
    return [label(r, lang) for r in parts.to_dict("records")]


def place_of(record: Mapping[str, Any], lang: str = "zh-CN") -> str:
    """The name of a stored place (a plan's stop, a briefing row) in ``lang``.

    ``record`` carries ``place`` (zh-CN) and ``place_en`` (:func:`name_places`); a record saved
    before places were named falls back to its ``landmark`` and, without one, its coordinates
    (``lat``, ``lng``) as :func:`label` words them. Never the hexagon id.
    """
    named = record.get("place_en" if lang == "en" else "place") or record.get("place")
    if named:
        return str(named)
    if record.get("landmark"):
        return str(record["landmark"])
    if record.get("lat") is None or record.get("lng") is None:
        return ""
    return label({"lat": record["lat"], "lng": record["lng"]}, lang)
