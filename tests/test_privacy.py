"""Aggregate privacy (issue 23, item 2): a viewer cannot rebuild a patrol route from coverage.

The attack: ask for one night's coverage at resolution 10 for one unit kind, sort the cells by
their last visit, and compare that order with the real order in which a shift's GPS fixes were
last in them (Spearman's rank correlation). On what the admin receives the attack works (the
reference that shows the test can fail); on what a viewer receives, through the service, the
command line and the cell details, it must not.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.stats import spearmanr

from cli import main
from data.demo_city import DUTY_NIGHT
from geo import store
from geo.config import get_settings
from geo.domain import hexes, privacy
from geo.services import access, cells, coverage

NIGHT = DUTY_NIGHT  # 2022-10-31, the demo's duty night
KIND = "police_car"
BOUND = 0.2  # |rank correlation| a viewer's output may reach at most


def _who(engine: sa.Engine, name: str) -> store.Principal:
    """A demo user's principal (demo users exist in demo mode only, made on the app's start)."""
    demo = get_settings().with_(demo=True)
    access.bootstrap(engine, demo)
    return access.principal_of(engine, name, settings=demo)


def _track_order(engine: sa.Engine) -> tuple[str, pd.Series]:
    """The longest police-car shift of the night and the last time of its fixes in each cell."""
    tz = get_settings().tz
    shifts = store.read(engine, "shifts", "all")
    units = store.read(engine, "units", "all").set_index("unit_id")["kind"]
    start = shifts["start"].dt.tz_convert(tz)
    night = shifts.loc[
        (start.dt.date.astype(str) == NIGHT) & (shifts["unit_id"].map(units) == KIND)
    ]
    pings = store.read(engine, "pings", "all", where={"shift_id": night["shift_id"].tolist()})
    longest = pings.groupby("shift_id").size().idxmax()
    p = pings.loc[pings["shift_id"] == longest].sort_values("ts")
    cell = hexes.latlng_to_cells(p["lat"].to_numpy(float), p["lng"].to_numpy(float), 10)
    # the time the track was last in each cell: what "last visit" reports when no other shift
    # of the kind came by later
    last = pd.Series(p["ts"].to_numpy(), index=np.asarray(cell, np.uint64)).groupby(level=0).max()
    return str(longest), last


def _rank_correlation(got: pd.DataFrame, first: pd.Series) -> tuple[float, int]:
    """Spearman's rho between the cells' last visits as received and the real entry times, over
    the track's cells that were received (0 when fewer than 3 or no order can be read)."""
    lv = got.assign(cell=got["cell"].astype(np.uint64)).set_index("cell")["last_visit"]
    both = lv.index.intersection(first.index)
    if len(both) < 3 or lv.loc[both].nunique() < 2:
        return 0.0, len(both)
    rho = spearmanr(lv.loc[both].astype("int64"), first.loc[both].astype("int64")).statistic
    return float(rho), len(both)


@pytest.fixture(scope="module")
def track(demo_copy: sa.Engine) -> tuple[str, pd.Series]:
    return _track_order(demo_copy)


def test_the_attack_rebuilds_a_route_from_what_the_admin_receives(
    demo_copy: sa.Engine, track: tuple[str, pd.Series]
) -> None:
    _, first = track
    admin = _who(demo_copy, "admin")
    got = coverage.coverage_cells(
        demo_copy, admin, start=NIGHT, end=NIGHT, res=10, unit_kinds=[KIND]
    )
    rho, n = _rank_correlation(got, first)
    assert n >= 0.9 * len(first) and rho > 0.6  # the reference: the method does rebuild routes


