"""Store-backed analyses and their CLI outputs on the tiny jurisdiction."""

from __future__ import annotations

import json
from pathlib import Path

import h3
import numpy as np
import pytest
import sqlalchemy as sa

from cli import main
from geo import store
from geo.domain import hexes
from geo.services import coverage as coverage_svc
from geo.services import hotspots as hotspots_svc
from tests import tiny


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    return engine


def test_coverage_cells_night_and_area(loaded: sa.Engine) -> None:
    # S1 drove 21:00-21:20 on 2022-07-01 along 28.700 N; S2 walked 21:30-21:45 on 07-02 in G2
    all_ = coverage_svc.coverage_cells(loaded, "all", start="2022-07-01", end="2022-07-02", res=9)
    assert all_["dwell_s"].sum() == pytest.approx(59 * 20 + 29 * 30, rel=1e-6)
    assert set(all_["res"]) == {9}
    west = coverage_svc.coverage_cells(
        loaded, "all", start="2022-07-01", end="2022-07-02", res=9, area="G1"
    )
    east = coverage_svc.coverage_cells(
        loaded, "all", start="2022-07-01", end="2022-07-02", res=9, area="G2"
    )
    _lat, lng = hexes.cell_centres(west["cell"].to_numpy().astype(np.uint64))
    assert (lng < 115.980).all()
    assert west["dwell_s"].sum() + east["dwell_s"].sum() == pytest.approx(
        all_["dwell_s"].sum(), rel=1e-6
    )
    # only volunteers: the S2 walk
    vol = coverage_svc.coverage_cells(
        loaded, "all", start="2022-07-01", end="2022-07-02", unit_kinds=["volunteer"]
    )
    assert vol["dwell_s"].sum() == pytest.approx(29 * 30, rel=1e-6)
    # a day window that excludes the night
    day = coverage_svc.coverage_cells(
        loaded, "all", start="2022-07-01", end="2022-07-02", night="08:00-18:00"
    )
    assert day.empty
    # the grid manager of G1 cannot ask for G2
    with pytest.raises(ValueError, match="unknown area"):
        coverage_svc.coverage_cells(loaded, ["G1"], area="G2")


def test_cli_coverage_hotspots_risk_geojson(
    loaded: sa.Engine, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cov.geojson"
    assert (
        main(
            [
                "coverage",
                "--db",
                db_url,
                "--from",
                "2022-07-01",
                "--to",
                "2022-07-03",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    fc = json.loads(out.read_text(encoding="utf-8"))
    props = fc["features"][0]["properties"]
    assert list(props)[:2] == ["h3", "res"]
    assert {"dwell_s", "nights", "stops", "koper_stops", "last_visit"} <= set(props)
    assert h3.is_valid_cell(props["h3"]) and props["res"] == 9
    assert fc["features"][0]["geometry"]["type"] == "Polygon"

    out = tmp_path / "hs.geojson"
    # three incidents in one week: no trend can be computed; the hot spots come out and the
    # user is told why there is no trend (a sparse store is no error)
    assert main(["hotspots", "--db", db_url, "--out", str(out), "--emerging"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["trends"] is None and "2" in summary["trends_note"]
    assert main(["hotspots", "--db", db_url, "--out", str(out), "--fdr"]) == 0
    fc = json.loads(out.read_text(encoding="utf-8"))
    props = fc["features"][0]["properties"]
    assert {"h3", "res", "count", "gi_z", "gi_p", "gi_bin"} <= set(props)
    assert sum(f["properties"]["count"] for f in fc["features"]) == 3
    # every study cell is in the station polygon, zero-count cells included
    assert len(fc["features"]) == len(hexes.polygon_to_cells(store.area_polygon(loaded, ["ST"]), 9))

    out = tmp_path / "risk.csv"
    assert main(["risk", "--db", db_url, "--out", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out)
    assert {"h3", "res", "risk", "dwell_s", "gap", "rank"} <= set(table.columns)
    assert table["rank"].tolist() == sorted(table["rank"].tolist())
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(json.loads(x)["command"] for x in lines)


def test_hotspots_respect_scope(loaded: sa.Engine) -> None:
    west = hotspots_svc.hotspot_cells(loaded, ["G1"])
    _lat, lng = hexes.cell_centres(west["cell"].to_numpy().astype(np.uint64))
    assert (lng < 115.980).all()
    assert west["count"].sum() == len(store.read(loaded, "incidents", ["G1"]))
