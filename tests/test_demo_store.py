"""The demo city through the real import path: idempotent, campaign figures from stored rows."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from data.demo_city import CAMPAIGN, CAMPAIGN_FIGURES
from geo import store
from geo.services.demo import load_demo
from geo.store import is_demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    engine = store.connect(url)
    first = load_demo(engine)
    assert first["status"] == "loaded" and first["duplicates"] == 0
    yield engine
    store.forget(url)
    engine.dispose()


def campaign_figures(engine: sa.Engine, start: str, end: str) -> dict[str, int]:
    """The six campaign figures recomputed from stored raw rows with pandas."""
    shifts = store.read(engine, "shifts", "all")
    night = (shifts["start"] - pd.Timedelta(hours=6)).dt.date.astype(str)
    sh = shifts[(night >= start) & (night <= end)]
    insp = store.read(engine, "inspections", "all", start=start, end=end)
    checks = store.read(engine, "site_checks", "all", start=start, end=end)
    hz = store.read(engine, "hazards", "all", start=start, end=end)
    rectified = hz[(hz["status"] == "rectified") & (hz["rectified_at"].dt.date.astype(str) <= end)]
    return {
        "police_aux_person_times": int(sh["police"].sum() + sh["auxiliaries"].sum()),
        "volunteer_person_times": int(sh["volunteers"].sum()),
        "people_checked": int(sh["people_checked"].sum()),
        "venues_inspected": int(insp["venue_id"].nunique()),
        "site_patrols": len(checks),
        "hazards_rectified": len(rectified),
    }


def test_campaign_figures_from_stored_rows(demo_engine: sa.Engine) -> None:
    figures = campaign_figures(demo_engine, *CAMPAIGN)
    assert figures == CAMPAIGN_FIGURES
    assert figures == {
        "police_aux_person_times": 1169,
        "volunteer_person_times": 856,
        "people_checked": 521,
        "venues_inspected": 76,
        "site_patrols": 632,
        "hazards_rectified": 36,
    }


def test_demo_is_idempotent_and_marked(demo_engine: sa.Engine) -> None:
    before = store.counts(demo_engine)
    assert is_demo(demo_engine)
    assert load_demo(demo_engine)["status"] == "already loaded"
    again = load_demo(demo_engine, force=True)
    assert again["accepted"] == 0 and again["duplicates"] == sum(before.values())
    assert store.counts(demo_engine) == before


def test_demo_coverage_rollup_is_maintained(demo_engine: sa.Engine) -> None:
    with demo_engine.connect() as conn:
        n_shifts = conn.execute(
            sa.select(sa.func.count(sa.distinct(store.coverage.c.shift_id)))
        ).scalar_one()
        dwell = conn.execute(sa.select(sa.func.sum(store.coverage.c.dwell_s))).scalar_one()
        quality = conn.execute(sa.select(sa.func.sum(store.track_quality.c.pings))).scalar_one()
    assert n_shifts == store.counts(demo_engine)["shifts"]
    assert quality == store.counts(demo_engine)["pings"]
    assert dwell > 3600 * 100


def test_readme_sample_imports_into_the_demo(demo_engine: sa.Engine, tmp_path) -> None:
    from pathlib import Path

    from data.make_samples import make_samples
    from geo import ingest

    make_samples(tmp_path)
    samples = Path(tmp_path)
    runs = [
        ("venues", "venues_gcj02_zh.xlsx", {"sheet": "场所台账", "crs": "gcj02"}),
        ("incidents", "incidents_gbk.csv", {}),
        ("hazards", "hazards_bad_rows.csv", {}),
        ("shifts", "shifts_new.csv", {}),
        ("pings", "pings_bd09.csv", {"crs": "bd09"}),
        ("areas", "areas.geojson", {}),
    ]
    got = {
        kind: ingest.import_file(demo_engine, kind, samples / name, **kw) for kind, name, kw in runs
    }
    assert got["venues"].accepted == got["venues"].read == 15
    assert got["incidents"].accepted == got["incidents"].read
    # data row 8's unknown category 'meteorite' is stored in "other" and listed, not rejected
    assert (got["hazards"].accepted, got["hazards"].rejected) == (10, 2)
    assert sorted(got["hazards"].rejects["row"]) == [5, 12]  # data rows 4, 11
    assert got["hazards"].unmapped == {"meteorite": 1}
    assert got["pings"].accepted == got["pings"].read
    assert got["areas"].duplicates == got["areas"].read  # the demo's own areas
    # the GCJ-02 venues land within a metre of the demo venues they were derived from
    from geo.domain import coords

    demo = store.read(demo_engine, "venues", "all").set_index("venue_id")
    new = demo.loc[demo.index.str.startswith("NEW-")]
    orig = demo.loc[new.index.str.removeprefix("NEW-")]
    d = coords.haversine_m(
        new["lng"].to_numpy(), new["lat"].to_numpy(), orig["lng"].to_numpy(), orig["lat"].to_numpy()
    )
    assert d.max() < 1.0


def test_demo_coverage_each_resolution_holds_the_same_dwell(demo_engine: sa.Engine) -> None:
    """Every resolution splits the same tracks, so the totals agree; the cells are the
    resolution's own (a res-9 cell is not the sum of the res-10 cells whose parent it is)."""
    from geo.domain import hexes
    from geo.services import coverage

    kw = {"start": "2022-07-01", "end": "2022-07-31", "night": "20:00-06:00"}
    by_res = {r: coverage.coverage_cells(demo_engine, "all", res=r, **kw) for r in (7, 8, 9, 10)}
    total = by_res[10]["dwell_s"].sum()
    for res, frame in by_res.items():
        # the same seconds, but a piece between two fixes counts in the hour of its middle, and
        # the pieces differ between resolutions: the night's edges move a few seconds
        assert frame["dwell_s"].sum() == pytest.approx(total, rel=1e-3), res
        assert (hexes.cell_resolution(frame["cell"].to_numpy()) == res).all()
    r10, r9 = by_res[10], by_res[9].set_index("cell")
    parents = hexes.to_parent(r10["cell"].to_numpy().astype("uint64"), 9).astype("int64")
    summed = r10.groupby(parents)["dwell_s"].sum().reindex(r9.index).fillna(0.0)
    off = (summed - r9["dwell_s"]).abs() > 0.02 * r9["dwell_s"]
    assert off.sum() > 0.1 * len(r9)  # summing children would have put these cells' time wrong
    assert (r9["nights"] <= 31).all() and r9["nights"].max() > 5


