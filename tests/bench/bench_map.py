"""Benchmark: a 50,000-cell map, ours (layers.cells_layer) against a plain ``folium.GeoJson`` of the
same cells (ratios ``map50k_bytes`` and ``map50k_draw_s``), measured in one run in headless
Chromium with every non-local request aborted.

Both maps use the same vendored Leaflet (a CDN would be blocked here), the same view fitted to all
cells, a colour per cell from the same five classes and a tooltip with the value. The plain map
is folium's default: an SVG GeoJson layer with ``style_function`` and ``GeoJsonTooltip``.

* bytes: the self-contained HTML file (scripts inlined: Leaflet, and for ours h3-js and
  qy-layers.js), i.e. everything sent for the map.
* draw seconds: navigation start to the first frame after the page's load event (a
  requestAnimationFrame then a task), for both maps; for ours the layer's own "drawn" signal
  (``window.__qy.drawnAt``) is reported too.

Run: ``python -m tests.bench.bench_map [--quick]`` prints the JSON result (quick: 10,000 only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tests.bench import grid_cells
from tests.bench._browser import CHROMIUM, CHROMIUM_ARGS, browser_missing

CENTRE = (28.70, 115.98)  # Nanchang
RES = 9
VIEWPORT = {"width": 1280, "height": 800}
_PAINTED = """
window.addEventListener('load', () => requestAnimationFrame(() => setTimeout(() => {
  window.__painted = performance.now();
}, 0)));
"""


def _grid(n_cells: int, res: int = RES) -> np.ndarray:
    """The ``n_cells`` cells nearest to the centre (shared with the other benchmarks)."""
    return grid_cells(n_cells, res, CENTRE)


def _frame(n_cells: int) -> pd.DataFrame:
    cells = _grid(n_cells)
    rng = np.random.default_rng(11)
    return pd.DataFrame({"cell": cells, "dwell_h": rng.gamma(1.0, 1.5, cells.size).round(2)})


def _view(frame: pd.DataFrame) -> tuple[tuple[float, float], int]:
    """Centre and the largest zoom that shows every cell in the viewport."""
    from geo.domain import hexes

    lat, lng = hexes.cell_centres(frame["cell"].to_numpy(np.uint64))
    span_lng = float(lng.max() - lng.min()) + 0.01
    span_lat = float(lat.max() - lat.min()) + 0.01
    zoom_x = np.log2(VIEWPORT["width"] * 360 / (span_lng * 256))
    zoom_y = np.log2(VIEWPORT["height"] * 360 / (span_lat * 256 / np.cos(np.radians(CENTRE[0]))))
    return (float(lat.mean()), float(lng.mean())), int(np.floor(min(zoom_x, zoom_y) - 0.5))


def _ours(frame: pd.DataFrame, path: Path) -> int:
    from layers import cells_layer, new_map
    from layers.standalone import save

    centre, zoom = _view(frame)
    m = new_map(center=centre, zoom=zoom, height=f"{VIEWPORT['height']}px")
    cells_layer(
        frame,
        value="dwell_h",
        name="coverage",
        palette="coverage",
        legend_title="dwell (h)",
        tooltip=[("dwell_h", "dwell (h)")],
    ).add_to(m)
    return save(m, path)


def _plain(frame: pd.DataFrame, path: Path) -> int:
    """folium's own way: the cells as a GeoJson FeatureCollection with a style function."""
    import folium

    from geo.domain import hexes
    from layers.basemap import OfflineMap
    from layers.cells import PALETTES
    from layers.standalone import save

    centre, zoom = _view(frame)
    cells = frame["cell"].to_numpy(np.uint64)
    polys = hexes.cell_polygons(cells)
    edges = np.quantile(frame["dwell_h"], [0.2, 0.4, 0.6, 0.8])
    colours = np.asarray(PALETTES["coverage"])[np.searchsorted(edges, frame["dwell_h"])]
    features = [
        {
            "type": "Feature",
            "properties": {"h3": h, "dwell_h": float(v), "fill": str(c)},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[list(xy) for xy in p.exterior.coords]],
            },
        }
        for h, v, c, p in zip(
            hexes.cells_to_str(cells), frame["dwell_h"], colours, polys, strict=True
        )
    ]
    m = OfflineMap(
        location=list(centre), zoom_start=zoom, tiles=None, height=f"{VIEWPORT['height']}px"
    )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="coverage",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#fff",
            "weight": 0.5,
            "fillOpacity": 0.65,
        },
        tooltip=folium.GeoJsonTooltip(fields=["dwell_h"]),
    ).add_to(m)
    return save(m, path)


