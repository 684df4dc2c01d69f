"""Road networks as users have them: a survey department's road-centreline Shapefile and an
osmnx GraphML load, and their travel seconds per unit kind equal shortest paths computed here
by Floyd-Warshall on an adjacency written from the raw file's own numbers (not through
geo.domain.network); the plan runs on a stored network; the CLI and the Data page import one;
bad files are refused naming the file and the reason in both languages."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import pytest
import sqlalchemy as sa
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import floyd_warshall
from shapely.geometry import LineString, MultiLineString, Point, box

from geo import store
from geo.domain import circles, network, routing
from geo.services import networks

LAT0, LNG0 = 28.684, 115.965
GEOD = pyproj.Geod(ellps="WGS84")
TO_WGS = pyproj.Transformer.from_crs(4548, 4326, always_xy=True)
TO_GK = pyproj.Transformer.from_crs(4326, 4548, always_xy=True)
KINDS = ("police_car", "e_bike", "foot")
CLASS_SPEED = {"主干路": 50.0, "支路": 25.0, "步行街": None}  # class defaults (km/h) for cars


# ------------------------------------------------------------------ a survey department's file
# A 3 x 3 grid of crossings 400 m apart in CGCS2000 / 3-degree Gauss-Kruger CM 117E (EPSG:4548).
X0, Y0 = TO_GK.transform(LNG0, LAT0)
GRID = {(r, c): (X0 + 400.0 * c, Y0 + 400.0 * r) for r in range(3) for c in range(3)}
BEND = (X0 + 150.0, Y0 + 260.0)  # a vertex of the lane from (0,0) to (1,1), shared by no line


def _survey_lines() -> list[dict[str, object]]:
    """The lines as written: geometry (GK metres), name, class, direction code, speed limit."""
    g = GRID
    return [
        # row 0: one line through the crossing with column 1 (split at the shared vertex)
        {
            "geometry": LineString([g[0, 0], g[0, 1], g[0, 2]]),
            "n": "青云路",
            "k": "主干路",
            "d": 1,
            "s": 40.0,
        },
        # row 1: a MultiLineString of two parts
        {
            "geometry": MultiLineString([[g[1, 0], g[1, 1]], [g[1, 1], g[1, 2]]]),
            "n": "文昌巷",
            "k": "支路",
            "d": 0,
            "s": 0.0,
        },
        # row 2: one way along the line (east), survey code 2
        {
            "geometry": LineString([g[2, 0], g[2, 1], g[2, 2]]),
            "n": "桂花街",
            "k": "支路",
            "d": 2,
            "s": 0.0,
        },
        {
            "geometry": LineString([g[0, 0], g[1, 0], g[2, 0]]),
            "n": "罗家大道",
            "k": "主干路",
            "d": 1,
            "s": 0.0,
        },
        # column 1 drawn south to north, one way against the line (north to south), code 3
        {
            "geometry": LineString([g[0, 1], g[1, 1], g[2, 1]]),
            "n": "新溪路",
            "k": "支路",
            "d": 3,
            "s": 0.0,
        },
        # column 2: a pedestrian street (no cars, no e-bikes), then a lane
        {
            "geometry": LineString([g[0, 2], g[1, 2]]),
            "n": "步行街",
            "k": "步行街",
            "d": 1,
            "s": 0.0,
        },
        {"geometry": LineString([g[1, 2], g[2, 2]]), "n": "桂花街", "k": "支路", "d": 1, "s": 0.0},
        # a slow lane with a bend: 10 km/h limit
        {
            "geometry": LineString([g[0, 0], BEND, g[1, 1]]),
            "n": "斜巷",
            "k": "支路",
            "d": 1,
            "s": 10.0,
        },
    ]


def _write_shapefile(folder: Path, *, cpg: bool, zipped: bool) -> Path:
    import geopandas as gpd

    rows = _survey_lines()
    gdf = gpd.GeoDataFrame(
        {
            "ROAD_NAME": [r["n"] for r in rows],
            "ROAD_CLASS": [r["k"] for r in rows],
            "DIRECTION": [r["d"] for r in rows],
            "SPEED_LIMI": [r["s"] for r in rows],  # speed_limit cut to 10 characters
        },
        geometry=[r["geometry"] for r in rows],
        crs="EPSG:4548",
    )
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / "道路中心线.shp"
    gdf.to_file(shp, engine="pyogrio", encoding="GBK")
    if not cpg:
        for p in folder.glob("*.cpg"):
            p.unlink()
    if not zipped:
        return shp
    out = folder / "roads.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for p in folder.glob("道路中心线.*"):
            zf.write(p, p.name)
    return out


def _wgs(xy: tuple[float, float]) -> tuple[float, float]:
    lng, lat = TO_WGS.transform(*xy)
    return float(lng), float(lat)


def _geod(a: tuple[float, float], b: tuple[float, float]) -> float:
    (x1, y1), (x2, y2) = _wgs(a), _wgs(b)
    return float(GEOD.inv(x1, y1, x2, y2)[2])


def _survey_reference(kind: str) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Seconds between the 9 crossings for ``kind``, by Floyd-Warshall on the raw lines."""
    speed = routing.SPEED_MPS[kind]
    pts = [GRID[r, c] for r in range(3) for c in range(3)]
    index = {p: i for i, p in enumerate(pts)}
    w = np.full((9, 9), np.inf)
    for row in _survey_lines():
        geom = row["geometry"]
        parts = list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]
        cls = str(row["k"])
        if cls == "步行街" and kind != "foot":
            continue
        limit = float(row["s"]) or CLASS_SPEED[cls]  # type: ignore[arg-type]
        cap = np.inf if limit is None else limit / 3.6
        for part in parts:
            coords = [tuple(c) for c in part.coords]
            # split at the crossings (every grid point the line passes)
            cuts = [i for i, c in enumerate(coords) if c in index]
            for a, b in pairwise(cuts):
                metres = sum(_geod(coords[i], coords[i + 1]) for i in range(a, b))
                t = metres / min(speed, cap)
                u, v = index[coords[a]], index[coords[b]]
                d = int(row["d"])  # type: ignore[call-overload]
                along = d in (0, 1, 2) or kind == "foot"
                against = d in (0, 1, 3) or kind == "foot"
                if along:
                    w[u, v] = min(w[u, v], t)
                if against:
                    w[v, u] = min(w[v, u], t)
    rows, cols = np.nonzero(np.isfinite(w))
    dist = floyd_warshall(csr_matrix((w[rows, cols], (rows, cols)), shape=(9, 9)))
    return dist, [_wgs(p) for p in pts]


