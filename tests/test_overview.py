"""Period figures, comparison, patrol-night reads and cell details on the tiny city and the demo."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.domain import figures as figures_rules
from geo.domain import hexes, period
from geo.services import cells, coverage, hotspots, overview
from tests import tiny

TINY_0702 = {
    "incidents": 2,
    "shifts": 2,
    "police_aux": 3,
    "volunteers": 6,
    "people_checked": 4,
    # GPS dwell in the night window, not the rostered 6.5 h: S1's fixes span 59 x 20 s, S2's
    # 29 x 30 s (the tracks, not the shifts, are the night patrol)
    "night_patrol_h": round((59 * 20 + 29 * 30) / 3600, 1),
    "venues_inspected": 2,
    "site_patrols": 3,
    "hazards_found": 2,
    "hazards_rectified": 0,
    "hazards_open": 2,
}


@pytest.fixture
def loaded(engine, tmp_path):
    tiny.load(engine, tmp_path)
    return engine


def test_period_figures_hand_counts(loaded):
    assert overview.period_figures(loaded, "all", "2022-07-01", "2022-07-02") == TINY_0702
    # by the 5th, H1 is rectified and I3 (01:20 on the 3rd, a calendar date) is in
    got = overview.period_figures(loaded, "all", "2022-07-01", "2022-07-05")
    assert got["incidents"] == 3
    assert (got["hazards_found"], got["hazards_rectified"], got["hazards_open"]) == (2, 1, 1)
    assert set(got) == set(figures_rules.FIGURES)


def test_period_figures_area_and_scope(loaded):
    g1 = overview.period_figures(loaded, "all", "2022-07-01", "2022-07-02", "G1")
    # only S1 drives through G1; I1 is in G1 (I3 is, but on the 3rd); V1, K1 and H1 are in G1
    assert (g1["shifts"], g1["police_aux"], g1["volunteers"]) == (1, 3, 0)
    assert (g1["incidents"], g1["venues_inspected"], g1["site_patrols"]) == (1, 1, 1)
    assert (g1["hazards_found"], g1["hazards_open"]) == (1, 1)
    assert overview.period_figures(loaded, ["G1"], "2022-07-01", "2022-07-02") == g1
    # night patrol hours follow the area: G1 and G2 split the tracks' time between them
    g2 = overview.period_figures(loaded, "all", "2022-07-01", "2022-07-02", "G2")
    both = g1["night_patrol_h"] + g2["night_patrol_h"]
    assert 0 < g1["night_patrol_h"] < TINY_0702["night_patrol_h"]
    assert both == pytest.approx(TINY_0702["night_patrol_h"], abs=0.1)  # each rounded to 0.1 h
    assert g1["night_patrol_h"] == coverage.night_patrol_hours(
        loaded, "all", start="2022-07-01", end="2022-07-02", area="G1"
    )
    with pytest.raises(ValueError, match="unknown area"):
        overview.period_figures(loaded, ["G1"], "2022-07-01", "2022-07-02", "G2")


def test_compare_previous_period(loaded):
    assert period.previous_period("2022-07-03", "2022-07-04") == ("2022-07-01", "2022-07-02")
    t = overview.compare(loaded, "all", "2022-07-03", "2022-07-04").set_index("figure")
    assert list(t.columns) == ["value", "previous", "change"]
    assert t.loc["police_aux"].tolist() == [0, 3, -3]
    assert t.loc["incidents"].tolist() == [1, 2, -1]
    night = TINY_0702["night_patrol_h"]
    assert t.loc["night_patrol_h"].tolist() == [0.0, night, -night]
    assert isinstance(t.loc["shifts", "value"], int)


def test_empty_store_gives_zeros(engine):
    got = overview.period_figures(engine, "all", "2022-07-01", "2022-07-31")
    assert got == dict.fromkeys(figures_rules.FIGURES, 0)
    assert coverage.track_breaks(engine, "all", "2022-07-01", "2022-07-31").empty
    assert coverage.shifts_of_night(engine, "all", "2022-07-01").empty


def test_night_date_and_night_hours():
    ts = tiny.ts
    shifts = pd.DataFrame(
        {
            "shift_id": ["A", "B", "C"],
            "start": [ts("2022-07-03 01:00"), ts("2022-07-02 18:00"), ts("2022-07-03 07:00")],
            "end": [ts("2022-07-03 08:00"), ts("2022-07-02 23:00"), ts("2022-07-03 09:00")],
            "police": [1, 2, 4],
            "auxiliaries": [0, 0, 0],
            "volunteers": [0, 0, 0],
            "people_checked": [0, 0, 0],
        }
    )
    # A (01:00 on the 3rd) belongs to the night of the 2nd; C (07:00) to the 3rd
    assert period.shift_night(shifts["start"]).astype(str).tolist() == [
        "2022-07-02",
        "2022-07-02",
        "2022-07-03",
    ]
    got = figures_rules.figures_from_frames({"shifts": shifts}, "2022-07-02", "2022-07-02")
    assert (got["shifts"], got["police_aux"]) == (2, 3)
    # night patrol hours are the tracks' night dwell, not the roster: no tracks, none
    assert got["night_patrol_h"] == 0.0
    cov = pd.DataFrame({"cell": [1, 2], "dwell_s": [5400.0, 3600.0]})
    frames = {"shifts": shifts, "night_coverage": cov}
    assert (
        figures_rules.figures_from_frames(frames, "2022-07-02", "2022-07-02")["night_patrol_h"]
        == 2.5
    )
    # the rostered hours of whole shifts (the briefing's patrol hours): A 7 h + B 5 h
    assert figures_rules.shift_hours(shifts.iloc[:2]) == 12.0
    with pytest.raises(ValueError, match="before its start"):
        figures_rules.figures_from_frames({}, "2022-07-02", "2022-07-01")


def test_hazard_figures_definitions():
    ts = tiny.ts
    hz = pd.DataFrame(
        {
            "hazard_id": ["a", "b", "c", "d", "e"],
            "found_at": [
                ts("2022-06-20 10:00"),
                ts("2022-07-02 10:00"),
                ts("2022-07-03 10:00"),
                ts("2022-07-04 10:00"),
                ts("2022-07-05 10:00"),
            ],
            "status": ["open", "rectified", "rectified", "rectifying", "rectified"],
            "rectified_at": [
                pd.NaT,
                ts("2022-07-10 23:59"),
                ts("2022-07-12 09:00"),
                pd.NaT,
                pd.NaT,
            ],
        }
    )
    got = figures_rules.figures_from_frames({"hazards": hz}, "2022-07-01", "2022-07-10")
    # found b..e; rectified by the 10th: b; e is rectified without a date: not counted, not open
    assert (got["hazards_found"], got["hazards_rectified"]) == (4, 1)
    # open at the end of the 10th: a (earlier), c (rectified only on the 12th), d
    assert got["hazards_open"] == 3


def test_patrol_night_reads(loaded):
    night = coverage.shifts_of_night(loaded, "all", "2022-07-01")
    assert night["shift_id"].tolist() == ["S1"]
    assert night.loc[0, "unit_kind"] == "police_car"
    pings = coverage.night_tracks(loaded, "all", ["S1", "S2"])
    assert pings.groupby("shift_id").size().to_dict() == {"S1": 60, "S2": 30}
    assert (
        pings["ts"].is_monotonic_increasing
        or pings.groupby("shift_id")["ts"].apply(lambda s: s.is_monotonic_increasing).all()
    )
    # S2 walks only in G2: a G1 user does not get its track
    assert set(coverage.night_tracks(loaded, ["G1"], ["S1", "S2"])["shift_id"]) == {"S1"}
    assert coverage.night_tracks(loaded, "all", []).empty
    q = coverage.track_breaks(loaded, "all", "2022-07-01", "2022-07-02", only_breaks=False)
    assert q["shift_id"].tolist() == ["S1", "S2"] or set(q["shift_id"]) == {"S1", "S2"}
    assert q[["gap_breaks", "jump_breaks"]].sum().sum() == 0
    assert q.set_index("shift_id")["pings"].to_dict() == {"S1": 60, "S2": 30}
    assert coverage.track_breaks(loaded, "all", "2022-07-01", "2022-07-02").empty


def test_cell_details(loaded):
    cell = cells.cell_at(28.699, 115.977, 9)  # I1, V1 and H1 are close together in G1
    d = cells.cell_details(loaded, "all", cell, 9, "2022-07-01", "2022-07-02")
    assert d["incidents"]["incident_id"].tolist() == ["I1"]
    assert d["by_category"].to_dict("records") == [{"category": "theft", "count": 1}]
    assert d["venues"]["venue_id"].tolist() == ["V1"]
    assert d["venues"]["inspections"].tolist() == [1]
    assert d["hazards"]["hazard_id"].tolist() == ["H1"]
    assert d["dwell_min"] > 0 and d["nights"] == 1
    assert d["by_unit_kind"]["unit_kind"].tolist() == ["police_car"]
    assert d["h3"] == hexes.cells_to_str([cell])[0]
    # the same by hex string; a G2 user sees nothing there
    assert cells.cell_details(loaded, "all", d["h3"], 9, "2022-07-01", "2022-07-02")["cell"] == cell
    g2 = cells.cell_details(loaded, ["G2"], cell, 9, "2022-07-01", "2022-07-02")
    assert g2["incidents"].empty and g2["venues"].empty and g2["dwell_min"] == 0
    # the key site K2 and its two check-ins
    k2 = cells.cell_details(
        loaded, "all", cells.cell_at(28.705, 115.985, 9), 9, "2022-07-01", "2022-07-02"
    )
    assert k2["sites"].to_dict("records") == [
        {"site_id": "K2", "name": "罗家银行网点", "category": "bank", "checks": 2}
    ]
    # a coarser resolution holds the finer cells' records
    d8 = cells.cell_details(
        loaded, "all", cells.cell_at(28.699, 115.977, 8), 8, "2022-07-01", "2022-07-05"
    )
    assert "I1" in set(d8["incidents"]["incident_id"])
    with pytest.raises(ValueError, match="resolution"):
        cells.cell_details(loaded, "all", cell, 8, "2022-07-01", "2022-07-02")


@pytest.mark.parametrize("res", [8, 9, 10])
def test_cell_details_match_hotspot_counts(loaded, res):
    hot = hotspots.hotspot_cells(loaded, "all", start="2022-07-01", end="2022-07-05", res=res)
    for cell, count in zip(hot["cell"], hot["count"], strict=True):
        if count:
            d = cells.cell_details(loaded, "all", int(cell), res, "2022-07-01", "2022-07-05")
            assert len(d["incidents"]) == count


# --------------------------------------------------------------------------------------------
# The demo city's summer campaign adds up to the figures the campaign report quotes

CAMPAIGN_KEYS = {
    "police_aux_person_times": "police_aux",
    "volunteer_person_times": "volunteers",
    "people_checked": "people_checked",
    "venues_inspected": "venues_inspected",
    "site_patrols": "site_patrols",
    "hazards_rectified": "hazards_rectified",
}


@pytest.mark.slow
def test_campaign_figures_from_frames():
    from data.demo_city import CAMPAIGN, CAMPAIGN_FIGURES, build_demo_city

    got = figures_rules.figures_from_frames(build_demo_city(), *CAMPAIGN)
    assert {k: got[v] for k, v in CAMPAIGN_KEYS.items()} == CAMPAIGN_FIGURES


@pytest.fixture(scope="module")
def demo_engine(demo_copy):
    """A copy of the session's demo store (tests/test_demo_store.py tests loading it)."""
    return demo_copy


@pytest.mark.slow
def test_campaign_figures_from_store(demo_engine):
    from data.demo_city import CAMPAIGN, CAMPAIGN_FIGURES

    got = overview.period_figures(demo_engine, "all", *CAMPAIGN)
    assert {k: got[v] for k, v in CAMPAIGN_KEYS.items()} == CAMPAIGN_FIGURES
    t = overview.compare(demo_engine, "all", *CAMPAIGN).set_index("figure")
    assert t.loc["police_aux", "value"] == 1169
    assert t.loc["police_aux", "change"] == 1169 - t.loc["police_aux", "previous"]
    breaks = coverage.track_breaks(demo_engine, "all", *CAMPAIGN)
    assert len(breaks) and ((breaks["gap_breaks"] + breaks["jump_breaks"]) > 0).all()
