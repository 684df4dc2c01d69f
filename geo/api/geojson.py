"""Frames as the API's JSON and GeoJSON documents.

Cell frames (a ``cell`` column of H3 integers) come out as the files of ``python -m geo coverage
--out F.geojson`` do (:func:`geo.reports.cells.write_cells`): ``h3`` (the cell id as a string) and
``res`` first, then the metrics, each cell a polygon (WGS-84 degrees). Frames of points (a
``lat`` and a ``lng`` column, WGS-84 degrees) come out as GeoJSON points; times are ISO 8601 text.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.domain import hexes

__all__ = ["cell_table", "cells_geojson", "points_geojson", "records"]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: times as ISO 8601 text, missing values as None."""
    if frame.empty:
        return []
    f = frame.reset_index(drop=True)
    # pandas writes NaN/NaT as null and times (any zone) as ISO 8601 text
    out: list[dict[str, Any]] = json.loads(
        f.to_json(orient="records", date_format="iso", force_ascii=False, default_handler=str)
    )
    return out


def cell_table(result: pd.DataFrame) -> pd.DataFrame:
    """A per-cell result with ``h3`` (the cell id as text) and ``res`` first, then the metrics.

    The columns and their order of the cell files (:func:`geo.reports.cells.write_cells`).
    """
    cells = result["cell"].to_numpy().astype(np.uint64)
    table = pd.DataFrame(
        {
            "h3": hexes.cells_to_str(cells) if len(cells) else np.array([], dtype=object),
            "res": hexes.cell_resolution(cells).astype(int) if len(cells) else [],
        }
    )
    for col in result.columns:
        if col in ("cell", "res"):
            continue
        v = result[col]
        if isinstance(v.dtype, pd.DatetimeTZDtype):  # local time, as the cell files write it
            v = v.map(lambda x: None if pd.isna(x) else x.isoformat())
        table[col] = v.to_numpy()
    return table


def _feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def cells_geojson(result: pd.DataFrame) -> dict[str, Any]:
    """A per-cell result as a FeatureCollection of cell polygons (properties: cell_table)."""
    table = cell_table(result)
    cells = result["cell"].to_numpy().astype(np.uint64)
    geoms = hexes.cell_polygons(cells) if len(cells) else np.array([], dtype=object)
    props = records(table)
    return _feature_collection(
        [
            {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)}
            for p, g in zip(props, geoms, strict=True)
        ]
    )


def points_geojson(frame: pd.DataFrame, lat: str = "lat", lng: str = "lng") -> dict[str, Any]:
    """Rows with a point (``lat``, ``lng`` in WGS-84 degrees) as a FeatureCollection of points.

    Every other column is a property; a row without a point has a null geometry.
    """
    props = records(frame.drop(columns=[c for c in (lat, lng) if c in frame.columns]))
    features = []
    ys = pd.to_numeric(frame[lat], errors="coerce") if lat in frame.columns else None
    xs = pd.to_numeric(frame[lng], errors="coerce") if lng in frame.columns else None
    for i, p in enumerate(props):
        geometry = None
        if ys is not None and xs is not None:
            y, x = float(ys.iloc[i]), float(xs.iloc[i])
            if not (np.isnan(x) or np.isnan(y)):
                geometry = {"type": "Point", "coordinates": [x, y]}
        features.append({"type": "Feature", "properties": p, "geometry": geometry})
    return _feature_collection(features)
