"""Scoped reads made fast (issue 21, item 2) give exactly what the plain computation gives.

The fast path (:func:`geo.store.scope.scope_cells`, the remembered shift set of
:mod:`geo.store.records`, the grid assessment's single dispute read) is held to straightforward
references written here: every GPS ping of the store read straight from its table and tested
point by point against the union of the areas' polygons read as WKT, and each grid's dispute
figures read one grid at a time. The page figures of every scoped role on the demo city are
compared, frame by frame and cell by cell, with the same pages computed on the reference.
No timings: the app benchmark (``python -m geo bench --only app``) measures the speed.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from shapely import wkt as shapely_wkt

from geo import ingest, store
from geo.services import areas, briefing, coverage, disputes, duty, overview, settings
from geo.services import plan as plan_svc
from geo.store import records
from geo.store.scope import Principal, scope_cells
from tests import tiny

# --------------------------------------------------------------------------------------------
# references


def _union(engine: sa.Engine, ids: frozenset[str]) -> shapely.Geometry:
    with engine.connect() as conn:
        texts = conn.execute(
            sa.text("SELECT area_id, geometry FROM areas"),
        ).all()
    return shapely.union_all([shapely_wkt.loads(g) for a, g in texts if a in ids])


def _ref_shift_ids(engine: sa.Engine, ids: frozenset[str]) -> set[str]:
    """Shifts with a ping inside the areas: every ping of the store, each tested."""
    with engine.connect() as conn:
        pings = pd.DataFrame(
            conn.execute(sa.text("SELECT shift_id, lat, lng FROM pings")).all(),
            columns=["shift_id", "lat", "lng"],
        )
    inside = shapely.contains_xy(
        _union(engine, ids), pings["lng"].to_numpy(float), pings["lat"].to_numpy(float)
    )
    return set(pings.loc[inside, "shift_id"].dropna())


_REF: dict[tuple[str, frozenset[str]], frozenset[str]] = {}


def _ref_in_scope(
    conn: sa.Connection, ids: frozenset[str], poly: shapely.Geometry
) -> frozenset[str]:
    """A drop-in for ``records._shifts_in_scope``: the pings of every cell that touches the
    areas, each tested (what every scoped read did before issue 21), once per store and areas
    (the demo store of these tests is never written)."""
    key = (str(conn.engine.url), ids)
    if key not in _REF:
        _REF[key] = _ref_read(conn, ids, poly)
    return _REF[key]


def _ref_read(conn: sa.Connection, ids: frozenset[str], poly: shapely.Geometry) -> frozenset[str]:
    rows = conn.execute(
        sa.text(
            "SELECT shift_id, lat, lng FROM pings WHERE cell IN "
            "(SELECT cell FROM area_cells WHERE area_id IN :ids)"
        ).bindparams(sa.bindparam("ids", expanding=True)),
        {"ids": sorted(ids)},
    ).all()
    df = pd.DataFrame(rows, columns=["shift_id", "lat", "lng"])
    keep = shapely.contains_xy(poly, df["lng"].to_numpy(float), df["lat"].to_numpy(float))
    return frozenset(df.loc[keep, "shift_id"].dropna())


def _same(a: Any, b: Any, where: str = "") -> None:
    """Assert two service results equal: frames cell by cell, dicts key by key."""
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, obj=where or "frame")
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, obj=where or "series")
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


# --------------------------------------------------------------------------------------------
# the tiny jurisdiction, on SQLite and PostgreSQL: exact expected rows


def _import(engine: sa.Engine, folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame = frame.copy()
    for c in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[c]):
            frame[c] = frame[c].dt.strftime("%Y-%m-%d %H:%M:%S%z")
    path = folder / f"{name}-{len(list(folder.iterdir()))}.csv"
    frame.to_csv(path, index=False)
    got = ingest.import_file(engine, name, path)
    assert got.rejected == 0, got.rejects


def test_shifts_and_units_in_scope_follow_new_pings(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)
    ids = lambda *a: frozenset(a)  # noqa: E731
    assert list(store.read(engine, "shifts", ["G1"])["shift_id"]) == ["S1"]
    assert sorted(store.read(engine, "shifts", ["G2"])["shift_id"]) == ["S1", "S2"]
    # a new unit of another station, whose shifts touch G1 only at its east edge (lng 115.980)
    _import(
        engine,
        tmp_path,
        "units",
        pd.DataFrame({"unit_id": ["U3"], "name": ["外所巡逻"], "kind": ["foot"], "station": ["X"]}),
    )
    _import(
        engine,
        tmp_path,
        "shifts",
        pd.DataFrame(
            {
                "shift_id": ["S3", "S4"],
                "unit_id": ["U3", "U3"],
                "start": [tiny.ts("2022-07-03 20:00"), tiny.ts("2022-07-04 20:00")],
                "end": [tiny.ts("2022-07-03 23:00"), tiny.ts("2022-07-04 23:00")],
            }
        ),
    )
    # S3: one fix 0.5 m west of the G1/G2 line (inside G1), the rest east of it and outside
    # the station; S4: 0.5 m east of the line (G2), then outside the station
    lng3 = [115.979995, 115.9951, 115.9952]
    lng4 = [115.980005, 115.9951, 115.9952]
    _import(
        engine,
        tmp_path,
        "pings",
        pd.DataFrame(
            {
                "shift_id": ["S3"] * 3 + ["S4"] * 3,
                "ts": [tiny.ts(f"2022-07-03 21:0{i}") for i in range(3)]
                + [tiny.ts(f"2022-07-04 21:0{i}") for i in range(3)],
                "lat": [28.7] * 6,
                "lng": lng3 + lng4,
            }
        ),
    )
    assert sorted(store.read(engine, "shifts", ["G1"])["shift_id"]) == ["S1", "S3"]
    assert sorted(store.read(engine, "shifts", ["G2"])["shift_id"]) == ["S1", "S2", "S4"]
    assert sorted(store.read(engine, "shifts", ["ST"])["shift_id"]) == ["S1", "S2", "S3", "S4"]
    got = store.read(engine, "shifts", ["G1"], start="2022-07-03", end="2022-07-04")
    assert list(got["shift_id"]) == ["S3"]
    # columns without the id are filtered all the same
    got = store.read(engine, "shifts", ["G2"], start="2022-07-04", columns=["unit_id"])
    assert list(got.columns) == ["unit_id"] and list(got["unit_id"]) == ["U3"]
    assert sorted(store.read(engine, "units", ["G1"])["unit_id"]) == ["U1", "U3"]
    assert sorted(store.read(engine, "units", ["G2"])["unit_id"]) == ["U1", "U2", "U3"]
    for scope in (ids("G1"), ids("G2"), ids("ST", "G1", "G2")):
        want = _ref_shift_ids(engine, scope)
        assert set(store.read(engine, "shifts", sorted(scope))["shift_id"]) == want, scope
    # the station's boundary cells are the ones its outline crosses; the grid line's cells are
    # interior to the station and boundary cells of each grid
    with engine.connect() as conn:
        st, g1 = scope_cells(conn, ids("ST", "G1", "G2")), scope_cells(conn, ids("G1"))
        none = scope_cells(conn, ids("NOPE"))
    assert st is not None and g1 is not None and none is None
    line = store.read(engine, "pings", "all", where={"shift_id": ["S3"]})["cell"].iloc[0]
    assert line in set(st.interior) and line in set(g1.boundary)


# --------------------------------------------------------------------------------------------
# the demo city: every scoped role's pages against the reference


@pytest.fixture(scope="module")
def demo(demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A read-only store on a copy of the session's demo city."""
    copy = tmp_path_factory.mktemp("scope-speed") / "demo.db"
    shutil.copyfile(demo_db_file, copy)
    url = f"sqlite:///{copy}"
    eng = store.connect(url)
    yield eng
    store.forget(url)
    eng.dispose()


