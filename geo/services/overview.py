"""The Overview page: the period's key figures for a user's scope and the map of risk and gaps.

The key figures are against the previous period of the same length (definitions in
:mod:`geo.domain.figures`); the map shows risk, gaps and night coverage with the top patrol
gaps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo import store
from geo.domain import hexes
from geo.domain.figures import FIGURES, figures_from_frames
from geo.domain.period import DEFAULT_NIGHT, DEFAULT_RES, period_dates, previous_period
from geo.services.coverage import night_patrol_hours
from geo.services.places import with_places
from geo.services.risk import risk_cells

__all__ = [
    "FEWER_IS_BETTER",
    "FIGURE_COLUMNS",
    "HELP",
    "LAYERS",
    "TOP_COLUMNS",
    "TOP_GAPS",
    "Figures",
    "GapMap",
    "compare",
    "figure_frames",
    "figures",
    "gap_map",
    "period_figures",
]

FEWER_IS_BETTER = ("incidents", "hazards_open")
"""Figures that improve when they fall."""
HELP = {"night_patrol_h": "help.night_patrol_h", "hazards_open": "help.hazards"}
"""The string key of the in-app help that defines a figure."""
LAYERS = {"risk": "risk", "gap": "gap", "coverage": "dwell_min"}
"""The Overview map's layers and the column each one colours cells by."""
TOP_GAPS = 15
"""Rows of the Overview's top-gaps table."""
TOP_COLUMNS = [
    "rank",
    "place",
    "place_en",
    "risk",
    "risk_pct",
    "dwell_min",
    "nights",
    "gap",
    "h3",
]
"""Columns of the top-gaps table (place and place_en the cell's name by grid and nearest
landmark, risk expected incidents per week, risk_pct its percentile in the area, dwell_min night
dwell in minutes, gap within the area, h3 the cell id, a detail shown last)."""
FIGURE_COLUMNS: dict[str, list[str]] = {
    "incidents": ["incident_id", "ts", "lat", "lng"],
    "shifts": ["shift_id", "start", "end", "police", "auxiliaries", "volunteers", "people_checked"],
    "inspections": ["venue_id", "ts"],
    "site_checks": ["site_id", "ts"],
    "hazards": ["hazard_id", "found_at", "status", "rectified_at", "lat", "lng"],
}
"""The kinds and columns :func:`period_figures` reads (:func:`figure_frames`)."""


def figure_frames(
    engine: sa.Engine,
    sc: store.Reader,
    start: str,
    end: str,
    columns: Mapping[str, Sequence[str]] = FIGURE_COLUMNS,
) -> dict[str, pd.DataFrame]:
    """Scoped raw rows of the kinds in ``columns`` (kind -> columns read) for a period's figures.

    Incidents, inspections and site checks of the local dates ``start``..``end`` (inclusive);
    shifts to the day after ``end``, as a night's shift may start after midnight of the next
    calendar date; hazards found by the end of ``end`` (an open one of any found date counts);
    any other kind (units) whole.
    """
    nxt = (period_dates(start, end)[1] + dt.timedelta(days=1)).isoformat()
    dates: dict[str, tuple[str | None, str | None]] = {
        "incidents": (start, end),
        "shifts": (start, nxt),
        "inspections": (start, end),
        "site_checks": (start, end),
        "hazards": (None, end),
    }
    frames = {}
    for kind, cols in columns.items():
        first, last = dates.get(kind, (None, None))
        frames[kind] = store.read(engine, kind, sc, start=first, end=last, columns=cols)
    return frames


def period_figures(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    night: str | None = DEFAULT_NIGHT,
) -> dict[str, int | float]:
    """Key figures of the period ``start``..``end`` (local dates, inclusive) in the scope.

    Keys are :data:`FIGURES`; see :mod:`geo.domain.figures` for each definition (the night
    patrol hours, of the ``night`` window, are the Coverage page's).
    """
    lo, hi = period_dates(start, end)
    sc = store.narrowed(engine, store.figures_scope(scope), area)  # figures only
    frames = figure_frames(engine, sc, start, end)
    hours = night_patrol_hours(engine, sc, start=start, end=end, night=night)  # one sum per night
    return figures_from_frames(frames, lo.isoformat(), hi.isoformat()) | {"night_patrol_h": hours}