@pytest.mark.parametrize(("cpg", "zipped"), [(True, False), (False, True)])
def test_survey_shapefile_travel_equals_an_independent_shortest_path(
    tmp_path: Path, cpg: bool, zipped: bool
) -> None:
    path = _write_shapefile(tmp_path / "shp", cpg=cpg, zipped=zipped)
    g = network.read_network(path)
    assert g.source["crs"] == "EPSG:4548"
    assert g.source["columns"] == {
        "name": "ROAD_NAME",
        "road_class": "ROAD_CLASS",
        "oneway": "DIRECTION",
        "speed": "SPEED_LIMI",
    }
    # Chinese names read right with and without the .cpg (GBK found from the DBF's bytes)
    assert {"青云路", "文昌巷", "桂花街", "新溪路", "斜巷"} <= set(g.edges["name"])
    assert len(g.nodes) == 9  # the bend is no node
    s = network.summary(g)
    assert s["oneway"] == 4  # row 2 and column 1, two edges each
    net = routing.RoadNetwork(graph=g)
    for kind in KINDS:
        ref, pts = _survey_reference(kind)
        lng = np.array([p[0] for p in pts])
        lat = np.array([p[1] for p in pts])
        got = net.travel_s(lat, lng, kind)
        finite = np.isfinite(ref)
        assert finite.all(), kind  # every crossing reaches every other
        assert np.array_equal(got, np.ceil(ref - 1e-9).astype(np.int64)), kind
        secs = net.seconds_between(lat, lng, lat, lng, kind)
        assert np.allclose(secs, ref, atol=1e-6), kind
        # circles travel on the same seconds
        tf = circles.travel_from(lat[:2], lng[:2], lat, lng, kind, network=net)
        assert np.allclose(tf, ref[:2], atol=1e-6), kind
    # one way for cars, not on foot: from (2,1) west to (2,0) a car goes round, a walker not
    car, _ = _survey_reference("police_car")
    foot, _ = _survey_reference("foot")
    i, j = 2 * 3 + 1, 2 * 3 + 0
    assert car[i, j] * routing.SPEED_MPS["police_car"] > foot[i, j] * routing.SPEED_MPS["foot"] + 1


