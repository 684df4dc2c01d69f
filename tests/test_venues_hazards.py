"""Venue inspection status and the hazard board on hand-built frames; the services that serve
them to the pages on the tiny jurisdiction."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo import store
from geo.domain import hazards, venues
from geo.services import hazards as hazards_svc
from geo.services import venues as venues_svc
from tests import tiny
from tests.tiny import ts


def _venues() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "venue_id": ["K", "B", "M", "R", "N"],
            "name": ["ktv", "bar", "market", "rest", "never"],
            "category": ["ktv", "bar", "market", "restaurant", "nursing_home"],
            "risk_level": ["high", "low", "medium", None, "medium"],
            "lat": [28.7] * 5,
            "lng": [115.98] * 5,
        }
    )


def _inspections() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "venue_id": ["K", "K", "B", "M", "R", "R"],
            "ts": [
                ts("2022-06-01 10:00"),
                ts("2022-07-01 10:00"),
                ts("2022-07-20 10:00"),
                ts("2022-05-01 10:00"),
                ts("2022-03-01 10:00"),
                ts("2022-09-01 10:00"),
            ],
            "result": ["pass", "rectify", "pass", "fail", "pass", "pass"],
            "follow_up_due": [
                pd.NaT,
                ts("2022-07-08 00:00"),
                pd.NaT,
                ts("2022-05-10 00:00"),
                pd.NaT,
                pd.NaT,
            ],
        }
    )


def test_interval_rules():
    assert venues.INSPECTION_RULES["ktv"] == 30 and venues.INSPECTION_RULES["restaurant"] == 180
    got = venues.interval_days(
        pd.Series(["ktv", "market", "hotel", "unknown"]), pd.Series(["high", "high", None, "low"])
    )
    assert got.tolist() == [15, 45, 30, venues.DEFAULT_INTERVAL_DAYS]
    custom = venues.interval_days(pd.Series(["ktv"]), pd.Series(["low"]), {"ktv": 7})
    assert custom.tolist() == [7]


def test_venue_status():
    at = ts("2022-08-01 00:00")
    s = venue_status = venues.venue_status(_venues(), _inspections(), at).set_index("venue_id")
    assert list(venue_status.reset_index().columns) == venues.STATUS_COLUMNS
    # KTV, high risk: 15 days after 07-01 10:00 -> due 07-16, 15 whole days overdue; owes follow-up
    assert s.loc["K", "inspections"] == 2
    assert s.loc["K", "due"] == ts("2022-07-16 10:00")
    assert s.loc["K", "overdue_days"] == 15 and s.loc["K", "overdue"]
    assert s.loc["K", "last_result"] == "rectify" and s.loc["K", "open_follow_up"]
    assert s.loc["K", "follow_up_due"] == ts("2022-07-08 00:00")
    # bar, 30 days after 07-20: not due yet
    assert s.loc["B", "overdue_days"] == 0 and not s.loc["B", "overdue"]
    # market, 90 days after 05-01: due 07-30, 1 day over; failed last time
    assert s.loc["M", "overdue_days"] == 1 and s.loc["M", "open_follow_up"]
    # restaurant: the September inspection is after `at` and ignored; 180 days from 03-01
    assert s.loc["R", "inspections"] == 1 and s.loc["R", "overdue_days"] == 0
    # never inspected: overdue, no due date
    assert s.loc["N", "overdue"] and pd.isna(s.loc["N", "due"]) and s.loc["N", "inspections"] == 0
    order = venues.venue_status(_venues(), _inspections(), at)["venue_id"].tolist()
    assert order[:3] == ["N", "K", "M"]
    due = venues.overdue_venues(venues.venue_status(_venues(), _inspections(), at))
    assert due["venue_id"].tolist() == ["N", "K", "M"]


def test_venue_status_without_inspections():
    empty = _inspections().iloc[0:0]
    s = venues.venue_status(_venues(), empty, ts("2022-08-01"))
    assert s["overdue"].all() and (s["inspections"] == 0).all()
    assert not s["open_follow_up"].any()


def _hazards() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hazard_id": ["a", "b", "c", "d", "e"],
            "category": ["fire", "fire", "gas", "traffic", "fire"],
            "severity": ["high", "low", "major", "low", "medium"],
            "lat": [28.7] * 5,
            "lng": [115.98] * 5,
            "found_at": [
                ts("2022-06-20 10:00"),
                ts("2022-07-02 10:00"),
                ts("2022-07-03 10:00"),
                ts("2022-07-04 10:00"),
                ts("2022-08-05 10:00"),
            ],
            "status": ["open", "rectified", "rectified", "rectifying", "open"],
            "rectified_at": [
                pd.NaT,
                ts("2022-07-05 12:00"),
                ts("2022-07-20 09:00"),
                pd.NaT,
                pd.NaT,
            ],
            "deadline": [
                ts("2022-07-01 18:00"),
                ts("2022-07-09 18:00"),
                ts("2022-07-10 18:00"),
                ts("2022-07-30 18:00"),
                ts("2022-08-20 18:00"),
            ],
        }
    )


def test_status_at_and_table():
    at = ts("2022-07-15 00:00")
    assert hazards.status_at(_hazards(), at).tolist() == [
        "open",
        "rectified",
        "open",
        "rectifying",
        "open",
    ]
    t = hazards.hazard_table(_hazards(), at).set_index("hazard_id")
    assert list(t.reset_index().columns) == hazards.TABLE_COLUMNS
    assert "e" not in t.index  # found after `at`
    # a: deadline 07-01 passed; c: rectified only on 07-20, deadline 07-10 passed
    assert t["overdue"].to_dict() == {"a": True, "b": False, "c": True, "d": False}
    assert t.loc["b", "days_open"] == 3 and t.loc["a", "days_open"] == 24
    assert hazards.hazard_table(_hazards(), at)["hazard_id"].tolist()[:2] == ["c", "a"]
    assert hazards.hazard_table(_hazards().iloc[0:0], at).empty


def test_hazard_board():
    b = hazards.hazard_board(_hazards(), ts("2022-07-01"), ts("2022-07-16"))
    assert (b["found"], b["rectified"]) == (3, 1)
    assert b["rate"] == pytest.approx(1 / 3)
    assert (b["open"], b["rectifying"], b["rectified_total"], b["overdue"]) == (2, 1, 1, 2)
    cat = b["by_category"].set_index("group")
    assert cat.loc["fire", ["found", "rectified", "open", "overdue"]].tolist() == [1, 1, 1, 1]
    assert cat.loc["fire", "rate"] == 1.0
    assert cat.loc["gas", ["found", "rectified", "open"]].tolist() == [1, 0, 1]
    sev = b["by_severity"].set_index("group")
    assert sev["found"].sum() == 3 and sev.loc["major", "overdue"] == 1
    # at a later instant, everything found by then
    later = hazards.hazard_board(_hazards(), ts("2022-07-01"), ts("2022-09-01"))
    assert (later["found"], later["rectified"], later["rectified_total"]) == (4, 2, 2)
    assert later["overdue"] == 3  # a, d and e
    none = hazards.hazard_board(_hazards(), ts("2023-01-01"), ts("2023-02-01"))
    assert none["found"] == 0 and none["rate"] is None


VIEWER = store.Principal("v", "viewer", frozenset({"ST"}))


def test_venue_services(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)
    v = venues_svc.venue_status(engine, "all", "2022-07-05")
    # V1 (ktv, high risk: 15 days) owes a follow-up after 07-01; V2 passed on 07-02
    assert (v.registered, v.total, v.n_overdue, v.n_follow_up) == (2, 2, 0, 1)
    assert list(v.overdue["venue_id"]) == ["V1"]
    assert list(v.choices["venue_id"]) == ["V2", "V1"]  # the most recently inspected first
    assert list(v.choices["label"]) == ["畅游网吧 (V2)", "星光KTV (V1)"]
    ktv = venues_svc.venue_status(engine, "all", "2022-07-05", categories=("ktv",))
    assert (ktv.registered, ktv.total, list(ktv.status["venue_id"])) == (2, 1, ["V1"])
    assert venues_svc.venue_status(engine, ["G2"], "2022-07-05").total == 1
    assert venues_svc.venue_status(engine, "all", "2022-06-30").n_overdue == 2  # never inspected
    history = venues_svc.venue_history(engine, "all", "V1", "2022-07-05")
    assert list(history["result"]) == ["rectify"]
    assert venues_svc.venue_history(engine, "all", "V1", "2022-06-30").empty
    assert venues_svc.venue_history(engine, "all", None, "2022-07-05").empty
    assert venues_svc.venue_history(engine, ["G2"], "V1", "2022-07-05").empty
    with pytest.raises(ValueError, match="unknown area"):
        venues_svc.venue_status(engine, ["G1"], "2022-07-05", area="G2")
    with pytest.raises(PermissionError):  # a viewer reads no inspection rows
        venues_svc.venue_status(engine, VIEWER, "2022-07-05")


def test_hazard_board_service(engine: sa.Engine, tmp_path: Path) -> None:
    tiny.load(engine, tmp_path)
    hz = hazards_svc.hazard_board(engine, VIEWER, "2022-07-01", "2022-07-05")  # places: shown
    assert hz.known == 2
    assert hz.figures == {
        "found": 2,
        "rectified": 1,
        "rate": 0.5,
        "open": 1,
        "rectifying": 0,
        "overdue": 0,
    }
    assert list(hz.by_category["group"]) == ["fire", "electrical"]  # the schema's order
    assert list(hz.by_severity["group"]) == ["high", "low"]  # the most severe first
    assert sorted(hz.table["hazard_id"]) == ["H1", "H2"] and hz.overdue.empty
    later = hazards_svc.hazard_board(engine, "all", "2022-07-03", "2022-07-25")
    assert list(later.table["hazard_id"]) == ["H2"]  # H1 was rectified, found before
    assert list(later.overdue["hazard_id"]) == ["H2"]  # deadline 07-20
    assert hazards_svc.hazard_board(engine, "all", "2022-06-01", "2022-06-30").known == 0
    with pytest.raises(ValueError, match="unknown area"):
        hazards_svc.hazard_board(engine, ["G1"], "2022-07-01", "2022-07-05", area="G2")
