"""Point records (venues, hazards, incidents, key sites) as circle markers on canvas, clustered
with the vendored Leaflet.markercluster when asked; popups escaped, built lazily in the browser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from layers import _assets
from layers._encode import colour, fmt, fmt_column, legend_html, rounded, shift
from layers._layer import DataLayer

__all__ = ["PointsLayer", "points_layer"]


class PointsLayer(DataLayer):
    """A folium layer of points (see :func:`points_layer`)."""

    factory = "qyPoints"
    element = "QyPoints"

    def __init__(self, data: dict, *, name: str, show: bool = True) -> None:
        super().__init__(data, name=name, show=show)
        self.n_points = len(data["lat"])
        if data.get("cluster"):
            # instance lists: never mutate the class attributes
            self.default_js = [*_assets.js("leaflet", "qylayers"), *_assets.js("markerclusterjs")]
            self.default_css = [
                *self.default_css,
                *_assets.css("markerclustercss", "markerclusterdefaultcss"),
            ]


def points_layer(
    frame: pd.DataFrame,
    *,
    name: str,
    popup: Sequence[tuple[str, str]] | None = None,
    color: str = "#d7301f",
    color_by: str | None = None,
    colors: Mapping[Any, str] | None = None,
    color_labels: Mapping[Any, str] | None = None,
    legend_title: str = "",
    cluster: bool = True,
    radius: int = 6,
    shift_gcj02: bool = False,
    show: bool = True,
) -> PointsLayer:
    """A layer of points from ``frame[lat, lng, ...]`` (WGS-84).

    Parameters
    ----------
    name
        Layer name in the layer control (escaped).
    popup
        ``[(column, label), ...]`` shown on click (labels and values escaped here).
    color
        Marker colour; or ``color_by`` a column with ``colors`` value -> colour (unlisted values
        get ``color``) and optional ``color_labels`` value -> legend label.
    cluster
        Cluster markers (Leaflet.markercluster, vendored); otherwise circle markers on canvas.
    shift_gcj02
        Shift to GCJ-02 for Amap tiles.
    """
    frame = frame.loc[frame["lat"].notna() & frame["lng"].notna()]
    lat, lng = shift(frame["lat"].to_numpy(float), frame["lng"].to_numpy(float), shift_gcj02)
    data: dict = {
        "lat": rounded(lat),
        "lng": rounded(lng),
        "color": colour(color),
        "radius": int(radius),
        "cluster": bool(cluster),
    }
    rows: list[tuple[str, str]] = []
    if color_by is not None:
        mapping = {k: colour(v) for k, v in (colors or {}).items()}
        keys = frame[color_by].tolist()
        data["colors"] = [mapping.get(k, data["color"]) for k in keys]
        labels = color_labels or {}
        present = set(keys)
        rows = [(c, str(labels.get(k, k))) for k, c in mapping.items() if k in present]
    elif legend_title:
        rows = [(data["color"], name)]
    if popup:
        data["popup"] = {
            "labels": [fmt(label) for _, label in popup],
            "cols": [fmt_column(frame[col].to_numpy()) for col, _ in popup],
        }
    if legend_title or rows:
        data["legend"] = legend_html(legend_title, rows, kind="dot")
    layer = PointsLayer(data, name=str(name), show=show)
    layer.n_points = int(np.asarray(lat).size)
    return layer


_assets.use(PointsLayer, ("leaflet", "qylayers"), ("leaflet_css", "qylayers_css"))