# ------------------------------------------------------------------ an osmnx GraphML by hand
_GRAPHML_NODES = {  # osmnx node id -> (x = lng, y = lat)
    "101": (LNG0, LAT0),
    "102": (LNG0 + 0.004, LAT0),
    "103": (LNG0 + 0.008, LAT0),
    "104": (LNG0 + 0.004, LAT0 + 0.003),
    "105": (LNG0 + 0.008, LAT0 + 0.003),
}
# (u, v, length m, highway, oneway, maxspeed, name): osmnx writes each direction as its own edge
_GRAPHML_EDGES = [
    ("101", "102", 392.5, "primary", "False", "60", "青云路"),
    ("102", "101", 392.5, "primary", "False", "60", "青云路"),
    ("102", "103", 401.0, "residential", "True", "", "文昌巷"),  # one way east
    ("103", "105", 350.0, "['residential', 'tertiary']", "False", "['20', '30']", "桂花街"),
    ("105", "103", 350.0, "['residential', 'tertiary']", "False", "['20', '30']", "桂花街"),
    ("102", "104", 345.0, "footway", "False", "", ""),
    ("104", "102", 345.0, "footway", "False", "", ""),
    ("104", "105", 410.0, "secondary", "False", "", "新溪路"),
    ("105", "104", 410.0, "secondary", "False", "", "新溪路"),
    ("101", "104", 600.0, "motorway", "True", "100", "快速路"),
]


def _write_graphml(path: Path) -> None:
    keys = [
        ("d0", "graph", "crs"),
        ("d1", "node", "y"),
        ("d2", "node", "x"),
        ("d3", "node", "street_count"),
        ("d4", "edge", "osmid"),
        ("d5", "edge", "highway"),
        ("d6", "edge", "oneway"),
        ("d7", "edge", "reversed"),
        ("d8", "edge", "length"),
        ("d9", "edge", "maxspeed"),
        ("d10", "edge", "name"),
    ]
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    out.append('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">')
    for k, f, n in keys:
        out.append(f'<key id="{k}" for="{f}" attr.name="{n}" attr.type="string"/>')
    out.append('<graph edgedefault="directed"><data key="d0">epsg:4326</data>')
    for nid, (x, y) in _GRAPHML_NODES.items():
        out.append(
            f'<node id="{nid}"><data key="d1">{y}</data><data key="d2">{x}</data>'
            '<data key="d3">3</data></node>'
        )
    for i, (u, v, length, hw, ow, ms, name) in enumerate(_GRAPHML_EDGES):
        data = [f'<data key="d4">{1000 + i}</data>', f'<data key="d5">{hw}</data>']
        data += [f'<data key="d6">{ow}</data>', '<data key="d7">False</data>']
        data.append(f'<data key="d8">{length}</data>')
        if ms:
            data.append(f'<data key="d9">{ms}</data>')
        if name:
            data.append(f'<data key="d10">{name}</data>')
        out.append(f'<edge source="{u}" target="{v}" id="0">{"".join(data)}</edge>')
    out.append("</graph></graphml>")
    path.write_text("\n".join(out), encoding="utf-8")


