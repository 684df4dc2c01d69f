"""Road networks as users have them, read into one graph model.

A :class:`RoadGraph` holds nodes (WGS-84 degrees) and directed edges: ``u``, ``v`` (node
numbers), ``length_m`` (metres on the WGS-84 ellipsoid, or a GraphML's own ``length``),
``road_class`` (:data:`CLASSES`), ``speed_kph`` (the file's speed limit, NaN when not given),
``name``, ``oneway`` (True: the road runs this way only; a two-way road is two edges, one per
direction) and ``geometry`` (the WKB of the edge's line when it bends, else None).

Three readers make one:

- :func:`read_lines`: a road-centreline layer as survey and city-management departments supply
  it (a Shapefile, zipped or not, or a GeoPackage layer; read with pyogrio). Multi-lines are
  exploded; lines are split into edges at their ends and at every vertex two lines share (or one
  line passes twice); vertices are matched by rounding their metres (a local metric plane
  around the layer's centre) to :data:`MATCH_M`. The CRS comes from the ``.prj`` (CGCS2000,
  its Gauss-Kruger zones, WGS-84, any EPSG); a layer without one is read as degrees in ``crs``
  (WGS-84 by default, or GCJ-02/BD-09 as other imports take them) and refused when its
  coordinates are not degrees. Attributes are found by their usual names, Chinese, English or
  cut to 10 characters by the DBF format (:data:`FIELDS`). A Shapefile without a ``.cpg`` is
  read as UTF-8 when its text decodes so, else as GB18030 (GBK).
- :func:`read_graphml`: an osmnx GraphML (lxml, no entities, no network): node ``x``/``y``,
  edge ``length``, ``highway``, ``oneway``, ``maxspeed``, ``name``, ``geometry``; an osmnx
  graph is directed (each direction of a street is its own edge), an undirected GraphML gets
  both directions of every edge not marked one-way. A projected graph (graph ``crs``) is
  converted to WGS-84.
- :func:`read_pbf`: an OpenStreetMap ``.osm.pbf`` (pyrosm, every ``highway`` way).

One-way values (:func:`oneway_of`): the 0-4 codes of Chinese survey and navigation data (0 or
1 both ways, 2 one way along the line as digitised, 3 one way against it, 4 closed), used when
a numeric column holds a 2, 3 or 4 or is named for a direction (方向, DIRECTION); otherwise a
numeric 1 means one way along the line (ONEWAY, 单行) and -1 against it; text: yes/no, T/F,
true/false, 是/否, 单行/双行, 双向, 正向/顺向, 逆向/反向, OSM's ``-1``.

Who may use what (:data:`CLASSES`, per network type of :data:`geo.domain.routing.NETWORK_OF_KIND`):
cars (``driving``) keep to one-way rules and stay off footways, pedestrian streets (步行街),
steps, paths and cycleways; e-bikes (``cycling``) keep to one-way rules and stay off motorways
and expressways (高速, 快速路), footways and steps; on foot (``walking``) one-way rules do not
apply and motorways and expressways are closed. An edge's speed is the file's limit when given,
else its class's default (:data:`CLASSES`, km/h); :class:`geo.domain.routing.RoadNetwork`
times an edge at ``length / min(speed of the unit kind, speed of the edge)``.
"""

from __future__ import annotations

import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.domain.coords import normalise_crs_name, to_wgs84
from geo.i18n import t

__all__ = [
    "CLASSES",
    "FIELDS",
    "FILE_KINDS",
    "MATCH_M",
    "NETWORK_TYPES",
    "NetworkFileError",
    "RoadGraph",
    "directed_edges",
    "file_kind",
    "from_bytes",
    "oneway_of",
    "read_graphml",
    "read_lines",
    "read_network",
    "read_pbf",
    "road_class",
    "speed_kph_of",
    "street_lines",
    "summary",
    "to_bytes",
]

MATCH_M = 0.5
"""Vertices of lines whose metres round to the same :data:`MATCH_M` grid point are one node."""

NETWORK_TYPES = ("driving", "cycling", "walking")

# class -> (default speed km/h or None for none, cars, e-bikes, on foot)
CLASSES: dict[str, tuple[float | None, bool, bool, bool]] = {
    "motorway": (100.0, True, False, False),
    "expressway": (80.0, True, False, False),
    "trunk": (60.0, True, True, True),
    "primary": (50.0, True, True, True),
    "secondary": (40.0, True, True, True),
    "tertiary": (30.0, True, True, True),
    "unclassified": (30.0, True, True, True),
    "residential": (25.0, True, True, True),
    "service": (15.0, True, True, True),
    "living_street": (10.0, True, True, True),
    "track": (15.0, True, True, True),
    "cycleway": (None, False, True, True),
    "path": (None, False, True, True),
    "pedestrian": (None, False, False, True),
    "footway": (None, False, False, True),
    "steps": (None, False, False, True),
}
_TYPE_COLUMN = {"driving": 1, "cycling": 2, "walking": 3}

