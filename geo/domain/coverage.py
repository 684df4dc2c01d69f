"""Coverage: GPS pings -> segments -> dwell seconds per cell and hour; stops (patrol dosage).

Conventions (DESIGN.md, "Coverage")
-----------------------------------
* Consecutive pings of one shift (sorted by ``shift_id``, ``ts``) form a *segment*. A segment is
  *broken* (not joined) when its time gap exceeds :data:`MAX_GAP_S` (reason ``"gap"``) or its speed
  exceeds :data:`MAX_SPEED_KPH` (reason ``"jump"``: a GPS teleport). Broken segments carry no dwell.
  Pings without coordinates or time are dropped first. Two fixes with the same time and different
  places are a jump; with the same place they join with zero seconds.
* A joined segment's seconds are split over the cells that its straight path crosses, at each
  resolution by that resolution's own cells (H3 children do not tile their parent, so a coarser
  cell's dwell is never the sum of finer cells), in proportion to the length inside each cell
  (:func:`split_dwell`). The split is exact up to floating point: H3 cells are convex, so a
  segment whose two ends lie in one cell stays in it, and a segment that changes cell is walked
  from cell to cell, intersecting it with the edges of the h3 cell polygon and stepping to the
  neighbour across the exit edge. Fractions along a segment are
  affine invariant, so the walk runs in lng/lat degrees; it agrees with a metric CRS to ~1e-5.
* Seconds are placed in the local date and hour (in ``tz``) of the fix they surround: the seconds a
  unit spends in a fix's cell on the segments just before and after that fix go to the fix's hour,
  and the pieces in cells strictly between two fixes go to the hour of the piece's midpoint. A
  segment lasts at most :data:`MAX_GAP_S`, so this moves at most a few minutes of dwell across an
  hour boundary.
* A stop is a run of consecutive joined segments each slower than :data:`STOP_MAX_SPEED_MS`
  lasting at least :data:`STOP_MIN_S` in total (first to last fix); a stop of :data:`KOPER_MIN_S`
  or more is a *Koper* stop (the 10-15 minute visits of hotspot-policing practice). Its cell at
  each resolution is the cell of its first fix, and it is counted in the cell, date and hour where
  it starts.
* A night belongs to the date it starts on: with a window ``20:00-06:00`` the hours 00-05 of date D
  belong to night D-1 (:func:`geo.domain.period.night_date`).

Frames
------
``rollup(...)["cells"]`` has one row per (res, cell, date, hour, unit_kind):

``cell``         int64 H3 index at ``res``
``date``         local calendar date as a naive ``datetime64[ns]`` at midnight
``hour``         local hour 0-23 (int8)
``unit_kind``    the shift's unit kind (``"unknown"`` if the shift is not in ``shifts``)
``dwell_s``      float seconds
``stops``        stops starting in the row (int64); ``stop_s`` their seconds; ``koper_stops``
``last_ts``      latest instant seen in the row (end of a dwell piece or start of a stop), tz-aware
``res``          the H3 resolution of the row (int8)

Everything is vectorised over numpy arrays; no Python loop runs per ping, segment or row.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from h3ronpy.vector import cells_to_wkb_polygons

from geo.domain import hexes
from geo.domain.period import DEFAULT_NIGHT, ROLLUP_RES, parse_night

__all__ = [
    "KOPER_MIN_S",
    "MAX_GAP_S",
    "MAX_SPEED_KPH",
    "STOP_MAX_SPEED_MS",
    "STOP_MIN_S",
    "query",
    "rollup",
    "segments",
    "split_dwell",
    "stops",
    "to_geojson_frame",
]

MAX_GAP_S = 300.0
MAX_SPEED_KPH = 150.0
STOP_MIN_S = 120.0
STOP_MAX_SPEED_MS = 1.0
KOPER_MIN_S = 600.0
DEFAULT_TZ = "Asia/Shanghai"

_EARTH_RADIUS_M = 6_371_008.8
_NS = 1_000_000_000
_HOUR_NS = 3600 * _NS
_QUARTER_NS = 900 * _NS
_WALK_CHUNK = 250_000
_WALK_MAX_STEPS = 256
_UNKNOWN_KIND = "unknown"

CELL_COLUMNS = [
    "cell",
    "date",
    "hour",
    "unit_kind",
    "dwell_s",
    "stops",
    "stop_s",
    "koper_stops",
    "last_ts",
    "res",
]
STOP_COLUMNS = ["shift_id", "cell", "start", "end", "duration_s", "koper", "res"]
QUERY_COLUMNS = ["cell", "res", "dwell_s", "nights", "stops", "koper_stops", "last_visit"]


# --------------------------------------------------------------------------------------------------
# tracks and segments


def _dist_m(lng1: np.ndarray, lat1: np.ndarray, lng2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Metres between points, equirectangular at the mean latitude.

    Agrees with the haversine formula to 1e-7 below 10 km (GPS segments are far shorter; both are
    spherical, within 0.5 % of the ellipsoid), and is about three times cheaper.
    """
    rad = np.pi / 180.0
    mlat = lat1 + lat2
    mlat *= 0.5 * rad
    x = np.cos(mlat)
    del mlat
    dlng = lng2 - lng1
    dlng = np.where(dlng > 180.0, dlng - 360.0, np.where(dlng < -180.0, dlng + 360.0, dlng))
    x *= dlng
    del dlng
    y = lat2 - lat1
    out = np.hypot(x, y)
    out *= _EARTH_RADIUS_M * rad
    return out


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 ns since the epoch -> tz-aware UTC DatetimeIndex (no parsing)."""
    return pd.DatetimeIndex(np.asarray(ns, np.int64).view("datetime64[ns]")).tz_localize("UTC")


def _ts_ns(values: pd.Series) -> np.ndarray:
    """Instants as int64 ns since the epoch (UTC); naive times are read as UTC; NaT -> min int."""
    s = values
    if not pd.api.types.is_datetime64_any_dtype(s):
        s = pd.to_datetime(s, utc=True, format="mixed")
    arr = s.array
    if getattr(arr, "unit", None) != "ns":  # as_unit copies: only when it converts
        arr = s.dt.as_unit("ns").array
    return np.asarray(arr.asi8)


def _shift_codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row and the shift ids (codes -1 for a missing id).

    Pings usually arrive grouped by shift: then comparing neighbours finds the groups about four
    times faster than hashing every id; otherwise fall back to :func:`pandas.factorize`.
    """
    arr = col.to_numpy()
    if arr.dtype == object and arr.size > 1:
        starts = np.flatnonzero(np.concatenate(([True], _neighbours_differ(arr))))
        labels = arr[starts]
        if not pd.isna(labels).any() and pd.Index(labels).is_unique:
            codes = np.zeros(arr.size, np.int64)
            codes[starts[1:]] = 1
            np.cumsum(codes, out=codes)
            return codes, labels
    codes, labels = pd.factorize(col, sort=False)
    return codes.astype(np.int64, copy=False), np.asarray(labels)