SCOPES = [("ST01",), ("ST01-G03",), ("ST01-G07",), ("ST01-G01", "ST01-G12")]


@pytest.mark.slow
@pytest.mark.parametrize("scope", SCOPES, ids="+".join)
def test_demo_shifts_in_scope_equal_every_ping_tested(demo: sa.Engine, scope: tuple) -> None:
    ids = store.resolve_scope(demo, list(scope))
    assert ids is not None
    want = _ref_shift_ids(demo, ids)
    assert want  # every demo area has patrols
    every = store.read(demo, "shifts", "all")
    got = store.read(demo, "shifts", list(scope))
    _same(got, every.loc[every["shift_id"].isin(want)].reset_index(drop=True), "shifts")
    # a period: the shifts of July and their rows, column by column
    july = store.read(demo, "shifts", "all", start="2022-07-01", end="2022-07-31")
    got = store.read(demo, "shifts", list(scope), start="2022-07-01", end="2022-07-31")
    _same(got, july.loc[july["shift_id"].isin(want)].reset_index(drop=True), "july")
    units = store.read(demo, "units", "all")
    with_shift = set(every.loc[every["shift_id"].isin(want), "unit_id"])
    keep = units["unit_id"].isin(with_shift) | units["station"].isin(ids)
    _same(store.read(demo, "units", list(scope)), units.loc[keep].reset_index(drop=True), "units")
    # interior cells hold only pings inside; interior and boundary are the area cells
    with demo.connect() as conn:
        cells = scope_cells(conn, ids)
        touching = {
            r[0]
            for r in conn.execute(
                sa.text("SELECT cell FROM area_cells WHERE area_id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": sorted(ids)},
            )
        }
    assert cells is not None
    assert set(cells.interior) | set(cells.boundary) == touching
    assert not set(cells.interior) & set(cells.boundary)
    pings = store.read(demo, "pings", "all", columns=["lat", "lng", "cell"])
    inner = pings.loc[pings["cell"].isin(cells.interior)]
    assert len(inner)
    assert shapely.contains_xy(
        _union(demo, ids), inner["lng"].to_numpy(float), inner["lat"].to_numpy(float)
    ).all()


