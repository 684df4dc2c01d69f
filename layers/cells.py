"""H3 cells as one canvas layer: only cell keys and colour classes are sent, boundaries are
computed in the browser with h3-js and drawn on a Leaflet canvas (see static/qy/qy-layers.js).

A 50,000-cell layer weighs a few hundred kB instead of the ~22 MB of a plain ``folium.GeoJson``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from geo.domain import hexes
from geo.domain.hotspots import HOTSPOT_COLOURS
from layers import _assets
from layers._encode import base36, colour, fmt, fmt_column, legend_html, script_json, text

__all__ = ["HOTSPOT_COLOURS", "PALETTES", "HexCells", "cells_layer"]

PALETTES: dict[str, list[str]] = {
    # ColorBrewer sequential schemes without their palest step (kept visible on a plain map)
    "coverage": ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    "coverage_green": ["#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"],
    "risk": ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"],
    "gap": ["#fcc5c0", "#fa9fb5", "#f768a1", "#c51b8a", "#7a0177"],
}
"""Sequential palettes, light to dark."""

HOTSPOT_LABELS: dict[int, str] = {
    3: "+3 (99%)",
    2: "+2 (95%)",
    1: "+1 (90%)",
    0: "0",
    -1: "-1 (90%)",
    -2: "-2 (95%)",
    -3: "-3 (99%)",
}


class HexCells(JSCSSMixin, Layer):
    """A folium layer of H3 cells drawn on canvas; composes with LayerControl like any layer.

    Built by :func:`cells_layer`. In the page the layer fires Leaflet ``click`` events (so
    streamlit-folium reports ``last_object_clicked``) and sets ``window.__qy`` after drawing.
    """

    # default_js / default_css: set by _assets.use below (vendored files only)
    res: int  # H3 resolution of the cells, set by cells_layer

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.qyHexLayer({{ this.data_js }}, {{ this.options_js }});
        {% endmacro %}
    """)

    def __init__(
        self,
        data: dict,
        *,
        name: str,
        opacity: float = 0.65,
        show: bool = True,
        control: bool = True,
    ) -> None:
        super().__init__(name=text(name), overlay=True, control=control, show=show)
        self._name = "QyHexCells"
        self.data = data
        self.n_cells = len(data["c"])
        self.data_js = script_json(data)
        self.options_js = script_json({"fillOpacity": float(opacity)})


def _cells_of(frame: pd.DataFrame) -> np.ndarray:
    if "cell" in frame.columns:
        return np.asarray(frame["cell"].to_numpy()).astype(np.uint64)
    if "h3" in frame.columns:
        return hexes.str_to_cells(frame["h3"].astype(str).to_numpy())
    msg = "cells_layer needs a 'cell' (int H3) or 'h3' (str) column"
    raise ValueError(msg)


def cell_keys(cells: np.ndarray, res: int) -> np.ndarray:
    """The cells' keys: base cell and digits down to ``res`` (at most 52 bits), as int64."""
    shift = np.uint64(3 * (15 - res))
    mask = np.uint64((1 << (7 + 3 * res)) - 1)
    return ((cells >> shift) & mask).astype(np.int64)


def _nice(x: float) -> float:
    if x == 0 or not np.isfinite(x):
        return float(x)
    mag = 10 ** (np.floor(np.log10(abs(x))) - 1)
    return float(np.round(x / mag) * mag)


def _sequential(
    values: np.ndarray, palette: Sequence[str], bins: Sequence[float] | None, drop_zero: bool
) -> tuple[np.ndarray, list[str], list[tuple[float, float]]]:
    """Class index per value (-1: not drawn), the class colours and the class ranges."""
    v = values.astype(float)
    ok = np.isfinite(v) & ((v > 0) if drop_zero else np.ones(v.shape, bool))
    if bins is None:
        if not ok.any():
            return np.full(v.shape, -1), [], []
        lo, hi = float(v[ok].min()), float(v[ok].max())
        inner = sorted({_nice(q) for q in np.quantile(v[ok], [0.2, 0.4, 0.6, 0.8])})
        inner = [q for q in inner if lo < q < hi]
        edges = [lo, *inner, hi]
    else:
        edges = [float(b) for b in bins]
        if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
            msg = "bins must be at least two increasing edges"
            raise ValueError(msg)
        ok &= v >= edges[0]
    n_cls = max(len(edges) - 1, 1)
    cls = np.searchsorted(np.asarray(edges[1:-1]), v, side="right")
    cls = np.where(ok, np.minimum(cls, n_cls - 1), -1)
    pal = list(palette)
    pick = (
        np.round(np.linspace(0, len(pal) - 1, n_cls)).astype(int)
        if n_cls < len(pal)
        else np.minimum(np.arange(n_cls), len(pal) - 1)
    )
    colours = [pal[i] for i in pick]
    ranges = (
        [(edges[i], edges[i + 1]) for i in range(n_cls)]
        if len(edges) > 1
        else [(edges[0], edges[0])]
    )
    return cls, colours, ranges


