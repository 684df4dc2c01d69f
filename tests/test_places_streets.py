"""Places named by the streets and crossings of a road network (issue 20, item 2).

A small road-centreline layer (GeoPackage, as survey departments supply it) beside the tiny
city's grids, key sites and venues. Each point is named in the test the slow way (shapely
distances on UTM zone 50N, EPSG:32650, per row; the documented order: a site or venue within
150 m, else a crossing within 150 m, else the street beside within 150 m, else the nearest
site, venue or crossing within 1 km, else a street within 1 km) and held to
:func:`geo.domain.places.name_places`; through the store on both backends, the names with no
active network are those without streets.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import LineString, Point

from geo.domain import network, places
from geo.services import networks
from geo.services import places as places_svc
from tests import tiny

GEOD = Geod(ellps="WGS84")
UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
ZH_DIR = {"N": "北", "NE": "东北", "E": "东", "SE": "东南", "S": "南", "SW": "西南", "W": "西"}
ZH_DIR["NW"] = "西北"
PREFER, NEAR, AT = 150.0, 1000.0, 15.0

# the layer: 东西路 (main road, bent east of 南北路), 南北路 (secondary), 小巷 (side street)
# meeting 南北路 at its north end, and an unnamed lane off 南北路 (no crossing there)
LINES = [
    ("东西路", "主干路", [(115.965, 28.700), (115.980, 28.700)]),
    ("东西路", "主干路", [(115.980, 28.700), (115.9875, 28.7006), (115.995, 28.700)]),
    ("南北路", "次干路", [(115.980, 28.685), (115.980, 28.690), (115.980, 28.700)]),
    ("南北路", "次干路", [(115.980, 28.700), (115.980, 28.710), (115.980, 28.715)]),
    ("小巷", "支路", [(115.980, 28.710), (115.990, 28.710)]),
    ("", "支路", [(115.980, 28.690), (115.990, 28.690)]),
]
# the crossings, by hand: the main road's name first
CROSSINGS = [
    ("东西路与南北路交叉口", "东西路 & 南北路 crossing", 28.700, 115.980),
    ("南北路与小巷交叉口", "南北路 & 小巷 crossing", 28.710, 115.980),
]


def _layer(folder: Path) -> Path:
    path = folder / "roads.gpkg"
    gdf = gpd.GeoDataFrame(
        {"道路名称": [n for n, _, _ in LINES], "道路等级": [c for _, c, _ in LINES]},
        geometry=[LineString(xy) for _, _, xy in LINES],
        crs="EPSG:4326",
    )
    gdf.to_file(path, layer="道路中心线", driver="GPKG", engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _layer(tmp_path_factory.mktemp("roads"))


def _landmarks() -> pd.DataFrame:
    f = tiny.frames()
    sites = f["sites"][["name", "lat", "lng"]].assign(kind="site")
    venues = f["venues"][["name", "lat", "lng"]].assign(kind="venue")
    return pd.concat([sites, venues], ignore_index=True)  # key sites first, as the store


def _m(lng: float, lat: float) -> Point:
    return Point(UTM.transform(lng, lat))


def _reference(lat: float, lng: float, marks: pd.DataFrame) -> dict | None:
    """The landmark naming a point by the documented order; None when too close to an edge."""
    p = _m(lng, lat)
    sites = [
        (p.distance(_m(r.lng, r.lat)), r.name, r.name, r.kind, (r.lat, r.lng))
        for r in marks.itertuples()
    ]
    cross = [(p.distance(_m(g, a)), zh, en, "crossing", (a, g)) for zh, en, a, g in CROSSINGS]
    streets = [
        (p.distance(LineString([UTM.transform(x, y) for x, y in xy])), n, n, "street", None)
        for n, _, xy in LINES
        if n
    ]
    edges = []
    for group in (sites, cross, streets):
        group.sort(key=lambda c: c[0])
        d = [c[0] for c in group]
        edges += (
            [abs(x - PREFER) for x in d] + [abs(x - NEAR) for x in d] + [abs(x - AT) for x in d]
        )
        names = [c[1] for c in group]
        if len(d) > 1 and names[0] != names[1] and d[1] - d[0] < 1.0:
            return None  # two landmarks of one kind about as near
    if min(edges) < 1.0:
        return None
    best = None
    for group in (sites, cross, streets):
        if group and group[0][0] <= PREFER:
            best = group[0]
            break
    if best is None:
        point = sorted([*sites[:1], *cross[:1]], key=lambda c: c[0])
        if point and point[0][0] <= NEAR:
            if len(point) > 1 and point[1][0] - point[0][0] < 1.0:
                return None
            best = point[0]
        elif streets and streets[0][0] <= NEAR:
            best = streets[0]
    if best is None:
        return {"name": "", "kind": "", "d": np.nan}
    out = {"name": best[1], "en": best[2], "kind": best[3], "d": best[0]}
    where = best[4]
    if where is not None and best[0] >= AT:  # a site, venue or crossing: a compass point
        az, _, _ = GEOD.inv(where[1], where[0], lng, lat)
        az %= 360
        if abs((az + 22.5) % 45 - 22.5) > 22.5 - 0.3:
            return None  # on a compass sector's edge
        out["dir"] = places.COMPASS[int(((az + 22.5) % 360) // 45)]
    step = 10 if best[0] < 200 else 50
    if abs((best[0] / step) % 1 - 0.5) < 0.02:
        return None  # on a rounding edge
    out["said"] = int(np.floor(best[0] / step + 0.5) * step)
    return out


def test_the_crossings_are_where_differently_named_streets_meet(layer: Path) -> None:
    marks = places.street_marks_of(network.read_network(layer))
    got = sorted(
        zip(
            marks.crossings["name"],
            marks.crossings["name_en"],
            marks.crossings["lat"].round(6),
            marks.crossings["lng"].round(6),
            strict=True,
        )
    )
    assert got == sorted(CROSSINGS)  # not where 东西路 bends, nor at the unnamed lane
    assert set(marks.streets["name"]) == {"东西路", "南北路", "小巷"}


def test_points_are_named_by_the_documented_order(layer: Path) -> None:
    marks = _landmarks()
    streets = places.street_marks_of(network.read_network(layer))
    rng = np.random.default_rng(5)
    lat, lng = rng.uniform(28.684, 28.716, 500), rng.uniform(115.961, 115.999, 500)
    got = places.name_places(lat, lng, landmarks=marks, streets=streets)
    checked: dict[str, int] = {}
    for i in range(len(lat)):
        ref = _reference(lat[i], lng[i], marks)
        if ref is None:
            continue
        row = got.iloc[i]
        checked[ref["kind"]] = checked.get(ref["kind"], 0) + 1
        assert (row["landmark"], row["landmark_kind"]) == (ref["name"], ref["kind"]), i
        if not ref["name"]:
            assert row["place"] == f"北纬{lat[i]:.4f}° 东经{lng[i]:.4f}°"
            continue
        assert row["metres"] == pytest.approx(ref["d"], rel=1e-3, abs=0.5)
        name, en = ref["name"], ref["en"]
        if ref["d"] < AT:
            zh_want, en_want = name, en
        elif ref["kind"] == "street":
            zh_want, en_want = f"{name}旁{ref['said']}米", f"{ref['said']} m off {en}"
        else:
            zh_want = f"{name}{ZH_DIR[ref['dir']]}{ref['said']}米"
            en_want = f"{ref['said']} m {ref['dir']} of {en}"
        assert (row["place"], row["place_en"]) == (zh_want, en_want)
    # every step of the order was met, and most rows were checked
    assert {"site", "venue", "crossing", "street"} <= set(checked)
    assert sum(checked.values()) >= 450


def test_the_issue_s_examples_of_streets() -> None:
    east_west = LineString([(115.90, 28.70), (115.92, 28.70)])
    north_south = LineString([(115.91, 28.69), (115.91, 28.71)])
    streets = pd.DataFrame({"name": ["青云路", "湖滨路"], "geometry": [east_west, north_south]})
    crossing = pd.DataFrame(
        {"name": ["青云路与湖滨路交叉口"], "name_en": ["青云路 & 湖滨路 crossing"]}
    ).assign(lat=28.70, lng=115.91)
    school = pd.DataFrame(
        {"name": ["青云谱小学"], "lat": [28.70], "lng": [115.917], "kind": "site"}
    )
    beside = GEOD.fwd(115.905, 28.70, 0, 31)  # 31 m north of 青云路, 483 m from the crossing
    ne = GEOD.fwd(115.91, 28.70, 45, 82)  # 82 m NE of the crossing, 58 m off each street
    by_school = GEOD.fwd(115.917, 28.70, 180, 120)  # 120 m S of the school, 120 m off 青云路
    got = places.name_places(
        [beside[1], ne[1], by_school[1]],
        [beside[0], ne[0], by_school[0]],
        landmarks=school,
        streets=streets,
        crossings=crossing,
    )
    assert got["place"].tolist() == [
        "青云路旁30米",
        "青云路与湖滨路交叉口东北80米",
        "青云谱小学南120米",
    ]
    assert got["place_en"].tolist()[:2] == [
        "30 m off 青云路",
        "80 m NE of 青云路 & 湖滨路 crossing",
    ]
    assert got["landmark_kind"].tolist() == ["street", "crossing", "site"]


@pytest.fixture
def tiny_store(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    places_svc.forget()
    return engine


def test_the_store_s_active_network_names_places(tiny_store: sa.Engine, layer: Path) -> None:
    rng = np.random.default_rng(8)
    lat, lng = rng.uniform(28.688, 28.712, 200), rng.uniform(115.968, 115.992, 200)
    before = places_svc.name_points(tiny_store, "all", lat, lng)
    g = places_svc.gazetteer(tiny_store, "all")
    assert g.streets is None
    plain = places.name_places(lat, lng, areas=g.areas, landmarks=g.landmarks)
    pd.testing.assert_frame_equal(before, plain)  # no network: as named without streets
    assert not before["landmark_kind"].isin(["street", "crossing"]).any()

    done = networks.import_network(tiny_store, layer, name="道路")
    after = places_svc.name_points(tiny_store, "all", lat, lng)  # the import forgot the places
    want = places.name_places(
        lat,
        lng,
        areas=g.areas,
        landmarks=g.landmarks,
        streets=places.street_marks_of(network.read_network(layer)),
    )
    pd.testing.assert_frame_equal(after, want)
    assert after["landmark_kind"].isin(["street", "crossing"]).sum() >= 20
    assert (after["area"] == before["area"]).all()  # the grids stay
    kept = places_svc.street_marks(tiny_store)
    assert kept is places_svc.street_marks(tiny_store)  # indexed once per network

    networks.use_network(tiny_store, None)  # none active: the names are those without streets
    pd.testing.assert_frame_equal(places_svc.name_points(tiny_store, "all", lat, lng), before)
    networks.use_network(tiny_store, done["network_id"])
    pd.testing.assert_frame_equal(places_svc.name_points(tiny_store, "all", lat, lng), after)
