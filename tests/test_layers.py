"""layers/: the builders' HTML carries the expected data, loads nothing from the internet, escapes
every user string and shifts to GCJ-02 when asked. Fast: no browser (see tests/browser)."""

from __future__ import annotations

import html as html_mod
import json
import re
from pathlib import Path

import folium
import folium.plugins
import h3
import numpy as np
import pandas as pd
import pytest

from geo.domain import coords, hexes
from layers import (
    add_layer_control,
    areas_layer,
    cells_layer,
    is_gcj02,
    new_map,
    points_layer,
    tracks_layer,
)
from layers._encode import base36, script_json
from layers.cells import HOTSPOT_COLOURS, PALETTES, cell_keys
from layers.standalone import external_refs, save, to_offline_html

HOSTILE = "<img src=x onerror=alert(1)>"
CDN_WORDS = ("cdn", "jsdelivr", "cdnjs", "unpkg", "googleapis", "bootstrapcdn", "code.jquery")
CENTRE = (28.68, 115.89)


def _cells(n_rings: int = 3, res: int = 9) -> np.ndarray:
    centre = h3.latlng_to_cell(*CENTRE, res)
    return np.array(
        sorted(h3.str_to_int(c) for c in h3.grid_disk(centre, n_rings)), dtype=np.uint64
    )


def _frame(n_rings: int = 3) -> pd.DataFrame:
    cells = _cells(n_rings)
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "cell": cells,
            "dwell_s": rng.gamma(1.0, 3600, cells.size).round(1),
            "gi_bin": rng.integers(-3, 4, cells.size),
            "name": [HOSTILE] * cells.size,
        }
    )


def _layer_data(html: str, fn: str) -> dict:
    """The JSON object passed to ``L.<fn>(...)`` in the rendered map."""
    m = re.search(rf"L\.{fn}\((\{{.*?\}})(?:, \{{.*?\}})?\);\n", html, re.DOTALL)
    assert m, f"no L.{fn}(...) in the map"
    return json.loads(m.group(1))


def _decode_keys(text: str) -> list[int]:
    return np.cumsum([int(p, 36) for p in text.split(",")]).tolist()


def _full_map() -> folium.Map:
    m = new_map(center=CENTRE, zoom=14)
    cells_layer(
        _frame(),
        value="dwell_s",
        name=HOSTILE,
        legend_title=HOSTILE,
        tooltip=[("name", HOSTILE), ("dwell_s", "停留")],
    ).add_to(m)
    pts = pd.DataFrame({"lat": [28.68, 28.681], "lng": [115.89, 115.891], "name": [HOSTILE, "b"]})
    points_layer(pts, name=HOSTILE, popup=[("name", HOSTILE)], legend_title=HOSTILE).add_to(m)
    areas = pd.DataFrame(
        {
            "area_id": ["a"],
            "name": [HOSTILE],
            "level": ["station"],
            "geometry": [
                "POLYGON((115.88 28.67,115.90 28.67,115.90 28.69,115.88 28.69,115.88 28.67))"
            ],
        }
    )
    areas_layer(areas, name=HOSTILE).add_to(m)
    add_layer_control(m)
    return m


# --------------------------------------------------------------------------------------------
# data in the HTML


def test_cell_keys_round_trip_and_fit_in_a_double() -> None:
    for res in (7, 9, 10, 15):
        cells = _cells(2, res)
        keys = cell_keys(cells, res)
        assert keys.max() < 2**52
        shift = 3 * (15 - res)
        rebuilt = (
            (keys.astype(np.uint64) << np.uint64(shift))
            | np.uint64((1 << shift) - 1)
            | np.uint64(1 << 59)
            | np.uint64(res << 52)
        )
        assert (rebuilt == cells).all()


