"""The base map: a folium Map that loads only the app's own assets, with a choice of tiles.

``tiles="none"`` (the default, for police networks without internet) draws a plain background and
requests no tiles at all. ``"osm"``, ``"amap"`` (GCJ-02: shift geometries with
``shift_gcj02=True``, see :func:`is_gcj02`), ``"tianditu"`` (needs a token) and any URL template
of an internal tile server (``https://tiles.local/{z}/{x}/{y}.png``) add a tile layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NotRequired, TypedDict
from urllib.parse import quote

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from layers import _assets
from layers._encode import script_json, shift, text

__all__ = ["PROVIDERS", "OfflineMap", "is_gcj02", "new_map"]

DEFAULT_CENTER = (28.68, 115.89)  # Nanchang
BLANK_BACKGROUND = "#eef1f4"

_TDT = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
    "&TILEROW={{y}}&TILECOL={{x}}&tk={token}"
)


class Provider(TypedDict):
    """A tile provider of :data:`PROVIDERS`."""

    url: NotRequired[str]  # Tianditu's is built per layer with the token
    attr: str
    max_zoom: int
    subdomains: str
    gcj02: bool


PROVIDERS: dict[str, Provider] = {
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": "&copy; OpenStreetMap contributors",
        "max_zoom": 19,
        "subdomains": "abc",
        "gcj02": False,
    },
    "amap": {
        "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
        "&style=8&x={x}&y={y}&z={z}",
        "attr": "&copy; 高德地图 AutoNavi",
        "max_zoom": 18,
        "subdomains": "1234",
        "gcj02": True,
    },
    "tianditu": {
        "attr": "&copy; 天地图 Tianditu (GS(2024)0568号)",
        "max_zoom": 18,
        "subdomains": "01234567",
        "gcj02": False,
    },
}
"""Tile providers: URL template, attribution, maximum zoom, subdomains, whether GCJ-02."""


class OfflineMap(folium.Map):
    """A folium Map whose scripts and stylesheets are the vendored ones (no CDN, no jQuery,
    Bootstrap or Font Awesome: folium's popups, tooltips and layer control need none of them)."""

    # default_js / default_css: set by _assets.use below (vendored files only)
    qy_tiles: str  # the ``tiles`` of new_map
    qy_gcj02: bool  # whether the tiles are GCJ-02 (geometries are shifted)


class _MapSetup(MacroElement):
    """Attribution prefix without an external link; the plain background for tile-less maps;
    the metric scale bar (folium's ``control_scale`` draws Leaflet's default, which adds feet
    and miles)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            {% if this.background %}<style>.leaflet-container {
                background: {{ this.background }}; }</style>{% endif %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix }});
            {% if this.scale_bar %}L.control.scale({imperial: false, metric: true})
                .addTo({{ this._parent.get_name() }});{% endif %}
            {% if this.bounds %}{{ this._parent.get_name() }}.fitBounds({{ this.bounds }},
                {animate: false, maxZoom: 16, padding: [12, 12]});{% endif %}
        {% endmacro %}
    """)

    def __init__(
        self,
        *,
        background: str | None,
        prefix: str = "Leaflet",
        bounds: list[list[float]] | None = None,
        scale_bar: bool = False,
    ) -> None:
        super().__init__()
        self._name = "QyMapSetup"
        self.scale_bar = scale_bar
        self.background = background
        self.prefix = script_json(prefix)
        self.bounds = script_json(bounds) if bounds else None


def is_gcj02(tiles: str | None) -> bool:
    """Whether geometries must be shifted to GCJ-02 to sit on these tiles (Amap)."""
    return bool(tiles) and tiles in PROVIDERS and bool(PROVIDERS[tiles]["gcj02"])