def compare(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    night: str | None = DEFAULT_NIGHT,
) -> pd.DataFrame:
    """Figures of the period against the previous period of the same length.

    Returns
    -------
    DataFrame: figure (a :data:`FIGURES` key), value, previous, change (value - previous).
    """
    now = period_figures(engine, scope, start, end, area, night=night)
    p0, p1 = previous_period(start, end)
    before = period_figures(engine, scope, p0, p1, area, night=night)
    rows = [
        {
            "figure": k,
            "value": now[k],
            "previous": before[k],
            "change": round(now[k] - before[k], 1)
            if isinstance(now[k], float)
            else now[k] - before[k],
        }
        for k in FIGURES
    ]
    return pd.DataFrame(rows, columns=["figure", "value", "previous", "change"], dtype=object)


@dataclass(frozen=True)
class Figures:
    """The Overview's key figures of the period against the previous period.

    ``table`` has figure (a :data:`FIGURES` key), value, previous, change, fewer_is_better
    (True where a fall is good news) and help (the string key defining it, :data:`HELP`, or
    None); ``previous_start`` and ``previous_end`` are the previous
    period's local dates (YYYY-MM-DD).
    """

    table: pd.DataFrame
    previous_start: str
    previous_end: str


def figures(
    engine: sa.Engine,
    scope: store.Reader,
    start: str,
    end: str,
    area: str | None = None,
    *,
    night: str | None = DEFAULT_NIGHT,
) -> Figures:
    """:func:`compare` with the previous period's dates and which figures are better lower.

    Parameters
    ----------
    start, end
        Local dates (YYYY-MM-DD), inclusive; ValueError when the end is before the start.
    area
        Narrows the scope (ValueError when outside it).
    night
        Night window ``HH:MM-HH:MM`` of the night patrol hours.
    """
    table = compare(engine, scope, start, end, area, night=night)
    table["fewer_is_better"] = table["figure"].isin(FEWER_IS_BETTER)
    table["help"] = [HELP.get(str(k)) for k in table["figure"]]
    p0, p1 = previous_period(start, end)
    return Figures(table=table, previous_start=p0, previous_end=p1)


@dataclass(frozen=True)
class GapMap:
    """Risk, night coverage and gap per study cell of the period, ranked by gap.

    ``cells``: :func:`geo.services.risk.risk_cells` with dwell_min (night dwell, minutes, one
    decimal); ``top``: the first :data:`TOP_GAPS` cells by rank with rank, place and place_en
    (grid and nearest landmark, :mod:`geo.services.places`), risk (expected incidents per week,
    the jurisdiction's model: the same for every user), risk_pct (its percentile in the area),
    dwell_min, nights, gap (a ranking within the area) and h3 (the cell id; empty without
    cells).
    """

    cells: pd.DataFrame
    top: pd.DataFrame

    def layer(self, name: str) -> pd.DataFrame:
        """The cells a map layer (a :data:`LAYERS` key) draws: those whose value is above 0."""
        value = LAYERS[name]
        return self.cells.loc[self.cells[value] > 0] if len(self.cells) else self.cells


def gap_map(
    engine: sa.Engine,
    scope: store.Reader,
    *,
    start: str,
    end: str,
    res: int = DEFAULT_RES,
    area: str | None = None,
    night: str | None = DEFAULT_NIGHT,
    top: int = TOP_GAPS,
) -> GapMap:
    """The Overview map's cells and its top-gaps table for the period (local dates, inclusive).

    Cells at H3 resolution ``res``, in the scope narrowed to ``area`` (per-cell figures only).
    """
    cells = risk_cells(engine, scope, start=start, end=end, res=res, area=area, night=night)
    if not len(cells):
        return GapMap(cells=cells, top=pd.DataFrame(columns=TOP_COLUMNS))
    cells = cells.assign(dwell_min=(cells["dwell_s"] / 60).round(1))
    best = with_places(engine, scope, cells.head(top)).assign(
        h3=lambda d: hexes.cells_to_str(d["cell"].to_numpy()),
        # rounded as the briefing rounds them (Python's round, not numpy's)
        risk=lambda d: [round(float(v), 3) for v in d["risk"]],
        risk_pct=lambda d: [round(float(v), 2) for v in d["risk_pct"]],
        gap=lambda d: [round(float(v), 3) for v in d["gap"]],
    )
    return GapMap(cells=cells, top=best[TOP_COLUMNS].reset_index(drop=True))
