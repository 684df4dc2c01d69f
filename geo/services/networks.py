"""Road networks in the store: import, list, choose the active one, delete, load it for travel.

A road network comes in as a file users have (:mod:`geo.domain.network`: an OSM ``.osm.pbf``,
an osmnx GraphML, a road-centreline Shapefile, zipped or not, or GeoPackage layer), is read into
one graph and stored (:mod:`geo.store.networks`). One stored network is active: plans
(:func:`geo.services.plan.make_plan`), response circles (:func:`geo.services.circles.readiness`)
and the nearest unit travel on it when no other network is named (:func:`resolve`).

Writes are the admin's (the Data page, ``python -m geo network``; the callers check the role)
and are audited as ``settings`` with ``what`` = ``road_network`` and the change in the detail.
:func:`active_network` keeps the loaded active network per store while its id and import time
stay the same, so that every plan and page reuses one graph and its shortest-path trees.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo import store
from geo.config import get_settings
from geo.domain import network, routing
from geo.domain.network import NetworkFileError
from geo.ingest.files import check_zip
from geo.services import access, places
from geo.store import networks as stored

__all__ = [
    "STRAIGHT",
    "NetworkFileError",
    "active_network",
    "delete_network",
    "forget",
    "import_network",
    "list_networks",
    "plan_choices",
    "resolve",
    "sheet_backdrop",
    "use_network",
]

STRAIGHT = "straight"
"""The network argument that asks for the straight line x detour even when one is active."""

_LOCK = threading.Lock()
_LOADED: dict[str, tuple[tuple[int, int], routing.RoadNetwork]] = {}


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def forget() -> None:
    """Drop the loaded active networks of this process (the next use reads the store).

    Places named by the streets (:func:`geo.services.places.forget`) are dropped with them.
    """
    with _LOCK:
        _LOADED.clear()
    places.forget()


def import_network(
    engine: sa.Engine,
    path: str | Path,
    *,
    name: str | None = None,
    file_name: str | None = None,
    crs: str = "wgs84",
    layer: str | None = None,
    by: str | None = None,
    activate: bool = True,
) -> dict[str, Any]:
    """Read a road network file and store it (the active one unless ``activate`` is False).

    Parameters
    ----------
    path
        The file (``.shp`` beside its ``.dbf``/``.prj``/``.cpg``, a ``.zip`` of them, ``.gpkg``,
        ``.graphml``, ``.osm.pbf``).
    name
        What users call it (default the file's name without its suffix).
    file_name
        The file's name as the user gave it (an upload's), for messages.
    crs
        What degrees without a ``.prj`` are in (``wgs84``, ``gcj02``, ``bd09``).
    layer
        A GeoPackage's layer (default its one line layer).
    by
        Who imports it (audited).

    Returns
    -------
    dict
        network_id, name, file, kind, crs, nodes, edges, roads, km, classes (km per road
        class), oneway (one-way roads), named (edges with a street name), bbox, active.

    Raises
    ------
    NetworkFileError, geo.ingest.report.FileError
        The file and the reason, in English (``str``) and each language (``text(lang)``).
    """
    path = Path(path)
    file_name = file_name or path.name
    network.file_kind(file_name)  # refuses a file of another kind before reading it
    if path.suffix.lower() == ".zip":
        check_zip(path, file_name, "zip")
    g = network.read_network(path, name=file_name, crs=crs, layer=layer)
    label = (name or "").strip() or Path(file_name).name.split(".")[0]
    now = access.now_ms()
    with engine.begin() as conn:
        network_id = stored.insert(conn, g, name=label[:100], now_ms=now, by=by, active=activate)
    s = network.summary(g)
    access.audit(
        engine,
        by,
        "settings",
        "road_network",
        rows=s["edges"],
        now=now,
        change="import",
        network_id=network_id,
        name=label,
        file=file_name,
        active=activate,
    )
    forget()
    return {
        "network_id": network_id,
        "name": label,
        "file": file_name,
        "kind": g.source.get("kind"),
        "crs": g.source.get("crs"),
        **s,
        "active": activate,
    }


def list_networks(engine: sa.Engine) -> pd.DataFrame:
    """Every stored network, newest first.

    Columns: network_id, name, file_name, file_kind, crs, imported_by, nodes, edges, km,
    oneway (one-way roads), classes (km per road class), imported (tz-aware), active.
    """
    rows = stored.rows(engine)
    tz = get_settings().tz
    classes = rows["detail"].map(_classes)
    return rows[
        ["network_id", "name", "file_name", "file_kind", "crs", "imported_by", "nodes", "edges"]
    ].assign(
        km=pd.to_numeric(rows["km"]).round(2),
        oneway=rows["oneway"],
        classes=classes,
        imported=store.ms_to_ts(rows["imported_ms"], tz),
        active=rows["active"],
    )


def _classes(detail: str) -> dict[str, float]:
    try:
        return dict(json.loads(detail).get("classes", {}))
    except (ValueError, TypeError, AttributeError):
        return {}


def use_network(engine: sa.Engine, network_id: int | None, *, by: str | None = None) -> None:
    """Make network ``network_id`` the active one (None: travel in a straight line); audited.

    ValueError when no such network is stored.
    """
    with engine.begin() as conn:
        if not stored.activate(conn, network_id):
            msg = f"no road network {network_id} in the store"
            raise ValueError(msg)
    access.audit(engine, by, "settings", "road_network", change="use", network_id=network_id)
    forget()


def delete_network(engine: sa.Engine, network_id: int, *, by: str | None = None) -> None:
    """Delete network ``network_id`` (an active one leaves none active); audited.

    ValueError when no such network is stored.
    """
    with engine.begin() as conn:
        if not stored.delete(conn, network_id):
            msg = f"no road network {network_id} in the store"
            raise ValueError(msg)
    access.audit(engine, by, "settings", "road_network", change="delete", network_id=network_id)
    forget()


def active_network(engine: sa.Engine) -> routing.RoadNetwork | None:
    """The store's active road network, loaded (kept while it stays the active one), or None."""
    got = stored.active_id(engine)
    if got is None:
        return None
    key = _url(engine)
    with _LOCK:
        kept = _LOADED.get(key)
    if kept is not None and kept[0] == got:
        return kept[1]
    g = stored.load(engine, got[0])
    if g is None:
        return None
    net = routing.RoadNetwork(g.source.get("file") or "network", graph=g)
    with _LOCK:
        _LOADED[key] = (got, net)
    return net


