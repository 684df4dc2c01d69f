"""Jurisdictions (辖区) and grids (网格) as outlines with their names as labels."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely
from shapely import wkt as shapely_wkt
from shapely.geometry import mapping

from layers import _assets
from layers._encode import legend_html, shift, text
from layers._layer import DataLayer

__all__ = ["AREA_STYLES", "AreasLayer", "areas_layer"]

AREA_STYLES: dict[str, dict] = {
    "station": {"color": "#263238", "weight": 3, "fill": False, "opacity": 0.9},
    "grid": {"color": "#546e7a", "weight": 1.5, "dashArray": "5 4", "fill": False, "opacity": 0.8},
    "default": {"color": "#455a64", "weight": 2, "fill": False, "opacity": 0.85},
}


class AreasLayer(DataLayer):
    """A folium layer of area outlines (see :func:`areas_layer`)."""

    factory = "qyAreas"
    element = "QyAreas"

    def __init__(self, data: dict, *, name: str, show: bool = True) -> None:
        super().__init__(data, name=name, show=show)
        self.n_areas = len(data["features"])


def _geometry(value: object) -> shapely.Geometry:
    if isinstance(value, shapely.Geometry):
        return value
    if isinstance(value, str):
        return shapely_wkt.loads(value)
    msg = f"area geometry must be WKT or shapely, not {type(value).__name__}"
    raise ValueError(msg)


def areas_layer(
    areas: pd.DataFrame,
    *,
    name: str,
    labels: bool = True,
    shift_gcj02: bool = False,
    legend_title: str = "",
    level_labels: Mapping[str, str] | None = None,
    decimals: int = 6,
    show: bool = True,
) -> AreasLayer:
    """Outlines of ``areas[area_id, name, level, geometry]`` (geometry WKT or shapely, WGS-84),
    styled by level (station thick, grid dashed), each labelled with its escaped name."""
    features: list[dict] = []
    marks: list[list] = []
    # a station whose grids are drawn too is labelled through its grids (labels would overlap)
    parents = set(areas["parent_id"].dropna()) if "parent_id" in areas else set()
    for row in areas.itertuples(index=False):
        geom = _geometry(row.geometry)
        if geom.is_empty:
            continue

        def move(xy: np.ndarray) -> np.ndarray:
            lat, lng = shift(xy[:, 1], xy[:, 0], shift_gcj02)
            return np.round(np.column_stack([lng, lat]), decimals)

        g = shapely.transform(geom, move)
        level = str(getattr(row, "level", "") or "default")
        features.append({"type": "Feature", "properties": {"level": level}, "geometry": mapping(g)})
        if labels and getattr(row, "area_id", None) not in parents:
            p = g.representative_point()
            marks.append([round(p.y, decimals), round(p.x, decimals), text(row.name)])
    data: dict = {
        "features": features,
        "labels": marks,
        "styles": {k: dict(v) for k, v in AREA_STYLES.items()},
    }
    if legend_title or level_labels:
        rows = [
            (AREA_STYLES[k]["color"], v)
            for k, v in (level_labels or {}).items()
            if k in AREA_STYLES
        ]
        data["legend"] = legend_html(legend_title, rows, kind="line")
    return AreasLayer(data, name=str(name), show=show)


_assets.use(AreasLayer, ("leaflet", "qylayers"), ("leaflet_css", "qylayers_css"))