def test_cells_layer_sends_keys_and_classes() -> None:
    frame = _frame()
    m = new_map()
    layer = cells_layer(frame, value="dwell_s", name="覆盖", legend_title="停留（小时）")
    layer.add_to(m)
    html = m.get_root().render()
    data = _layer_data(html, "qyHexLayer")
    assert data["r"] == 9
    assert data["p"] == PALETTES["coverage"]
    assert len(data["c"]) == len(frame) == layer.n_cells
    keys = _decode_keys(data["k"])
    assert keys == sorted(cell_keys(frame["cell"].to_numpy(np.uint64), 9).tolist())
    # darkest class holds the largest value
    top = int(frame["dwell_s"].idxmax())
    key_top = int(cell_keys(frame["cell"].to_numpy(np.uint64)[[top]], 9)[0])
    assert data["c"][keys.index(key_top)] == str(len(data["p"]) - 1)
    assert '"#08519c"' in html and "停留（小时）" in html


def test_cells_layer_accepts_h3_strings_and_drops_empty_cells() -> None:
    frame = _frame()
    frame["h3"] = hexes.cells_to_str(frame.pop("cell").to_numpy(np.uint64))
    frame.loc[:4, "dwell_s"] = 0.0
    layer = cells_layer(frame, value="dwell_s", name="x")
    assert layer.n_cells == len(frame) - 5


def test_hotspot_palette_fixed_colours_and_labels() -> None:
    frame = _frame()
    labels = {3: "热点 99%", -3: "冷点 99%"}
    m = new_map()
    layer = cells_layer(frame, value="gi_bin", name="热点", palette="hotspot", labels=labels)
    layer.add_to(m)
    data = _layer_data(m.get_root().render(), "qyHexLayer")
    assert data["p"] == [HOTSPOT_COLOURS[b] if b else None for b in range(-3, 4)]
    assert layer.n_cells == int((frame["gi_bin"] != 0).sum())
    assert "热点 99%" in data["legend"] and "冷点 99%" in data["legend"]
    assert "3" not in data["c"]  # bin 0 (class 3) is not drawn
    shown = cells_layer(frame, value="gi_bin", name="h", palette="hotspot", show_insignificant=True)
    assert shown.n_cells == len(frame)


def test_sequential_bins_given() -> None:
    frame = pd.DataFrame({"cell": _cells(1), "risk": [0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 2.0]})
    layer = cells_layer(frame, value="risk", name="r", palette="risk", bins=[0.1, 0.5, 1.0])
    assert layer.data["c"].count("0") + layer.data["c"].count("1") == 6  # 0.05 not drawn
    assert sorted(layer.data["c"]) == ["0", "0", "1", "1", "1", "1"]
    with pytest.raises(ValueError, match="increasing"):
        cells_layer(frame, value="risk", name="r", bins=[1.0, 0.5])


def test_mixed_resolutions_and_missing_columns_are_refused() -> None:
    cells = np.concatenate([_cells(1, 9), _cells(1, 8)])
    with pytest.raises(ValueError, match="resolution"):
        cells_layer(pd.DataFrame({"cell": cells, "v": 1.0}), value="v", name="x")
    with pytest.raises(ValueError, match="column"):
        cells_layer(pd.DataFrame({"cell": _cells(1)}), value="v", name="x")
    with pytest.raises(ValueError, match="palette"):
        cells_layer(
            pd.DataFrame({"cell": _cells(1), "v": 1.0}), value="v", name="x", palette="rainbow"
        )


def test_tooltip_columns_dictionary_encoded() -> None:
    frame = _frame(6)
    frame["nights"] = np.arange(len(frame)) % 3
    layer = cells_layer(frame, value="dwell_s", name="x", tooltip=[("nights", "夜数")])
    col = layer.data["t"]["cols"][0]
    assert col["u"] == ["0", "1", "2"] and col["n"] == len(frame)


def test_base36_and_script_json() -> None:
    assert base36([0, 35, 36, 1295, 2**52]) == "0,z,10,zz," + np.base_repr(2**52, 36).lower()
    assert "</script>" not in script_json({"a": "</script><script>alert(1)</script>"})
    assert json.loads(script_json({"a": "</b>"})) == {"a": "</b>"}


