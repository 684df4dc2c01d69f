"""Standalone offline maps in Chromium with every non-local request aborted: the cells, points and
outlines draw, tooltips work, and the GCJ-02 shift in the browser matches geo.domain.coords."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from geo.domain import coords
from layers import add_layer_control, areas_layer, cells_layer, new_map, points_layer
from layers.standalone import save
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"
CENTRE = (28.68, 115.89)
BACKGROUND = (0xEE, 0xF1, 0xF4)

# counts canvas pixels that are neither transparent nor the plain map background
_PAINTED = """() => {
  let n = 0;
  for (const c of document.querySelectorAll('canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 16) { if (d[i] > 0) n++; }
  }
  return n;
}"""


def _map_file(tmp_path: Path, *, tiles: str = "none") -> Path:
    centre = h3.latlng_to_cell(*CENTRE, 9)
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, 30)), dtype=np.uint64)
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"cell": cells, "dwell_s": rng.gamma(1.0, 3600, cells.size), "name": HOSTILE}
    )
    m = new_map(center=CENTRE, zoom=14, tiles=tiles)
    cells_layer(
        frame,
        value="dwell_s",
        name="覆盖",
        legend_title=HOSTILE,
        tooltip=[("name", HOSTILE), ("dwell_s", "停留")],
        shift_gcj02=tiles == "amap",
    ).add_to(m)
    pts = pd.DataFrame(
        {
            "lat": CENTRE[0] + rng.normal(0, 0.004, 50),
            "lng": CENTRE[1] + rng.normal(0, 0.004, 50),
            "name": HOSTILE,
        }
    )
    points_layer(pts, name="场所", popup=[("name", "名称")]).add_to(m)
    areas = pd.DataFrame(
        {
            "area_id": ["a"],
            "name": ["青云谱派出所"],
            "level": ["station"],
            "geometry": [
                "POLYGON((115.87 28.665,115.91 28.665,115.91 28.695,115.87 28.695,115.87 28.665))"
            ],
        }
    )
    areas_layer(areas, name="辖区").add_to(m)
    add_layer_control(m)
    out = tmp_path / "map.html"
    save(m, out)
    return out


def test_standalone_map_draws_offline(offline_page: object, tmp_path: Path) -> None:
    page = offline_page
    alerts: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: errors.append(str(e)))  # type: ignore[attr-defined]
    page.goto(_map_file(tmp_path).as_uri())  # type: ignore[attr-defined]
    page.wait_for_function("window.__qy && window.__qy.drawn >= 1", timeout=20_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    qy = page.evaluate("window.__qy")  # type: ignore[attr-defined]
    assert qy["cells"] > 500  # of the 2,791 cells, those in view
    painted = page.evaluate(_PAINTED)  # type: ignore[attr-defined]
    assert painted > 20_000
    assert page.locator(".leaflet-marker-icon, .marker-cluster").count() > 0  # type: ignore[attr-defined]
    assert page.locator(".qy-area-label").count() == 1  # type: ignore[attr-defined]
    # the area's label sits in the middle of its outline, also after the container resizes
    page.set_viewport_size({"width": 1100, "height": 800})  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    label = page.locator(".qy-area-label span").bounding_box()  # type: ignore[attr-defined]
    centre = page.evaluate("""() => {
      const m = Object.values(window).find(v => v instanceof L.Map);
      const box = m.getContainer().getBoundingClientRect();
      const p = m.latLngToContainerPoint([28.68, 115.89]);  // the middle of the area
      return {x: box.left + p.x, y: box.top + p.y};
    }""")  # type: ignore[attr-defined]
    cx, cy = label["x"] + label["width"] / 2, label["y"] + label["height"] / 2
    assert abs(cx - centre["x"]) < 15 and abs(cy - centre["y"]) < 15
    page.set_viewport_size({"width": 1400, "height": 950})  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    legend = page.locator(".qy-legend").first.inner_text()  # type: ignore[attr-defined]
    assert HOSTILE in legend  # shown as text, not markup

    size = page.viewport_size  # type: ignore[attr-defined]
    page.mouse.move(size["width"] / 2 + 3, size["height"] / 2 + 3)  # type: ignore[attr-defined]
    page.wait_for_selector(".leaflet-tooltip .qy-tip", timeout=5_000)  # type: ignore[attr-defined]
    assert HOSTILE in page.locator(".leaflet-tooltip:has(.qy-tip)").inner_text()  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_offline.png"))  # type: ignore[attr-defined]
    assert page.blocked == []  # type: ignore[attr-defined]
    assert alerts == [] and errors == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0  # type: ignore[attr-defined]


def test_gcj_shift_in_browser_matches_python(offline_page: object, tmp_path: Path) -> None:
    page = offline_page
    page.goto(_map_file(tmp_path, tiles="amap").as_uri())  # type: ignore[attr-defined]
    page.wait_for_function("window.__qy && window.__qy.drawn >= 1", timeout=20_000)  # type: ignore[attr-defined]
    lat, lng = 28.6812, 115.8931
    got = page.evaluate(f"L.qyGcj.toGcj({lat}, {lng})")  # type: ignore[attr-defined]
    glng, glat = coords.wgs84_to_gcj02(np.array([lng]), np.array([lat]))
    assert got == pytest.approx([float(glat[0]), float(glng[0])], abs=1e-9)
    # Amap tiles were asked for and are blocked here; the cells still draw
    assert any("autonavi" in u for u in page.blocked)  # type: ignore[attr-defined]
    assert page.evaluate("window.__qy.cells") > 500  # type: ignore[attr-defined]