def cells_layer(
    frame: pd.DataFrame,
    *,
    value: str,
    name: str,
    palette: str | Sequence[str] = "coverage",
    legend_title: str = "",
    tooltip: Sequence[tuple[str, str]] | None = None,
    shift_gcj02: bool = False,
    bins: Sequence[float] | None = None,
    labels: Sequence[str] | Mapping[int, str] | None = None,
    legend_note: str | None = None,
    show_insignificant: bool = False,
    drop_zero: bool = True,
    opacity: float = 0.65,
    show: bool = True,
) -> HexCells:
    """A layer of H3 cells coloured by ``value``, with a legend.

    Parameters
    ----------
    frame
        One row per cell: ``cell`` (int64/uint64 H3) or ``h3`` (str), all at one resolution,
        plus ``value`` and the tooltip columns.
    value
        Column that picks the colour.
    name
        Layer name shown in the layer control (plain text; escaped here).
    palette
        ``"coverage"`` (blues), ``"coverage_green"``, ``"risk"`` (oranges/reds), ``"gap"``
        (purples), ``"hotspot"`` (fixed Gi* bin colours for ``gi_bin`` -3..3) or a list of CSS
        colours (light to dark).
    legend_title
        Legend heading (the caller translates; escaped here).
    tooltip
        ``[(column, label), ...]`` shown on hover and in a popup on click (escaped here).
    shift_gcj02
        Draw cells shifted to GCJ-02 (Amap tiles); see :func:`layers.basemap.is_gcj02`.
    bins
        Class edges for sequential palettes (default: quintile breaks of the non-zero values).
        Values below the first edge are not drawn; above the last fall in the last class.
    labels
        Legend labels per class (a list, light to dark) or, for ``"hotspot"``, a mapping
        gi_bin -> label (e.g. ``{3: "热点 99%", ...}``).
    legend_note
        A small line under the legend (escaped).
    show_insignificant
        ``"hotspot"`` only: also draw the not-significant cells (bin 0).
    drop_zero
        Sequential palettes: do not draw cells whose value is 0 (only non-empty cells are sent).
    """
    cells = _cells_of(frame)
    if value not in frame.columns:
        msg = f"no column {value!r} in the frame"
        raise ValueError(msg)
    res_all = hexes.cell_resolution(cells) if len(cells) else np.array([9])
    res = int(res_all[0])
    if len(cells) and (res_all != res).any():
        msg = "cells_layer draws one H3 resolution at a time"
        raise ValueError(msg)
    values = frame[value].to_numpy()

    colours: Sequence[str | None]  # per class; None: a class not drawn
    if palette == "hotspot":
        b = np.clip(np.nan_to_num(values.astype(float), nan=0.0), -3, 3).astype(int)
        drawn = [k for k in (-3, -2, -1, 0, 1, 2, 3) if k != 0 or show_insignificant]
        cls = np.where(np.isin(b, drawn), b + 3, -1)
        colours = [HOTSPOT_COLOURS[k] if k in drawn else None for k in range(-3, 4)]
        names = dict(HOTSPOT_LABELS)
        if isinstance(labels, Mapping):
            names.update({int(k): str(v) for k, v in labels.items()})
        rows = [(HOTSPOT_COLOURS[k], names[k]) for k in (3, 2, 1, 0, -1, -2, -3) if k in drawn]
    else:
        if isinstance(palette, str):
            if palette not in PALETTES:
                msg = f"unknown palette {palette!r}; known: hotspot, {', '.join(PALETTES)}"
                raise ValueError(msg)
            pal = PALETTES[palette]
        else:
            pal = [colour(c) for c in palette]
        cls, colours, ranges = _sequential(values, pal, bins, drop_zero)
        if labels is not None and not isinstance(labels, Mapping):
            names_l = [str(x) for x in labels]
        else:
            names_l = [f"{fmt(a)} – {fmt(b)}" if a != b else fmt(a) for a, b in ranges]
        rows = list(zip(colours, names_l, strict=False))[::-1]

    keep = cls >= 0
    keys = cell_keys(cells[keep], res) if len(cells) else np.array([], dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    uniq = np.ones(len(keys), bool)
    uniq[1:] = keys[1:] != keys[:-1]
    order, keys = order[uniq], keys[uniq]
    classes = cls[keep][order]
    deltas = np.diff(keys, prepend=np.int64(0))
    data: dict = {
        "r": res,
        "k": base36(deltas.tolist()),
        "c": "".join("0123456789abcdefghijklmnopqrstuvwxyz"[int(c)] for c in classes),
        "p": colours,
        "g": bool(shift_gcj02),
        "legend": legend_html(legend_title, rows, note=legend_note),
    }
    if tooltip:
        sub = frame.loc[keep].iloc[order]
        data["t"] = {
            "labels": [fmt(label) for _, label in tooltip],
            "cols": [fmt_column(sub[col].to_numpy()) for col, _ in tooltip],
        }
    layer = HexCells(data, name=str(name), opacity=opacity, show=show)
    layer.res = res
    return layer


_assets.use(HexCells, ("leaflet", "h3js", "qylayers"), ("leaflet_css", "qylayers_css"))
