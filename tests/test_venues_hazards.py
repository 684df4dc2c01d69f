"""Venue inspection status and the hazard board on hand-built frames; the services that serve
them to the pages on the tiny jurisdiction."""

from __future__ import annotations

import datetime as dt
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


def test_grade_intervals():
    # a month divided by the grade's inspections per month, whole days (A 1, B 3, C 5 a month)
    assert venues.interval_days([1, 3, 5]).tolist() == [30, 10, 6]
    assert pd.isna(venues.interval_days([0]).iloc[0])  # none required: no interval
    table = venues.grade_table()
    assert table.loc[["low", "medium", "high"], "grade"].tolist() == ["A", "B", "C"]
    assert table.loc[["low", "medium", "high"], "interval_days"].tolist() == [30, 10, 6]
    custom = venues.grade_table([{"grade": "X", "risk_level": "high", "per_month": 2}])
    assert custom.loc["high", "interval_days"] == 15


def test_venue_status():
    s = venue_status = venues.venue_status(_venues(), _inspections(), "2022-07-31")
    assert list(venue_status.columns) == venues.STATUS_COLUMNS
    s = s.set_index("venue_id")
    assert s["grade"].to_dict() == {"K": "C", "B": "A", "M": "B", "R": "B", "N": "B"}
    # KTV, high risk (grade C, 6 days) after 07-01: due 07-07, 24 days overdue; owes follow-up
    assert s.loc["K", "inspections"] == 2
    assert s.loc["K", "due"] == dt.date(2022, 7, 7)
    assert s.loc["K", "overdue_days"] == 24 and s.loc["K", "overdue"]
    assert s.loc["K", "last_result"] == "rectify" and s.loc["K", "open_follow_up"]
    assert s.loc["K", "follow_up_due"] == ts("2022-07-08 00:00")
    # bar, low risk (grade A, 30 days) after 07-20: due 08-19, not yet
    assert pd.isna(s.loc["B", "overdue_days"]) and not s.loc["B", "overdue"]
    # market, medium (grade B, 10 days) after 05-01: due 05-11, 81 days over; failed last time
    assert s.loc["M", "overdue_days"] == 81 and s.loc["M", "open_follow_up"]
    # restaurant without a risk level: graded B; the September inspection is after the day
    assert s.loc["R", "inspections"] == 1 and s.loc["R", "overdue_days"] == 142
    # never inspected: overdue, no due date
    assert s.loc["N", "overdue"] and pd.isna(s.loc["N", "due"]) and s.loc["N", "inspections"] == 0
    assert venue_status["venue_id"].tolist() == ["N", "R", "M", "K", "B"]
    due = venues.overdue_venues(venue_status)
    assert due["venue_id"].tolist() == ["N", "R", "M", "K"]


def test_overdue_is_counted_in_whole_local_days():
    # inspected 07-01 10:00 with a 6-day interval: due 07-07; overdue from 07-08, not before
    one = _venues().iloc[[0]]
    ins = _inspections().iloc[[1]]
    on_due_day = venues.venue_status(one, ins, "2022-07-07").iloc[0]
    assert not on_due_day["overdue"] and pd.isna(on_due_day["overdue_days"])
    day_after = venues.venue_status(one, ins, "2022-07-08").iloc[0]
    assert day_after["overdue"] and day_after["overdue_days"] == 1
    # an inspection late on the day counts on that day; one the next morning does not
    late = ins.assign(ts=[ts("2022-07-08 23:59")])
    assert not venues.venue_status(one, late, "2022-07-08").iloc[0]["overdue"]
    nxt = ins.assign(ts=[ts("2022-07-09 00:00")])
    assert venues.venue_status(one, nxt, "2022-07-08").iloc[0]["inspections"] == 0
    # a grade that requires no inspection is never overdue, even never inspected
    none = [{"grade": "A", "risk_level": "high", "per_month": 0}]
    free = venues.venue_status(one, ins.iloc[0:0], "2022-07-08", grades=none).iloc[0]
    assert not free["overdue"] and pd.isna(free["interval_days"])


def test_venue_status_without_inspections():
    empty = _inspections().iloc[0:0]
    s = venues.venue_status(_venues(), empty, "2022-07-31")
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
    assert cat.loc["fire", ["found", "rectified", "not_rectified", "overdue"]].tolist() == [
        1,
        1,
        1,
        1,
    ]
    assert cat.loc["fire", "rate"] == 1.0
    assert cat.loc["gas", ["found", "rectified", "not_rectified"]].tolist() == [1, 0, 1]
    # one definition each: not rectified = open + rectifying, and every overdue one is in it
    assert b["not_rectified"] == b["open"] + b["rectifying"] == 3
    for by in (b["by_category"], b["by_severity"]):
        assert (by["overdue"] <= by["not_rectified"]).all()
        assert (by["rectifying"] <= by["not_rectified"]).all()
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
    # V1 (ktv, high risk: grade C, 6 days) owes a follow-up after 07-01; V2 passed on 07-02
    assert (v.registered, v.total, v.n_overdue, v.n_follow_up) == (2, 2, 0, 1)
    assert list(v.overdue["venue_id"]) == ["V1"]
    assert list(v.choices["venue_id"]) == ["V2", "V1"]  # the most recently inspected first
    assert list(v.choices["label"]) == ["畅游网吧", "星光KTV"]  # names alone: none alike
    ktv = venues_svc.venue_status(engine, "all", "2022-07-05", categories=("ktv",))
    assert (ktv.registered, ktv.total, list(ktv.status["venue_id"])) == (2, 1, ["V1"])
    assert venues_svc.venue_status(engine, ["G2"], "2022-07-05").total == 1
    before = venues_svc.venue_status(engine, "all", "2022-06-30")
    assert (before.n_overdue, before.n_never) == (2, 2)  # neither inspected yet
    assert v.n_never == 0
    # V1 (grade C, 6 days) after 07-01: due 07-07, overdue from 07-08; V2 (B, 10 days) 07-12
    assert venues_svc.venue_status(engine, "all", "2022-07-07").n_overdue == 0
    late = venues_svc.venue_status(engine, "all", "2022-07-08")
    assert (late.n_overdue, list(late.status.loc[late.status["overdue"], "venue_id"])) == (
        1,
        ["V1"],
    )
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
        "not_rectified": 1,
        "rectifying": 0,
        "overdue": 0,
    }
    assert list(hz.by_category["group"]) == ["fire", "electrical"]  # the schema's order
    assert list(hz.by_severity["group"]) == ["high", "low"]  # the most severe first
    assert sorted(hz.table["hazard_id"]) == ["H1", "H2"] and hz.overdue.empty
    # each row keeps the category its file wrote (a group's code is stored as its label)
    assert hz.table.set_index("hazard_id")["category_source"].to_dict() == {
        "H1": "消防",
        "H2": "用电",
    }
    later = hazards_svc.hazard_board(engine, "all", "2022-07-03", "2022-07-25")
    assert list(later.table["hazard_id"]) == ["H2"]  # H1 was rectified, found before
    assert list(later.overdue["hazard_id"]) == ["H2"]  # deadline 07-20
    assert hazards_svc.hazard_board(engine, "all", "2022-06-01", "2022-06-30").known == 0
    with pytest.raises(ValueError, match="unknown area"):
        hazards_svc.hazard_board(engine, ["G1"], "2022-07-01", "2022-07-05", area="G2")