# --------------------------------------------------------------------------------------------
# offline: nothing from the internet


def _refs(html: str) -> list[str]:
    found = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', html)
    found += re.findall(r"url\(\s*['\"]?([^'\")]+)", html)
    return found


def test_rendered_map_has_no_external_reference() -> None:
    html = _full_map().get_root().render()
    for ref in _refs(html):
        assert not re.match(r"^(https?:)?//", ref) or re.match(
            r"^(https?:)?//(localhost|127\.0\.0\.1)[:/]", ref
        ), ref
    lowered = html.lower()
    for word in CDN_WORDS:
        assert word not in lowered, word
    assert "/app/static/vendor/leaflet/1.9.4/leaflet.js" in html
    assert "h3-js.umd.js" in html and "leaflet.markercluster.js" in html


def test_every_asset_link_is_a_vendored_file() -> None:
    from layers import _assets

    html = _full_map().get_root().render()
    links = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert links
    for link in links:
        assert _assets.local_path(link) is not None, link


def test_streamlit_folium_gets_only_local_links() -> None:
    """streamlit-folium loads every element's default_js/default_css itself (its frontend has no
    Leaflet of its own): all of them must be served by the app."""
    from streamlit_folium import _get_header

    m = _full_map()
    m.get_root().render()
    links = []

    def walk(el: object) -> None:
        links.extend(u for _, u in getattr(el, "default_js", []))
        links.extend(u for _, u in getattr(el, "default_css", []))
        for child in getattr(el, "_children", {}).values():
            walk(child)

    walk(m)
    assert links and all(u.startswith("/app/static/") for u in links), links
    assert all(word not in _get_header(m).lower() for word in CDN_WORDS)


def test_standalone_html_is_self_contained(tmp_path: Path) -> None:
    m = _full_map()
    out = tmp_path / "map.html"
    n = save(m, out)
    html = out.read_text(encoding="utf-8")
    assert n == len(html.encode("utf-8"))
    assert external_refs(html) == []
    assert "<script src=" not in html and 'rel="stylesheet"' not in html
    assert "L.QyHexLayer" in html and "cellToBoundary" in html  # qy-layers.js and h3-js inlined
    assert "data:image/png;base64," in html  # Leaflet's images inside the CSS


def test_asset_base_follows_streamlit_base_url_path(tmp_path: Path) -> None:
    from layers import _assets, set_asset_base

    try:
        set_asset_base("/qingyun/app/static/")
        html = _full_map().get_root().render()
        assert '"/qingyun/app/static/vendor/leaflet/1.9.4/leaflet.js"' in html
        assert "/qingyun/app/static/vendor/leaflet.markercluster/" in html
        assert save(_full_map(), tmp_path / "m.html") > 300_000  # still inlined
    finally:
        set_asset_base("/app/static")
    assert _assets.ASSET_BASE == "/app/static"
    assert '"/app/static/vendor/leaflet/1.9.4/leaflet.js"' in _full_map().get_root().render()


def test_standalone_refuses_a_cdn_asset() -> None:
    m = new_map()
    folium.plugins.Fullscreen().add_to(m)  # a folium plugin with CDN default_js
    with pytest.raises(ValueError, match="vendored"):
        to_offline_html(m)


def test_online_tiles_only_when_asked() -> None:
    assert "tile.openstreetmap.org" not in new_map().get_root().render()
    html = new_map(tiles="osm").get_root().render()
    assert "tile.openstreetmap.org" in html and "OpenStreetMap contributors" in html
    html = (
        new_map(tiles="https://tiles.police.local/{z}/{x}/{y}.png", attribution="本地瓦片")
        .get_root()
        .render()
    )
    assert "tiles.police.local" in html and json.dumps("本地瓦片") in html
    html = new_map(tiles="tianditu", tianditu_token="TOKEN").get_root().render()
    assert "vec_w" in html and "cva_w" in html and "tk=TOKEN" in html
    with pytest.raises(ValueError, match="token"):
        new_map(tiles="tianditu")
    with pytest.raises(ValueError, match="unknown tiles"):
        new_map(tiles="bing")


