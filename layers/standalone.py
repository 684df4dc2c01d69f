"""Standalone maps: one self-contained HTML file with every script, stylesheet and image inlined,
so it opens from disk or a share on a network without internet."""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
import numpy as np
import pandas as pd

from geo.domain import hexes
from geo.i18n import t
from layers import _assets
from layers import cells as cells_layers
from layers import points as points_layers
from layers.areas import areas_layer
from layers.basemap import add_layer_control, blank_note, is_gcj02, new_map

__all__ = ["external_refs", "save", "standalone_map", "to_offline_html"]

_SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"[^>]*>\s*</script>', re.IGNORECASE)
_CSS_LINK = re.compile(
    r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"[^>]*/?>', re.IGNORECASE
)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css(path: Path) -> str:
    css = _CSS_COMMENT.sub("", path.read_text(encoding="utf-8"))

    def repl(m: re.Match[str]) -> str:
        ref = m.group(2)
        if ref.startswith(("data:", "#")):
            return m.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_file():
            msg = f"{path.name}: missing asset {ref}"
            raise FileNotFoundError(msg)
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(repl, css).replace("</style", "<\\/style")


def _inline_js(path: Path) -> str:
    # "</script" cannot occur in an inline script; inside JS strings "<\/script" is the same text
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script")


def to_offline_html(m: folium.Map | folium.Figure) -> str:
    """The map as one HTML document with the app's assets inlined.

    Raises ValueError when a script or stylesheet is not one of the vendored assets (a CDN link
    left by some folium plugin), so an offline file can never depend on the internet for code.
    Tiles are the only network requests left, and only when the map was built with online tiles.
    """
    html = m.get_root().render()
    missing: list[str] = []

    def inline(tag: str, read: Callable[[Path], str]) -> Callable[[re.Match[str]], str]:
        """A substitution that puts the vendored file a match links to inside ``<tag>``."""

        def repl(match: re.Match[str]) -> str:
            path = _assets.local_path(match.group(1))
            if path is None:
                missing.append(match.group(1))
                return match.group(0)
            return f"<{tag}>{read(path)}</{tag}>"

        return repl

    html = _SCRIPT_SRC.sub(inline("script", _inline_js), html)
    html = _CSS_LINK.sub(inline("style", _inline_css), html)
    if missing:
        msg = f"not a vendored asset (add it under static/vendor): {', '.join(missing)}"
        raise ValueError(msg)
    return html


def external_refs(html: str) -> list[str]:
    """The src/href attribute values and CSS url() references of ``html`` that point at a
    non-local host (script contents are not parsed as markup)."""
    found: list[str] = []

    class _P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for key, val in attrs:
                if key in ("src", "href", "srcset", "poster", "data") and val:
                    found.append(val)
                if key == "style" and val:
                    found.extend(u for _, u in _CSS_URL.findall(val))

        def handle_data(self, data: str) -> None:
            if self.lasttag == "style":
                found.extend(u for _, u in _CSS_URL.findall(data))

    _P(convert_charrefs=True).feed(html)
    out = []
    for ref in found:
        parts = urlsplit(ref.strip())
        if ref.strip().startswith("//") or parts.scheme in ("http", "https", "ws", "wss", "ftp"):
            if parts.hostname not in _LOCAL_HOSTS:
                out.append(ref)
    return out


def save(m: folium.Map | folium.Figure, path: str | Path) -> int:
    """Write :func:`to_offline_html` to ``path`` (UTF-8); returns the number of bytes."""
    data = to_offline_html(m).encode("utf-8")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def _label(key: str, lang: str, fallback: object) -> str:
    try:
        return t(key, lang)
    except KeyError:
        return str(fallback)