def _graphml_reference(kind: str) -> np.ndarray:
    ids = list(_GRAPHML_NODES)
    speed = routing.SPEED_MPS[kind]
    default = {"residential": 25.0, "secondary": 40.0, "primary": 50.0, "motorway": 100.0}
    w = np.full((5, 5), np.inf)
    for u, v, length, hw, ow, ms, _ in _GRAPHML_EDGES:
        first = hw.strip("[]").split(",")[0].strip(" '")
        if kind != "foot" and first == "footway":
            continue
        if kind != "police_car" and first == "motorway":
            continue
        limit = float(ms.strip("[]").split(",")[0].strip(" '")) if ms else default.get(first)
        cap = np.inf if limit is None else limit / 3.6
        t = length / min(speed, cap)
        a, b = ids.index(u), ids.index(v)
        w[a, b] = min(w[a, b], t)
        if kind == "foot" and ow == "True":
            w[b, a] = min(w[b, a], t)
    rows, cols = np.nonzero(np.isfinite(w))
    return floyd_warshall(csr_matrix((w[rows, cols], (rows, cols)), shape=(5, 5)))


def test_osmnx_graphml_travel_equals_an_independent_shortest_path(tmp_path: Path) -> None:
    path = tmp_path / "city.graphml"
    _write_graphml(path)
    g = network.read_network(path)
    assert len(g.nodes) == 5 and len(g.edges) == len(_GRAPHML_EDGES)
    assert set(g.edges["road_class"]) == {
        "primary",
        "residential",
        "footway",
        "secondary",
        "motorway",
    }
    net = routing.RoadNetwork(path)  # a file path reads the same way
    lng = np.array([p[0] for p in _GRAPHML_NODES.values()])
    lat = np.array([p[1] for p in _GRAPHML_NODES.values()])
    for kind in KINDS:
        ref = _graphml_reference(kind)
        net.fallbacks = 0
        got = net.travel_s(lat, lng, kind)
        ok = np.isfinite(ref)
        assert np.array_equal(got[ok], np.ceil(ref[ok] - 1e-9).astype(np.int64)), kind
        assert net.fallbacks == int((~ok).sum()), kind  # unconnected pairs: the straight line
    car = _graphml_reference("police_car")
    foot = _graphml_reference("foot")
    # the one-way lane 102 -> 103: cars go round by 104 and 105, walkers walk back along it
    assert car[2, 1] * routing.SPEED_MPS["police_car"] > 401.0 + 1
    assert foot[2, 1] == pytest.approx(401.0 / routing.SPEED_MPS["foot"])


# ------------------------------------------------------------------ refusals in both languages
def test_bad_files_are_refused_naming_the_file_and_reason(tmp_path: Path) -> None:
    import geopandas as gpd

    pts = gpd.GeoDataFrame(
        {"NAME": ["a", "b"]}, geometry=[Point(LNG0, LAT0), Point(LNG0 + 0.01, LAT0)], crs=4326
    )
    pts.to_file(tmp_path / "points.gpkg", engine="pyogrio", layer="poi")
    with pytest.raises(network.NetworkFileError) as e:
        network.read_network(tmp_path / "points.gpkg")
    assert e.value.key == "no_lines"
    assert "points.gpkg" in e.value.text("zh-CN") and "线要素" in e.value.text("zh-CN")
    assert "no road centrelines" in e.value.text("en") and "Point" in e.value.text("en")
    # projected coordinates without a .prj
    folder = tmp_path / "noprj"
    shp = _write_shapefile(folder, cpg=True, zipped=False)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(network.NetworkFileError) as e:
        network.read_network(shp)
    assert e.value.key == "no_crs"
    assert "道路中心线.shp" in e.value.text("zh-CN") and ".prj" in e.value.text("zh-CN")
    assert "not degrees" in e.value.text("en")
    # a file of another kind
    other = tmp_path / "roads.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(network.NetworkFileError) as e:
        network.read_network(other)
    assert "roads.csv" in e.value.text("zh-CN") and "roads.csv" in str(e.value)
    # lines without a CRS but in degrees are read as WGS-84
    line = gpd.GeoDataFrame(
        {"NAME": ["x"]}, geometry=[LineString([(LNG0, LAT0), (LNG0 + 0.01, LAT0)])], crs=4326
    )
    line.to_file(tmp_path / "deg.shp", engine="pyogrio")
    (tmp_path / "deg.prj").unlink()
    g = network.read_network(tmp_path / "deg.shp")
    assert network.summary(g)["km"] == pytest.approx(
        GEOD.inv(LNG0, LAT0, LNG0 + 0.01, LAT0)[2] / 1000, abs=0.01
    )