# Chinese and English class names (compared lowercased, spaces dropped); first match wins
_CLASS_WORDS: tuple[tuple[str, str], ...] = (
    ("步行街", "pedestrian"),
    ("人行", "footway"),
    ("步道", "footway"),
    ("步行", "footway"),
    ("台阶", "steps"),
    ("非机动车", "cycleway"),
    ("自行车", "cycleway"),
    ("绿道", "cycleway"),
    ("高速", "motorway"),
    ("快速", "expressway"),
    ("国道", "trunk"),
    ("省道", "primary"),
    ("县道", "secondary"),
    ("乡道", "tertiary"),
    ("村道", "tertiary"),
    ("主干", "primary"),
    ("大道", "primary"),
    ("主路", "primary"),
    ("次干", "secondary"),
    ("辅路", "secondary"),
    ("匝道", "secondary"),
    ("支路", "residential"),
    ("小区", "service"),
    ("内部", "service"),
    ("巷", "service"),
    ("胡同", "service"),
    ("街坊", "service"),
    ("机耕", "track"),
)
_OSM_CLASS = {
    "motorway": "motorway",
    "motorway_link": "motorway",
    "expressway": "expressway",
    "trunk": "trunk",
    "trunk_link": "trunk",
    "primary": "primary",
    "primary_link": "primary",
    "secondary": "secondary",
    "secondary_link": "secondary",
    "tertiary": "tertiary",
    "tertiary_link": "tertiary",
    "unclassified": "unclassified",
    "road": "unclassified",
    "residential": "residential",
    "service": "service",
    "services": "service",
    "living_street": "living_street",
    "track": "track",
    "cycleway": "cycleway",
    "path": "path",
    "bridleway": "path",
    "pedestrian": "pedestrian",
    "footway": "footway",
    "sidewalk": "footway",
    "corridor": "footway",
    "steps": "steps",
}

# field -> names it goes by (lowercase; a DBF cuts names to 10 characters)
FIELDS: dict[str, tuple[str, ...]] = {
    "name": (
        "道路名称",
        "路名",
        "道路名",
        "街道名称",
        "名称",
        "name",
        "roadname",
        "road_name",
        "rd_name",
        "rdname",
        "streetname",
        "street",
        "name_chn",
        "name_cn",
    ),
    "road_class": (
        "道路等级",
        "道路类别",
        "道路类型",
        "道路级别",
        "等级",
        "rdclass",
        "rd_class",
        "roadclass",
        "road_class",
        "fclass",
        "class",
        "highway",
        "kind",
        "roadtype",
        "road_type",
        "grade",
    ),
    "oneway": (
        "单行",
        "单行线",
        "是否单行",
        "通行方向",
        "方向",
        "oneway",
        "one_way",
        "direction",
        "dir",
    ),
    "speed": (
        "限速",
        "最高限速",
        "设计速度",
        "设计时速",
        "速度",
        "maxspeed",
        "max_speed",
        "speedlimit",
        "speed_limit",
        "speed",
        "spd_limit",
        "spdlimit",
    ),
}
_DIRECTION_NAMES = ("通行方向", "方向", "direction", "dir")

FILE_KINDS = {
    ".shp": "shapefile",
    ".zip": "shapefile",
    ".gpkg": "geopackage",
    ".graphml": "graphml",
    ".pbf": "pbf",
}
_LINES = ("LineString", "MultiLineString")
_GEOD = pyproj.Geod(ellps="WGS84")


class NetworkFileError(ValueError):
    """A road network file that cannot be read: ``str()`` in English, :meth:`text` in a language.

    ``key`` names the reason (``net.err.<key>`` of the strings), ``params`` fill it in.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The reason in ``lang`` (zh-CN or en), naming the file."""
        return t(f"net.err.{self.key}", lang, **self.params)


