"""H3 hexagons: index arrays, cell polygons, polygon -> cells, neighbours.

Inside ``geo/`` a cell is a 64-bit H3 index held in a numpy ``uint64`` array (``0`` means "no
cell", e.g. for a fix without coordinates); frames hold the same values as int64. Strings
(``"8a418328074ffff"``) appear only at the edges: files, maps and GeoJSON properties; convert with
:func:`cells_to_str` and :func:`str_to_cells`.

The heavy lifting is done by compiled code that releases the GIL: large inputs are split into chunks
that run on all cores in a thread pool. Indexing (:func:`latlng_to_cells`) calls the official H3 C
library through ``geo.domain._h3c`` (built by the setup scripts; :data:`INDEX_ENGINE` is ``"h3-c"``)
and falls back to h3ronpy's Rust layer (``"h3ronpy"``) when that library is not built; everything
else uses h3ronpy. The pattern follows h3-py: convert in, call the compiled layer, convert out.

Examples
--------
>>> import numpy as np
>>> c = latlng_to_cells(np.array([28.68]), np.array([115.89]), 10)
>>> cells_to_str(c)[0]
'8a41832e359ffff'
>>> int(str_to_cells(["8a41832e359ffff"])[0]) == int(c[0])
True
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
import shapely
from h3ronpy import ContainmentMode, cells_parse, cells_to_string, change_resolution
from h3ronpy import grid_disk as _grid_disk
from h3ronpy.vector import (
    cells_to_coordinates,
    cells_to_wkb_polygons,
    coordinates_to_cells,
    geometry_to_cells,
)
from shapely.geometry.base import BaseGeometry

from geo.domain import _h3c

__all__ = [
    "CONTAIN_MODES",
    "INDEX_ENGINE",
    "cell_centres",
    "cell_polygons",
    "cell_resolution",
    "cells_to_gdf",
    "cells_to_str",
    "change_res",
    "counts_in_cells",
    "grid_disks",
    "kring_weights",
    "latlng_to_cells",
    "polygon_to_cells",
    "str_to_cells",
    "to_parent",
]

#: Containment modes of :func:`polygon_to_cells` and the h3ronpy mode each maps to.
CONTAIN_MODES = {
    "center": ContainmentMode.ContainsCentroid,
    "overlap": ContainmentMode.Covers,
    "full": ContainmentMode.ContainsBoundary,
}

_POOL_PREFIX = "qy-hexes"
_CHUNK_MIN = 200_000  # below this many points threading costs more than it gains (h3ronpy)
_C_CHUNK_MIN = 20_000  # the same for the H3 C path (no Arrow conversions per chunk)

#:  Which compiled code :func:`latlng_to_cells` runs: ``"h3-c"`` (the H3 C library via
#: ``geo.domain._h3c``, built by ``python -m geo.domain._h3c.build``) or ``"h3ronpy"`` (the fallback
#: when it is not built, or when the environment sets ``QY_INDEX_ENGINE=h3ronpy``, e.g. to compare
#: the two).
INDEX_ENGINE = (
    "h3-c" if _h3c.LIB is not None and os.environ.get("QY_INDEX_ENGINE") != "h3ronpy" else "h3ronpy"
)


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_n_workers(), thread_name_prefix=_POOL_PREFIX)


def _n_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _check_res(res: int) -> int:
    res = int(res)
    if not 0 <= res <= 15:
        msg = f"H3 resolution must be 0..15, got {res}"
        raise ValueError(msg)
    return res


def _as_u64(cells: Iterable[int] | np.ndarray) -> np.ndarray:
    arr = np.asarray(cells)
    if arr.dtype == np.uint64:
        return arr
    if arr.dtype.kind in "iu":
        return arr.astype(np.uint64)
    if arr.size == 0:
        return np.zeros(0, np.uint64)
    msg = f"cells must be integer H3 indexes, got dtype {arr.dtype}; use str_to_cells for strings"
    raise TypeError(msg)


def _to_numpy_u64(arrow_array: object, *, writeable: bool = True) -> np.ndarray:
    """Arrow uint64 array (nulls allowed) -> numpy uint64 with 0 for null."""
    pa_arr = pa.array(arrow_array)
    if pa_arr.null_count:
        pa_arr = pa_arr.fill_null(0)
    out = pa_arr.to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)
    return out.copy() if writeable and not out.flags.writeable else out


def _index_chunk(
    lat: np.ndarray, lng: np.ndarray, res: int, *, writeable: bool = True
) -> np.ndarray:
    if lat.size == 0:
        return np.zeros(0, np.uint64)
    try:  # the compiled layer validates every point itself: the common case pays nothing extra
        return _to_numpy_u64(coordinates_to_cells(lat, lng, res), writeable=writeable)
    except ValueError:
        pass
    out = np.zeros(lat.shape[0], np.uint64)
    ok = np.isfinite(lat) & np.isfinite(lng)  # like h3, out-of-range degrees wrap around
    if ok.any():
        out[ok] = _to_numpy_u64(coordinates_to_cells(lat[ok], lng[ok], res))
    return out


def _index_c(lat: np.ndarray, lng: np.ndarray, res: int, workers: int) -> np.ndarray:
    """H3 C path: this thread and ``workers - 1`` pool threads take slices from a shared counter.

    About eight slices per worker rather than one each, so a core that another process slows down
    simply takes fewer slices (the C call releases the GIL; ``next`` on the counter holds it).
    """
    n = lat.shape[0]
    out = np.empty(n, np.uint64)
    if workers <= 1:
        _h3c.latlng_to_cells_into(lat, lng, res, out)
        return out
    size = max(_C_CHUNK_MIN, -(-n // (8 * workers)))
    slices = itertools.count(0, size)

    def work() -> None:
        for a in slices:
            if a >= n:
                return
            _h3c.latlng_to_cells_into(lat, lng, res, out, a, min(a + size, n))

    futures = [_pool().submit(work) for _ in range(workers - 1)]
    work()
    for f in futures:
        f.result()
    return out


def latlng_to_cells(
    lat: Sequence[float] | np.ndarray, lng: Sequence[float] | np.ndarray, res: int
) -> np.ndarray:
    """Index WGS-84 points to H3 cells at resolution ``res``.

    Parameters
    ----------
    lat, lng
        Degrees, same length. NaN or infinite coordinates give cell ``0``.
    res
        H3 resolution, 0..15.

    Returns
    -------
    numpy.ndarray
        ``uint64`` cells, one per point, in input order.
    """
    res = _check_res(res)
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    lng = np.ascontiguousarray(lng, dtype=np.float64)
    if lat.shape != lng.shape or lat.ndim != 1:
        msg = "lat and lng must be 1-d arrays of the same length"
        raise ValueError(msg)
    n = lat.shape[0]
    workers = _n_workers()
    nested = threading.current_thread().name.startswith(_POOL_PREFIX)  # no waits on our own pool
    if INDEX_ENGINE == "h3-c":
        return _index_c(lat, lng, res, 1 if nested or n < _C_CHUNK_MIN else workers)
    if n < _CHUNK_MIN or workers == 1 or nested:
        return _index_chunk(lat, lng, res)
    bounds = np.linspace(0, n, workers + 1).astype(int)
    out = np.empty(n, np.uint64)

    def work(i: int) -> None:
        a, b = bounds[i], bounds[i + 1]
        out[a:b] = _index_chunk(lat[a:b], lng[a:b], res, writeable=False)

    list(_pool().map(work, range(workers)))
    return out


def cells_to_str(cells: Iterable[int] | np.ndarray) -> np.ndarray:
    """H3 cells as hexadecimal strings (object array); cell ``0`` gives ``None``."""
    c = _as_u64(cells)
    out = np.full(c.shape[0], None, dtype=object)
    ok = c != 0
    if ok.any():
        out[ok] = pa.array(cells_to_string(c[ok])).to_numpy(zero_copy_only=False)
    return out


def str_to_cells(strings: Iterable[str | None] | np.ndarray | pd.Series) -> np.ndarray:
    """Hexadecimal (or decimal) cell strings -> ``uint64`` cells; empty/unparsable give ``0``."""
    arr = pd.Series(strings, dtype=object).to_numpy()
    out = np.zeros(arr.shape[0], np.uint64)
    ok = np.array([isinstance(s, str) and s != "" for s in arr], dtype=bool)
    if ok.any():
        parsed = cells_parse(pa.array(arr[ok], type=pa.string()), set_failing_to_invalid=True)
        out[ok] = _to_numpy_u64(parsed)
    return out


def cell_resolution(cells: Iterable[int] | np.ndarray) -> np.ndarray:
    """Resolution of each cell (bits 52-55 of the index), ``uint8``."""
    c = _as_u64(cells)
    return ((c >> np.uint64(52)) & np.uint64(0xF)).astype(np.uint8)


def to_parent(cells: Iterable[int] | np.ndarray, res: int) -> np.ndarray:
    """Parent of each cell at the coarser resolution ``res`` (same cell if already at ``res``).

    Computed with bit operations: the resolution field is set to ``res`` and the digits of the finer
    resolutions are set to 7 (unused), exactly as H3's ``cellToParent``. Cell ``0`` stays ``0``.
    """
    res = _check_res(res)
    c = _as_u64(cells)
    cur = cell_resolution(c)
    valid = c != 0
    if valid.any() and int(cur[valid].min()) < res:
        msg = f"cannot take the parent at resolution {res} of a coarser cell"
        raise ValueError(msg)
    # Digits for resolutions res+1..15 occupy the low 3*(15-res) bits.
    low = np.uint64((1 << (3 * (15 - res))) - 1)
    res_mask = np.uint64(0xF << 52)
    out = (c & ~res_mask) | np.uint64(res << 52) | low
    return np.where(valid, out, np.uint64(0))


def cell_centres(cells: Iterable[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre (lat, lng) in degrees of each cell; NaN for cell ``0``."""
    c = _as_u64(cells)
    lat = np.full(c.shape[0], np.nan)
    lng = np.full(c.shape[0], np.nan)
    ok = c != 0
    if ok.any():
        rb = pa.record_batch(cells_to_coordinates(c[ok]))
        lat[ok] = rb.column("lat").to_numpy()
        lng[ok] = rb.column("lng").to_numpy()
    return lat, lng