# ------------------------------------------------------------------ stored, used, on both backends
def test_store_import_list_use_delete_and_the_plan_on_it(engine: sa.Engine, tmp_path: Path) -> None:
    from data.demo_city import demo_streets, write_demo_streets
    from geo.domain import hexes
    from geo.domain import plan as plan_rules
    from geo.services import access
    from geo.services import plan as plan_svc
    from tests import tiny

    tiny.load(engine, tmp_path)
    assert networks.active_network(engine) is None
    gpkg = write_demo_streets(str(tmp_path / "街道.gpkg"))
    got = networks.import_network(engine, gpkg, name="示范路网", by="admin")
    assert got["active"] and got["nodes"] > 100
    assert got["crs"] == "EPSG:4548" and got["kind"] == "geopackage"
    streets = demo_streets()
    # every street of the file is read with its name; one-way streets counted
    assert set(streets["道路名称"]) <= set(networks.active_network(engine).road_graph.edges["name"])
    assert got["oneway"] > 0
    shp = _write_shapefile(tmp_path / "shp", cpg=False, zipped=True)
    second = networks.import_network(engine, shp, by="admin", activate=False)
    table = networks.list_networks(engine)
    assert table["network_id"].tolist() == [second["network_id"], got["network_id"]]
    assert table["active"].tolist() == [False, True]
    # the stored graph comes back as it went in: same travel seconds as the file read anew
    net = networks.active_network(engine)
    again = routing.RoadNetwork(gpkg)
    lat = net.road_graph.nodes["lat"].to_numpy()[:20]
    lng = net.road_graph.nodes["lng"].to_numpy()[:20]
    for kind in KINDS:
        assert np.array_equal(net.travel_s(lat, lng, kind), again.travel_s(lat, lng, kind))
    assert networks.active_network(engine) is net  # kept while it stays the active one
    # the plan runs on the active network; "straight" asks for none
    cells = hexes.polygon_to_cells(box(115.972, 28.694, 115.986, 28.706), 9)
    values = np.linspace(1.0, 0.2, len(cells))
    order = np.argsort(-values, kind="stable")
    gaps = pd.DataFrame(
        {
            "cell": cells[order].astype(np.uint64),
            "risk": values[order],
            "gap": values[order],
            "rank": np.arange(1, len(cells) + 1),
        }
    )
    units = [
        plan_rules.Unit("U1", "car", 28.700, 115.980, name="巡逻一组"),
        plan_rules.Unit("U2", "foot", 28.699, 115.979, shift_h=2.0),
    ]
    kw = {"night": "2022-07-01", "window": "20:00-23:00", "units": units, "gaps": gaps}
    plan = plan_svc.make_plan(engine, "all", time_limit_s=1, **kw)
    assert plan["travel"]["model"] == "network" and plan["travel"]["file"] == "街道.gpkg"
    assert all(u["stops"] for u in plan["units"])
    line = plan_svc.make_plan(engine, "all", time_limit_s=1, network=networks.STRAIGHT, **kw)
    assert line["travel"]["model"] == "straight"
    chosen = plan_svc.make_plan(
        engine, "all", time_limit_s=1, network=str(second["network_id"]), **kw
    )
    assert chosen["travel"]["file"] == "roads.zip"
    # the sheet's backdrop: the network's streets and the grids' outlines
    back = networks.sheet_backdrop(engine, "all")
    assert len(back["streets"]) == len(network.street_lines(net.road_graph))
    assert any(main for _, main in back["streets"]) and back["grids"]
    # use, none, delete; audited
    networks.use_network(engine, second["network_id"], by="admin")
    assert networks.active_network(engine).name == "roads.zip"
    networks.use_network(engine, None, by="admin")
    assert networks.active_network(engine) is None
    networks.delete_network(engine, second["network_id"], by="admin")
    assert networks.list_networks(engine)["network_id"].tolist() == [got["network_id"]]
    with pytest.raises(ValueError, match="no road network"):
        networks.use_network(engine, 999, by="admin")
    log = access.audit_log(engine, actions=["settings"])
    changes = [json.loads(d)["change"] for d in log["detail"] if "change" in json.loads(d)]
    assert sorted(changes) == sorted(["import", "import", "use", "use", "delete"])


