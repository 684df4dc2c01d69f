"""Stored road networks: the rows behind :mod:`geo.services.networks`.

Only this module reads and writes the ``road_networks`` table. A row keeps one imported network
(its nodes and edges as compressed Parquet, :func:`geo.domain.network.to_bytes`), its counts
and bounding box; at most one row is ``active``.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.domain import network
from geo.store.tables import road_networks

__all__ = [
    "LIST_COLUMNS",
    "activate",
    "active_id",
    "delete",
    "insert",
    "load",
    "rows",
]

# what a listing returns: every column but the data
LIST_COLUMNS = [
    "network_id",
    "name",
    "file_name",
    "file_kind",
    "crs",
    "imported_ms",
    "imported_by",
    "nodes",
    "edges",
    "km",
    "oneway",
    "min_lng",
    "min_lat",
    "max_lng",
    "max_lat",
    "detail",
    "active",
]


def insert(
    conn: sa.Connection,
    g: network.RoadGraph,
    *,
    name: str,
    now_ms: int,
    by: str | None,
    active: bool,
) -> int:
    """Store graph ``g`` as a new network in ``conn``'s transaction; return its id.

    ``active``: it becomes the one active network (the others are set inactive).
    """
    s = network.summary(g)
    nodes, edges = network.to_bytes(g)
    bbox = s["bbox"] or [None] * 4
    detail = {
        "classes": s["classes"],
        "roads": s["roads"],
        "named": s["named"],
        "layer": g.source.get("layer"),
        "columns": g.source.get("columns", {}),
    }
    if active:
        conn.execute(road_networks.update().values(active=False))
    done = conn.execute(
        road_networks.insert().values(
            name=name,
            file_name=str(g.source.get("file", "")),
            file_kind=str(g.source.get("kind", "")),
            crs=g.source.get("crs"),
            imported_ms=int(now_ms),
            imported_by=None if by is None else str(by)[:64],
            nodes=s["nodes"],
            edges=s["edges"],
            km=s["km"],
            oneway=s["oneway"],
            min_lng=bbox[0],
            min_lat=bbox[1],
            max_lng=bbox[2],
            max_lat=bbox[3],
            detail=json.dumps(detail, ensure_ascii=False),
            active=bool(active),
            nodes_parquet=nodes,
            edges_parquet=edges,
        )
    )
    key = done.inserted_primary_key
    return int(key[0]) if key is not None else 0


def rows(engine: sa.Engine) -> pd.DataFrame:
    """Every stored network with :data:`LIST_COLUMNS` (no data), newest first."""
    t = road_networks
    stmt = sa.select(*(t.c[c] for c in LIST_COLUMNS)).order_by(t.c.network_id.desc())
    with engine.connect() as conn:
        out = pd.DataFrame(conn.execute(stmt).all(), columns=LIST_COLUMNS)
    out["active"] = out["active"].astype(bool)
    return out


def active_id(engine: sa.Engine) -> tuple[int, int] | None:
    """(id, imported_ms) of the active network, or None."""
    t = road_networks
    stmt = sa.select(t.c.network_id, t.c.imported_ms).where(t.c.active.is_(True)).limit(1)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    return None if row is None else (int(row[0]), int(row[1]))


def load(engine: sa.Engine, network_id: int) -> network.RoadGraph | None:
    """The stored graph of network ``network_id``, or None when there is none."""
    t = road_networks
    stmt = sa.select(
        t.c.nodes_parquet, t.c.edges_parquet, t.c.file_name, t.c.file_kind, t.c.crs, t.c.name
    ).where(t.c.network_id == int(network_id))
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    source: dict[str, Any] = {"file": row[2], "kind": row[3], "crs": row[4], "name": row[5]}
    return network.from_bytes(bytes(row[0]), bytes(row[1]), source)


def activate(conn: sa.Connection, network_id: int | None) -> bool:
    """Make network ``network_id`` the active one (None: none is); False when it is not stored."""
    t = road_networks
    if network_id is not None:
        found = conn.execute(
            sa.select(t.c.network_id).where(t.c.network_id == int(network_id))
        ).first()
        if found is None:
            return False
    conn.execute(t.update().values(active=False))
    if network_id is not None:
        conn.execute(t.update().where(t.c.network_id == int(network_id)).values(active=True))
    return True


def delete(conn: sa.Connection, network_id: int) -> bool:
    """Delete network ``network_id``; False when it is not stored."""
    t = road_networks
    done = conn.execute(t.delete().where(t.c.network_id == int(network_id)))
    return bool(done.rowcount)