def _neighbours_differ(arr: np.ndarray) -> np.ndarray:
    """``arr[1:] != arr[:-1]`` for an object array, skipping neighbours that are one object.

    Values are compared only where the neighbours are not one and the same object (ids repeated
    from one object, as pandas and Arrow give them).
    """
    if not arr.flags.c_contiguous or arr.itemsize != ctypes.sizeof(ctypes.c_void_p):
        return np.asarray(arr[1:] != arr[:-1], dtype=bool)
    buf = (ctypes.c_char * arr.nbytes).from_address(arr.ctypes.data)
    ptr = np.frombuffer(memoryview(buf), dtype=np.uintp)  # the object pointers, read only
    diff = ptr[1:] != ptr[:-1]
    del ptr, buf
    cand = np.flatnonzero(diff)
    if cand.size:
        diff[cand] = np.asarray(arr[cand + 1] != arr[cand], dtype=bool)
    return diff


def _parallel(fn: Callable[[int, int], None], n: int) -> None:
    """Run ``fn(a, b)`` over slices of ``range(n)`` on all cores (numpy releases the GIL)."""
    workers = hexes._n_workers()
    if n < 500_000 or workers == 1:
        fn(0, n)
        return
    bounds = np.linspace(0, n, workers + 1).astype(int)
    list(hexes._pool().map(lambda i: fn(int(bounds[i]), int(bounds[i + 1])), range(workers)))