def _coverage_reference(engine: sa.Engine, scope: object, **kw: object) -> pd.DataFrame:
    """Coverage per cell the long way: every cell-hour row of the period at the resolution read
    into pandas
    (:func:`geo.store.rollups.coverage_rollup`, an exact polygon test on the cells' centres), then
    :func:`geo.domain.coverage.query` (night dates, sums, distinct nights)."""
    from geo.domain import coverage
    from geo.store import rollups

    night = kw.pop("night", "20:00-06:00")
    res = kw.pop("res", 9)
    rows = rollups.coverage_rollup(engine, scope, res=res, **kw)  # type: ignore[arg-type]
    return coverage.query(
        rows,
        start=kw.get("start"),
        end=kw.get("end"),
        night=night,
        res=res,
        unit_kinds=kw.get("unit_kinds"),
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "opts",
    [
        {"start": "2022-06-25", "end": "2022-10-02"},
        {"start": "2022-07-01", "end": "2022-07-31", "res": 10, "night": "22:00-02:00"},
        {"start": "2022-08-01", "end": "2022-08-07", "res": 7, "night": None},
        {"start": "2022-09-01", "end": "2022-09-30", "night": "08:00-18:00"},
        {"start": "2022-07-01", "end": "2022-07-31", "unit_kinds": ["foot", "volunteer"]},
        {"start": "2022-07-01", "end": "2022-07-31", "area": "ST01-G03", "res": 10},
        {"start": "2022-06-25", "end": "2022-10-02", "area": "ST01", "res": 8},
    ],
)
def test_demo_coverage_read_in_the_database_equals_the_rollup_query(
    demo_engine: sa.Engine, opts: dict[str, object]
) -> None:
    """What the app's pages, the briefing and the CLI read (aggregated in SQL) is what the
    rows aggregated in pandas give, for every window, resolution, kind filter and area."""
    from geo.services import access, coverage

    got = coverage.coverage_cells(demo_engine, "all", **opts)  # type: ignore[arg-type]
    want = _coverage_reference(demo_engine, "all", **opts)
    assert len(want) > 5, opts
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, obj=str(opts))
    # through a grid manager's scope: only their grid, and the same numbers as asking for it
    grid03 = access.Principal("grid03", "grid_manager", frozenset({"ST01-G03"}))
    kw = {k: v for k, v in opts.items() if k != "area"}
    mine = coverage.coverage_cells(demo_engine, grid03, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(
        mine,
        _coverage_reference(demo_engine, grid03, **kw),
        check_exact=False,
        rtol=1e-12,
        obj=f"grid03 {opts}",
    )
    whole = got.set_index("cell")["dwell_s"]
    assert mine["dwell_s"].sum() < whole.sum() or opts.get("area") == "ST01-G03"


def test_demo_hotspots_find_persistent_and_emerging_clusters(demo_engine: sa.Engine) -> None:
    from geo.services import hotspots

    hs = hotspots.hotspot_cells(
        demo_engine, "all", start="2022-04-01", end="2022-10-31", emerging=True
    )
    trends = hs["trend"].value_counts()
    assert trends.get("persistent_hot", 0) > 0
    assert (hs["gi_bin"] == 3).sum() > 0
    assert len(hs) == 169  # every res-9 cell of the station, zero counts included


def test_login_page_says_how_to_log_in_to_the_demo(new_app, monkeypatch) -> None:
    """In demo mode the login form lists each demo user with its password; outside, nothing."""
    from geo.i18n import t

    monkeypatch.setenv("QY_DEMO", "1")
    at = new_app(None)
    shown = "\n".join(i.value for i in at.info)
    assert t("auth.demo_hint", "zh-CN") in shown
    for line in (
        "管理员：用户名 `admin`，密码 `demo-admin-2022`",
        "指挥员：用户名 `commander`，密码 `demo-commander-2022`",
        "网格员：用户名 `grid03`，密码 `demo-grid-2022`",
        "查看者：用户名 `viewer`，密码 `demo-viewer-2022`",
    ):
        assert f"- {line}" in shown
    monkeypatch.setenv("QY_DEMO", "0")
    at = new_app(None)
    assert not any("demo-" in i.value for i in at.info)
    assert at.text_input(key="login_user").value == ""  # still the login form, empty
