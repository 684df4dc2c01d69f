"""Coordinate conversions: WGS-84 <-> GCJ-02 <-> BD-09, and any pyproj CRS -> WGS-84 (vectorised).

All functions take numpy arrays (or scalars, or sequences) of longitude and latitude in degrees and
return a ``(lng, lat)`` pair of float arrays with the broadcast shape of the inputs. NaN propagates.

GCJ-02 ("Mars" coordinates, used by Amap and Tencent) is the published obfuscation formula; points
outside the rough China bounding box are left unchanged. BD-09 (Baidu) further offsets GCJ-02.
The inverses (GCJ-02 -> WGS-84, BD-09 -> GCJ-02) have no closed form; they are solved by fixed-point
iteration on the forward formula, which makes round trips agree to well under a millimetre.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray
from pyproj.exceptions import CRSError

__all__ = [
    "EARTH_RADIUS_M",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "haversine_m",
    "normalise_crs_name",
    "to_wgs84",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = NDArray[np.float64]
LngLat = tuple[FloatArray, FloatArray]

EARTH_RADIUS_M = 6_371_008.8
_KRASOVSKY_A_M = 6_378_245.0  # semi-major axis used by the GCJ-02 formula
_KRASOVSKY_EE = 0.00669342162296594323  # first eccentricity squared used by the GCJ-02 formula
_X_PI = np.pi * 3000.0 / 180.0  # Baidu's constant
_TOL_DEG = 1e-9  # iteration stops when the largest correction is below this (about 0.1 mm)
_MAX_ITER = 12
_CHINA_BBOX_DEG = (72.004, 137.8347, 0.8293, 55.8271)  # rough test: lng min, lng max, lat min, max
_EPSG_WGS84 = 4326

_ALIASES = {
    "wgs84": ("wgs84", "wgs-84", "wgs 84", "epsg:4326", "4326"),
    "gcj02": ("gcj02", "gcj-02", "gcj", "amap", "gaode", "tencent", "火星", "高德", "腾讯"),
    "bd09": ("bd09", "bd-09", "bd09ll", "baidu", "百度"),
}
_ALIAS_TO_NAME = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def _as_arrays(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Broadcast to float arrays (copies); a point with a NaN coordinate becomes NaN in both."""
    x, y = np.broadcast_arrays(np.asarray(lng, dtype=float), np.asarray(lat, dtype=float))
    missing = np.isnan(x) | np.isnan(y)
    return np.where(missing, np.nan, x), np.where(missing, np.nan, y)