def _tile_layers(tiles: str, token: str | None, attribution: str | None) -> list[folium.TileLayer]:
    if tiles == "tianditu":
        if not token:
            msg = "Tianditu tiles need a token (tianditu_token=...)"
            raise ValueError(msg)
        p = PROVIDERS["tianditu"]
        tk = quote(token, safe="")
        return [
            folium.TileLayer(
                tiles=_TDT.format(layer=layer, token=tk),
                attr=str(p["attr"]),
                name=name,
                subdomains=str(p["subdomains"]),
                max_zoom=int(p["max_zoom"]),
                overlay=overlay,
                control=False,
            )
            for layer, name, overlay in (("vec", "天地图", False), ("cva", "天地图注记", True))
        ]
    if tiles in PROVIDERS:
        p = PROVIDERS[tiles]
        return [
            folium.TileLayer(
                tiles=str(p["url"]),
                attr=text(attribution) if attribution else str(p["attr"]),
                name=tiles,
                subdomains=str(p["subdomains"]),
                max_zoom=int(p["max_zoom"]),
                control=False,
            )
        ]
    if "{z}" in tiles and "{x}" in tiles and "{y}" in tiles:
        return [
            folium.TileLayer(
                tiles=tiles,
                attr=text(attribution or "Tiles: local server"),
                name="tiles",
                max_zoom=20,
                control=False,
            )
        ]
    msg = (
        f"unknown tiles {tiles!r}: none, osm, amap, tianditu or a URL template with "
        "{z}, {x} and {y}"
    )
    raise ValueError(msg)


def new_map(
    *,
    center: Sequence[float] = DEFAULT_CENTER,
    zoom: int = 14,
    tiles: str = "none",
    tianditu_token: str | None = None,
    attribution: str | None = None,
    height: str | int = "100%",
    width: str | int = "100%",
    scale_bar: bool = True,
    bounds: Sequence[Sequence[float]] | None = None,
) -> OfflineMap:
    """A map that draws without internet access (unless ``tiles`` names an online provider).

    Parameters
    ----------
    center
        (lat, lng) of the initial view, WGS-84 (shifted here when ``tiles`` is GCJ-02).
    zoom
        Initial zoom level.
    tiles
        ``"none"`` (plain background, no tile requests), ``"osm"``, ``"amap"`` (GCJ-02),
        ``"tianditu"`` (with ``tianditu_token``) or a tile URL template.
    attribution
        Attribution text for a custom URL template (or to replace a provider's).
    height, width
        CSS size of the map (``"100%"`` or pixels).
    scale_bar
        Show Leaflet's metric scale bar.
    bounds
        ``[[south, west], [north, east]]`` (WGS-84) to fit instead of ``center``/``zoom``.
    """
    tiles = (tiles or "none").strip()
    lat, lng = float(center[0]), float(center[1])
    gcj = is_gcj02(tiles)
    if gcj:
        la, ln = shift([lat], [lng], True)
        lat, lng = float(la[0]), float(ln[0])
    # a maximum zoom is needed by the marker clusters even when no tile layer sets one
    max_zoom = int(PROVIDERS[tiles]["max_zoom"]) if tiles in PROVIDERS else 19
    m = OfflineMap(
        location=[lat, lng],
        zoom_start=int(zoom),
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # metric only: drawn by _MapSetup
        height=height,
        width=width,
        maxZoom=max_zoom,
    )
    m.qy_tiles = tiles
    m.qy_gcj02 = gcj
    if tiles.lower() != "none":
        for layer in _tile_layers(tiles, tianditu_token, attribution):
            layer.add_to(m)
    fit = None
    if bounds is not None:
        (s, w), (n, e) = bounds
        if gcj:
            la, ln = shift([s, n], [w, e], True)
            (s, n), (w, e) = la.tolist(), ln.tolist()
        fit = [[float(s), float(w)], [float(n), float(e)]]
    # fitted without animation, so the first draw of every layer is already the final view
    m.add_child(
        _MapSetup(
            background=BLANK_BACKGROUND if tiles.lower() == "none" else None,
            bounds=fit,
            scale_bar=scale_bar,
        )
    )
    return m


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.LayerControl:
    """Add Leaflet's layer switcher (call after adding the layers)."""
    control = folium.LayerControl(collapsed=collapsed)
    control.add_to(m)
    return control


def blank_note(m: folium.Map, html_text: str) -> None:
    """Add a fixed, escaped note (e.g. "demo data") to the map's HTML."""
    root = m.get_root()
    assert isinstance(root, Figure)  # folium puts every Map in a Figure
    root.html.add_child(
        Element(
            f'<div style="position:absolute;left:50%;top:8px;transform:translateX(-50%);'
            f"z-index:800;background:#fffc;"
            f'padding:2px 6px;font:12px sans-serif">{text(html_text)}</div>'
        )
    )


_assets.use(OfflineMap, ("leaflet",), ("leaflet_css", "qylayers_css"))