def _draw_s(browser: Any, path: Path, *, ours: bool) -> dict[str, float]:
    from urllib.parse import urlparse

    context = browser.new_context(viewport=VIEWPORT)
    blocked: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:")) or urlparse(url).hostname in (
            "localhost",
            "127.0.0.1",
        ):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    context.add_init_script(_PAINTED)
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=180_000)
        page.wait_for_function("window.__painted !== undefined", timeout=180_000, polling=50)
        out = {"painted_s": page.evaluate("window.__painted") / 1000}
        if ours:
            qy = page.evaluate("window.__qy")
            if not qy or not qy.get("drawn"):
                msg = "our layer did not draw"
                raise RuntimeError(msg)
            out["drawn_s"] = qy["drawnAt"] / 1000
            out["cells_in_view"] = qy["cells"]
        else:
            n = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
            if n == 0:
                msg = "the plain GeoJson layer did not draw"
                raise RuntimeError(msg)
            out["paths"] = n
    finally:
        context.close()
    if blocked:
        msg = f"non-local requests: {blocked[:3]}"
        raise RuntimeError(msg)
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """Bytes and Chromium draw time of ours against plain folium, 10,000 and (unless quick)
    50,000 cells; ratios for 50,000 (quick: for 10,000, under the same keys).

    Without Playwright or Chromium (the app's own environment) only the bytes are measured and
    ``figures["draw_skipped"]`` says why.
    """
    sizes = [10_000] if quick else [10_000, 50_000]
    figures: dict[str, Any] = {"viewport": f"{VIEWPORT['width']}x{VIEWPORT['height']}", "res": RES}
    key = "10k" if quick else "50k"
    missing = browser_missing()
    if missing is not None:
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                frame = _frame(n)
                for kind, build in (("ours", _ours), ("plain", _plain)):
                    size = build(frame, Path(tmp) / f"{kind}_{n}.html")
                    figures[f"map{n // 1000}k_{kind}_bytes"] = size
        figures["draw_skipped"] = missing
        ours, plain = figures[f"map{key}_ours_bytes"], figures[f"map{key}_plain_bytes"]
        return {"ratios": {"map50k_bytes": round(ours / plain, 4)}, "figures": figures}
    from playwright.sync_api import sync_playwright  # test environment only, see browser_missing

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for n in sizes:
                frame = _frame(n)
                key = f"{n // 1000}k"
                for kind, build in (("ours", _ours), ("plain", _plain)):
                    path = Path(tmp) / f"{kind}_{n}.html"
                    t0 = time.perf_counter()
                    size = build(frame, path)
                    build_s = time.perf_counter() - t0
                    repeats = 1 if (kind == "plain" and n > 10_000) else 3
                    runs = [_draw_s(browser, path, ours=kind == "ours") for _ in range(repeats)]
                    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                    figures[f"map{key}_{kind}_bytes"] = size
                    figures[f"map{key}_{kind}_draw_s"] = round(med["painted_s"], 3)
                    figures[f"map{key}_{kind}_build_s"] = round(build_s, 3)
                    if kind == "ours":
                        figures[f"map{key}_ours_layer_drawn_s"] = round(med["drawn_s"], 3)
                        figures[f"map{key}_ours_cells_in_view"] = int(med["cells_in_view"])
                    else:
                        figures[f"map{key}_plain_paths"] = int(med["paths"])
                    figures[f"map{key}_{kind}_runs"] = repeats
        finally:
            browser.close()
    ratios = {
        "map50k_bytes": round(
            figures[f"map{key}_ours_bytes"] / figures[f"map{key}_plain_bytes"], 4
        ),
        "map50k_draw_s": round(
            figures[f"map{key}_ours_draw_s"] / figures[f"map{key}_plain_draw_s"], 4
        ),
    }
    return {"ratios": ratios, "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cells only")
    args = parser.parse_args()
    print(json.dumps(run(quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