def _in_china(lng: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Rough China bounding box test (False for NaN)."""
    lng_min, lng_max, lat_min, lat_max = _CHINA_BBOX_DEG
    return (lng >= lng_min) & (lng <= lng_max) & (lat >= lat_min) & (lat <= lat_max)


def _gcj_delta(lng: FloatArray, lat: FloatArray) -> LngLat:
    """GCJ-02 offset (degrees) of WGS-84 points, ignoring the China bounding box."""
    x, y = lng - 105.0, lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlng += common
    dlng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * pi)
    dlng = dlng * 180.0 / (_KRASOVSKY_A_M / sqrtmagic * np.cos(radlat) * pi)
    return dlng, dlat


def _invert(
    forward: Callable[[FloatArray, FloatArray], LngLat],
    lng: FloatArray,
    lat: FloatArray,
    guess: LngLat,
) -> LngLat:
    """Solve ``forward(x, y) == (lng, lat)`` by fixed-point iteration from ``guess``."""
    gx, gy = np.asarray(guess[0]), np.asarray(guess[1])
    for _ in range(_MAX_ITER):
        fx, fy = forward(gx, gy)
        dx, dy = fx - lng, fy - lat
        gx, gy = gx - dx, gy - dy
        step = np.maximum(np.abs(dx), np.abs(dy))
        if np.max(step, initial=0.0, where=np.isfinite(step)) < _TOL_DEG:
            break
    return np.asarray(gx), np.asarray(gy)


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Convert WGS-84 to GCJ-02 (Amap/Tencent "Mars" coordinates), degrees in, degrees out.

    Points outside China are returned unchanged (inputs and outputs: see the module docstring).
    """
    x, y = _as_arrays(lng, lat)
    with np.errstate(invalid="ignore"):
        dx, dy = _gcj_delta(x, y)
        inside = _in_china(x, y)
    return np.where(inside, x + dx, x), np.where(inside, y + dy, y)


def gcj02_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Convert GCJ-02 to WGS-84 by iterating the forward formula (error far below 1 cm).

    The inverse of :func:`wgs84_to_gcj02`: degrees in, degrees out, points outside China unchanged.
    The forward formula jumps by hundreds of metres at the edge of its China box, so next to the
    edge the inverse is decided, not iterated across the jump: a point outside the box is its own
    answer (as the forward formula leaves it); a point inside gets the solution of the shift
    without the box, which is smooth and converges. Within a few hundred metres of the edge two
    cases cannot round-trip, and no formula could: a WGS-84 point inside the box that the shift
    moves outside comes back as itself shifted, and a point inside that no WGS-84 point maps to
    gets the shift's solution, the nearest there is.
    """
    x, y = _as_arrays(lng, lat)
    with np.errstate(invalid="ignore"):
        sx, sy = _invert(_gcj_shifted, x, y, (x, y))
        outside = ~_in_china(x, y) & np.isfinite(x)
    return np.where(outside, x, sx), np.where(outside, y, sy)


def _gcj_shifted(lng: FloatArray, lat: FloatArray) -> LngLat:
    """The GCJ-02 formula applied everywhere (no China box): smooth, for the inverse."""
    dx, dy = _gcj_delta(lng, lat)
    return lng + dx, lat + dy


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Convert GCJ-02 to BD-09 (Baidu), degrees in, degrees out."""
    x, y = _as_arrays(lng, lat)
    with np.errstate(invalid="ignore"):
        z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
        theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
        return np.asarray(z * np.cos(theta) + 0.0065), np.asarray(z * np.sin(theta) + 0.006)


def _bd09_to_gcj02_closed_form(x: FloatArray, y: FloatArray) -> LngLat:
    x, y = x - 0.0065, y - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Convert BD-09 (Baidu) to GCJ-02, the exact inverse of :func:`gcj02_to_bd09`.

    Degrees in, degrees out. The usual closed form is off by up to about 0.2 m; it only seeds the
    iteration here.
    """
    x, y = _as_arrays(lng, lat)
    with np.errstate(invalid="ignore"):
        return _invert(gcj02_to_bd09, x, y, _bd09_to_gcj02_closed_form(x, y))


def wgs84_to_bd09(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Convert WGS-84 to BD-09 (degrees in, degrees out), via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


def bd09_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> LngLat:
    """Convert BD-09 to WGS-84 (degrees in, degrees out), via GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


@lru_cache(maxsize=64)
def _resolve(text: str) -> tuple[str, pyproj.CRS | None]:
    key = text.strip().lower()
    if key in _ALIAS_TO_NAME:
        return _ALIAS_TO_NAME[key], None
    try:
        crs = pyproj.CRS.from_user_input(text.strip())
    except (CRSError, TypeError, ValueError) as exc:
        msg = (
            f"unknown CRS {text!r}: use 'wgs84', 'gcj02', 'bd09' or a CRS pyproj understands "
            f"(e.g. 'EPSG:32650', or the WKT of a .prj file)"
        )
        raise ValueError(msg) from exc
    epsg = crs.to_epsg()
    if epsg == _EPSG_WGS84:
        return "wgs84", None
    return (f"EPSG:{epsg}" if epsg is not None else crs.to_wkt()), crs


def _crs_key(crs: Any) -> str:
    if isinstance(crs, pyproj.CRS):
        return crs.to_wkt()
    if isinstance(crs, int) and not isinstance(crs, bool):
        return f"EPSG:{crs}"
    if isinstance(crs, str) and crs.strip():
        return crs
    msg = f"unknown CRS {crs!r}: expected a CRS name, an EPSG code, WKT/PROJ text or a pyproj.CRS"
    raise ValueError(msg)


def normalise_crs_name(crs: str | int | pyproj.CRS) -> str:
    """Name a CRS canonically: ``"wgs84"``, ``"gcj02"``, ``"bd09"``, ``"EPSG:n"`` or WKT.

    Parameters
    ----------
    crs
        An alias (``"amap"``, ``"百度"``, ``"EPSG:4326"`` ...), an EPSG code, WKT/PROJ text or a
        :class:`pyproj.CRS`.

    Raises
    ------
    ValueError
        If the CRS is not an alias and pyproj does not understand it.
    """
    return _resolve(_crs_key(crs))[0]


@lru_cache(maxsize=64)
def _transformer(key: str, *, inverse: bool) -> pyproj.Transformer:
    crs = _resolve(key)[1]
    src, dst = (
        (pyproj.CRS.from_epsg(_EPSG_WGS84), crs)
        if inverse
        else (crs, pyproj.CRS.from_epsg(_EPSG_WGS84))
    )
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _pyproj_transform(key: str, x: FloatArray, y: FloatArray, *, inverse: bool) -> LngLat:
    ok = np.isfinite(x) & np.isfinite(y)
    out_x, out_y = np.full(x.shape, np.nan), np.full(y.shape, np.nan)
    if ok.any():
        tx, ty = _transformer(key, inverse=inverse).transform(x[ok], y[ok])
        tx, ty = np.asarray(tx, dtype=float), np.asarray(ty, dtype=float)
        bad = ~(np.isfinite(tx) & np.isfinite(ty))  # PROJ reports failures as inf
        out_x[ok], out_y[ok] = np.where(bad, np.nan, tx), np.where(bad, np.nan, ty)
    return out_x, out_y


def _convert(
    lng: ArrayLike,
    lat: ArrayLike,
    crs: str | int | pyproj.CRS,
    named: Mapping[str, Callable[[ArrayLike, ArrayLike], LngLat]],
    *,
    inverse: bool,
) -> LngLat:
    """``named[name](lng, lat)`` for a named CRS, else pyproj (``inverse``: from WGS-84)."""
    key = _crs_key(crs)
    name = _resolve(key)[0]
    if name in named:
        return named[name](lng, lat)
    return _pyproj_transform(key, *_as_arrays(lng, lat), inverse=inverse)


# the named CRSs' conversions to and from WGS-84
_TO_WGS84 = {"wgs84": _as_arrays, "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"wgs84": _as_arrays, "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def to_wgs84(lng: ArrayLike, lat: ArrayLike, crs: str | int | pyproj.CRS) -> LngLat:
    """Convert coordinates in ``crs`` to WGS-84 longitude/latitude (degrees).

    Parameters
    ----------
    lng, lat
        x and y in the CRS's own units: degrees for wgs84/gcj02/bd09 and geographic CRSs, the
        projection's linear unit (metres, US survey feet ...) for projected CRSs.
    crs
        See :func:`normalise_crs_name`.

    Raises
    ------
    ValueError
        If the CRS is unknown.
    """
    return _convert(lng, lat, crs, _TO_WGS84, inverse=False)


def from_wgs84(lng: ArrayLike, lat: ArrayLike, crs: str | int | pyproj.CRS) -> LngLat:
    """Convert WGS-84 longitude/latitude (degrees) to ``crs`` (e.g. GCJ-02 for Amap tiles).

    Returns x and y in the CRS's own units; see :func:`to_wgs84`.
    """
    return _convert(lng, lat, crs, _FROM_WGS84, inverse=True)


def haversine_m(lng1: ArrayLike, lat1: ArrayLike, lng2: ArrayLike, lat2: ArrayLike) -> FloatArray:
    """Great-circle distance (metres) between points given in degrees.

    Uses the haversine formula on a sphere of radius :data:`EARTH_RADIUS_M`; NaN where any input is
    NaN. Inputs broadcast against each other.
    """
    x1, y1, x2, y2 = (np.radians(np.asarray(v, dtype=float)) for v in (lng1, lat1, lng2, lat2))
    h = np.sin((y2 - y1) / 2.0) ** 2 + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
