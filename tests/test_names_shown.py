"""Names, not ids, where a commander reads them (issue 21, item 1): the inspecting unit of a
venue's history, the units of the night's duty, the alerts about a shift or a hazard, the
sidebar's areas. Each name is checked against the stored rows, read here with plain SQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import ingest, store
from geo.config import get_settings
from geo.services import duty, venues
from tests import tiny
from views._common import area_labels


def _units(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT unit_id, name FROM units")).all()
    return {str(u): str(n) for u, n in rows}


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    tiny.load(engine, tmp_path)
    return engine


def test_a_venue_history_names_the_inspecting_unit(loaded: sa.Engine) -> None:
    units = _units(loaded)
    assert units == {"U1": "巡逻一组", "U2": "志愿者队"}
    for venue, unit in (("V1", "U1"), ("V2", "U2")):
        rows = venues.venue_history(loaded, "all", venue, "2022-07-31")
        assert rows["unit_id"].tolist() == [unit]
        assert rows["unit_name"].tolist() == [units[unit]]


def test_the_night_duty_names_every_unit(loaded: sa.Engine) -> None:
    units = _units(loaded)
    for night in ("2022-07-01", "2022-07-02"):
        table = duty.night_shown(loaded, "all", night)["units"]
        assert len(table), night
        for r in table.itertuples(index=False):
            assert r.unit_name == units[r.unit_id], (night, r.unit_id)


def test_an_overdue_hazard_is_named_by_its_place(loaded: sa.Engine) -> None:
    # H2 (open, deadline 07-20) is past its deadline on the night of 07-21
    a = duty.alerts(loaded, "all", "2022-07-21")
    hz = a.loc[a["kind"] == "hazard_overdue"]
    assert hz["id"].tolist() == ["H2"]
    assert hz["name"].tolist() == hz["place"].tolist()
    assert hz["name_en"].tolist() == hz["place_en"].tolist()
    assert "H2" not in hz["name"].iloc[0] and "二网格" in hz["name"].iloc[0]


def test_a_long_stop_names_the_unit_and_the_shift_start(demo_copy: sa.Engine) -> None:
    a = duty.alerts(demo_copy, "all", "2022-10-31")
    stops = a.loc[a["kind"] == "long_stop"]
    assert len(stops)
    units = _units(demo_copy)
    tz = get_settings().tz
    with demo_copy.connect() as conn:
        shifts = pd.DataFrame(
            conn.execute(sa.text("SELECT shift_id, unit_id, start FROM shifts")).all(),
            columns=["shift_id", "unit_id", "start"],
        )
    starts = store.ms_to_ts(shifts["start"], tz)
    for r in stops.itertuples(index=False):
        mine = starts.loc[(shifts["unit_id"] == r.id).to_numpy()]
        wanted = {f"{units[r.id]} {t:%m-%d %H:%M}" for t in mine}
        assert r.name in wanted and r.name_en == r.name
        assert "SH" not in r.name


def test_area_labels_add_the_parent_only_where_names_are_alike() -> None:
    frame = pd.DataFrame(
        {
            "area_id": ["ST01", "ST02", "ST01-G01", "ST02-G01", "ST01-G02", "X1", "X2"],
            "name": ["罗家派出所", "白沙派出所", "一网格", "一网格", "二网格", "三网格", "三网格"],
            "level": ["station", "station", "grid", "grid", "grid", "grid", "grid"],
            "parent_id": [None, None, "ST01", "ST02", "ST01", None, None],
        }
    )
    assert area_labels(frame) == {
        "ST01": "罗家派出所",
        "ST02": "白沙派出所",
        "ST01-G01": "一网格 · 罗家派出所",
        "ST02-G01": "一网格 · 白沙派出所",
        "ST01-G02": "二网格",
        "X1": "三网格 (X1)",  # alike and no parent listed: the id tells them apart
        "X2": "三网格 (X2)",
    }


def test_venues_of_one_name_are_told_apart_by_id(loaded: sa.Engine, tmp_path: Path) -> None:
    v = tiny.frames()["venues"].iloc[[0]].assign(venue_id="V3", lat=28.705)  # a second 星光KTV
    path = tmp_path / "more_venues.csv"
    v.to_csv(path, index=False)
    assert ingest.import_file(loaded, "venues", path).accepted == 1
    got = venues.venue_status(loaded, "all", "2022-07-31").choices
    labels = dict(zip(got["venue_id"], got["label"], strict=True))
    assert labels == {"V1": "星光KTV (V1)", "V2": "畅游网吧", "V3": "星光KTV (V3)"}