@dataclass(frozen=True)
class RoadGraph:
    """Nodes (``lat``, ``lng``; node number = row) and directed edges (see the module doc).

    ``source``: what was read (``file``, ``kind``, ``crs``, ``layer``).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    source: dict[str, Any] = field(default_factory=dict)


_EDGE_COLUMNS = ("u", "v", "length_m", "road_class", "speed_kph", "name", "oneway", "geometry")


# --------------------------------------------------------------------------------------------
# attribute values


def _norm(text: object) -> str:
    return re.sub(r"[\s\-]+", "", str(text)).strip().lower()


def road_class(value: object) -> str:
    """The class (:data:`CLASSES`) of a road class as a file writes it; ``unclassified`` else.

    >>> road_class("城市主干路"), road_class("motorway_link"), road_class("['residential', 'x']")
    ('primary', 'motorway', 'residential')
    >>> road_class("步行街"), road_class(None)
    ('pedestrian', 'unclassified')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unclassified"
    text = str(value).strip()
    if text.startswith("["):  # osmnx writes a list when merged ways differ: the first counts
        first = re.findall(r"'([^']*)'|\"([^\"]*)\"", text)
        text = next((a or b for a, b in first), text)
    key = _norm(text).replace("-", "_")
    if key in _OSM_CLASS:
        return _OSM_CLASS[key]
    for word, cls in _CLASS_WORDS:
        if word in key:
            return cls
    return "unclassified"


def speed_kph_of(value: object) -> float:
    """A speed limit in km/h from ``50``, ``"50 km/h"``, ``"30 mph"``, ``"['40', '50']"``.

    NaN for none, zero or unreadable (the class default applies).

    >>> speed_kph_of("30 mph"), speed_kph_of("['40', '50']"), speed_kph_of(0)
    (48.28, 40.0, nan)
    """
    if value is None:
        return math.nan
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return v if math.isfinite(v) and v > 0 else math.nan
    text = str(value).strip().lower()
    m = re.search(r"\d+(?:\.\d+)?", text)
    if not m:
        return math.nan
    v = float(m.group())
    if "mph" in text:
        v = round(v * 1.609344, 2)
    return v if v > 0 else math.nan


_FORWARD = {"yes", "y", "true", "t", "1", "是", "单行", "单向", "正向", "顺向", "forward", "ft"}
_BACKWARD = {"-1", "逆向", "反向", "backward", "reverse", "tf", "逆行"}
_BOTH = {"no", "n", "false", "f", "0", "否", "双向", "双行", "both", "b", "", "nan", "none"}


def oneway_of(values: pd.Series, *, direction: bool = False) -> np.ndarray:
    """Direction codes of a one-way column: 0 both ways, 1 along the line, -1 against, 9 closed.

    ``direction``: the column is named for a direction (方向, DIRECTION), so numbers are read
    as survey codes (0/1 both, 2 along, 3 against, 4 closed) even when only 0 and 1 occur;
    numbers are read so too when any is 2, 3 or 4. See the module docstring.

    >>> oneway_of(pd.Series([1, 2, 3, 4])).tolist()
    [0, 1, -1, 9]
    >>> oneway_of(pd.Series([0, 1, -1])).tolist()
    [0, 1, -1]
    >>> oneway_of(pd.Series(["双向", "正向", "逆向", "T", "no", None])).tolist()
    [0, 1, -1, 1, 0, 0]
    """
    num = pd.to_numeric(values, errors="coerce")
    text = values.astype("string").fillna("").str.strip().str.lower()
    text = text.str.replace(r"\.0+$", "", regex=True)
    out = np.zeros(len(values), np.int8)
    numeric = num.notna().to_numpy()
    codes = num.to_numpy(float)
    survey = direction or bool(np.isin(codes[numeric], [2, 3, 4]).any())
    if survey:
        out[numeric & (codes == 2)] = 1
        out[numeric & (codes == 3)] = -1
        out[numeric & (codes == 4)] = 9
        out[numeric & (codes == -1)] = -1
    else:
        out[numeric & (codes == 1)] = 1
        out[numeric & (codes == -1)] = -1
    words = text.to_numpy(object)
    for i in np.flatnonzero(~numeric):
        w = str(words[i])
        out[i] = 1 if w in _FORWARD else -1 if w in _BACKWARD else 0
    return out


def _find_columns(columns: Iterable[str]) -> dict[str, str]:
    """Field -> the layer's column for it (exact names first, then DBF-cut prefixes)."""
    cols = [str(c) for c in columns if str(c).lower() != "geometry"]
    low = {c: c.strip().lower() for c in cols}
    found: dict[str, str] = {}
    for fld, names in FIELDS.items():
        for name in names:
            hit = next((c for c in cols if low[c] == name and c not in found.values()), None)
            if hit is None:  # a DBF keeps 10 characters of a longer name
                hit = next(
                    (
                        c
                        for c in cols
                        if len(low[c]) == 10 and len(name) > 10 and name.startswith(low[c])
                    ),
                    None,
                )
            if hit is not None:
                found[fld] = hit
                break
    return found


# --------------------------------------------------------------------------------------------
# the graph from lines


