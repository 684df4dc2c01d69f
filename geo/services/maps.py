"""What a standalone offline map of a user's scope shows: one layer and the area outlines.

The layer is cells or points; the map is drawn by :func:`layers.standalone.standalone_map`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES
from geo.services.coverage import coverage_cells
from geo.services.hotspots import hotspot_cells
from geo.services.risk import risk_cells

__all__ = ["CELL_LAYERS", "MAP_LAYERS", "MapData", "map_data"]

CELL_LAYERS = ("coverage", "hotspots", "risk", "gap")
MAP_LAYERS = (*CELL_LAYERS, "venues", "hazards")


@dataclass(frozen=True)
class MapData:
    """One layer's rows, the areas' outlines, and whether the demo city is loaded.

    The rows are a per-cell result for cells, venue or hazard records for points.
    """

    layer: str
    frame: pd.DataFrame
    areas: pd.DataFrame
    demo: bool


def map_data(
    engine: sa.Engine,
    scope: store.Reader,
    layer: str,
    *,
    start: str | None = None,
    end: str | None = None,
    res: int = DEFAULT_RES,
    area: str | None = None,
    night: str = DEFAULT_NIGHT,
) -> MapData:
    """The rows of ``layer`` (one of :data:`MAP_LAYERS`) over local dates ``start``..``end``.

    Rows in the scope narrowed to ``area`` (ValueError for an unknown area).

    Cells at ``res``: ``coverage`` (night dwell; ``night`` ``"all"`` or empty for whole days),
    ``hotspots`` (Gi*), ``risk`` and ``gap``; points: ``venues`` and ``hazards``.
    """
    narrowed = store.narrowed(engine, scope, area)  # unknown area -> ValueError
    if layer == "coverage":
        frame = coverage_cells(
            engine,
            scope,
            start=start,
            end=end,
            res=res,
            area=area,
            night=None if night in ("all", "") else night,
        )
    elif layer == "hotspots":
        frame = hotspot_cells(engine, scope, start=start, end=end, res=res, area=area)
    elif layer in ("risk", "gap"):
        frame = risk_cells(engine, scope, start=start, end=end, res=res, area=area, night=night)
    elif layer in ("venues", "hazards"):
        frame = store.read(engine, layer, narrowed, start=start, end=end)
    else:
        msg = f"unknown map layer {layer!r}; expected one of {', '.join(MAP_LAYERS)}"
        raise ValueError(msg)
    areas = store.read(engine, "areas", narrowed)
    return MapData(layer, frame, areas, store.is_demo(engine))