def cell_polygons(cells: Iterable[int] | np.ndarray) -> np.ndarray:
    """Shapely polygons (WGS-84, lng/lat order) of the cells, in input order."""
    c = _as_u64(cells)
    if c.size == 0:
        return np.empty(0, dtype=object)
    if (c == 0).any():
        msg = "cell 0 has no polygon"
        raise ValueError(msg)
    wkb = pa.array(cells_to_wkb_polygons(c)).to_numpy(zero_copy_only=False)
    return shapely.from_wkb(wkb)


def cells_to_gdf(cells: Iterable[int] | np.ndarray) -> gpd.GeoDataFrame:
    """GeoDataFrame of cell polygons (EPSG:4326) with columns ``h3`` (string) and ``res``."""
    c = _as_u64(cells)
    return gpd.GeoDataFrame(
        {"h3": cells_to_str(c), "res": cell_resolution(c).astype(np.int64)},
        geometry=cell_polygons(c),
        crs="EPSG:4326",
    )


def polygon_to_cells(geometry: BaseGeometry, res: int, *, contain: str = "center") -> np.ndarray:
    """Cells covering a WGS-84 Polygon or MultiPolygon (lng/lat order).

    Parameters
    ----------
    geometry
        Shapely Polygon or MultiPolygon in WGS-84.
    res
        H3 resolution.
    contain
        ``"center"``: cells whose centre lies in the polygon (each cell belongs to one of several
        adjacent polygons); ``"overlap"``: every cell that touches the polygon (complete cover);
        ``"full"``: cells lying entirely inside.

    Returns
    -------
    numpy.ndarray
        Sorted unique ``uint64`` cells.
    """
    res = _check_res(res)
    if contain not in CONTAIN_MODES:
        msg = f"contain must be one of {sorted(CONTAIN_MODES)}, got {contain!r}"
        raise ValueError(msg)
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        msg = f"expected a Polygon or MultiPolygon, got {geometry.geom_type}"
        raise TypeError(msg)
    if geometry.is_empty:
        return np.zeros(0, np.uint64)
    out = _to_numpy_u64(geometry_to_cells(geometry, res, containment_mode=CONTAIN_MODES[contain]))
    return np.unique(out[out != 0])


