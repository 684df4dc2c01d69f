"""Drawing for the Coverage page: the dwell cells and one night's tracks with their breaks (the
frames come ready from :mod:`geo.services.coverage`)."""

from __future__ import annotations

import folium
import pandas as pd

from layers.cells import cells_layer
from layers.tracks import tracks_layer
from views import _common as ui
from views import _map

__all__ = ["draw_dwell", "draw_tracks"]


def draw_dwell(m: folium.Map, cells: pd.DataFrame) -> None:
    """Add the dwell minutes per cell (and nights) to ``m``."""
    cells_layer(
        cells,
        value="dwell_min",
        name=ui.tr("cov.map"),
        palette="coverage",
        legend_title=ui.tr("cov.legend"),
        shift_gcj02=_map.shift_gcj02(),
        tooltip=[("dwell_min", ui.tr("col.dwell_min")), ("nights", ui.tr("col.nights"))],
    ).add_to(m)


def draw_tracks(m: folium.Map, pings: pd.DataFrame) -> None:
    """Add the tracks of the chosen shifts to ``m``, broken at gaps and jumps."""
    tracks_layer(
        pings,
        name=ui.tr("cov.tracks_layer"),
        breaks=True,
        shift_gcj02=_map.shift_gcj02(),
        labels={k: ui.tr(f"cov.{k}") for k in ("track", "gap", "jump")},
    ).add_to(m)
