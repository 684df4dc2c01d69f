"""Drawing Gi* hot spot cells on a page's map (the Hotspots page, the Disputes page's hot spot
layers): bin labels, z scores to two places, the trend of emerging patterns in the tooltip."""

from __future__ import annotations

import folium

from geo.services.hotspots import HotspotMap
from layers.cells import cells_layer
from views import _common as ui
from views import _map

__all__ = ["draw_cells"]


def draw_cells(
    m: folium.Map, hot: HotspotMap, *, name: str, count_label: str, trends: bool = False
) -> None:
    """Add the significant cells of ``hot`` to ``m`` as one layer called ``name``.

    ``count_label`` heads the count in the tooltip; with ``trends`` the tooltip shows each cell's
    emerging pattern too.
    """
    shown = hot.shown.assign(
        bin_label=hot.shown["gi_bin"].map(lambda b: _map.label("bin", int(b))),
        gi_z=hot.shown["gi_z"].round(2),
    )
    tooltip = [
        ("count", count_label),
        ("gi_z", ui.tr("col.gi_z")),
        ("bin_label", ui.tr("col.gi_bin")),
    ]
    if trends:
        shown = shown.assign(trend_label=shown["trend"].map(lambda p: _map.label("pattern", p)))
        tooltip.append(("trend_label", ui.tr("col.trend")))
    cells_layer(
        shown,
        value="gi_bin",
        name=name,
        palette="hotspot",
        legend_title=ui.tr("hot.legend"),
        tooltip=tooltip,
        labels={b: _map.label("bin", b) for b in range(-3, 4)},
        shift_gcj02=_map.shift_gcj02(),
    ).add_to(m)