# --------------------------------------------------------------------------------------------
# escaping


def test_hostile_strings_are_escaped_everywhere() -> None:
    html = _full_map().get_root().render()
    assert HOSTILE not in html
    assert html_mod.escape(HOSTILE) in html
    # the layer names reach Leaflet's layer control (innerHTML) escaped too
    assert json.dumps(html_mod.escape(HOSTILE), ensure_ascii=False) in html
    pts = _layer_data(html, "qyPoints")
    assert pts["popup"]["labels"] == [html_mod.escape(HOSTILE)]
    assert pts["popup"]["cols"][0] == [html_mod.escape(HOSTILE), "b"]
    cells = _layer_data(html, "qyHexLayer")
    assert html_mod.escape(HOSTILE) in cells["legend"]
    assert cells["t"]["cols"][0]["u"] == [html_mod.escape(HOSTILE)]


def test_bad_colour_is_refused() -> None:
    pts = pd.DataFrame({"lat": [28.68], "lng": [115.89]})
    with pytest.raises(ValueError, match="colour"):
        points_layer(pts, name="p", color='red" onmouseover="alert(1)')


# --------------------------------------------------------------------------------------------
# GCJ-02


def test_gcj_shift_of_points_areas_tracks_and_view() -> None:
    lat, lng = 28.68, 115.89
    glng, glat = coords.wgs84_to_gcj02(np.array([lng]), np.array([lat]))
    glat, glng = float(glat[0]), float(glng[0])
    assert 0.001 < abs(glng - lng) < 0.01  # several hundred metres around Nanchang
    assert is_gcj02("amap") and not is_gcj02("osm") and not is_gcj02("none")

    plain = points_layer(pd.DataFrame({"lat": [lat], "lng": [lng]}), name="p", cluster=False)
    moved = points_layer(
        pd.DataFrame({"lat": [lat], "lng": [lng]}), name="p", cluster=False, shift_gcj02=True
    )
    m1, m2 = new_map(), new_map()
    plain.add_to(m1)
    moved.add_to(m2)
    d1 = _layer_data(m1.get_root().render(), "qyPoints")
    d2 = _layer_data(m2.get_root().render(), "qyPoints")
    assert d1["lat"] == [lat] and d1["lng"] == [lng]
    assert d2["lat"][0] == pytest.approx(glat, abs=1e-6)
    assert d2["lng"][0] == pytest.approx(glng, abs=1e-6)

    areas = pd.DataFrame(
        {
            "area_id": ["a"],
            "name": ["A"],
            "level": ["grid"],
            "geometry": [
                f"POLYGON(({lng} {lat},{lng + 0.01} {lat},{lng} {lat + 0.01},{lng} {lat}))"
            ],
        }
    )
    ring = json.loads(areas_layer(areas, name="a", shift_gcj02=True).data_js)["features"][0][
        "geometry"
    ]["coordinates"][0]
    assert ring[0] == pytest.approx([glng, glat], abs=1e-6)

    ts = pd.date_range("2026-01-01 20:00", periods=3, freq="30s", tz="Asia/Shanghai")
    pings = pd.DataFrame(
        {"shift_id": "s", "ts": ts, "lat": [lat, lat + 0.001, lat + 0.002], "lng": [lng] * 3}
    )
    t = tracks_layer(pings, name="t", shift_gcj02=True)
    first = json.loads(t.data_js)["lines"][0]["p"][0]
    assert first == pytest.approx([glat, glng], abs=1e-5)

    view = new_map(center=(lat, lng), tiles="amap")
    assert view.location == pytest.approx([glat, glng], abs=1e-9)


def test_cells_shift_flag_is_sent() -> None:
    m = new_map(tiles="amap")
    cells_layer(_frame(), value="dwell_s", name="x", shift_gcj02=is_gcj02("amap")).add_to(m)
    assert _layer_data(m.get_root().render(), "qyHexLayer")["g"] is True