def grid_disks(cells: Iterable[int] | np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k-ring of every cell (origin included) as CSR-like ``(indptr, neighbour cells)``.

    One compiled ``grid_disk`` call (h3ronpy): the neighbours of ``cells[i]`` are
    ``values[indptr[i]:indptr[i + 1]]`` (``uint64``).
    """
    disks = pa.array(_grid_disk(_as_u64(cells), k, flatten=False))
    indptr = disks.offsets.to_numpy().astype(np.int64, copy=False)
    return indptr, _to_numpy_u64(disks.flatten())


def kring_weights(
    cells: Iterable[int] | np.ndarray, k: int = 1, *, include_self: bool = True
) -> sp.csr_matrix:
    """Binary k-ring adjacency among the given cells.

    ``W[i, j] = 1`` when cell j is within grid distance ``k`` of cell i (and ``i != j`` unless
    ``include_self``). Rows and columns follow the input order; cells must be unique.
    """
    c = _as_u64(cells)
    n = c.shape[0]
    if k < 0:
        msg = f"k must be >= 0, got {k}"
        raise ValueError(msg)
    if n == 0:
        return sp.csr_matrix((0, 0), dtype=np.float64)
    index = pd.Index(c)
    if not index.is_unique:
        msg = "kring_weights needs unique cells"
        raise ValueError(msg)
    offsets, neigh = grid_disks(c, k)
    rows = np.repeat(np.arange(n), np.diff(offsets))
    cols = index.get_indexer(neigh)
    keep = cols >= 0
    if not include_self:
        keep &= cols != rows
    data = np.ones(int(keep.sum()), dtype=np.float64)
    w = sp.csr_matrix((data, (rows[keep], cols[keep])), shape=(n, n))
    w.sum_duplicates()
    w.data[:] = 1.0
    return w


def change_res(cells: Iterable[int] | np.ndarray, res: int) -> np.ndarray:
    """Cells at another resolution (children are expanded), via h3ronpy; invalid cells dropped."""
    return _to_numpy_u64(change_resolution(_as_u64(cells), _check_res(res)))


def counts_in_cells(cells: np.ndarray, lat: np.ndarray, lng: np.ndarray, res: int) -> np.ndarray:
    """How many of the points (WGS-84 degrees) fall in each of ``cells``.

    ``cells`` are sorted ``uint64`` cells at ``res``; points outside them are not counted.

    >>> c = latlng_to_cells(np.array([28.7]), np.array([115.9]), 9)
    >>> counts_in_cells(c, np.array([28.7, 28.7, 10.0]), np.array([115.9, 115.9, 10.0]), 9)
    array([2])
    """
    cells = np.asarray(cells)
    if len(lat) == 0 or cells.size == 0:
        return np.zeros(cells.size, dtype=np.int64)
    pc = latlng_to_cells(np.asarray(lat, float), np.asarray(lng, float), res)
    uniq, n = np.unique(pc, return_counts=True)
    pos = np.searchsorted(cells, uniq)
    ok = (pos < cells.size) & (cells[np.minimum(pos, cells.size - 1)] == uniq)
    out = np.zeros(cells.size, dtype=np.int64)
    out[pos[ok]] = n[ok]
    return out