ROLES = {
    "commander": Principal("commander", "commander", frozenset({"ST01"})),
    "grid_manager": Principal("grid03", "grid_manager", frozenset({"ST01-G03"})),
    "viewer": Principal("viewer", "viewer", frozenset({"ST01"})),
}


def _pages(engine: sa.Engine, who: Principal) -> dict[str, Any]:
    """What the Overview, Coverage, Duty, Briefing and Patrol plan pages ask for, by default."""
    ch = areas.period_choice(engine)
    start, end = ch.default_start.isoformat(), ch.last.isoformat()
    night = str(settings.ui_settings(engine)["night"])
    out: dict[str, Any] = {
        "overview.figures": overview.figures(engine, who, start, end, None, night=night),
        "overview.gap_map": overview.gap_map(
            engine, who, start=start, end=end, res=9, area=None, night=night
        ),
        "coverage.dwell_map": coverage.dwell_map(
            engine, who, start=start, end=end, night=night, res=9, area=None, unit_kinds=None
        ),
        "briefing.figures": briefing.figures(engine, who, start, end, None, night=night, res=9),
    }
    if coverage.may_see_tracks(who):
        out["coverage.shift_labels"] = coverage.shift_labels(engine, who, end, None)
        out["coverage.track_breaks"] = coverage.track_breaks(engine, who, start, end, None)
    if who.may("duty"):
        out["overview.alerts"] = duty.night_alerts(engine, who, end)
        out["duty.night_shown"] = duty.night_shown(engine, who, end, window=night)
        out["duty.grid_percent"] = duty.grid_percent(engine, who, start, end, window=night)
    if who.may("plan"):
        out["plan.units_table"] = plan_svc.units_table(engine, who, night=end, window=night)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("role", list(ROLES))
def test_demo_pages_of_every_scoped_role_equal_the_reference(
    demo: sa.Engine, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = ROLES[role]
    fast = _pages(demo, who)
    with monkeypatch.context() as m:
        m.setattr(records, "_shifts_in_scope", _ref_in_scope)
        slow = _pages(demo, who)
    assert list(fast) == list(slow)
    for name in fast:
        _same(fast[name], slow[name], name)
    # the pages show something: the comparison is not of empty frames
    assert len(fast["overview.figures"].table) and fast["briefing.figures"]
    if "plan.units_table" in fast:
        assert len(fast["plan.units_table"])


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "grid_manager"])
def test_demo_grid_disputes_equal_one_read_per_grid(demo: sa.Engine, role: str) -> None:
    who = ROLES.get(role, Principal("admin", "admin", None))
    start, end = "2022-09-01", "2022-10-31"
    grid = duty.grid_assessment(demo, who, start, end)
    assert len(grid)
    for row in grid.itertuples(index=False):
        ref = disputes.figures(demo, who, start, end, row.area_id)
        assert row.disputes == ref["disputes_discovered"], row.area_id
        assert row.disputes_settled == ref["disputes_settled"], row.area_id
        want = ref["resolution_rate"]
        assert (pd.isna(row.dispute_rate) and want is None) or row.dispute_rate == round(want, 4), (
            row.area_id
        )
    assert grid["disputes"].sum() > 0


@pytest.mark.slow
def test_demo_grid_assessment_of_one_area_equals_its_rows_of_all(demo: sa.Engine) -> None:
    who = ROLES["commander"]
    start, end = "2022-10-01", "2022-10-31"
    every = duty.grid_percent(demo, who, start, end).set_index("area_id")
    for area in ("ST01-G03", "ST01-G11"):
        one = duty.grid_percent(demo, who, start, end, area=area)
        assert list(one["area_id"]) == [area]
        _same(one.set_index("area_id"), every.loc[[area]], area)
    assert len(duty.grid_percent(demo, who, start, end, area="ST01")) == len(every) == 12
