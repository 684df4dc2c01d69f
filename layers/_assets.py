"""Browser assets the maps need, vendored under ``static/vendor`` and served by the app itself.

Nothing here points at a CDN. Inside Streamlit the files are served by Streamlit's static file
serving (``[server] enableStaticServing = true``; ``./static/x`` is served at ``/app/static/x``);
standalone HTML files get them inlined by :mod:`layers.standalone`.

| name | version | files |
| --- | --- | --- |
| Leaflet | 1.9.4 | leaflet.js, leaflet.css, images/ |
| Leaflet.markercluster | 1.5.3 | leaflet.markercluster.js, MarkerCluster(.Default).css |
| h3-js | 4.5.0 | h3-js.umd.js (cell boundaries computed in the browser) |
| qy-layers | ours | static/qy/qy-layers.js (hexagon canvas layer, points, legend) |
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["ASSET_BASE", "CSS", "JS", "STATIC_DIR", "local_path", "set_asset_base", "use"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
"""The app's ``static`` folder (next to app.py), served at ``/app/static``."""

ASSET_BASE = "/app/static"
"""URL path under which Streamlit serves :data:`STATIC_DIR` (absolute: the streamlit-folium
component runs in an iframe under ``/component/...`` of the same origin)."""

_LEAFLET = "vendor/leaflet/1.9.4"
_CLUSTER = "vendor/leaflet.markercluster/1.5.3"

# (name, path below STATIC_DIR); names match folium's so its own elements dedupe onto ours
JS: dict[str, str] = {
    "leaflet": f"{_LEAFLET}/leaflet.js",
    "h3js": "vendor/h3-js/4.5.0/h3-js.umd.js",
    "qylayers": "qy/qy-layers.js",
    "markerclusterjs": f"{_CLUSTER}/leaflet.markercluster.js",
}
CSS: dict[str, str] = {
    "leaflet_css": f"{_LEAFLET}/leaflet.css",
    "qylayers_css": "qy/qy-layers.css",
    "markerclustercss": f"{_CLUSTER}/MarkerCluster.css",
    "markerclusterdefaultcss": f"{_CLUSTER}/MarkerCluster.Default.css",
}


def url(path: str) -> str:
    """The served URL of a file below :data:`STATIC_DIR`."""
    return f"{ASSET_BASE}/{path}"


def js(*names: str) -> list[tuple[str, str]]:
    """``default_js`` entries (name, URL) for the named scripts."""
    return [(n, url(JS[n])) for n in names]


def css(*names: str) -> list[tuple[str, str]]:
    """``default_css`` entries (name, URL) for the named stylesheets."""
    return [(n, url(CSS[n])) for n in names]


def local_path(href: str) -> Path | None:
    """The file behind a served asset URL, or None when ``href`` is not one of ours."""
    prefix = ASSET_BASE + "/"
    if not href.startswith(prefix):
        return None
    rel = href[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    path = (STATIC_DIR / rel).resolve()
    if STATIC_DIR not in path.parents or not path.is_file():
        return None
    return path


_USERS: list[tuple[type, tuple[str, ...], tuple[str, ...]]] = []


def use(cls: type, js_names: tuple[str, ...], css_names: tuple[str, ...]) -> type:
    """Set a folium element class's ``default_js``/``default_css`` to our assets (and follow
    :func:`set_asset_base` later)."""
    _USERS.append((cls, js_names, css_names))
    cls.default_js = js(*js_names)  # type: ignore[attr-defined]
    cls.default_css = css(*css_names)  # type: ignore[attr-defined]
    return cls


def set_asset_base(base: str) -> None:
    """Serve the assets from another URL path, e.g. ``"/qingyun/app/static"`` when Streamlit runs
    with ``server.baseUrlPath = "qingyun"``. Affects maps built afterwards."""
    global ASSET_BASE
    ASSET_BASE = "/" + base.strip("/") if base.strip("/") else ""
    for cls, js_names, css_names in _USERS:
        cls.default_js = js(*js_names)  # type: ignore[attr-defined]
        cls.default_css = css(*css_names)  # type: ignore[attr-defined]
