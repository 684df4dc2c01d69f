"""Folium builders: layers draw, nothing else (no store queries, no Streamlit).

Inputs are plain DataFrames from geo; label strings come translated from the caller and are
escaped here. Every script, stylesheet and image is served by the app (static/), never a CDN.

In a Streamlit page (needs ``[server] enableStaticServing = true`` in .streamlit/config.toml)::

    m = layers.new_map(center=(lat, lng), zoom=14, tiles=settings.tiles)
    shift = layers.is_gcj02(settings.tiles)
    layers.cells_layer(frame, value="dwell_h", name=t("maps.layer.coverage", lang),
                       palette="coverage", legend_title=t("maps.legend.coverage", lang),
                       tooltip=[("dwell_h", t("maps.col.dwell_h", lang))],
                       shift_gcj02=shift).add_to(m)
    layers.add_layer_control(m)
    out = st_folium(m, key="coverage_map", height=600, use_container_width=True,
                    returned_objects=["last_object_clicked"])

``returned_objects`` limited to clicks: panning and zooming then never rerun the page (the component
only reports when a returned value changes). Do not pass ``center``/``zoom`` back in from the
result. A click on a cell gives ``out["last_object_clicked"]`` = {lat, lng} (GCJ-02 when ``shift``:
convert back with geo.domain.coords.gcj02_to_wgs84 before geo.domain.hexes.latlng_to_cells).
Standalone files: :func:`layers.standalone.save` inlines every asset.
"""

from layers._assets import set_asset_base
from layers.areas import areas_layer
from layers.basemap import add_layer_control, is_gcj02, new_map
from layers.cells import cells_layer
from layers.points import points_layer
from layers.standalone import save, to_offline_html
from layers.tracks import tracks_layer

__all__ = [
    "add_layer_control",
    "areas_layer",
    "cells_layer",
    "is_gcj02",
    "new_map",
    "points_layer",
    "save",
    "set_asset_base",
    "to_offline_html",
    "tracks_layer",
]