class _Track:
    """Pings of many shifts as sorted numpy arrays plus their segments (pairs of neighbours).

    Segment ``i`` joins ping ``i`` and ping ``i + 1``; ``same`` says both are of one shift.
    """

    def __init__(
        self, pings: pd.DataFrame, *, res: int = ROLLUP_RES, index_cells: bool = True
    ) -> None:
        missing = {"shift_id", "ts", "lat", "lng"} - set(pings.columns)
        if missing:
            msg = f"pings need columns shift_id, ts, lat, lng; missing {sorted(missing)}"
            raise ValueError(msg)
        codes, labels = _shift_codes(pings["shift_id"])
        ts = _ts_ns(pings["ts"])
        lat = pings["lat"].to_numpy(dtype=np.float64)
        lng = pings["lng"].to_numpy(dtype=np.float64)
        ok = (codes >= 0) & (ts != np.iinfo(np.int64).min) & np.isfinite(lat) & np.isfinite(lng)
        if not ok.all():
            codes, ts, lat, lng = codes[ok], ts[ok], lat[ok], lng[ok]
        codes = codes.astype(np.int64, copy=False)
        n = codes.shape[0]
        self.labels = labels
        self.codes = codes
        self.ts = ts
        self.lat = lat
        self.lng = lng
        self.res = res
        m = max(n - 1, 0)
        self._unsorted = False
        self._alloc(m)
        _parallel(self._segments, m)
        if self._unsorted:  # not sorted by shift and time: sort, then measure again
            order = np.lexsort((ts, codes))
            self.codes, self.ts = codes[order], ts[order]
            self.lat, self.lng = lat[order], lng[order]
            _parallel(self._segments, m)
        self.cells = hexes.latlng_to_cells(self.lat, self.lng, res) if index_cells else None

    def _alloc(self, m: int) -> None:
        self.same = np.empty(m, bool)
        self.dt = np.empty(m)
        self.dist = np.empty(m)
        self.gap = np.empty(m, bool)
        self.jump = np.empty(m, bool)
        self.joined = np.empty(m, bool)
        self.slow = np.empty(m, bool)

    def _segments(self, a: int, b: int) -> None:
        codes, ts, lat, lng = self.codes, self.ts, self.lat, self.lng
        dc = codes[a + 1 : b + 1] - codes[a:b]
        same = dc == 0
        dt = (ts[a + 1 : b + 1] - ts[a:b]).astype(np.float64)
        if (dc < 0).any() or (same & (dt < 0)).any():
            self._unsorted = True
            return
        dt /= _NS
        dist = _dist_m(lng[a:b], lat[a:b], lng[a + 1 : b + 1], lat[a + 1 : b + 1])
        gap = same & (dt > MAX_GAP_S)
        jump = dist * 3.6 > MAX_SPEED_KPH * dt
        jump &= same
        jump &= ~gap
        self.same[a:b] = same
        self.dt[a:b] = dt
        self.dist[a:b] = dist
        self.gap[a:b] = gap
        self.jump[a:b] = jump
        joined = np.logical_and(same, ~(gap | jump), out=self.joined[a:b])
        slow = dist < STOP_MAX_SPEED_MS * dt
        slow |= dist == 0
        np.logical_and(slow, joined, out=self.slow[a:b])

    @property
    def speed(self) -> np.ndarray:
        """Metres per second of each segment (0 for a repeated fix, inf for a jump in no time)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            speed = self.dist / self.dt
        speed[self.dist == 0] = 0.0
        return speed

    def shift_labels(self, codes: np.ndarray) -> np.ndarray:
        return np.asarray(self.labels)[codes]

    def breaks(self) -> pd.DataFrame:
        k = len(self.labels)
        seg_codes = self.codes[:-1]
        return pd.DataFrame(
            {
                "shift_id": np.asarray(self.labels),
                "gap_breaks": np.bincount(seg_codes[self.gap], minlength=k).astype(np.int64),
                "jump_breaks": np.bincount(seg_codes[self.jump], minlength=k).astype(np.int64),
            }
        )


def segments(pings: pd.DataFrame) -> pd.DataFrame:
    """Consecutive fixes per shift as segments.

    Parameters
    ----------
    pings
        Columns ``shift_id``, ``ts`` (tz-aware, or naive UTC), ``lat``, ``lng``.

    Returns
    -------
    pandas.DataFrame
        One row per pair of consecutive fixes of a shift: ``shift_id``, ``start``, ``end`` (UTC),
        ``lat0``, ``lng0``, ``lat1``, ``lng1``, ``dt_s``, ``dist_m``, ``speed_ms``, ``broken``
        (bool) and ``reason`` (``"gap"``, ``"jump"`` or ``""``).
    """
    tr = _Track(pings, index_cells=False)
    i = np.flatnonzero(tr.same)
    reason = np.full(i.shape[0], "", dtype=object)
    reason[tr.gap[i]] = "gap"
    reason[tr.jump[i]] = "jump"
    return pd.DataFrame(
        {
            "shift_id": tr.shift_labels(tr.codes[i]),
            "start": _utc(tr.ts[i]),
            "end": _utc(tr.ts[i + 1]),
            "lat0": tr.lat[i],
            "lng0": tr.lng[i],
            "lat1": tr.lat[i + 1],
            "lng1": tr.lng[i + 1],
            "dt_s": tr.dt[i],
            "dist_m": tr.dist[i],
            "speed_ms": tr.speed[i],
            "broken": ~tr.joined[i],
            "reason": reason,
        }
    )


# --------------------------------------------------------------------------------------------------
# splitting a segment's seconds over the cells it crosses


class _CellTable:
    """Cell polygons as half-planes plus the neighbour across each edge, for walking segments.

    Coordinates are lng/lat degrees relative to each cell's centre ``(cx, cy)``. For row ``r`` and
    edge ``e``, ``hp[r, 0, e]``/``hp[r, 1, e]`` is the outward normal and ``hp[r, 2, e]`` the
    offset: a point ``p`` is inside when ``n . (p - c) <= off`` for every edge (padding edges have
    ``n = 0``).
    ``neigh[r, e]`` is the row of the cell across edge ``e`` (``-1`` until computed).

    The neighbour across an edge is the cell of the edge midpoint mirrored through the centre, a
    point within ~1e-5 of a cell size from the neighbour's centre. When a cell of the table has its
    centre in that point's bin of a grid of centres (bins half a cell apart) and the point lies well
    inside that cell's polygon, it is that cell; only the rest is indexed with H3
    (:meth:`_complete`).

    Append-only, so a row number stays valid while other threads add cells.
    """

    def __init__(self, cells: np.ndarray, res: int) -> None:
        self._lock = threading.Lock()
        self.res = res
        self.keys = np.zeros(0, np.uint64)
        self.index = pd.Index(self.keys)
        self.cx = self.cy = np.zeros(0)
        self.hp = np.zeros((0, 3, 6))
        self.hp32 = self.hp.astype(np.float32)
        self.neigh = np.zeros((0, 6), np.int64)
        self.known = np.zeros(0, bool)
        self._bin = 0.0  # bin size of the grid of centres (degrees); 0 until cells arrive
        self._bin_index = pd.Index(np.zeros(0, np.int64))
        self._bin_rows = np.zeros(0, np.int64)
        self._sure2 = np.zeros(0)  # squared radius about each centre that lies well inside
        self._append(np.asarray(cells, np.uint64))
        self._complete(np.arange(self.keys.size))

    def _append(self, new: np.ndarray) -> None:
        if new.size == 0:
            return
        nv0 = self.hp.shape[2]
        if new.size >= 2 * _CHUNK_MIN_WKB and hexes._n_workers() > 1 and not _in_pool():
            half = new.size // 2
            parts = list(hexes._pool().map(lambda c: _outlines(c, nv0), [new[:half], new[half:]]))
            nv = max(p[1].shape[2] for p in parts)
            centre = np.concatenate([p[0] for p in parts])
            hp = np.concatenate([_pad(p[1], nv, 2) for p in parts])
            mid = np.concatenate([_pad(p[2], nv, 1) for p in parts])
            sure2 = np.concatenate([p[3] for p in parts])
            spacing = min(p[4] for p in parts)
            del parts
        else:
            centre, hp, mid, sure2, spacing = _outlines(new, nv0)
            nv = hp.shape[2]
        self._mid = getattr(self, "_mid", np.zeros((0, nv, 2)))
        grow = nv - self.hp.shape[2]
        old_hp, old_neigh, old_mid = self.hp, self.neigh, self._mid
        if grow > 0:
            old_hp = np.concatenate([old_hp, np.zeros((old_hp.shape[0], 3, grow))], axis=2)
            old_neigh = np.concatenate([old_neigh, np.full((old_neigh.shape[0], grow), -1)], axis=1)
            old_mid = np.concatenate([old_mid, np.zeros((old_mid.shape[0], grow, 2))], axis=1)
        # publish the grown arrays before the keys, so a reader never sees a key without its row
        self._mid = np.concatenate([old_mid, mid])
        self.hp = np.concatenate([old_hp, hp])
        self.hp32 = self.hp.astype(np.float32)
        self.cx = np.concatenate([self.cx, centre[:, 0]])
        self.cy = np.concatenate([self.cy, centre[:, 1]])
        self.neigh = np.concatenate([old_neigh, np.full((new.size, nv), -1, np.int64)])
        self.known = np.concatenate([self.known, np.zeros(new.size, bool)])
        self._sure2 = np.concatenate([self._sure2, sure2])
        if self._bin == 0.0 and np.isfinite(spacing) and spacing > 0:
            self._bin = float(spacing) * 0.5
        if self._bin > 0:
            bins = self._bins(self.cx, self.cy)
            unique = ~pd.Index(bins).duplicated(keep=False)  # a shared bin is never looked up
            self._bin_rows = np.flatnonzero(unique)
            self._bin_index = pd.Index(bins[unique])
        keys = np.concatenate([self.keys, new])
        self.index = pd.Index(keys)
        self.keys = keys

    def _bins(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        inv = 1.0 / self._bin
        bx = np.floor(x * inv).astype(np.int64)
        by = np.floor(y * inv).astype(np.int64)
        bx <<= 32
        by &= 0xFFFFFFFF
        bx |= by
        return bx

    def _rows_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Row of the table cell that surely holds each point (lng ``x``, lat ``y``), else -1.

        Only for points near a cell centre: the candidate is the cell whose centre shares the
        point's bin, kept when the point lies within 0.8 of the radius of the circle inscribed in
        its polygon (so inside it by a fifth of the centre-to-edge distance: far beyond any
        rounding or the curvature of the cell's edges).
        """
        out = np.full(x.shape[0], -1, np.int64)
        if self._bin <= 0 or self._bin_rows.size == 0 or x.size == 0:
            return out
        pos = self._bin_index.get_indexer(self._bins(x, y))
        hit = np.flatnonzero(pos >= 0)
        q = self._bin_rows[pos[hit]]
        ax = x[hit] - self.cx[q]
        ay = y[hit] - self.cy[q]
        ax *= ax
        ay *= ay
        ax += ay
        inside = ax < self._sure2[q]
        out[hit[inside]] = q[inside]
        return out

    def _complete(self, rows: np.ndarray) -> None:
        """Find the neighbours across every edge of ``rows`` (the centre mirrored in the edge)."""
        rows = rows[~self.known[rows]]
        if rows.size == 0:
            return
        mid = self._mid[rows]  # (k, nv, 2) edge midpoints relative to the centre
        real = (self.hp[rows, 0] != 0) | (self.hp[rows, 1] != 0)
        px = self.cx[rows, None] + 2.0 * mid[..., 0]
        py = self.cy[rows, None] + 2.0 * mid[..., 1]
        qx, qy = px[real], py[real]
        r = self._rows_at(qx, qy)
        miss = np.flatnonzero(r < 0)
        if miss.size:  # not near a known centre: index with H3, adding cells new to the table
            found = hexes.latlng_to_cells(qy[miss], qx[miss], self.res)
            rm = self.index.get_indexer(found)
            if (rm < 0).any():
                self._append(pd.unique(found[rm < 0]))
                rm = self.index.get_indexer(found)
            r[miss] = rm
        neigh = np.full(real.shape, -1, np.int64)
        neigh[real] = r
        self.neigh[rows] = neigh
        self.known[rows] = True

    def complete(self, rows: np.ndarray) -> None:
        """Thread-safe :meth:`_complete`."""
        with self._lock:
            self._complete(rows)


_PAR_MIN = 1_000_000  # items worth splitting a hash or a sort over two cores
_CHUNK_MIN_WKB = 10_000  # cells per thread worth splitting the polygon outlines over the pool


def _in_pool() -> bool:
    return threading.current_thread().name.startswith(hexes._POOL_PREFIX)


