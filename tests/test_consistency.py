"""One number per figure, on every page and for every role (issue 19, items 3 and 4).

On the demo city and a few filters (two periods, an area, a grid manager's scope), every figure
that more than one page shows is read through the services those pages call (the Overview, the
Coverage, Venues, Hazards and Duty & readiness pages, the Overview's alerts, the briefing) and
must be equal wherever it appears; and the same filter gives the same value to every role
allowed to open the page. The command line's JSON summaries (``brief``, ``coverage``,
``alerts``) are checked against the same values once.

:data:`FIGURES` is the table: a figure and the places it appears (page, how that page reads
it). Risk and gap rows go into :data:`RISK_GAP_FIGURES`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cli import main
from geo.domain import hexes
from geo.services import briefing, coverage, duty, hazards, maps, overview, venues
from geo.services.access import DEMO_USERS
from geo.store.scope import Principal

pytestmark = pytest.mark.slow

USERS = {
    name: Principal(name, role, frozenset(areas) if areas else None)
    for name, _password, role, areas in DEMO_USERS
}

# (id, start, end, area): the demo's default month, a month of one grid, the campaign of the
# station
FILTERS = [
    ("october", "2022-10-02", "2022-10-31", None),
    ("september-grid03", "2022-09-01", "2022-09-30", "ST01-G03"),
    ("campaign-station", "2022-06-25", "2022-10-02", "ST01"),
]

# (filter id, user, area the user picks): the same areas seen by every role that may see them
ROLE_CASES = [
    ("september-grid03", "admin", "ST01-G03"),
    ("september-grid03", "commander", "ST01-G03"),
    ("september-grid03", "grid03", None),  # a grid manager's own scope
    ("september-grid03", "grid03", "ST01-G03"),
    ("september-grid03", "viewer", "ST01-G03"),
    ("campaign-station", "commander", None),
    ("campaign-station", "commander", "ST01"),
    ("campaign-station", "viewer", None),
]


@dataclass
class Ctx:
    """One filter as one user sets it; service results are computed once per context."""

    engine: sa.Engine
    who: Principal
    start: str
    end: str
    area: str | None
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        k = (key, self.who, self.start, self.end, self.area)
        if k not in self.memo:
            self.memo[k] = make()
        return self.memo[k]

    def brief(self) -> dict[str, Any]:
        return self.once(
            "brief",
            lambda: briefing.figures(self.engine, self.who, self.start, self.end, self.area),
        )

    def overview(self) -> Any:
        return self.once(
            "overview",
            lambda: overview.figures(
                self.engine, self.who, self.start, self.end, self.area
            ).table.set_index("figure"),
        )

    def hazards(self) -> hazards.HazardBoard:
        return self.once(
            "hazards",
            lambda: hazards.hazard_board(self.engine, self.who, self.start, self.end, self.area),
        )

    def alerts(self) -> dict[str, Any]:
        return self.once(
            "alerts", lambda: duty.night_alerts(self.engine, self.who, self.end, area=self.area)
        )


@dataclass(frozen=True)
class Where:
    """A place a figure appears: the page (a key of ``geo.store.scope.PAGES``) and its read."""

    page: str
    what: str
    read: Callable[[Ctx], Any]


def _cov(c: Ctx, res: int) -> float:
    return c.once(
        f"dwell{res}",
        lambda: (
            coverage.dwell_map(
                c.engine, c.who, start=c.start, end=c.end, res=res, area=c.area
            ).hours
        ),
    )


def _by_category(rows: Any, cols: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    return {r["group"]: tuple(int(r[k]) for k in cols) for r in rows}


FIGURES: dict[str, list[Where]] = {
    # one rule: geo.domain.venues (the grade's interval passed since the last inspection, or never)
    "venues_overdue": [
        Where(
            "venues",
            "Venues page: overdue",
            lambda c: venues.venue_status(c.engine, c.who, c.end, area=c.area).n_overdue,
        ),
        Where(
            "duty",
            "Duty page: the month's schedule, venues overdue",
            lambda c: duty.month_schedule(c.engine, c.who, c.end, area=c.area)[1]["venues_overdue"],
        ),
        Where(
            "duty",  # the Overview lists the alerts to those who may open the Duty page
            "Overview: alerts of the night, venue overdue",
            lambda c: c.alerts()["counts"].get("venue_overdue", 0),
        ),
        Where("briefing", "briefing: checks", lambda c: c.brief()["checks"]["venues_overdue"]),
    ],
    # one function: geo.services.coverage.night_patrol_hours (GPS dwell in the area at night)
    "night_patrol_h": [
        Where(
            "overview",
            "Overview: key figure",
            lambda c: c.overview().loc["night_patrol_h", "value"],
        ),
        Where("coverage", "Coverage page at res 9", lambda c: _cov(c, 9)),
        Where("coverage", "Coverage page at res 7", lambda c: _cov(c, 7)),
        Where("briefing", "briefing: key figure", lambda c: c.brief()["key"]["night_patrol_h"]),
        Where(
            "briefing", "briefing: patrol section", lambda c: c.brief()["patrol"]["night_patrol_h"]
        ),
    ],
    "night_patrol_h_previous_period": [
        Where(
            "overview",
            "Overview: previous period",
            lambda c: c.overview().loc["night_patrol_h", "previous"],
        ),
        Where("briefing", "briefing: previous", lambda c: c.brief()["previous"]["night_patrol_h"]),
    ],
    # geo.domain.hazards: not rectified at the end (open or rectifying), overdue a part of it
    "hazards_found": [
        Where("overview", "Overview", lambda c: c.overview().loc["hazards_found", "value"]),
        Where("hazards", "Hazards page", lambda c: c.hazards().figures["found"]),
        Where("briefing", "briefing", lambda c: c.brief()["hazards"]["found"]),
    ],
    "hazards_rectified": [
        Where("overview", "Overview", lambda c: c.overview().loc["hazards_rectified", "value"]),
        Where("hazards", "Hazards page", lambda c: c.hazards().figures["rectified"]),
        Where("briefing", "briefing", lambda c: c.brief()["hazards"]["rectified"]),
    ],
    "hazards_not_rectified": [
        Where("overview", "Overview", lambda c: c.overview().loc["hazards_open", "value"]),
        Where("hazards", "Hazards page", lambda c: c.hazards().figures["not_rectified"]),
        Where("briefing", "briefing", lambda c: c.brief()["hazards"]["open"]),
    ],
    "hazards_overdue": [
        Where("hazards", "Hazards page", lambda c: c.hazards().figures["overdue"]),
        Where("briefing", "briefing", lambda c: c.brief()["hazards"]["overdue"]),
        # (the Overview's alerts list hazards past deadline as of the end of the night window,
        # a later instant than the end of the period: labelled by their night, not compared)
    ],
    "hazards_by_category": [
        Where(
            "hazards",
            "Hazards page: by category (found, rectified, not rectified, overdue)",
            lambda c: _by_category(
                c.hazards().by_category.to_dict("records"),
                ("found", "rectified", "not_rectified", "overdue"),
            ),
        ),
        Where(
            "briefing",
            "briefing: by category (found, rectified, open, overdue)",
            lambda c: {
                r["category"]: (r["found"], r["rectified"], r["open"], r["overdue"])
                for r in c.brief()["hazards"]["by_category"]
            },
        ),
    ],
}

# Risk and gap (issue 19 item 3): the area's first gap cells with their rank, risk (expected
# incidents per week, the jurisdiction's model) and risk percentile in the area, rounded as the
# briefing and the Overview's table show them.
TOP_GAP_ROWS = 5


def _gap_map(c: Ctx) -> overview.GapMap:
    return c.once(
        "gap_map",
        lambda: overview.gap_map(c.engine, c.who, start=c.start, end=c.end, area=c.area),
    )


def _gap_rows(frame: Any) -> dict[str, list[float]]:
    """``{h3: [rank, risk, risk_pct]}`` of the first rows of a risk_cells-like frame."""
    top = frame.head(TOP_GAP_ROWS)
    h3s = hexes.cells_to_str(top["cell"].to_numpy())
    return {
        h: [int(r), round(float(k), 3), round(float(p), 2)]
        for h, r, k, p in zip(h3s, top["rank"], top["risk"], top["risk_pct"], strict=True)
    }


RISK_GAP_FIGURES: dict[str, list[Where]] = {
    "top_gap_cells": [
        Where(
            "overview",
            "overview: top gaps table",
            lambda c: {
                r.h3: [int(r.rank), float(r.risk), float(r.risk_pct)]
                for r in _gap_map(c).top.head(TOP_GAP_ROWS).itertuples()
            },
        ),
        Where("overview", "overview: map cells", lambda c: _gap_rows(_gap_map(c).cells)),
        Where(
            "overview",
            "offline map: risk layer",
            lambda c: _gap_rows(
                maps.map_data(c.engine, c.who, "risk", start=c.start, end=c.end, area=c.area).frame
            ),
        ),
        Where(
            "briefing",
            "briefing: patrol gaps",
            lambda c: {
                g["h3"]: [g["rank"], g["risk"], g["risk_pct"]]
                for g in c.brief()["gaps"][:TOP_GAP_ROWS]
            },
        ),
    ],
}

ALL_FIGURES = {**FIGURES, **RISK_GAP_FIGURES}


@pytest.fixture(scope="module")
def demo(demo_copy: sa.Engine) -> sa.Engine:
    """The module's copy of the session's demo store."""
    return demo_copy


_MEMO: dict[tuple[Any, ...], Any] = {}


def _ctx(engine: sa.Engine, user: str, fid: str, area: str | None = "filter") -> Ctx:
    _id, start, end, f_area = next(f for f in FILTERS if f[0] == fid)
    return Ctx(engine, USERS[user], start, end, f_area if area == "filter" else area, _MEMO)


def _values(c: Ctx, figure: str) -> dict[str, Any]:
    return {w.what: w.read(c) for w in ALL_FIGURES[figure] if c.who.may(w.page)}


@pytest.mark.parametrize("fid", [f[0] for f in FILTERS])
@pytest.mark.parametrize("figure", list(ALL_FIGURES))
def test_a_figure_is_the_same_on_every_page(demo: sa.Engine, figure: str, fid: str) -> None:
    got = _values(_ctx(demo, "admin", fid), figure)
    assert len(got) >= 2, got
    assert len({json.dumps(v, sort_keys=True, default=str) for v in got.values()}) == 1, got


@pytest.mark.parametrize(("fid", "user", "area"), ROLE_CASES)
@pytest.mark.parametrize("figure", list(ALL_FIGURES))
def test_a_figure_is_the_same_for_every_role(
    demo: sa.Engine, figure: str, fid: str, user: str, area: str | None
) -> None:
    admin = _values(_ctx(demo, "admin", fid), figure)
    mine = _values(_ctx(demo, user, fid, area), figure)
    assert mine, f"{user} sees {figure} nowhere"
    for what, value in mine.items():
        assert value == admin[what], (user, what)


def test_the_definitions_hold_on_the_demo(demo: sa.Engine) -> None:
    """Overdue hazards are a part of those not rectified, per category; the venues overdue on the
    Venues page are the very venues the Duty page's schedule marks overdue; the night patrol
    hours are the tracks' dwell, not the roster (the demo's tracks cover part of each shift)."""
    c = _ctx(demo, "admin", "october")
    by = c.hazards().by_category
    assert (by["overdue"] <= by["not_rectified"]).all()
    assert c.hazards().figures["overdue"] <= c.hazards().figures["not_rectified"]
    v = venues.venue_status(demo, c.who, c.end)
    sched, _ = duty.month_schedule(demo, c.who, c.end)
    assert set(v.status.loc[v.status["overdue"], "venue_id"]) == set(
        sched.loc[sched["overdue"], "venue_id"]
    )
    assert c.brief()["patrol"]["patrol_h"] > c.brief()["key"]["night_patrol_h"] > 0


def test_the_command_line_says_the_same(
    demo: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.services import access

    url = demo.url.render_as_string(hide_password=False)
    access.bootstrap(demo)  # the demo users, for --as
    _fid, start, end, area = FILTERS[1]
    c = _ctx(demo, "admin", "september-grid03")
    period = ["--db", url, "--from", start, "--to", end]
    assert main(["brief", *period, "--area", str(area), "--out", str(tmp_path / "b.md")]) == 0
    figs = json.loads(capsys.readouterr().out)["figures"]
    assert figs["night_patrol_h"] == c.brief()["key"]["night_patrol_h"] == _cov(c, 9)
    assert figs["venues_overdue"] == venues.venue_status(demo, c.who, end, area=area).n_overdue
    assert figs["hazards_open"] == c.hazards().figures["not_rectified"]
    assert figs["hazards_overdue"] == c.hazards().figures["overdue"]
    for who in (["--area", str(area)], ["--as", "grid03"]):
        out = tmp_path / "c.csv"
        assert main(["coverage", *period, *who, "--out", str(out)]) == 0
        assert json.loads(capsys.readouterr().out)["night_patrol_h"] == _cov(c, 9)
    assert main(["alerts", "--db", url, "--date", end, "--area", str(area)]) == 0
    by_kind = json.loads(capsys.readouterr().out)["by_kind"]
    assert by_kind.get("venue_overdue", 0) == c.alerts()["counts"].get("venue_overdue", 0)