def standalone_map(
    frame: pd.DataFrame,
    layer: str,
    areas: pd.DataFrame,
    *,
    lang: str,
    tiles: str = "none",
    tianditu_token: str | None = None,
    demo: bool = False,
) -> tuple[folium.Map, dict[str, int]]:
    """The offline map of one layer (what :func:`geo.services.maps.map_data` read), labelled in
    ``lang``, with the area outlines and a layer switcher; ``demo`` adds the demo note.

    Cell layers (``coverage``, ``hotspots``, ``risk``, ``gap``) draw ``frame``'s cells; point
    layers (``venues``, ``hazards``) its records, coloured by risk level or severity. Returns the
    map and the counts drawn: ``cells``, ``points``, ``areas``.
    """
    gcj = is_gcj02(tiles)
    col = {
        c: t(f"maps.col.{c}", lang)
        for c in (
            "dwell_h",
            "nights",
            "stops",
            "count",
            "gi_z",
            "gi_p",
            "risk",
            "risk_pct",
            "gap",
            "rank",
            "name",
            "category",
            "risk_level",
            "severity",
            "status",
            "found_at",
            "deadline",
        )
    }
    counts = {"cells": 0, "points": 0}
    lat = lng = np.array([])
    element: cells_layers.HexCells | points_layers.PointsLayer
    df = frame.copy()
    if layer in ("coverage", "hotspots", "risk", "gap"):
        if layer == "coverage":
            df["dwell_h"] = (df["dwell_s"] / 3600).round(2)
            opts: dict[str, Any] = {
                "value": "dwell_h",
                "palette": "coverage",
                "tooltip": [
                    ("dwell_h", col["dwell_h"]),
                    ("nights", col["nights"]),
                    ("stops", col["stops"]),
                ],
            }
        elif layer == "hotspots":
            df["gi_z"] = df["gi_z"].round(2)
            df["gi_p"] = df["gi_p"].map(lambda p: f"{p:.3g}")
            opts = {
                "value": "gi_bin",
                "palette": "hotspot",
                "tooltip": [("count", col["count"]), ("gi_z", col["gi_z"]), ("gi_p", col["gi_p"])],
                "labels": {b: t(f"maps.bin.{b}", lang) for b in range(-3, 4)},
            }
        else:
            df["risk_pct"] = df["risk_pct"].round(2)  # risk: fmt keeps two significant digits
            df["gap"] = df["gap"].round(3)
            opts = {
                "value": layer,
                "palette": layer,
                "tooltip": [
                    (layer, col[layer]),
                    *([("risk", col["risk"])] if layer == "gap" else []),
                    ("risk_pct", col["risk_pct"]),
                    ("rank", col["rank"]),
                ],
            }
        element = cells_layers.cells_layer(
            df,
            name=t(f"maps.layer.{layer}", lang),
            legend_title=t(f"maps.legend.{layer}", lang),
            shift_gcj02=gcj,
            **opts,
        )
        counts["cells"] = element.n_cells
        if len(df):
            lat, lng = hexes.cell_centres(df["cell"].to_numpy().astype(np.uint64))
    else:
        if layer == "venues":
            group, by = "risk", "risk_level"
            colours = {"high": "#d7301f", "medium": "#fc8d59", "low": "#fee08b"}
            popup = [
                ("name", col["name"]),
                ("category", col["category"]),
                ("risk_level", col["risk_level"]),
            ]
            df["category"] = [_label(f"v.venue.{v}", lang, v) for v in df["category"]]
        else:
            group, by = "severity", "severity"
            colours = {"major": "#67000d", "high": "#d7301f", "medium": "#fc8d59", "low": "#fdd49e"}
            popup = [
                ("category", col["category"]),
                ("severity", col["severity"]),
                ("status", col["status"]),
                ("found_at", col["found_at"]),
                ("deadline", col["deadline"]),
            ]
            df["category"] = [_label(f"v.hazard.{v}", lang, v) for v in df["category"]]
            df["status"] = [_label(f"v.hstatus.{v}", lang, v) for v in df["status"]]
        levels = {k: _label(f"v.{group}.{k}", lang, k) for k in colours}
        df[f"{by}_label"] = [levels.get(v, v) for v in df[by]]
        popup = [(f"{by}_label", lbl) if c == by else (c, lbl) for c, lbl in popup]
        element = points_layers.points_layer(
            df,
            name=t(f"maps.layer.{layer}", lang),
            popup=popup,
            color_by=by,
            colors=colours,
            color_labels=levels,
            legend_title=t(f"maps.legend.{layer}", lang),
            cluster=True,
            shift_gcj02=gcj,
        )
        counts["points"] = element.n_points
        lat, lng = df["lat"].to_numpy(float), df["lng"].to_numpy(float)
    bounds = None
    if lat.size:
        bounds = [
            [float(np.nanmin(lat)), float(np.nanmin(lng))],
            [float(np.nanmax(lat)), float(np.nanmax(lng))],
        ]
    m = new_map(tiles=tiles, tianditu_token=tianditu_token, bounds=bounds)
    if len(areas):
        areas_layer(areas, name=t("maps.layer.areas", lang), shift_gcj02=gcj).add_to(m)
    element.add_to(m)
    add_layer_control(m)
    if demo:
        blank_note(m, t("maps.demo_note", lang))
    counts["areas"] = len(areas)
    return m, counts
