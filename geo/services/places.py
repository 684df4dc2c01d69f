"""Places by name for a user: cells, stops and alerts named by grid and nearest landmark.

The names come from what the user may read (:func:`geo.store.read` through their scope): the
areas (grids, stations), the key sites and the venues. :func:`gazetteer` reads them once and
keeps them for :data:`TTL_S` seconds per store and reader (the pages cache what they show for
as long), so that a page, a plan or a briefing naming hundreds of cells reads the places once;
:func:`forget` drops them (after an import of areas, sites or venues, when names must show at
once). The naming itself is :func:`geo.domain.places.name_places`.

Streets and crossings: when the store has an active road network (:mod:`geo.services.networks`),
its named streets and crossings name places too (:func:`geo.domain.places.street_marks_of`, in
the order of :mod:`geo.domain.places`). They are indexed once per network (kept per store, network
id and import time, :data:`_KEEP_NETWORKS` at most) and shared by every reader (road networks are
not scoped); the gazetteer notes the active one when it reads the places. Importing, choosing or
deleting a network calls :func:`forget` (through :func:`geo.services.networks.forget`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from numpy.typing import ArrayLike

from geo import store
from geo.domain import hexes, places
from geo.store import networks as stored_networks

__all__ = [
    "TTL_S",
    "Gazetteer",
    "forget",
    "gazetteer",
    "name_cells",
    "name_points",
    "street_marks",
    "with_places",
]

TTL_S = 300
"""Seconds a store's places are kept per reader (as long as the pages' cached results)."""

_KEEP = 64  # readers kept at most (the oldest goes first)
_CACHE: dict[Hashable, tuple[float, Gazetteer]] = {}  # key -> (monotonic seconds read, places)
_KEEP_NETWORKS = 4  # indexed road networks kept at most (the oldest goes first)
_STREETS: dict[Hashable, places.StreetMarks] = {}  # (store, network id, imported ms) -> streets
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Gazetteer:
    """The named places a reader may see.

    ``areas``: name, level, geometry (WKT, WGS-84); ``landmarks``: name, kind (``site`` or
    ``venue``), lat, lng, key sites first (a place listed as both is named as the site);
    ``streets``: the active road network's named streets and crossings (None without one).
    """

    areas: pd.DataFrame
    landmarks: pd.DataFrame
    streets: places.StreetMarks | None = None


def _key(engine: sa.Engine, scope: store.Reader) -> Hashable:
    who: Hashable = scope if isinstance(scope, str | store.Principal) else frozenset(scope)
    return (id(engine), engine.url.render_as_string(hide_password=True), who)


def gazetteer(engine: sa.Engine, scope: store.Reader) -> Gazetteer:
    """The areas, key sites and venues ``scope`` may read (kept :data:`TTL_S` seconds)."""
    key = _key(engine, scope)
    now = time.monotonic()
    with _LOCK:
        kept = _CACHE.get(key)
    if kept is not None and now - kept[0] < TTL_S:
        return kept[1]
    areas = store.read(engine, "areas", scope, columns=["area_id", "name", "level", "geometry"])
    marks = [
        store.read(engine, kind, scope, columns=["name", "lat", "lng"]).assign(kind=label)
        for kind, label in (("sites", "site"), ("venues", "venue"))
    ]
    got = Gazetteer(
        areas=areas.sort_values("area_id", kind="stable").reset_index(drop=True),
        landmarks=pd.concat(marks, ignore_index=True),
        streets=street_marks(engine),
    )
    with _LOCK:
        for old in [k for k, (at, _) in _CACHE.items() if now - at >= TTL_S]:
            del _CACHE[old]
        while len(_CACHE) >= _KEEP:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[key] = (now, got)
    return got


def street_marks(engine: sa.Engine) -> places.StreetMarks | None:
    """The active road network's named streets and crossings, indexed (None without one).

    Built once per network: kept while the network (its id and import time) stays stored.
    """
    got = stored_networks.active_id(engine)
    if got is None:
        return None
    key = (id(engine), engine.url.render_as_string(hide_password=True), got)
    with _LOCK:
        kept = _STREETS.get(key)
    if kept is not None:
        return kept
    g = stored_networks.load(engine, got[0])
    if g is None:
        return None
    built = places.street_marks_of(g)
    with _LOCK:
        while len(_STREETS) >= _KEEP_NETWORKS:
            del _STREETS[next(iter(_STREETS))]
        _STREETS[key] = built
    return built


def forget() -> None:
    """Drop every kept gazetteer and street index (the next naming reads the places again)."""
    with _LOCK:
        _CACHE.clear()
        _STREETS.clear()


def name_points(
    engine: sa.Engine,
    scope: store.Reader,
    lat: ArrayLike,
    lng: ArrayLike,
    *,
    streets: pd.DataFrame | places.StreetMarks | None = None,
) -> pd.DataFrame:
    """Name points (WGS-84 degrees) by grid and landmark the reader may see.

    Parameters
    ----------
    streets
        Named streets of another road network (:func:`geo.domain.places.name_places`); by
        default the active network's (:func:`street_marks`), none when there is none.

    Returns
    -------
    :func:`geo.domain.places.name_places`: one row per point, with ``place`` (zh-CN) and
    ``place_en``.
    """
    g = gazetteer(engine, scope)
    return places.name_places(
        lat,
        lng,
        areas=g.areas,
        landmarks=g.landmarks,
        streets=streets if streets is not None else g.streets,
    )


def name_cells(
    engine: sa.Engine, scope: store.Reader, cells: Sequence[int | str] | np.ndarray
) -> pd.DataFrame:
    """Name H3 cells (ints or strings) by their centre (:func:`name_points`), plus ``h3``."""
    arr = np.asarray(cells)
    u64 = hexes.str_to_cells(arr) if arr.dtype.kind in "OUS" else arr.astype(np.uint64)
    lat, lng = hexes.cell_centres(u64)
    out = name_points(engine, scope, lat, lng)
    out["h3"] = hexes.cells_to_str(u64)
    return out


def with_places(
    engine: sa.Engine, scope: store.Reader, frame: pd.DataFrame, *, cell: str | None = "cell"
) -> pd.DataFrame:
    """``frame`` with the columns ``place`` (zh-CN) and ``place_en`` added.

    Each row is named by its H3 cell (column ``cell``), or, with ``cell=None``, by its ``lat``
    and ``lng``.
    """
    if frame.empty:
        return frame.assign(place=pd.Series(dtype=object), place_en=pd.Series(dtype=object))
    if cell is not None:
        named = name_cells(engine, scope, frame[cell].to_numpy())
    else:
        named = name_points(
            engine, scope, frame["lat"].to_numpy(float), frame["lng"].to_numpy(float)
        )
    return frame.assign(place=named["place"].to_numpy(), place_en=named["place_en"].to_numpy())
