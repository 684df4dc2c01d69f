"""Places by name: the grid a point lies in and the nearest named landmark, with its direction.

A commander hands out "罗家第3网格 · 青云谱小学东120米", not a hexagon id. For each point (a cell's
centre, a stop, an alert):

- the **area** is the grid (网格) whose polygon holds the point; where no grid does, the station
  (辖区), then any other area; none outside every area;
- the **landmark** is the nearest named key site, venue (and, when the caller has them, a street
  or a crossing) within :data:`NEAR_M` metres; its **direction** is the compass point (of eight)
  of the azimuth from the landmark to the point, its **distance** is rounded to 10 m under
  200 m and to 50 m from 200 m on (:func:`round_distance_m`, halves up);
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
a small fraction of a degree of the ellipsoid's): nearest landmarks by a KD-tree, nearest streets
by an STR-tree; grids by an STR-tree of their polygons in degrees (as every area test of the
project). Vectorised; only the final text is
written row by row, for the rows shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import ArrayLike
from scipy.spatial import cKDTree

from geo.i18n import t

__all__ = [
    "AT_M",
    "COMPASS",
    "NEAR_M",
    "PLACE_COLUMNS",
    "compass_point",
    "label",
    "labels",
    "name_places",
    "place_of",
    "round_distance_m",
]

NEAR_M = 1000.0
"""A landmark farther than this many metres does not name a point (its coordinates do)."""
AT_M = 15.0
"""A point closer than this many metres to its landmark is at the landmark."""
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


def name_places(
    lat: ArrayLike,
    lng: ArrayLike,
    *,
    areas: pd.DataFrame | None = None,
    landmarks: pd.DataFrame | None = None,
    streets: pd.DataFrame | None = None,
    near_m: float = NEAR_M,
    at_m: float = AT_M,
) -> pd.DataFrame:
    """Name points by their area and nearest landmark (see the module docstring).

    Parameters
    ----------
    lat, lng
        Points in WGS-84 degrees (cell centres, stops).
    areas
        ``name``, ``geometry`` (shapely or WKT, WGS-84), optional ``level`` (``grid`` names a
        point before ``station``) and ``name_en``.
    landmarks
        Named points: ``name``, ``lat``, ``lng``, optional ``kind`` (site, venue, crossing...)
        and ``name_en``. Among landmarks at the same distance the first row names the point.
    streets
        Named lines (a road network's streets): ``name``, ``geometry`` (shapely or WKT
        linestrings, WGS-84), optional ``name_en``; the distance is to the nearest point of the
        line. A street names a point only when it is nearer than every point landmark.
    near_m, at_m
        Metres within which a landmark names a point, and under which the point is at it.

    Returns
    -------
    DataFrame of :data:`PLACE_COLUMNS`, one row per point in order: ``area``/``area_en`` (""
    outside every area), ``landmark``/``landmark_en``/``landmark_kind`` ("" without one),
    ``direction`` (a :data:`COMPASS` code from the landmark to the point; "" at or without a
    landmark), ``distance_m`` (rounded, :func:`round_distance_m`; 0 at the landmark, NaN
    without one), ``metres`` (unrounded), ``lat``, ``lng``, and the names ``place`` (zh-CN)
    and ``place_en`` (:func:`label`; "" for a point without coordinates).
    """
    la = np.atleast_1d(np.asarray(lat, dtype=float))
    lo = np.atleast_1d(np.asarray(lng, dtype=float))
    n = len(la)
    marks, lines, zones = _named(landmarks), _named(streets), _named(areas)
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

    def fwd(xy: np.ndarray) -> np.ndarray:
        x, y = to_m.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    valid = np.isfinite(la) & np.isfinite(lo)  # a point without coordinates has no name
    px, py = to_m.transform(np.where(valid, lo, lng0), np.where(valid, la, lat0))
    px, py = np.asarray(px, float), np.asarray(py, float)

    dist = np.full(n, np.inf)
    name = np.full(n, "", dtype=object)
    name_en = np.full(n, "", dtype=object)
    kind = np.full(n, "", dtype=object)
    fx, fy = np.full(n, np.nan), np.full(n, np.nan)  # the landmark's point nearest to each point
    if len(marks) and n:
        mx, my = to_m.transform(marks["lng"].to_numpy(float), marks["lat"].to_numpy(float))
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
        dist[hit] = np.hypot(px[hit] - mx[jj], py[hit] - my[jj])
        name[hit] = marks["name"].astype(str).to_numpy(object)[jj]
        name_en[hit] = _english(marks)[jj]
        kinds = marks["kind"].astype(str) if "kind" in marks else pd.Series("", index=marks.index)
        kind[hit] = kinds.to_numpy(object)[jj]
        fx[hit], fy[hit] = np.asarray(mx)[jj], np.asarray(my)[jj]
    if len(lines) and n:
        geoms = shapely.transform(_geoms(lines["geometry"]), fwd)
        pts = shapely.points(px, py)
        (i, j), d = shapely.STRtree(geoms).query_nearest(
            pts, max_distance=near_m, return_distance=True, all_matches=False
        )
        closer = d < dist[i]
        i, j = i[closer], j[closer]
        foot = shapely.line_interpolate_point(geoms[j], shapely.line_locate_point(geoms[j], pts[i]))
        dist[i] = d[closer]
        name[i] = lines["name"].astype(str).to_numpy(object)[j]
        name_en[i] = _english(lines)[j]
        kind[i] = "street"
        fx[i], fy[i] = shapely.get_x(foot), shapely.get_y(foot)
    near = (dist <= near_m) & valid
    name[~near], name_en[~near], kind[~near] = "", "", ""
    azimuth = np.degrees(np.arctan2(px - fx, py - fy))  # from the landmark to the point
    at = near & (dist < at_m)
    direction = np.where(near & ~at, compass_point(np.nan_to_num(azimuth)), "").astype(object)
    rounded = np.where(near, np.where(at, 0.0, round_distance_m(dist)), np.nan)

    zone = _areas_of(np.where(valid, lo, lng0), np.where(valid, la, lat0), zones)
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
            "metres": np.where(near, dist, np.nan),
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
    """
    en = lang == "en"
    area = str((parts.get("area_en") if en else None) or parts.get("area") or "")
    mark = str((parts.get("landmark_en") if en else None) or parts.get("landmark") or "")
    if mark and parts.get("direction"):
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