def _metric(lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Metres east and north of the points' centre (local plane; for matching vertices)."""
    lat0 = float(np.nanmean(lat)) if lat.size else 0.0
    lng0 = float(np.nanmean(lng)) if lng.size else 0.0
    return (lng - lng0) * 111_320.0 * math.cos(math.radians(lat0)), (lat - lat0) * 110_574.0


def _graph_of_lines(
    coords: np.ndarray,
    line_of: np.ndarray,
    attrs: pd.DataFrame,
    oneway: np.ndarray,
    source: dict[str, Any],
) -> RoadGraph:
    """Split lines into edges at their ends and shared vertices.

    ``coords``: vertices (lng, lat) in line order, ``line_of`` each one's line; ``attrs``
    (name, road_class, speed_kph) and ``oneway`` (codes of :func:`oneway_of`) per line.
    """
    n = len(coords)
    x, y = _metric(coords[:, 0], coords[:, 1])
    key = np.column_stack([np.round(x / MATCH_M), np.round(y / MATCH_M)]).astype(np.int64)
    _, vid, count = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    vid = vid.ravel()
    start = np.r_[True, line_of[1:] != line_of[:-1]]
    end = np.r_[line_of[1:] != line_of[:-1], True]
    is_node = start | end | (count[vid] >= 2)
    seg = np.zeros(n)
    same = ~end[:-1]
    _, _, d = _GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    seg[1:] = np.where(same, d, 0.0)
    cum = np.cumsum(seg)
    at = np.flatnonzero(is_node)
    pair = line_of[at[:-1]] == line_of[at[1:]]
    a, b = at[:-1][pair], at[1:][pair]
    line = line_of[a]
    length = cum[b] - cum[a]
    u, v = vid[a], vid[b]
    keep = (u != v) & (oneway[line] != 9)
    a, b, line, length, u, v = a[keep], b[keep], line[keep], length[keep], u[keep], v[keep]
    geom: list[bytes | None] = [None] * len(a)
    bent = np.flatnonzero(b - a > 1)
    if bent.size:
        sizes = b[bent] - a[bent] + 1
        idx = np.repeat(a[bent], sizes) + (
            np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        )
        lines = shapely.linestrings(coords[idx], indices=np.repeat(np.arange(bent.size), sizes))
        for i, w in zip(bent, shapely.to_wkb(lines), strict=True):
            geom[i] = bytes(w)
    ow = oneway[line]
    fwd = ow != -1
    bwd = ow != 1
    rev_geom = [None if g is None else _reverse_wkb(g) for g in geom]
    uid, node_no = np.unique(np.r_[u, v], return_inverse=True)
    node_no = node_no.ravel()
    uu, vv = node_no[: len(u)], node_no[len(u) :]
    first = np.zeros(int(vid.max()) + 1, np.int64)
    first[vid[::-1]] = np.arange(n)[::-1]  # the first vertex of each key
    sel = first[uid]
    nodes = pd.DataFrame({"lat": coords[sel, 1], "lng": coords[sel, 0]})
    parts = []
    for mask, su, sv, g in ((fwd, uu, vv, geom), (bwd, vv, uu, rev_geom)):
        parts.append(
            pd.DataFrame(
                {
                    "u": su[mask],
                    "v": sv[mask],
                    "length_m": length[mask],
                    "road_class": attrs["road_class"].to_numpy(object)[line[mask]],
                    "speed_kph": attrs["speed_kph"].to_numpy(float)[line[mask]],
                    "name": attrs["name"].to_numpy(object)[line[mask]],
                    "oneway": ow[mask] != 0,
                    "geometry": [g[i] for i in np.flatnonzero(mask)],
                }
            )
        )
    edges = pd.concat(parts, ignore_index=True)
    return RoadGraph(nodes=nodes, edges=_tidy_edges(edges), source=source)


def _reverse_wkb(wkb: bytes) -> bytes:
    return bytes(shapely.to_wkb(shapely.reverse(shapely.from_wkb(wkb))))


def _tidy_edges(edges: pd.DataFrame) -> pd.DataFrame:
    out = edges.copy()
    out["u"] = out["u"].astype(np.int64)
    out["v"] = out["v"].astype(np.int64)
    out["length_m"] = out["length_m"].astype(float)
    out["speed_kph"] = out["speed_kph"].astype(float)
    out["oneway"] = out["oneway"].astype(bool)
    out["road_class"] = out["road_class"].astype(str)
    out["name"] = out["name"].map(lambda s: "" if s is None or s != s else str(s).strip())
    return out[list(_EDGE_COLUMNS)].reset_index(drop=True)


def _attrs_of(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, np.ndarray, dict[str, str]]:
    """(name, road_class, speed_kph) and one-way codes per row, and the columns used."""
    cols = _find_columns(frame.columns)
    n = len(frame)
    attrs = pd.DataFrame(
        {
            "name": frame[cols["name"]].to_numpy(object) if "name" in cols else [""] * n,
            "road_class": frame[cols["road_class"]].map(road_class).to_numpy(object)
            if "road_class" in cols
            else ["unclassified"] * n,
            "speed_kph": frame[cols["speed"]].map(speed_kph_of).to_numpy(float)
            if "speed" in cols
            else np.full(n, np.nan),
        }
    )
    if "oneway" in cols:
        direction = cols["oneway"].strip().lower() in _DIRECTION_NAMES
        oneway = oneway_of(frame[cols["oneway"]].reset_index(drop=True), direction=direction)
    else:
        oneway = np.zeros(n, np.int8)
    return attrs, oneway, cols


def _dbf_encoding(dbf: bytes) -> str:
    """UTF-8 when the DBF's records decode so, else GB18030 (GBK)."""
    if len(dbf) < 32:
        return "UTF-8"
    header = int.from_bytes(dbf[8:10], "little")
    try:
        dbf[header:].decode("utf-8")
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


def _shapefile_target(path: Path, name: str) -> tuple[str, str | None]:
    """(GDAL path, encoding to read with or None for the .cpg's) of a Shapefile or its zip."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
            shp = [m for m in members if m.lower().endswith(".shp")]
            if not shp:
                raise NetworkFileError("zip_no_shp", file=name)
            stem = shp[0][:-4]
            cpg = [m for m in members if m.lower() == f"{stem}.cpg".lower()]
            dbf = [m for m in members if m.lower() == f"{stem}.dbf".lower()]
            enc = None if cpg or not dbf else _dbf_encoding(zf.read(dbf[0]))
        return f"/vsizip/{path}/{shp[0]}", enc
    beside = list(path.parent.glob(path.stem + ".*"))
    has_cpg = any(p.suffix.lower() == ".cpg" for p in beside)
    dbfs = [p for p in beside if p.suffix.lower() == ".dbf"]
    enc = None if has_cpg or not dbfs else _dbf_encoding(dbfs[0].read_bytes())
    return str(path), enc


def read_lines(
    path: str | Path, *, name: str | None = None, crs: str = "wgs84", layer: str | None = None
) -> RoadGraph:
    """A road-centreline line layer (Shapefile ``.shp``/``.zip`` or GeoPackage) as a graph.

    See the module docstring. ``crs``: what degrees without a ``.prj`` (or in a geographic
    CRS) are in: ``wgs84``, ``gcj02`` or ``bd09``. A zip must have passed the caller's checks
    (:func:`geo.ingest.files.check_zip`). Raises :class:`NetworkFileError`.
    """
    # pyogrio loads GDAL: only when a road-centreline layer is read
    import pyogrio

    path = Path(path)
    name = name or path.name
    enc: str | None = None
    target = str(path)
    try:
        if path.suffix.lower() in (".shp", ".zip"):
            target, enc = _shapefile_target(path, name)
        layers = pyogrio.list_layers(target)
    except NetworkFileError:
        raise
    except Exception as e:  # GDAL's DataSourceError family
        raise NetworkFileError("unreadable", file=name, reason=str(e).splitlines()[0]) from None
    names = [str(r[0]) for r in layers]
    kinds = {str(r[0]): str(r[1]) for r in layers}
    if layer is not None and layer not in names:
        raise NetworkFileError("layer_unknown", file=name, layer=layer, layers=", ".join(names))
    if layer is None and len(names) > 1:
        lines = [n for n in names if "line" in kinds[n].lower()]
        if len(lines) != 1:
            raise NetworkFileError("layers", file=name, layers=", ".join(names))
        layer = lines[0]
    try:
        kw: dict[str, Any] = {"layer": layer}
        if enc is not None:
            kw["encoding"] = enc
        gdf = pyogrio.read_dataframe(target, **kw)
    except Exception as e:  # GDAL's DataSourceError family
        raise NetworkFileError("unreadable", file=name, reason=str(e).splitlines()[0]) from None
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object) if len(gdf) else np.array([])
    types = pd.Series(shapely.get_type_id(geoms) if len(geoms) else [], dtype=int)
    is_line = types.isin([1, 5]).to_numpy()
    if not is_line.any():
        found = sorted({str(g.geom_type) for g in geoms if g is not None})
        raise NetworkFileError("no_lines", file=name, types=", ".join(found) or "-")
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).loc[is_line].reset_index(drop=True)
    parts, index = shapely.get_parts(geoms[is_line], return_index=True)
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    row_of_part = index
    bounds = (coords[:, 0].min(), coords[:, 1].min(), coords[:, 0].max(), coords[:, 1].max())
    file_crs = gdf.crs
    degrees = -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90
    if file_crs is None:
        if not degrees:
            raise NetworkFileError("no_crs", file=name)
        lng, lat = to_wgs84(coords[:, 0], coords[:, 1], crs)
        used = normalise_crs_name(crs)
    else:
        pcrs = pyproj.CRS.from_user_input(file_crs)
        if pcrs.is_geographic and normalise_crs_name(crs) in ("gcj02", "bd09"):
            lng, lat = to_wgs84(coords[:, 0], coords[:, 1], crs)
            used = normalise_crs_name(crs)
        else:
            lng, lat = to_wgs84(coords[:, 0], coords[:, 1], pcrs)
            epsg = pcrs.to_epsg()
            used = f"EPSG:{epsg}" if epsg else pcrs.name
    attrs, oneway, cols = _attrs_of(frame, name)
    # one line per part: the part's row attributes
    per_part = attrs.iloc[row_of_part].reset_index(drop=True)
    source = {
        "file": name,
        "kind": FILE_KINDS.get(path.suffix.lower(), "shapefile"),
        "crs": used,
        "layer": layer,
        "columns": cols,
    }
    return _graph_of_lines(
        np.column_stack([lng, lat]), line_of, per_part, oneway[row_of_part], source
    )


# --------------------------------------------------------------------------------------------
# osmnx GraphML


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in ("true", "yes", "1", "t", "y")


def read_graphml(path: str | Path, *, name: str | None = None) -> RoadGraph:
    """An osmnx GraphML as a graph (see the module docstring). Raises :class:`NetworkFileError`."""
    from lxml import etree  # lxml: only when a GraphML is read

    path = Path(path)
    name = name or path.name
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, OSError) as e:
        raise NetworkFileError("unreadable", file=name, reason=str(e).splitlines()[0]) from None
    ns = {"g": root.nsmap.get(None, "http://graphml.graphdrawing.org/xmlns")}
    keys = {k.get("id"): (k.get("for"), k.get("attr.name")) for k in root.iterfind("g:key", ns)}
    graph = root.find("g:graph", ns)
    if graph is None:
        raise NetworkFileError("no_graph", file=name)
    directed = graph.get("edgedefault", "directed") == "directed"

    def data(el: Any) -> dict[str, str]:
        return {
            keys.get(d.get("key"), (None, d.get("key")))[1]: (d.text or "")
            for d in el.iterfind("g:data", ns)
        }

    gdata = data(graph)
    ids: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    for nd in graph.iterfind("g:node", ns):
        d = data(nd)
        try:
            xs.append(float(d["x"]))
            ys.append(float(d["y"]))
        except (KeyError, ValueError):
            raise NetworkFileError("no_coords", file=name, node=nd.get("id")) from None
        ids.append(str(nd.get("id")))
    rows = []
    for ed in graph.iterfind("g:edge", ns):
        d = data(ed)
        d["_u"], d["_v"] = str(ed.get("source")), str(ed.get("target"))
        rows.append(d)
    if not ids or not rows:
        raise NetworkFileError("no_edges", file=name)
    x, y = np.asarray(xs), np.asarray(ys)
    crs = gdata.get("crs", "").strip()
    if crs and not pyproj.CRS.from_user_input(crs).is_geographic:
        x, y = to_wgs84(x, y, pyproj.CRS.from_user_input(crs))
    nodes = pd.DataFrame({"lat": y, "lng": x})
    number = {s: i for i, s in enumerate(ids)}
    ef = pd.DataFrame(rows)
    unknown = ~ef["_u"].isin(number) | ~ef["_v"].isin(number)
    if unknown.any():
        raise NetworkFileError("bad_edge", file=name, node=str(ef.loc[unknown, "_u"].iloc[0]))
    u = ef["_u"].map(number).to_numpy(np.int64)
    v = ef["_v"].map(number).to_numpy(np.int64)
    col = {c: ef[c] if c in ef else pd.Series([None] * len(ef)) for c in FIELDS_GRAPHML}
    length = pd.to_numeric(col["length"], errors="coerce").to_numpy(float)
    miss = ~np.isfinite(length)
    if miss.any():
        _, _, d = _GEOD.inv(x[u[miss]], y[u[miss]], x[v[miss]], y[v[miss]])
        length[miss] = d
    oneway = col["oneway"].map(_truthy).to_numpy(bool)
    geom = [
        bytes(shapely.to_wkb(shapely.from_wkt(g))) if isinstance(g, str) and g.strip() else None
        for g in col["geometry"]
    ]
    edges = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "length_m": length,
            "road_class": col["highway"].map(road_class),
            "speed_kph": col["maxspeed"].map(speed_kph_of),
            "name": col["name"].map(_first_name),
            "oneway": oneway,
            "geometry": geom,
        }
    )
    if not directed:
        back = edges.loc[~edges["oneway"]].rename(columns={"u": "v", "v": "u"})
        back["geometry"] = [None if g is None else _reverse_wkb(g) for g in back["geometry"]]
        edges = pd.concat([edges, back], ignore_index=True)
    edges = edges.loc[edges["u"] != edges["v"]]
    source = {"file": name, "kind": "graphml", "crs": crs or "EPSG:4326", "layer": None}
    return RoadGraph(nodes=nodes, edges=_tidy_edges(edges), source=source)


FIELDS_GRAPHML = ("length", "highway", "oneway", "maxspeed", "name", "geometry")


def _first_name(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    if text.startswith("["):
        got = re.findall(r"'([^']*)'|\"([^\"]*)\"", text)
        return next((a or b for a, b in got), "")
    return text


# --------------------------------------------------------------------------------------------
# OpenStreetMap .pbf


def read_pbf(
    path: str | Path, *, name: str | None = None, bbox: Iterable[float] | None = None
) -> RoadGraph:
    """Every ``highway`` way of an ``.osm.pbf`` (pyrosm) as a graph.

    Raises :class:`NetworkFileError`.
    """
    # pyrosm (and the geopandas stack under it) loads only when an OSM extract is read
    from pyrosm import OSM

    path = Path(path)
    name = name or path.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyrosm/geopandas deprecation chatter
            osm = OSM(str(path), bounding_box=None if bbox is None else list(bbox))
            got = osm.get_network(network_type="all", nodes=True)
    except Exception as e:  # pyrosm raises plain exceptions for a bad file
        raise NetworkFileError("unreadable", file=name, reason=str(e).splitlines()[0]) from None
    if got is None or got[0] is None or len(got[1]) == 0:
        raise NetworkFileError("no_edges", file=name)
    nodes_f, edges_f = got
    ids = nodes_f["id"].to_numpy(np.int64)
    order = np.argsort(ids)
    ids = ids[order]
    nodes = pd.DataFrame(
        {
            "lat": nodes_f["lat"].to_numpy(float)[order],
            "lng": nodes_f["lon"].to_numpy(float)[order],
        }
    )
    u = np.searchsorted(ids, edges_f["u"].to_numpy(np.int64))
    v = np.searchsorted(ids, edges_f["v"].to_numpy(np.int64))

    def column(c: str) -> pd.Series:
        return edges_f[c].reset_index(drop=True) if c in edges_f else pd.Series([None] * len(u))

    ow = oneway_of(column("oneway").astype("string").fillna("no"))
    base = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "length_m": edges_f["length"].to_numpy(float),
            "road_class": column("highway").map(road_class),
            "speed_kph": column("maxspeed").map(speed_kph_of),
            "name": column("name"),
            "geometry": [None] * len(u),
        }
    )
    fwd = base.loc[ow != -1].assign(oneway=ow[ow != -1] != 0)
    bwd = base.loc[ow != 1].rename(columns={"u": "v", "v": "u"}).assign(oneway=ow[ow != 1] != 0)
    edges = pd.concat([fwd, bwd], ignore_index=True)
    edges = edges.loc[edges["u"] != edges["v"]]
    source = {"file": name, "kind": "pbf", "crs": "EPSG:4326", "layer": None}
    return RoadGraph(nodes=nodes, edges=_tidy_edges(edges), source=source)


# --------------------------------------------------------------------------------------------
# one entry, summaries, storage


def file_kind(name: str) -> str:
    """``shapefile``, ``geopackage``, ``graphml`` or ``pbf`` by the file name's suffix.

    >>> file_kind("roads.zip"), file_kind("city.osm.pbf")
    ('shapefile', 'pbf')
    """
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_KINDS:
        raise NetworkFileError("kind", file=name, kinds=", ".join(FILE_KINDS))
    return FILE_KINDS[suffix]


def read_network(
    path: str | Path,
    *,
    name: str | None = None,
    crs: str = "wgs84",
    layer: str | None = None,
) -> RoadGraph:
    """Read any supported road network file (:data:`FILE_KINDS`) as a :class:`RoadGraph`."""
    path = Path(path)
    name = name or path.name
    kind = file_kind(name)
    if not path.exists():
        raise NetworkFileError("missing", file=name)
    if kind == "graphml":
        g = read_graphml(path, name=name)
    elif kind == "pbf":
        g = read_pbf(path, name=name)
    else:
        g = read_lines(path, name=name, crs=crs, layer=layer)
    if g.edges.empty:
        raise NetworkFileError("no_edges", file=name)
    return g


def directed_edges(
    g: RoadGraph, network_type: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(from, to, metres, speed cap m/s; inf for none) of the edges ``network_type`` may use.

    ``walking`` adds the way back of every one-way edge.
    """
    if network_type not in _TYPE_COLUMN:
        msg = f"unknown network type {network_type!r}: use {', '.join(NETWORK_TYPES)}"
        raise ValueError(msg)
    e = g.edges
    col = _TYPE_COLUMN[network_type]
    allowed = {c: row[col] for c, row in CLASSES.items()}
    ok = e["road_class"].map(lambda c: allowed.get(c, True)).to_numpy(bool)
    default = e["road_class"].map(lambda c: CLASSES.get(c, (30.0,))[0]).astype(float)
    speed = e["speed_kph"].to_numpy(float)
    speed = np.where(np.isfinite(speed), speed, default.to_numpy(float))
    cap = np.where(np.isfinite(speed) & (speed > 0), speed / 3.6, np.inf)
    u, v = e["u"].to_numpy(np.int64)[ok], e["v"].to_numpy(np.int64)[ok]
    m, c = e["length_m"].to_numpy(float)[ok], cap[ok]
    if network_type == "walking":
        one = e["oneway"].to_numpy(bool)[ok]
        u, v = np.r_[u, v[one]], np.r_[v, u[one]]
        m, c = np.r_[m, m[one]], np.r_[c, c[one]]
    return u, v, m, c


def street_lines(g: RoadGraph) -> pd.DataFrame:
    """One line per road (both directions of a street once): name, road_class, geometry.

    Geometry: shapely linestrings in WGS-84 (lng, lat).
    """
    e = g.edges
    a = np.minimum(e["u"].to_numpy(), e["v"].to_numpy())
    b = np.maximum(e["u"].to_numpy(), e["v"].to_numpy())
    first = ~pd.DataFrame({"a": a, "b": b, "n": e["name"]}).duplicated().to_numpy()
    e = e.loc[first]
    lat, lng = g.nodes["lat"].to_numpy(float), g.nodes["lng"].to_numpy(float)
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    straight = shapely.linestrings(
        np.stack([np.column_stack([lng[u], lat[u]]), np.column_stack([lng[v], lat[v]])], axis=1)
    )
    bent = e["geometry"].to_numpy(object)
    geoms = np.array(
        [shapely.from_wkb(w) if w is not None else s for w, s in zip(bent, straight, strict=True)],
        dtype=object,
    )
    return pd.DataFrame(
        {"name": e["name"].to_numpy(object), "road_class": e["road_class"].to_numpy(object)}
    ).assign(geometry=geoms)


def summary(g: RoadGraph) -> dict[str, Any]:
    """Counts of a graph.

    Nodes, edges (directed), roads (a two-way street once), km of roads, km per class, one-way
    roads, named edges, bounding box ``[min_lng, min_lat, max_lng, max_lat]``.
    """
    e = g.edges
    two = ~e["oneway"].to_numpy(bool)
    # a two-way road is two edges: half of each counts
    weight = np.where(two, 0.5, 1.0)
    km = e["length_m"].to_numpy(float) * weight / 1000.0
    by_class = (
        pd.Series(km, index=e["road_class"].to_numpy()).groupby(level=0).sum().round(2).to_dict()
    )
    lat, lng = g.nodes["lat"].to_numpy(float), g.nodes["lng"].to_numpy(float)
    return {
        "nodes": len(g.nodes),
        "edges": len(e),
        "roads": round(float(weight.sum())),
        "km": round(float(km.sum()), 2),
        "classes": {str(k): float(v) for k, v in sorted(by_class.items(), key=lambda kv: -kv[1])},
        "oneway": int((~two).sum()),
        "named": int((e["name"].astype(str).str.len() > 0).sum()),
        "bbox": [float(lng.min()), float(lat.min()), float(lng.max()), float(lat.max())]
        if len(lat)
        else None,
    }


def to_bytes(g: RoadGraph) -> tuple[bytes, bytes]:
    """The nodes and edges as two compressed Parquet files (bytes)."""
    out = []
    for frame in (g.nodes[["lat", "lng"]], g.edges[list(_EDGE_COLUMNS)]):
        buf = BytesIO()
        frame.to_parquet(buf, index=False, compression="zstd")
        out.append(buf.getvalue())
    return out[0], out[1]


def from_bytes(nodes: bytes, edges: bytes, source: Mapping[str, Any] | None = None) -> RoadGraph:
    """A graph back from :func:`to_bytes`."""
    n = pd.read_parquet(BytesIO(nodes))
    e = pd.read_parquet(BytesIO(edges))
    e["geometry"] = [None if g is None else bytes(g) for g in e["geometry"]]
    return RoadGraph(nodes=n, edges=_tidy_edges(e), source=dict(source or {}))