# --------------------------------------------------------------------------------------------
# tracks and areas


def test_tracks_split_at_breaks() -> None:
    t0 = pd.Timestamp("2026-01-01 20:00", tz="Asia/Shanghai")
    ts = [t0 + pd.Timedelta(seconds=s) for s in (0, 30, 60, 900, 930, 960)]  # 14 min gap
    lat = [28.68, 28.6801, 28.6802, 28.6803, 28.6804, 28.75]  # last hop: 7.7 km in 30 s
    pings = pd.DataFrame({"shift_id": "s1", "ts": ts, "lat": lat, "lng": 115.89})
    layer = tracks_layer(
        pings, name="轨迹", labels={"track": "轨迹", "gap": "中断", "jump": "跳点"}
    )
    data = json.loads(layer.data_js)
    assert [len(line["p"]) for line in data["lines"]] == [3, 2]
    assert [b[4] for b in data["breaks"]] == ["gap", "jump"]
    assert "中断" in data["legend"] and "跳点" in data["legend"]
    assert tracks_layer(pings, name="t", breaks=False).n_breaks == 0


def test_areas_outline_and_labels() -> None:
    from shapely.geometry import box

    areas = pd.DataFrame(
        {
            "area_id": ["s", "g"],
            "name": ["派出所", "网格"],
            "level": ["station", "grid"],
            "geometry": [
                box(115.88, 28.67, 115.90, 28.69),
                "POLYGON((115.88 28.67,115.89 28.67,115.89 28.68,115.88 28.67))",
            ],
        }
    )
    layer = areas_layer(areas, name="辖区")
    data = json.loads(layer.data_js)
    assert [f["properties"]["level"] for f in data["features"]] == ["station", "grid"]
    assert [lab[2] for lab in data["labels"]] == ["派出所", "网格"]
    assert data["styles"]["grid"]["dashArray"]


# --------------------------------------------------------------------------------------------
# python -m geo map


@pytest.mark.slow
@pytest.mark.parametrize("layer", ["coverage", "hotspots", "risk", "gap", "venues", "hazards"])
def test_cli_map_writes_an_offline_file(
    demo_db_url: str, tmp_path: Path, layer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli import main

    out = tmp_path / f"{layer}.html"
    assert main(["map", "--layer", layer, "--db", demo_db_url, "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["command"] == "map" and summary["bytes"] == out.stat().st_size
    assert summary["cells"] + summary["points"] > 0 and summary["areas"] > 0
    html = out.read_text(encoding="utf-8")
    assert external_refs(html) == [] and "<script src=" not in html
    assert "演示数据" in html  # the demo city says so
    if layer in ("venues", "hazards"):
        assert '"cluster":true' in html


def test_cli_map_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli import main

    db = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["map", "--layer", "coverage", "--db", db, "--out", str(tmp_path / "m.png")]) == 2
    assert "html" in capsys.readouterr().err
    assert main(["map", "--layer", "heat", "--db", db, "--out", str(tmp_path / "m.html")]) == 2
    assert (
        main(
            [
                "map",
                "--layer",
                "coverage",
                "--db",
                db,
                "--tiles",
                "tianditu",
                "--out",
                str(tmp_path / "m.html"),
            ]
        )
        == 2
    )
    assert "token" in capsys.readouterr().err


def test_station_is_labelled_through_its_grids() -> None:
    from tests import tiny

    areas = tiny.frames()["areas"]
    m = new_map(center=(28.7, 115.98))
    areas_layer(areas, name="辖区").add_to(m)
    page = m.get_root().render()
    assert "一网格" in page and "二网格" in page
    assert "罗家派出所辖区" not in page  # its grids carry the labels
    only_station = areas[areas["level"] == "station"]
    m2 = new_map(center=(28.7, 115.98))
    areas_layer(only_station, name="辖区").add_to(m2)
    assert "罗家派出所辖区" in m2.get_root().render()