def test_cli_network_import_list_use(
    sqlite_engine: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli import main

    url = sqlite_engine.url.render_as_string(hide_password=False)
    graphml = tmp_path / "city.graphml"
    _write_graphml(graphml)
    assert main(["network", "import", str(graphml), "--db", url, "--name", "城区"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nodes"] == 5 and out["edges"] == len(_GRAPHML_EDGES) and out["active"]
    shp = _write_shapefile(tmp_path / "shp", cpg=True, zipped=True)
    assert main(["network", "import", str(shp), "--db", url, "--keep-active"]) == 0
    second = json.loads(capsys.readouterr().out)["network_id"]
    assert main(["network", "list", "--db", url]) == 0
    listed = json.loads(capsys.readouterr().out)["networks"]
    assert [(r["name"], r["active"]) for r in listed] == [("roads", False), ("城区", True)]
    assert main(["network", "use", str(second), "--db", url]) == 0
    capsys.readouterr()
    assert networks.active_network(sqlite_engine).name == "roads.zip"
    assert main(["network", "use", "straight", "--db", url]) == 0
    capsys.readouterr()
    assert networks.active_network(sqlite_engine) is None
    bad = tmp_path / "roads.txt"
    bad.write_text("x", encoding="utf-8")
    assert main(["network", "import", str(bad), "--db", url]) == 2
    assert "roads.txt" in capsys.readouterr().err
    assert main(["network", "delete", "77", "--db", url]) == 2


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_data_page_uploads_a_road_network(
    new_app: Callable[..., Any], demo_db_url: str, tmp_path: Path, lang: str
) -> None:
    at = new_app("admin")
    at.session_state["lang"] = lang
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    # the demo city ships its streets: stored and active
    eng = store.connect(demo_db_url)
    shipped = networks.list_networks(eng)
    assert shipped["active"].tolist() == [True] and shipped["nodes"].iloc[0] > 100
    graphml = tmp_path / "城区.graphml"
    _write_graphml(graphml)
    at.file_uploader(key="net_file").set_value((graphml.name, graphml.read_bytes(), "")).run()
    at.button(key="net_go").click().run()
    assert not at.exception, at.exception
    words = "已导入路网" if lang == "zh-CN" else "Imported the road network"
    assert any(words in m.value and "城区.graphml" in m.value for m in at.success)
    # a point layer is refused naming the file and the reason, in the page's language
    import geopandas as gpd

    pts = gpd.GeoDataFrame({"NAME": ["a"]}, geometry=[Point(LNG0, LAT0)], crs=4326)
    pts.to_file(tmp_path / "poi.gpkg", engine="pyogrio")
    data = (tmp_path / "poi.gpkg").read_bytes()
    at.file_uploader(key="net_file").set_value(("poi.gpkg", data, "")).run()
    at.button(key="net_go").click().run()
    reason = "线要素" if lang == "zh-CN" else "no road centrelines"
    assert any("poi.gpkg" in m.value and reason in m.value for m in at.error)