def resolve(
    engine: sa.Engine, network_: str | Path | routing.RoadNetwork | None
) -> routing.RoadNetwork | None:
    """The road network a plan or circle travels on.

    A loaded network as it is; None: the store's active one (None when there is none);
    ``""`` or :data:`STRAIGHT`: none (the straight line x detour); ``"#3"`` or ``"3"``: stored
    network 3; any other text: a road network file (:class:`geo.domain.routing.RoadNetwork`).
    ValueError for a stored id that is not stored or a file that cannot be read.
    """
    if network_ is None:
        return active_network(engine)
    if isinstance(network_, routing.RoadNetwork):
        return network_
    text = str(network_).strip()
    if text in ("", STRAIGHT):
        return None
    if text.lstrip("#").isdigit():
        g = stored.load(engine, int(text.lstrip("#")))
        if g is None:
            msg = f"no road network {text} in the store"
            raise ValueError(msg)
        active = stored.active_id(engine)
        if active is not None and active[0] == int(text.lstrip("#")):
            return active_network(engine)
        return routing.RoadNetwork(g.source.get("file") or "network", graph=g)
    return routing.RoadNetwork(text)


def sheet_backdrop(
    engine: sa.Engine, scope: store.Reader, *, network_: routing.RoadNetwork | None = None
) -> dict[str, Any]:
    """Streets and grid lines for the plan sheet (:mod:`geo.reports.plan_sheets`).

    ``streets``: lists of (lng, lat) arrays with a ``main`` flag per street (trunk, primary and
    secondary roads and faster ones), of the given network or the active one; ``grids``: the
    outlines of the grids ``scope`` may read, as (lng, lat) arrays. Both WGS-84.
    """
    net = network_ if network_ is not None else active_network(engine)
    streets: list[tuple[np.ndarray, bool]] = []
    if net is not None and net.road_graph is not None:
        lines = network.street_lines(net.road_graph)
        main = lines["road_class"].isin(["motorway", "expressway", "trunk", "primary", "secondary"])
        for geom, is_main in zip(lines["geometry"], main, strict=True):
            streets.append((np.asarray(shapely.get_coordinates(geom)), bool(is_main)))
    areas = store.read(engine, "areas", scope, columns=["area_id", "level", "geometry"])
    grids: list[np.ndarray] = []
    for wkt in areas.loc[areas["level"] == "grid", "geometry"]:
        geom = shapely.from_wkt(wkt) if isinstance(wkt, str) else wkt
        for ring in shapely.get_exterior_ring(shapely.get_parts(geom)):
            grids.append(np.asarray(shapely.get_coordinates(ring)))
    return {"streets": streets, "grids": grids}


def plan_choices(engine: sa.Engine) -> tuple[dict[str, str | None], str]:
    """The plan page's travel choices and the default one.

    ``{STRAIGHT: None, "<id>": name, ...}`` (newest network first) and the active network's
    id (or :data:`STRAIGHT` when none is active).
    """
    rows = stored.rows(engine)
    out: dict[str, str | None] = {STRAIGHT: None}
    default = STRAIGHT
    for r in rows.itertuples():
        out[str(r.network_id)] = str(r.name)
        if r.active:
            default = str(r.network_id)
    return out, default