def _outlines(
    cells: np.ndarray, nv_min: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Cell polygons for :class:`_CellTable`: ``(centre, hp, mid, sure2, spacing)``.

    ``centre`` is ``(k, 2)`` lng/lat, ``hp`` ``(k, 3, nv)`` half-planes and ``mid`` ``(k, nv, 2)``
    edge midpoints relative to the centre (both zero on padding edges, ``nv >= nv_min``),
    ``sure2`` the squared radius about the centre that lies well inside the cell (0.8 of the
    inscribed circle's radius: a margin of a fifth of the centre-to-edge distance, far beyond
    rounding or the curvature of the edges; 0 for a polygon that does not surround its centre,
    e.g. one cut by the antimeridian) and ``spacing`` the smallest centre-to-neighbour distance.
    """
    xy, counts = _polygon_vertices(cells)
    k = cells.size
    first = np.concatenate(([0], np.cumsum(counts + 1)[:-1]))
    nv = max(int(counts.max()), nv_min)
    slot = np.arange(nv)
    valid = slot[None, :] < counts[:, None]
    v = xy[first[:, None] + np.minimum(slot[None, :], counts[:, None] - 1)]  # (k, nv, 2)
    centre = (v * valid[..., None]).sum(axis=1) / counts[:, None]
    nxt = np.where(slot[None, :] + 1 < counts[:, None], slot[None, :] + 1, 0)
    e = v[np.arange(k)[:, None], nxt] - v
    nx = np.where(valid, e[..., 1], 0.0)
    ny = np.where(valid, -e[..., 0], 0.0)
    off = nx * (v[..., 0] - centre[:, None, 0]) + ny * (v[..., 1] - centre[:, None, 1])
    sign = np.where(off < 0, -1.0, 1.0)
    hp = np.stack([nx * sign, ny * sign, off * sign], axis=1)
    mid = (v + v[np.arange(k)[:, None], nxt]) * 0.5 - centre[:, None, :]
    mid = np.where(valid[..., None], mid, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.where(valid, off * sign / np.hypot(nx, ny), np.inf).min(axis=1)
    convex = ~((valid & (off < 0)).any(axis=1) & (valid & (off > 0)).any(axis=1))
    sure = np.where(convex & np.isfinite(inner) & (inner > 0), 0.8 * inner, 0.0)
    spacing = float(np.hypot(mid[..., 0], mid[..., 1])[valid].min(initial=np.inf)) * 2.0
    return centre, hp, mid, sure * sure, spacing


def _pad(a: np.ndarray, nv: int, axis: int) -> np.ndarray:
    """Zero padding edges up to ``nv`` along ``axis``."""
    grow = nv - a.shape[axis]
    if grow <= 0:
        return a
    shape = list(a.shape)
    shape[axis] = grow
    return np.concatenate([a, np.zeros(shape, a.dtype)], axis=axis)


_HEX_WKB = bytes.fromhex("01030000000100000007000000")  # little-endian polygon, 1 ring, 7 points


def _polygon_vertices(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell outlines as one ``(m, 2)`` lng/lat array (rings closed) and the vertex count per cell.

    Hexagons come straight out of h3ronpy's WKB buffer (fixed 125-byte records); anything else
    (pentagons, distortion vertices) goes through shapely.
    """
    wkb = pa.array(cells_to_wkb_polygons(cells))
    offsets = np.frombuffer(wkb.buffers()[1], np.int64)[wkb.offset : wkb.offset + len(wkb) + 1]
    data = np.frombuffer(wkb.buffers()[2], np.uint8)
    if (np.diff(offsets) == 125).all():
        rec = data[offsets[0] : offsets[-1]].reshape(-1, 125)
        if (rec[:, :13] == np.frombuffer(_HEX_WKB, np.uint8)).all():
            xy = np.ascontiguousarray(rec[:, 13:]).view("<f8").reshape(-1, 2)
            return xy, np.full(cells.size, 6, np.int64)
    polys = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    xy, owner = shapely.get_coordinates(polys, return_index=True)
    return xy, np.bincount(owner, minlength=cells.size) - 1  # drop each ring's closing vertex


def _walk(
    lat0: np.ndarray,
    lng0: np.ndarray,
    lat1: np.ndarray,
    lng1: np.ndarray,
    r0: np.ndarray,
    r1: np.ndarray,
    table: _CellTable,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Walk segments that change cell through the cells they cross.

    ``r0``/``r1`` are the table rows of the cells of the two ends. Returns ``head``, the fraction
    of each segment in its start cell, ``tail``, the fraction at which it enters its end cell, and
    the pieces in between as ``(segment, row, t0, t1)`` (fractions of the segment's length).
    """
    m = lat0.shape[0]
    head = np.ones(m)
    tail = np.ones(m)
    mids: list[tuple[np.ndarray, ...]] = []
    # state of the segments still walking, compacted as they finish
    idx = np.arange(m)
    x0, y0 = lng0, lat0
    dx = lng1 - lng0
    dy = lat1 - lat0
    end_row = r1
    rc = r0
    t_in = np.zeros(m)
    for step in range(_WALK_MAX_STEPS + 1):
        if step:
            arrived = rc == end_row  # reached the end cell: the rest of the segment is in it
            if arrived.any():
                tail[idx[arrived]] = t_in[arrived]
                go = np.flatnonzero(~arrived)
                idx, x0, y0, dx, dy = idx[go], x0[go], y0[go], dx[go], dy[go]
                end_row, rc, t_in = end_row[go], rc[go], t_in[go]
        if idx.size == 0:
            break
        if step == _WALK_MAX_STEPS:  # give up: the rest goes to the end cell
            tail[idx] = t_in
            break
        t_out, edge = _exit(table, rc, x0, y0, dx, dy, t_in)
        ends = t_out >= 1.0  # the far end lies in this cell after all (a fix on an edge)
        t_out[ends] = 1.0
        if step == 0:
            head[idx] = t_out
        else:
            mids.append((idx, rc, t_in, t_out))
        if ends.any():
            tail[idx[ends]] = 1.0
            go = np.flatnonzero(~ends)
            idx, x0, y0, dx, dy = idx[go], x0[go], y0[go], dx[go], dy[go]
            end_row, rc, t_out, edge = end_row[go], rc[go], t_out[go], edge[go]
        nxt = table.neigh[rc, edge]
        unknown = nxt < 0
        if unknown.any():
            table.complete(rc[unknown])
            nxt = table.neigh[rc, edge]
            lost = nxt < 0
            nxt[lost] = end_row[lost]  # no neighbour found: hand the rest to the end cell
        rc = nxt
        t_in = t_out
    if mids:
        pieces = tuple(np.concatenate([p[j] for p in mids]) for j in range(4))
        ok = pieces[3] > pieces[2]  # drop zero-length pieces (a path through a vertex)
        pieces = tuple(p[ok] for p in pieces)
    else:
        pieces = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    return head, tail, pieces


def _exit(
    table: _CellTable,
    rows: np.ndarray,
    x0: np.ndarray,
    y0: np.ndarray,
    dx: np.ndarray,
    dy: np.ndarray,
    t_in: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the line ``(x0, y0) + t (dx, dy)`` leaves cell ``rows``: ``(t, edge)``."""
    # float32 is plenty once coordinates are relative to the cell centre (~1e-5 m at 10 km)
    hp = table.hp32[rows]  # (k, 3, nv)
    ax = (x0 - table.cx[rows]).astype(np.float32)[:, None]
    ay = (y0 - table.cy[rows]).astype(np.float32)[:, None]
    nd = hp[:, 0] * dx.astype(np.float32)[:, None]
    nd += hp[:, 1] * dy.astype(np.float32)[:, None]
    num = hp[:, 0] * ax
    num += hp[:, 1] * ay
    np.subtract(hp[:, 2], num, out=num)
    del hp
    t = np.full(num.shape, np.inf, np.float32)
    np.divide(num, nd, out=t, where=nd > 0)
    del num, nd
    edge = t.argmin(axis=1)
    t_out = t[np.arange(t.shape[0]), edge].astype(np.float64)
    np.maximum(t_out, t_in, out=t_out)
    return t_out, edge


def _split(tr: _Track) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Split joined segments that change cell.

    Returns ``(xi, head, tail, middle)``: the segments that change cell, the fraction of each spent
    in its start cell, the fraction at which it enters its end cell, and the pieces in between as
    ``(segment, cell, t0, t1)``. A joined segment not in ``xi`` lies in one cell.
    """
    cells = tr.cells
    assert cells is not None
    n = cells.shape[0]
    empty = (np.zeros(0, np.int64), np.zeros(0, np.uint64), np.zeros(0), np.zeros(0))
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0), empty
    xi = np.flatnonzero(tr.joined & (cells[:-1] != cells[1:]))
    if xi.size == 0:
        return xi, np.zeros(0), np.zeros(0), empty
    table = _CellTable(_unique(np.concatenate([cells[xi], cells[xi + 1]])), tr.res)
    r0 = np.empty(xi.size, np.int64)
    r1 = np.empty(xi.size, np.int64)

    def rows(a: int, b: int) -> None:
        r0[a:b] = table.index.get_indexer(cells[xi[a:b]])
        r1[a:b] = table.index.get_indexer(cells[xi[a:b] + 1])

    _parallel(rows, xi.size)
    # equal chunks of at most _WALK_CHUNK segments, an even number of them so that two cores finish
    # together (the chunking does not depend on the number of cores, nor do the results)
    n_chunks = 2 * -(-xi.size // (2 * _WALK_CHUNK)) if xi.size > _WALK_CHUNK // 2 else 1
    bounds = [int(x) for x in np.linspace(0, xi.size, n_chunks + 1)]

    def work(j: int) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        a, b = bounds[j], bounds[j + 1]
        idx = xi[a:b]
        return _walk(
            tr.lat[idx], tr.lng[idx], tr.lat[idx + 1], tr.lng[idx + 1], r0[a:b], r1[a:b], table
        )

    if len(bounds) > 2:
        parts = list(hexes._pool().map(work, range(len(bounds) - 1)))
    else:
        parts = [work(0)]
    head = np.concatenate([p[0] for p in parts])
    tail = np.concatenate([p[1] for p in parts])
    seg = np.concatenate([xi[bounds[j] : bounds[j + 1]][p[2][0]] for j, p in enumerate(parts)])
    row = np.concatenate([p[2][1] for p in parts])
    t0 = np.concatenate([p[2][2] for p in parts])
    t1 = np.concatenate([p[2][3] for p in parts])
    return xi, head, tail, (seg, table.keys[row], t0, t1)


def _unique(values: np.ndarray) -> np.ndarray:
    """``pd.unique`` (first-seen order) with the two halves of a large input hashed on two cores."""
    if values.size < _PAR_MIN or hexes._n_workers() == 1 or _in_pool():
        return pd.unique(values)
    h = values.size // 2
    parts = list(hexes._pool().map(pd.unique, [values[:h], values[h:]]))
    return pd.unique(np.concatenate(parts))


def _sort(a: np.ndarray) -> None:
    """Sort ``a`` in place; a large one as two halves on two cores, then one merge of two runs."""
    if a.size < _PAR_MIN or hexes._n_workers() == 1 or _in_pool():
        a.sort()
        return
    h = a.size // 2
    list(hexes._pool().map(np.ndarray.sort, [a[:h], a[h:]]))
    a.sort(kind="stable")  # timsort: finds the two sorted runs and merges them


def _fix_seconds(
    tr: _Track, xi: np.ndarray, head: np.ndarray, tail: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dwell seconds in its own cell and the instant it was left, for each of fixes ``lo:hi``.

    For fixes ``lo:hi``: seconds spent in the fix's own cell on the segments before and after it
    (``dwell_s``), and the instant it was left (``end`` ns).
    """
    n = tr.ts.shape[0]
    head_s = np.zeros(hi - lo)
    he = min(hi, n - 1)
    if he > lo:
        np.multiply(tr.dt[lo:he], tr.joined[lo:he], out=head_s[: he - lo])
    xa, xb = np.searchsorted(xi, [lo, hi])
    if xb > xa:
        k = xi[xa:xb]
        head_s[k - lo] = head[xa:xb] * tr.dt[k]
    end = (head_s * _NS).astype(np.int64)
    end += tr.ts[lo:hi]
    ta, tb = np.searchsorted(xi, [lo - 1, hi - 1])
    if tb > ta:
        k = xi[ta:tb]
        head_s[k + 1 - lo] += (1.0 - tail[ta:tb]) * tr.dt[k]
    return head_s, end


def split_dwell(pings: pd.DataFrame, *, res: int = ROLLUP_RES) -> pd.DataFrame:
    """Split each joined segment's seconds over the cells its straight path crosses.

    Parameters
    ----------
    pings
        Columns ``shift_id``, ``ts``, ``lat``, ``lng``.
    res
        H3 resolution of the cells (10 for rollups).

    Returns
    -------
    pandas.DataFrame
        One row per piece (segment x cell) in track order: ``shift_id``, ``cell`` (int64),
        ``start``, ``end`` (UTC instants of the piece), ``length_m``, ``dwell_s``.
    """
    tr = _Track(pings, res=res)
    assert tr.cells is not None
    xi, head, tail, (mseg, mcell, mt0, mt1) = _split(tr)
    i = np.flatnonzero(tr.joined)
    h = np.ones(i.size)
    t = np.ones(i.size)
    where = np.searchsorted(i, xi)
    h[where] = head
    t[where] = tail
    crossing = tr.cells[i] != tr.cells[i + 1]
    ti = i[crossing]
    seg = np.concatenate([i, ti, mseg])
    cell = np.concatenate([tr.cells[i], tr.cells[ti + 1], mcell])
    t0 = np.concatenate([np.zeros(i.size), t[crossing], mt0])
    t1 = np.concatenate([h, np.ones(ti.size), mt1])
    ok = (t1 > t0) | (np.concatenate([~crossing, np.zeros(ti.size + mseg.size, bool)]))
    seg, cell, t0, t1 = seg[ok], cell[ok], t0[ok], t1[ok]
    order = np.lexsort((t0, seg))
    seg, cell, t0, t1 = seg[order], cell[order], t0[order], t1[order]
    dts = tr.dt[seg]
    start = tr.ts[seg] + np.rint(t0 * dts * _NS).astype(np.int64)
    end = tr.ts[seg] + np.rint(t1 * dts * _NS).astype(np.int64)
    return pd.DataFrame(
        {
            "shift_id": tr.shift_labels(tr.codes[seg]),
            "cell": cell.astype(np.int64),
            "start": _utc(start),
            "end": _utc(end),
            "length_m": (t1 - t0) * tr.dist[seg],
            "dwell_s": (t1 - t0) * dts,
        }
    )


# --------------------------------------------------------------------------------------------------
# stops


def _stop_runs(tr: _Track) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stops as (first ping, last ping, duration_s) arrays."""
    slow = tr.slow
    if slow.size == 0:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    edge = np.diff(slow.view(np.int8))
    starts = np.flatnonzero(edge == 1) + 1  # first slow segment of a run
    ends = np.flatnonzero(edge == -1) + 1  # one past the last slow segment
    if slow[0]:
        starts = np.concatenate(([0], starts))
    if slow[-1]:
        ends = np.append(ends, slow.size)
    dur = (tr.ts[ends] - tr.ts[starts]) / _NS  # the run spans fixes starts..ends
    keep = dur >= STOP_MIN_S
    return starts[keep], ends[keep], dur[keep]


def stops(pings: pd.DataFrame, *, res: int = ROLLUP_RES) -> pd.DataFrame:
    """Stops: runs of 2+ minutes of joined segments slower than 1 m/s.

    Returns
    -------
    pandas.DataFrame
        ``shift_id``, ``cell`` (int64 cell of the first fix at ``res``), ``start``, ``end`` (UTC;
        ``rollup`` gives them in its ``tz``), ``duration_s``, ``koper`` (bool, 10+ minutes),
        ``res``.
    """
    tr = _Track(pings, res=res)
    return _stops_frame(tr)


def _stops_frame(tr: _Track) -> pd.DataFrame:
    a, b, dur = _stop_runs(tr)
    assert tr.cells is not None
    return pd.DataFrame(
        {
            "shift_id": tr.shift_labels(tr.codes[a]),
            "cell": tr.cells[a].astype(np.int64),
            "start": _utc(tr.ts[a]),
            "end": _utc(tr.ts[b]),
            "duration_s": dur,
            "koper": dur >= KOPER_MIN_S,
            "res": np.full(a.size, tr.res, np.int8),
        },
        columns=STOP_COLUMNS,
    )


# --------------------------------------------------------------------------------------------------
# rollup


def _kind_codes(tr: _Track, shifts: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Unit-kind code per shift code, and the kind names."""
    k = len(tr.labels)
    if shifts is None or len(shifts) == 0:
        return np.zeros(k, np.int64), np.array([_UNKNOWN_KIND], dtype=object)
    m = pd.Series(shifts["unit_kind"].to_numpy(), index=shifts["shift_id"].to_numpy())
    m = m[~m.index.duplicated(keep="last")]
    kinds = pd.Index(tr.labels).map(m).to_numpy(dtype=object)
    kinds = np.where(pd.isna(kinds), _UNKNOWN_KIND, kinds).astype(object)
    codes, names = pd.factorize(kinds)
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _cell_key(cells: np.ndarray) -> np.ndarray:
    """Cell -> its 37 informative bits (base cell and the digits of resolutions 1-10).

    The digits below a cell's resolution are 7s, so the key of a coarser cell is unique too.
    """
    return ((cells >> np.uint64(15)) & np.uint64((1 << 37) - 1)).astype(np.int64)


def _key_cell(k: np.ndarray, res: int) -> np.ndarray:
    head = np.uint64((1 << 59) | (res << 52) | 0x7FFF)
    return (k.astype(np.uint64) << np.uint64(15)) | head


def rollup(
    pings: pd.DataFrame,
    shifts: pd.DataFrame | None = None,
    tz: str = DEFAULT_TZ,
    *,
    resolutions: Iterable[int] = (ROLLUP_RES,),
) -> dict:
    """Dwell seconds and stops per cell, local date, hour and unit kind, at each resolution.

    Each resolution's dwell is the path split by that resolution's own cells, and its stops are
    located by their first fix's own cell: an H3 cell's children do not tile it, so the coarser
    figures are never sums of finer cells.

    Parameters
    ----------
    pings
        Columns ``shift_id``, ``ts`` (tz-aware; naive is read as UTC), ``lat``, ``lng`` (WGS-84).
    shifts
        Columns ``shift_id``, ``unit_kind``; shifts missing here get ``"unknown"``.
    tz
        Zone of the local dates and hours.
    resolutions
        H3 resolutions to roll up at (each 0-15); the store keeps
        :data:`geo.domain.period.RESOLUTIONS`.

    Returns
    -------
    dict
        ``"cells"`` (columns in the module docstring, rows of each resolution in the order
        given), ``"stops"`` (see :func:`stops`, plus ``res``) and ``"breaks"`` (``shift_id``,
        ``gap_breaks``, ``jump_breaks`` per shift).
    """
    wanted = [hexes._check_res(int(r)) for r in resolutions]
    if not wanted or len(set(wanted)) != len(wanted):
        msg = f"resolutions must be distinct and at least one, got {wanted}"
        raise ValueError(msg)
    tr = _Track(pings, res=wanted[0])
    kind_of_shift, kind_names = _kind_codes(tr, shifts)
    local = _LocalClock(tr.ts, tz)
    a, b, dur = _stop_runs(tr)
    cell_parts, stop_parts = [], []
    for i, res in enumerate(wanted):
        if i:
            tr.res = res
            tr.cells = hexes.latlng_to_cells(tr.lat, tr.lng, res)
        c, s = _rollup_at(tr, kind_of_shift, kind_names, local, tz, (a, b, dur))
        cell_parts.append(c)
        stop_parts.append(s)
    cells_df = cell_parts[0] if len(wanted) == 1 else pd.concat(cell_parts, ignore_index=True)
    stops_df = stop_parts[0] if len(wanted) == 1 else pd.concat(stop_parts, ignore_index=True)
    return {"cells": cells_df, "stops": stops_df, "breaks": tr.breaks()}


def _rollup_at(
    tr: _Track,
    kind_of_shift: np.ndarray,
    kind_names: np.ndarray,
    local: _LocalClock,
    tz: str,
    stop_runs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cells and stops frames of :func:`rollup` at ``tr.res`` (``tr.cells`` at that res)."""
    assert tr.cells is not None
    res = tr.res
    nk = len(kind_names)
    n = tr.cells.shape[0]
    xi, head, tail, (mseg, mcell, mt0, mt1) = _split(tr)

    # pieces strictly between the two ends of a segment, placed in the hour of their midpoint
    mdt = tr.dt[mseg]
    m_dwell = (mt1 - mt0) * mdt
    m_end = tr.ts[mseg] + (mt1 * mdt * _NS).astype(np.int64)
    m_hour = local.hour(tr.ts[mseg] + ((mt0 + mt1) * (0.5 * _NS) * mdt).astype(np.int64))
    m_kind = kind_of_shift[tr.codes[mseg]]
    del mdt, mt0, mt1
    a, b, dur = stop_runs
    s_hour = local.hour(tr.ts[a])
    s_kind = kind_of_shift[tr.codes[a]]

    # the key of a row packs (cell, hour, kind) into an int64
    lowest = min(
        int(tr.cells.min(initial=np.iinfo(np.uint64).max)),
        int(mcell.min(initial=np.iinfo(np.uint64).max)),
    )
    c_lo = int(_cell_key(np.array([lowest], np.uint64))[0]) if n else 0  # keys grow with cells
    h0, nh = local.h0, local.nh
    highest = max(int(tr.cells.max(initial=0)), int(mcell.max(initial=0)))
    c_span = int(_cell_key(np.array([highest], np.uint64))[0]) - c_lo + 1 if n else 1
    if c_span * nh * nk >= 1 << 62:
        msg = "rollup input spans too large an area and period at once; split it by period"
        raise ValueError(msg)
    m_hour -= h0
    s_hour -= h0
    if (m_hour.size and m_hour.min() < 0) or (s_hour.size and s_hour.min() < 0):
        msg = "internal error: hour before the first fix"
        raise AssertionError(msg)

    def keys(cells: np.ndarray, hour_rel: np.ndarray, kind: np.ndarray) -> np.ndarray:
        k = _cell_key(cells)
        k -= c_lo
        k *= nh
        k += hour_rel
        k *= nk
        k += kind
        return k

    # per fix: the seconds in its own cell just before and after it, placed in the fix's hour;
    # consecutive fixes of a track often share a key, so runs are merged before any sort
    parts: dict[int, tuple[np.ndarray, ...]] = {}
    fix_cells = tr.cells  # not None (asserted above); a closure would not see that of tr.cells

    def per_fix(lo: int, hi: int) -> None:
        hour_rel = local.hour(tr.ts[lo:hi])
        hour_rel -= h0
        key = keys(fix_cells[lo:hi], hour_rel, kind_of_shift[tr.codes[lo:hi]])
        del hour_rel
        dwell, end = _fix_seconds(tr, xi, head, tail, lo, hi)
        if key.size == 0:
            parts[lo] = (key, dwell, end)
            return
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        key = key[starts]
        dwell = np.add.reduceat(dwell, starts)
        end = np.maximum.reduceat(end, starts)
        pos = dwell > 0
        parts[lo] = (key[pos], dwell[pos], end[pos])

    _parallel(per_fix, n)
    order_lo = sorted(parts)
    f_key = np.concatenate(
        [parts[i][0] for i in order_lo]
        + [keys(mcell, m_hour, m_kind), keys(tr.cells[a], s_hour, s_kind)]
    )
    f_dwell = np.concatenate([parts[i][1] for i in order_lo] + [m_dwell, np.zeros(a.size)])
    f_end = np.concatenate([parts[i][2] for i in order_lo] + [m_end, tr.ts[a]])
    n_pieces = f_key.size - a.size
    del m_hour, m_kind, m_dwell, m_end, mcell
    order, first, uk = _group(f_key)
    del f_key
    g = uk.size
    if order.size >= _PAR_MIN and hexes._n_workers() > 1 and not _in_pool():
        later = hexes._pool().submit(_reduce, np.maximum, f_end, order, first)
        dwell_s = _reduce(np.add, f_dwell, order, first)
        last = later.result()
    else:
        dwell_s = _reduce(np.add, f_dwell, order, first)
        last = _reduce(np.maximum, f_end, order, first)
    del f_dwell, f_end
    # stops are the last a.size items; each is counted in the group its sorted position falls in
    at = np.flatnonzero(order >= n_pieces)
    sg = np.empty(a.size, np.int64)
    sg[order[at] - n_pieces] = np.searchsorted(first, at, side="right") - 1
    del at, order, first
    n_stops = np.bincount(sg, minlength=g).astype(np.int64)
    stop_s = np.bincount(sg, weights=dur, minlength=g)
    koper = np.bincount(sg[dur >= KOPER_MIN_S], minlength=g).astype(np.int64)

    kind_c = uk % nk
    rest = uk // nk
    hour_abs = rest % nh + h0
    ck = rest // nh + c_lo
    del rest, uk
    cells_df = pd.DataFrame(
        {
            "cell": _key_cell(ck, res).view(np.int64),
            "date": ((hour_abs // 24) * (24 * _HOUR_NS)).view("datetime64[ns]"),
            "hour": (hour_abs % 24).astype(np.int8),
            "unit_kind": np.asarray(kind_names, dtype=object)[kind_c],
            "dwell_s": dwell_s,
            "stops": n_stops,
            "stop_s": stop_s,
            "koper_stops": koper,
            "last_ts": _utc(last).tz_convert(tz),
            "res": np.full(g, res, np.int8),
        },
        columns=CELL_COLUMNS,
        copy=False,
    )
    stops_df = pd.DataFrame(
        {
            "shift_id": tr.shift_labels(tr.codes[a]),
            "cell": tr.cells[a].astype(np.int64),
            "start": _utc(tr.ts[a]).tz_convert(tz),
            "end": _utc(tr.ts[b]).tz_convert(tz),
            "duration_s": dur,
            "koper": dur >= KOPER_MIN_S,
            "res": np.full(a.size, res, np.int8),
        },
        columns=STOP_COLUMNS,
    )
    return cells_df, stops_df


def _group(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort ``key``: ``(order, first, unique)`` with ``first`` the sorted position of each group.

    Packs the position into the low bits of the key when both fit in 63 bits, since sorting one
    int64 array is about twice as fast as ``argsort``.
    """
    n = key.size
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), key
    pos_bits = max(int(n - 1).bit_length(), 1)
    key_bits = int(key.max()).bit_length()
    if key.min() >= 0 and key_bits + pos_bits <= 63:
        packed = key << pos_bits
        packed |= np.arange(n, dtype=np.int64)
        _sort(packed)
        order = packed & ((1 << pos_bits) - 1)
        ks = packed >> pos_bits
        del packed
    else:
        order = np.argsort(key, kind="stable")
        ks = key[order]
    first = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
    return order, first, ks[first]


class _LocalClock:
    """Local hour numbers (hours since the epoch on the local wall clock) for UTC instants.

    Looks the zone's offset up per quarter hour between the first and last instant, so the
    conversion of millions of instants is two integer operations and a gather.
    """

    def __init__(self, ts: np.ndarray, tz: str) -> None:
        if ts.size == 0:
            self.q0 = 0
            self.offset = np.zeros(1, np.int64)
            self.fixed: int | None = 0  # the offset (ns) when the period has one only, else None
            self.h0, self.nh = 0, 1
            return
        lo, hi = int(ts.min()), int(ts.max())
        q0 = lo // _QUARTER_NS - 4 * 24  # a day of margin for piece midpoints
        q1 = hi // _QUARTER_NS + 4 * 24
        if q1 - q0 > 2_000_000:
            msg = "rollup input spans too many years; roll it up in smaller periods"
            raise ValueError(msg)
        grid = np.arange(q0, q1 + 1, dtype=np.int64) * _QUARTER_NS
        local = pd.DatetimeIndex(_utc(grid)).tz_convert(tz).tz_localize(None)
        self.q0 = q0
        self.offset = np.asarray(local.asi8) - grid
        self.fixed = int(self.offset[0]) if (self.offset == self.offset[0]).all() else None
        self.h0 = int(self.hour(np.array([lo]))[0]) - 24
        self.nh = int(self.hour(np.array([hi]))[0]) + 24 - self.h0 + 1

    def hour(self, ts: np.ndarray) -> np.ndarray:
        if self.fixed is not None:  # no daylight saving in the period (Asia/Shanghai since 1991)
            local = ts + self.fixed
            local //= _HOUR_NS
            return local
        q = ts // _QUARTER_NS
        q -= self.q0
        local = self.offset[q]
        local += ts
        local //= _HOUR_NS
        return local


def _reduce(
    ufunc: np.ufunc, values: np.ndarray, order: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Reduce ``values`` over groups given by a sort ``order`` and the groups' ``first`` rows."""
    if first.size == 0:
        return values[:0]
    return ufunc.reduceat(values[order], first)


# --------------------------------------------------------------------------------------------------
# nights and queries


def _as_day(value: object) -> np.datetime64:
    return np.datetime64(pd.Timestamp(value).date(), "D")


def query(
    cells_rollup: pd.DataFrame,
    *,
    start: object = None,
    end: object = None,
    night: str | None = DEFAULT_NIGHT,
    res: int = 9,
    unit_kinds: Iterable[str] | None = None,
    cells_filter: Iterable[int | str] | None = None,
) -> pd.DataFrame:
    """Coverage per cell at ``res`` from the rollup rows of that resolution.

    Parameters
    ----------
    cells_rollup
        ``rollup(...)["cells"]`` or the same columns read from the store.
    start, end
        Local dates, inclusive, of the *night* (a night belongs to the date it starts on); with
        ``night=None`` calendar dates.
    night
        ``"HH:MM-HH:MM"`` window of hours kept, or ``None`` for whole days.
    res
        Output resolution, 7..10; only the rows rolled up at ``res`` are read (the cell's own
        dwell, never a sum of finer cells). Rows without a ``res`` column are at the resolution
        of their cells.
    unit_kinds
        Keep only these unit kinds.
    cells_filter
        Keep only these cells (ints or strings) at ``res``.

    Returns
    -------
    pandas.DataFrame
        ``cell`` (int64), ``res``, ``dwell_s``, ``nights`` (distinct night dates with dwell),
        ``stops``, ``koper_stops``, ``last_visit`` (tz-aware), sorted by cell.
    """
    res = int(res)
    if not 7 <= res <= ROLLUP_RES:
        msg = f"res must be 7..{ROLLUP_RES}, got {res}"
        raise ValueError(msg)
    df = cells_rollup
    row_res = (
        df["res"].to_numpy(dtype=np.int64)
        if "res" in df
        else hexes.cell_resolution(df["cell"].to_numpy().astype(np.uint64)).astype(np.int64)
    )
    at_res = row_res == res
    if len(df) and not at_res.any():
        held = sorted({int(r) for r in np.unique(row_res)})
        msg = f"the rollup rows hold resolutions {held}, not {res}: roll up at {res} first"
        raise ValueError(msg)
    if not at_res.all():
        df = df.loc[at_res]
    hour = df["hour"].to_numpy(dtype=np.int64)
    day = pd.to_datetime(df["date"]).to_numpy(dtype="datetime64[D]")
    keep = np.ones(len(df), dtype=bool)
    if night is not None:
        h0, h1 = parse_night(night)
        if h0 > h1:
            keep &= (hour >= h0) | (hour < h1)
            day = day - (hour < h1).astype("timedelta64[D]")
        else:
            keep &= (hour >= h0) & (hour < h1)
    if start is not None:
        keep &= day >= _as_day(start)
    if end is not None:
        keep &= day <= _as_day(end)
    if unit_kinds is not None:
        keep &= df["unit_kind"].isin(list(unit_kinds)).to_numpy()
    cell = df["cell"].to_numpy().astype(np.uint64)
    if cells_filter is not None:
        wanted = np.asarray(list(cells_filter), dtype=object)
        if wanted.size and isinstance(wanted[0], str):
            wanted_u = hexes.str_to_cells(wanted)
        else:
            wanted_u = wanted.astype(np.uint64)
        keep &= np.isin(cell, wanted_u)
    last_col = df["last_ts"]
    tz = last_col.dt.tz if isinstance(last_col.dtype, pd.DatetimeTZDtype) else "UTC"
    cells, inv = np.unique(cell[keep].view(np.int64), return_inverse=True)
    g = cells.size
    dwell = df["dwell_s"].to_numpy(dtype=np.float64)[keep]
    last_ns = _ts_ns(last_col)[keep]
    last = np.full(g, np.iinfo(np.int64).min)
    if inv.size:
        _max_at(last, inv, last_ns)
    # nights: distinct (cell, night) pairs with dwell
    pos = dwell > 0
    nights = np.zeros(g, np.int64)
    if pos.any():
        d = day[keep][pos].astype(np.int64)
        d -= d.min()
        span = int(d.max()) + 1
        pair = inv[pos].astype(np.int64) * span + d
        nights = np.bincount(np.unique(pair) // span, minlength=g)
    out = pd.DataFrame(
        {
            "cell": cells,
            "res": np.full(g, res, np.int64),
            "dwell_s": np.bincount(inv, weights=dwell, minlength=g).astype(np.float64),
            "nights": nights.astype(np.int64),
            "stops": np.bincount(inv, weights=df["stops"].to_numpy()[keep], minlength=g).astype(
                np.int64
            ),
            "koper_stops": np.bincount(
                inv, weights=df["koper_stops"].to_numpy()[keep], minlength=g
            ).astype(np.int64),
            "last_visit": _utc(last).tz_convert(tz),
        },
        columns=QUERY_COLUMNS,
    )
    return out


def _max_at(out: np.ndarray, idx: np.ndarray, values: np.ndarray) -> None:
    """``np.maximum.at(out, idx, values)`` through one sort (much faster for large inputs)."""
    order = np.lexsort((values, idx))
    i = idx[order]
    last = np.flatnonzero(np.append(i[1:] != i[:-1], True))
    out[i[last]] = np.maximum(out[i[last]], values[order][last])


def to_geojson_frame(result_df: pd.DataFrame) -> gpd.GeoDataFrame:
    """Cell polygons with GeoJSON-ready properties (h3 string, res, metrics, ISO last_visit)."""
    cells = result_df["cell"].to_numpy().astype(np.uint64)
    gdf = hexes.cells_to_gdf(cells)
    for col in ("dwell_s", "nights", "stops", "koper_stops"):
        gdf[col] = result_df[col].to_numpy()
    lv = pd.Series(result_df["last_visit"].array).dt.floor("s")  # ISO 8601 to the second
    gdf["last_visit"] = np.array([None if pd.isna(x) else x.isoformat() for x in lv], dtype=object)
    if "res" in result_df:
        gdf["res"] = result_df["res"].to_numpy().astype(np.int64)
    return gdf[["h3", "res", "dwell_s", "nights", "stops", "koper_stops", "last_visit", "geometry"]]