def test_a_viewer_receives_no_route(demo_copy: sa.Engine, track: tuple[str, pd.Series]) -> None:
    _, first = track
    viewer = _who(demo_copy, "viewer")
    got = coverage.coverage_cells(
        demo_copy, viewer, start=NIGHT, end=NIGHT, res=10, unit_kinds=[KIND]
    )
    rho, _ = _rank_correlation(got, first)
    assert abs(rho) <= BOUND
    # per cell: every cell shown had at least MIN_SHIFTS shifts, and its last visit is a date
    commander = _who(demo_copy, "commander")  # same area, not private
    full = coverage.coverage_cells(
        demo_copy, commander, start=NIGHT, end=NIGHT, res=10, unit_kinds=[KIND]
    )
    assert len(got) < len(full) and set(got["cell"]) <= set(full["cell"])
    lv = got["last_visit"].dt.tz_convert(get_settings().tz)
    assert (lv == lv.dt.normalize()).all()
    shown = full.set_index("cell").loc[got["cell"]]
    pd.testing.assert_series_equal(
        got.set_index("cell")["dwell_s"], shown["dwell_s"], check_names=False
    )


def test_private_cells_per_cell() -> None:
    """The rule on a hand-made frame: cells of fewer than 3 shifts go, the rest keep their sums
    and show the date of their night (a visit after midnight belongs to the night before)."""
    tz = "Asia/Shanghai"
    cells_ = pd.DataFrame(
        {
            "cell": [1, 2, 3],
            "dwell_s": [600.0, 30.0, 1200.0],
            "last_visit": pd.to_datetime(
                ["2022-10-31 23:59:58", "2022-10-31 21:00:00", "2022-11-01 03:12:09"]
            ).tz_localize(tz),
        }
    )
    got = privacy.private_cells(
        cells_, pd.Series({1: 3, 2: 2, 3: 5}), night_end_hour=6, min_shifts=3
    )
    assert got["cell"].tolist() == [1, 3] and got["dwell_s"].tolist() == [600.0, 1200.0]
    assert got["last_visit"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist() == [
        "2022-10-31 00:00:00",
        "2022-10-31 00:00:00",
    ]


def test_the_command_line_and_the_cell_panel_give_a_viewer_the_same(
    demo_db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QY_DEMO", "1")  # the demo users log in (and are read) in demo mode only
    engine = store.connect(demo_db_url)
    viewer, admin = _who(engine, "viewer"), _who(engine, "admin")
    out = tmp_path / "v.geojson"
    args = ["coverage", "--db", demo_db_url, "--from", NIGHT, "--to", NIGHT, "--res", "10"]
    assert main([*args, "--units", KIND, "--as", "viewer", "--out", str(out)]) == 0
    capsys.readouterr()
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    times = [f["properties"]["last_visit"] for f in feats]
    assert all(t.endswith("T00:00:00+08:00") for t in times), times[:3]
    mine = coverage.coverage_cells(
        engine, viewer, start=NIGHT, end=NIGHT, res=10, unit_kinds=[KIND]
    )
    assert {f["properties"]["h3"] for f in feats} == set(hexes.cells_to_str(mine["cell"]))
    every = coverage.coverage_cells(engine, viewer, start=NIGHT, end=NIGHT, res=10)  # all kinds
    seen = set(hexes.cells_to_str(every["cell"].astype(np.uint64)))
    full = coverage.coverage_cells(engine, admin, start=NIGHT, end=NIGHT, res=10)
    hidden = [c for c in hexes.cells_to_str(full["cell"].astype(np.uint64)) if c not in seen]
    # a cell the viewer's map leaves out says so in its panel; one it shows gives a date only
    d = cells.cell_details(engine, viewer, hidden[0], 10, NIGHT, NIGHT)
    assert d["withheld"] and d["last_visit"] is None and d["dwell_min"] == 0.0
    if seen:
        d = cells.cell_details(engine, viewer, sorted(seen)[0], 10, NIGHT, NIGHT)
        assert d["visit_date_only"] and d["by_unit_kind"].empty
    a = cells.cell_details(engine, admin, hidden[0], 10, NIGHT, NIGHT)
    assert a["dwell_min"] > 0 and "withheld" not in a
