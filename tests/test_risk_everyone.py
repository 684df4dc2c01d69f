"""Risk is one absolute number per cell: expected incidents per week from the jurisdiction's model.

On the demo city: the same cell shows the same risk to the admin, the commander, a grid manager
and the viewer (Overview, the map service, ``python -m geo risk --as USER`` and the briefing); the
expected rates add up to the observed weekly rate; a grid at resolution 8 is no longer flat.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cli import main
from geo import store
from geo.config import get_settings
from geo.domain import hexes
from geo.services import access, briefing, maps, overview
from geo.services import risk as risk_svc

START, END = "2022-07-01", "2022-07-31"
GRID = "ST01-G03"
USERS = [name for name, _pw, _role, _areas in access.DEMO_USERS]


@pytest.fixture(scope="module")
def demo(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    copy = tmp_path_factory.mktemp("risk-demo") / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    url = f"sqlite:///{copy}"
    engine = store.connect(url)
    access.bootstrap(engine, get_settings().with_(demo=True))  # the demo users
    yield {"url": url, "engine": engine}
    store.forget(url)
    engine.dispose()


def _who(engine: sa.Engine, name: str) -> store.Reader:
    return access.principal_of(engine, name, settings=get_settings().with_(demo=True))


def _by_cell(frame: pd.DataFrame, col: str = "risk") -> pd.Series:
    return pd.Series(frame[col].to_numpy(float), index=frame["cell"].to_numpy().astype(np.uint64))


def test_the_expected_rates_add_up_to_the_observed_rate(demo: dict) -> None:
    eng = demo["engine"]
    for res in (8, 9, 10):
        model = risk_svc.jurisdiction_risk(eng, start=START, end=END, res=res)
        n, weeks = model.attrs["incidents"], model.attrs["weeks"]
        assert weeks == pytest.approx(31 / 7)
        inc = store.read(eng, "incidents", "all", start=START, end=END)
        # N: the period's incidents in the jurisdiction's cells (a few lie in cells whose
        # centre is outside every area)
        assert 0.95 * len(inc) <= n <= len(inc)
        assert model["risk"].sum() == pytest.approx(n / weeks)
        assert (model["risk"] > 0).all() and (model["rtm"] >= 1).all()
    # the risks of the user's rows are the jurisdiction's, whatever the area
    whole = _by_cell(risk_svc.jurisdiction_risk(eng, start=START, end=END, res=9))
    grid = _by_cell(risk_svc.risk_cells(eng, "all", start=START, end=END, area=GRID))
    assert len(grid) and (grid == whole.reindex(grid.index)).all()
    # no incident in the period: no expected incident, the cells ranked by relative risk
    quiet = risk_svc.risk_cells(eng, "all", start="2030-01-01", end="2030-01-31", area=GRID)
    assert (quiet["risk"] == 0).all()
    top = quiet.loc[quiet["risk_pct"] == quiet["risk_pct"].max(), "rtm"]
    assert (top == quiet["rtm"].max()).all()


def test_the_same_cell_shows_the_same_risk_to_every_role(
    demo: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eng, url = demo["engine"], demo["url"]
    truth = _by_cell(risk_svc.jurisdiction_risk(eng, start=START, end=END, res=9))
    grid_cells = set(
        risk_svc.risk_cells(eng, "all", start=START, end=END, area=GRID)["cell"].astype(np.uint64)
    )
    seen: dict[str, dict[str, pd.Series]] = {}
    for name in USERS:
        who = _who(eng, name)
        pages: dict[str, pd.Series] = {}
        pages["overview"] = _by_cell(overview.gap_map(eng, who, start=START, end=END).cells)
        pages["map"] = _by_cell(maps.map_data(eng, who, "risk", start=START, end=END).frame)
        out = tmp_path / f"{name}.csv"
        base = ["--db", url, "--as", name, "--from", START, "--to", END]
        assert main(["risk", *base, "--out", str(out)]) == 0, capsys.readouterr().err
        cli = pd.read_csv(out)
        assert {"risk", "risk_pct", "gap"} <= set(cli.columns)
        pages["cli"] = pd.Series(
            cli["risk"].to_numpy(float), index=hexes.str_to_cells(cli["h3"]).astype(np.uint64)
        )
        gaps = briefing.figures(eng, who, START, END)["gaps"]
        assert gaps, name
        pages["briefing"] = pd.Series(
            [g["risk"] for g in gaps],
            index=hexes.str_to_cells([g["h3"] for g in gaps]).astype(np.uint64),
        )
        for page, values in pages.items():
            assert len(values), (name, page)
            # every cell shown has the jurisdiction's value (the briefing rounds to 3 decimals)
            want = truth.reindex(values.index)
            assert want.notna().all(), (name, page)
            tol = 5e-4 if page == "briefing" else 1e-9
            np.testing.assert_allclose(values, want, rtol=1e-9, atol=tol, err_msg=f"{name} {page}")
        # the grid's cells are seen by every user, with the same values
        assert grid_cells <= set(pages["overview"].index), name
        seen[name] = pages
    for page in ("overview", "map", "cli"):
        cells = sorted(grid_cells)
        values = [seen[name][page].reindex(cells).to_numpy() for name in USERS]
        for v in values[1:]:
            np.testing.assert_allclose(v, values[0], rtol=1e-9, err_msg=page)


def test_a_grid_at_resolution_8_is_not_flat(demo: dict) -> None:
    eng = demo["engine"]
    truth = _by_cell(risk_svc.jurisdiction_risk(eng, start=START, end=END, res=8))
    grid = risk_svc.risk_cells(eng, "all", start=START, end=END, res=8, area=GRID)
    assert len(grid) >= 2
    risk = _by_cell(grid)
    # the cells' own expected rates (they were all 0.5 when risk was rescaled within the area)
    assert (risk == truth.reindex(risk.index)).all()
    assert risk.nunique() == len(risk) and not np.isclose(risk, 0.5).any()
    # percentiles within the grid: its riskiest cell 1, its least risky 0
    pct = _by_cell(grid, "risk_pct")
    assert pct.loc[risk.idxmax()] == 1.0 and pct.loc[risk.idxmin()] == 0.0
    # the gap, a ranking within the grid, is defined from them
    np.testing.assert_allclose(grid["gap"], grid["risk_pct"] * (1 - grid["coverage_pct"]))
    # across the grids at res 8 the gaps are not all zero (each ranks its own cells)
    gaps = [
        risk_svc.risk_cells(eng, "all", start=START, end=END, res=8, area=f"ST01-G{i:02d}")["gap"]
        for i in range(1, 13)
    ]
    assert max(float(g.max()) for g in gaps) > 0
